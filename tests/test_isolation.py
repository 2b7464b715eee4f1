"""The worker process (neuron/gate/isolation.py): hangs, exits, crashes, prints: failures or notes.

docs/design.md, "What bad input gets": an implementation that raises, hangs, exits, returns the
wrong shape, mutates its inputs or answers differently twice is reported as a failing property,
within bounded time, never as a bare traceback. The targets are the modules of
tests/implementations/ (each docstring says what it MUST do) and small files written here.
"""

from __future__ import annotations

import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from neuron.gate import isolation
from neuron.gate import runner as verify
from neuron.gate.isolation import IsolatedImplementation, isolate, open_target
from neuron.gate.protocol import ContractError, ElementError, ImplementationError, TargetError, load
from neuron.gate.tolerance import Float64Policy

IMPLEMENTATIONS = Path(__file__).parent / "implementations"
FLOAT64 = Float64Policy()


def _path(module: str) -> str:
    return str(IMPLEMENTATIONS / f"{module}.py")


def _write(tmp_path: Path, name: str, source: str) -> str:
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    return str(path)


@pytest.fixture
def textbook() -> Iterator[IsolatedImplementation]:
    impl = isolate(_path("textbook"))
    yield impl
    impl.close()


def _run(impl: IsolatedImplementation, only: list[str], sweep: int = 0) -> verify.Report:
    try:
        return verify.run(impl, FLOAT64, profile="ci", only=only, sweep_points=sweep)
    finally:
        impl.close()


def _result(report: verify.Report, identifier: str) -> verify.PropertyResult:
    return next(r for r in report.results if r.id == identifier)


def _message(report: verify.Report, identifier: str) -> str:
    failure = _result(report, identifier).failure
    assert failure is not None, verify.format_report(report)
    return failure.message


# ---------------------------------------------------------------------------------------------
# The worker answers as the target does in-process


def test_worker_answers_bit_for_bit_as_in_process(textbook: IsolatedImplementation) -> None:
    rng = np.random.default_rng(7)
    w, x, t = rng.normal(0, 4, (3, 1000))
    local = load(_path("textbook"))
    isolated = textbook("gradient", w, x, t)
    assert np.array_equal(isolated, local("gradient", w, x, t)), "the worker changed the answers"


def test_worker_lists_the_targets_functions(textbook: IsolatedImplementation) -> None:
    assert sorted(textbook.functions) == sorted(load(_path("textbook")).functions)
    assert textbook.functions["sigmoid"](0.0) == 0.5  # the proxies call through the worker


def test_builtins_run_in_process_and_files_in_a_worker() -> None:
    assert not isinstance(open_target("reference"), IsolatedImplementation)
    impl = open_target(_path("textbook"), timeout=3.0)
    assert isinstance(impl, IsolatedImplementation)
    assert impl.timeout == 3.0
    impl.close()


@pytest.mark.parametrize("timeout", [0.0, -1.0, float("inf"), float("nan")])
def test_timeout_must_be_a_positive_number_of_seconds(timeout: float) -> None:
    with pytest.raises(ValueError, match="--timeout"):
        open_target("reference", timeout)


def test_closed_worker_starts_again_on_the_next_call(textbook: IsolatedImplementation) -> None:
    textbook.close()
    textbook.close()  # closing twice is harmless
    assert textbook("sigmoid", 0.0) == 0.5
    assert textbook.worker.starts == 2


# ---------------------------------------------------------------------------------------------
# Raises, hangs, exits, crashes


def test_raising_implementation_names_the_exception(tmp_path: Path) -> None:
    target = _write(
        tmp_path,
        "raising",
        """
        def sigmoid(z):
            raise ZeroDivisionError("planted")
        """,
    )
    report = _run(isolate(target), ["sigmoid-exact"])
    assert _message(report, "sigmoid-exact") == "raised ZeroDivisionError: planted"


def test_sys_exit_is_reported_as_such(tmp_path: Path) -> None:
    target = _write(tmp_path, "exiting", "import sys\n\ndef sigmoid(z):\n    sys.exit(4)\n")
    report = _run(isolate(target), ["sigmoid-exact"])
    assert _message(report, "sigmoid-exact") == "called sys.exit(4)"


