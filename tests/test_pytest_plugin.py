"""The pytest plugin (neuron/pytest_plugin.py), run in pytester's inner sessions.

It is installed with the package (the pytest11 entry point), so it is loaded in this very
session too: without --neuron-impl it must add nothing. The inner runs use the dev profile
and -k to run a property or two.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from neuron.gate import runner as verify

IMPLEMENTATIONS = Path(__file__).parent / "implementations"
CLIPPED = str(IMPLEMENTATIONS / "clipped.py")
FAST = ("--neuron-profile=dev", "-p", "no:cacheprovider")


def test_without_a_target_the_plugin_adds_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_own(): pass")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert not any(line.startswith("neuron:") for line in result.outlines)


def test_target_adds_one_test_per_property(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--neuron-impl=reference", "--collect-only", "-q", *FAST)
    collected = [line for line in result.outlines if line.startswith("neuron[")]
    assert len(collected) == len(verify.PROPERTIES)
    assert "neuron[sigmoid-exact]" in collected


def test_header_names_the_target(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(
        "--neuron-impl=reference", "--neuron-policy=ulp:1", "-k", "loss-exact", *FAST
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["neuron: target reference, policy ulp:1, profile dev"])


def test_environment_variable_names_the_target(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEURON_IMPL", "reference")
    result = pytester.runpytest("-k", "loss-exact", "-v", *FAST)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*neuron[[]loss-exact[]] PASSED*"])


def test_failing_property_fails_its_test_with_the_report(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(f"--neuron-impl={CLIPPED}", "-k", "sigmoid-exact", *FAST)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*effort: 30 examples per property, a sweep of 10000 points per function; "
            "worker process, timeout * s per call",
            "*VERDICT: FAIL: 1 property failed; wrong against the oracle: sigmoid",
            "*FAILED sigmoid-exact: σ(z) against the oracle*",
            "*input: *",
            "*reproduce:*",
        ]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    # the points of this property, not zero: the report counts what the item checked
    assert "0 points checked" not in result.stdout.str()


@pytest.mark.parametrize(
    ("require", "outcome"), [("sigmoid,loss", {"failed": 1}), ("sigmoid", {"passed": 1})]
)
def test_require_fails_where_a_named_function_is_missing(
    pytester: pytest.Pytester, require: str, outcome: dict[str, int]
) -> None:
    target = f"--neuron-impl={IMPLEMENTATIONS / 'prints.py'}"  # σ only: no loss
    result = pytester.runpytest(target, f"--neuron-require={require}", "-k", "required", *FAST)
    result.assert_outcomes(**outcome)
    if outcome.get("failed"):
        result.stdout.fnmatch_lines(["*does not provide loss, which --neuron-require names*"])


def test_require_of_an_unknown_function_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--neuron-impl=reference", "--neuron-require=softmax", *FAST)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--neuron-require softmax: not protocol functions*"])


def test_missing_function_skips_its_property(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(
        f"--neuron-impl={IMPLEMENTATIONS / 'prints.py'}", "-k", "loss-exact", "-rs", *FAST
    )
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*does not provide loss*"])


def test_unusable_target_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--neuron-impl=no_such_module_for_neuron", *FAST)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--neuron-impl no_such_module_for_neuron: cannot import*"])


def test_timeout_option_reaches_the_worker(pytester: pytest.Pytester) -> None:
    hangs = IMPLEMENTATIONS / "hangs.py"
    result = pytester.runpytest(
        f"--neuron-impl={hangs}", "--neuron-timeout=0.5", "-k", "sigmoid-exact", *FAST
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*did not return within 0.5 s*"])


def test_internal_error_shows_a_traceback(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> verify.PropertyResult:
        raise RuntimeError("inside the gate")

    monkeypatch.setattr(verify, "run_property", broken)
    result = pytester.runpytest_inprocess("--neuron-impl=reference", "-k", "loss-exact", *FAST)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*RuntimeError: inside the gate*"])


def test_unknown_profile_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--neuron-impl=reference", "--neuron-profile=nightly")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown profile 'nightly'*"])


def test_an_edge_finding_passes_unless_strict(pytester: pytest.Pytester) -> None:
    # flush_subnormals.py is right at every ordinary input: its flush is an edge finding
    flushing = str(IMPLEMENTATIONS / "flush_subnormals.py")
    ci = ("--neuron-profile=ci", "-p", "no:cacheprovider", "-k", "forward-exact")
    pytester.runpytest(f"--neuron-impl={flushing}", *ci).assert_outcomes(passed=1)
    strict = pytester.runpytest(f"--neuron-impl={flushing}", "--neuron-strict", *ci)
    strict.assert_outcomes(failed=1)
    strict.stdout.fnmatch_lines(["*EDGE FINDING forward-exact*", "*class: subnormals flushed*"])