def test_hang_fails_within_the_deadline() -> None:
    started = time.perf_counter()
    report = _run(isolate(_path("hangs"), timeout=0.5), ["sigmoid-exact", "loss-exact"], 1000)
    elapsed = time.perf_counter() - started
    assert "did not return within 0.5 s" in _message(report, "sigmoid-exact")
    assert _result(report, "loss-exact").status == "passed", verify.format_report(report)
    # one hang (0.5 s), no shrinking; the rest is a worker start and a small sweep
    assert elapsed < 20, elapsed


def test_function_that_hung_twice_is_not_called_again() -> None:
    impl = isolate(_path("hangs"), timeout=0.3)
    try:
        for _ in range(isolation.MAX_FATAL):
            with pytest.raises(ImplementationError, match="did not return"):
                impl("sigmoid", 800.0)
        started = time.perf_counter()
        with pytest.raises(ImplementationError, match="not called again after 2 failures"):
            impl("sigmoid", 0.0)
        assert time.perf_counter() - started < 0.3
        assert impl("loss", 0.5, 1.0) == 0.125  # the other functions still answer
    finally:
        impl.close()


def test_os_exit_is_a_failure_and_the_worker_is_replaced() -> None:
    report = _run(isolate(_path("exits")), ["sigmoid-exact", "loss-exact"], 1000)
    assert _message(report, "sigmoid-exact") == (
        "sigmoid did not answer: the worker process exited with status 3"
    )
    assert _result(report, "sigmoid-exact").failure.found_by == "search, not shrunk"  # type: ignore[union-attr]
    assert _result(report, "loss-exact").status == "passed", verify.format_report(report)


def test_segmentation_fault_is_a_failure(tmp_path: Path) -> None:
    target = _write(
        tmp_path,
        "crashing",
        """
        import ctypes

        def sigmoid(z):
            return ctypes.string_at(0)  # reads address 0
        """,
    )
    report = _run(isolate(target), ["sigmoid-exact"])
    assert "the worker process was killed by SIGSEGV" in _message(report, "sigmoid-exact")


def test_worker_killed_between_calls_is_a_failure(textbook: IsolatedImplementation) -> None:
    assert textbook.worker.process is not None
    textbook.worker.process.kill()
    textbook.worker.process.wait()
    with pytest.raises(ImplementationError, match="killed by SIGKILL") as failure:
        textbook("sigmoid", 0.0)
    assert failure.value.fatal
    assert textbook("sigmoid", 0.0) == 0.5  # a new worker


def test_worker_that_closes_its_pipes_but_lingers_stopped_answering(tmp_path: Path) -> None:
    target = _write(
        tmp_path,
        "closing",
        """
        import os, time

        def sigmoid(z):
            os.closerange(3, 256)  # the worker's pipes to the gate
            time.sleep(30)
        """,
    )
    impl = isolate(target)
    try:
        with pytest.raises(ImplementationError, match="the worker process stopped answering"):
            impl("sigmoid", 0.0)
    finally:
        impl.close()


def test_worker_that_cannot_restart_is_a_failure(tmp_path: Path) -> None:
    target = _write(tmp_path, "fragile", "import os\n\ndef sigmoid(z):\n    os._exit(1)\n")
    impl = isolate(target)
    try:
        with pytest.raises(ImplementationError, match="exited with status 1"):
            impl("sigmoid", 0.0)
        Path(target).write_text("raise ImportError('gone')\n")
        with pytest.raises(ImplementationError, match=r"could not restart: .*ImportError: gone"):
            impl("sigmoid", 0.0)
    finally:
        impl.close()


@pytest.mark.parametrize(
    ("code", "description"),
    [
        (None, "stopped answering"),
        (-9, "was killed by SIGKILL"),
        (-1000, "was killed by signal 1000"),
        (5, "exited with status 5"),
    ],
)
def test_exit_descriptions(code: int | None, description: str) -> None:
    assert isolation._exit_description(code) == description


# ---------------------------------------------------------------------------------------------
# Targets that cannot be used: exit status 2, one line


def test_import_error_in_the_worker_is_a_target_error() -> None:
    with pytest.raises(TargetError, match=r"cannot import .*broken_import\.py: AttributeError"):
        isolate(_path("broken_import"))


def test_import_that_ends_the_process_is_a_target_error(tmp_path: Path) -> None:
    target = _write(tmp_path, "dies", "import os\nos._exit(7)\n")
    with pytest.raises(TargetError, match="exited with status 7 while importing it"):
        isolate(target)


def test_import_that_hangs_is_a_target_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(isolation, "IMPORT_TIMEOUT", 0.5)
    target = _write(tmp_path, "sleepy", "import time\ntime.sleep(60)\n")
    with pytest.raises(TargetError, match=r"did not finish importing within 0\.5 s"):
        isolate(target, timeout=0.1)


# ---------------------------------------------------------------------------------------------
# Contract breaches: wrong shape, mutated arguments, different answers


def test_wrong_shape_is_a_failing_property() -> None:
    report = _run(isolate(_path("wrong_shape")), ["sigmoid-exact"])
    assert _message(report, "sigmoid-exact") == (
        "sigmoid returned shape (1,) for arguments of shape ()"
    )


def test_contract_errors_cross_the_worker_as_such() -> None:
    impl = isolate(_path("wrong_shape"))
    try:
        with pytest.raises(ContractError, match=r"returned shape \(1,\)"):
            impl("sigmoid", 0.5)
    finally:
        impl.close()


def test_mutated_argument_is_a_failing_property() -> None:
    report = _run(isolate(_path("mutating")), ["sigmoid-exact"], 1000)
    assert _message(report, "sigmoid-exact").startswith("sigmoid changed its argument z in place")
    assert _result(report, "sigmoid-exact").failure.found_by == "sweep"  # type: ignore[union-attr]


def test_nondeterministic_answers_are_a_failing_property() -> None:
    report = _run(isolate(_path("nondeterministic")), ["sigmoid-exact"], 1000)
    assert "sigmoid answers the same call differently" in _message(report, "sigmoid-exact")


# ---------------------------------------------------------------------------------------------
# Printing is tolerated and kept out of the report


def test_printing_is_counted_not_shown() -> None:
    report = _run(isolate(_path("prints")), ["sigmoid-exact"], 1000)
    text = verify.format_report(report)
    assert report.passed, text
    assert report.printed > 0
    assert report.printed_first_line == "debug: sigmoid called"
    assert "debug: on stderr too" not in text
    assert f"the target wrote {report.printed} bytes to stdout/stderr" in text


# ---------------------------------------------------------------------------------------------
# Elementwise calls in the worker


def test_elementwise_calls_in_the_worker_answer_per_point() -> None:
    impl = isolate(_path("scalar_only"))
    try:
        z = np.linspace(-800.0, 800.0, 600)
        local = load(_path("scalar_only")).elementwise("sigmoid", z)
        assert np.array_equal(impl.elementwise("sigmoid", z), local)
    finally:
        impl.close()


def test_elementwise_failure_names_its_point(tmp_path: Path) -> None:
    target = _write(
        tmp_path,
        "picky",
        """
        def sigmoid(z):
            if z == 1000.0:
                raise ValueError("no")
            return 0.5
        """,
    )
    impl = isolate(target)
    try:
        with pytest.raises(ElementError, match="raised ValueError: no") as failure:
            impl.elementwise("sigmoid", np.r_[np.zeros(300), 1000.0])
        assert failure.value.index == 300  # in the second request of 256 calls
    finally:
        impl.close()


def test_elementwise_hang_is_fatal_at_its_request() -> None:
    impl = isolate(_path("hangs"), timeout=0.3)
    try:
        with pytest.raises(ElementError, match="did not return within") as failure:
            impl.elementwise("sigmoid", np.r_[np.zeros(300), 800.0])
        assert failure.value.fatal
        assert failure.value.index == 256  # the first point of the request that hung
    finally:
        impl.close()
