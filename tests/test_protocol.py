"""The protocol's contract (neuron/gate/protocol.py): answers of the right shape, inputs untouched.

Every expected behaviour here is docs/design.md's: outputs are array-likes converted with
numpy.asarray, elementwise over broadcast arguments; the gate reports a breach as a failing
property (ContractError), never as a wrong number.
"""

from __future__ import annotations

import importlib.util
import inspect
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import neuron
from neuron import exact
from neuron.gate.protocol import (
    ContractError,
    ElementError,
    Implementation,
    ImplementationError,
    TargetError,
    checked_call,
    describe_exception,
    load,
)


def _half(*args: Any) -> Any:
    return np.full(np.broadcast_shapes(*(np.shape(a) for a in args)), 0.5)


def test_answer_is_float64_of_the_broadcast_shape() -> None:
    out = checked_call(_half, "gradient", (np.zeros((2, 1)), np.zeros(3), 1.0))
    assert (out.shape, out.dtype) == ((2, 3), np.float64)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        pytest.param(None, "sigmoid returned None", id="None"),
        pytest.param("0.5", "sigmoid returned <U3 values, not real numbers", id="string"),
        pytest.param(
            0.5 + 0j, "sigmoid returned complex128 values, not real numbers", id="complex"
        ),
        pytest.param(
            [0.5, 0.5], r"sigmoid returned shape \(2,\) for arguments of shape \(\)", id="shape"
        ),
        pytest.param([{}], "sigmoid returned values numpy cannot read as float64", id="object"),
    ],
)
def test_answer_that_is_not_real_numbers_of_the_right_shape_breaks_the_contract(
    answer: object, message: str
) -> None:
    with pytest.raises(ContractError, match=message):
        checked_call(lambda z: answer, "sigmoid", (0.5,))


def test_python_floats_lists_and_integers_are_answers() -> None:
    assert checked_call(lambda z: 1, "sigmoid", (0.5,)).dtype == np.float64
    assert checked_call(lambda z: [0.5, 1.0], "sigmoid", (np.zeros(2),)).tolist() == [0.5, 1.0]


@pytest.mark.parametrize("shape", [(), (3,)], ids=["0-d", "1-d"])
def test_argument_changed_in_place_breaks_the_contract(shape: tuple[int, ...]) -> None:
    def negate(z: Any) -> Any:
        np.negative(z, out=z)
        return np.zeros(shape)

    z = np.ones(shape)
    with pytest.raises(ContractError, match="sigmoid changed its argument z in place"):
        checked_call(negate, "sigmoid", (z,))
    assert np.all(z == 1.0), "the caller's array must be left as it was"


def test_sign_of_zero_changed_in_place_breaks_the_contract() -> None:
    def flip(w: Any, x: Any) -> Any:
        x[...] = -0.0
        return np.zeros(2)

    with pytest.raises(ContractError, match="forward changed its argument x in place"):
        checked_call(flip, "forward", (np.zeros(2), np.zeros(2)))


def test_argument_beyond_the_protocols_is_named_by_position() -> None:
    def grow(z: Any, extra: Any) -> Any:
        extra += 1
        return 0.5

    with pytest.raises(ContractError, match="changed its argument #2 in place"):
        checked_call(grow, "custom", (0.5, np.zeros(())))


def test_elementwise_calls_once_per_point_and_names_the_failing_one() -> None:
    def sigmoid(z: float) -> float:
        assert isinstance(z, float)
        if z > 1:
            raise OverflowError("too big")
        return 0.5

    impl = Implementation("scalar", {"sigmoid": sigmoid})
    assert impl.elementwise("sigmoid", np.zeros((2, 2))).shape == (2, 2)
    with pytest.raises(ElementError, match="raised OverflowError: too big") as failure:
        impl.elementwise("sigmoid", np.array([0.0, 1.0, 2.0]))
    assert failure.value.index == 2


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (ValueError("a\n  b"), "raised ValueError: a b"),
        (KeyError(), "raised KeyError"),
        (SystemExit(3), "called sys.exit(3)"),
        (ImplementationError("as it is"), "as it is"),
    ],
)
def test_exception_is_described_in_one_line(error: BaseException, line: str) -> None:
    assert describe_exception(error) == line


def test_closing_an_in_process_implementation_does_nothing() -> None:
    impl = load("reference")
    impl.close()
    assert impl("sigmoid", 0.0) == 0.5


@pytest.mark.skipif(importlib.util.find_spec("torch") is not None, reason="torch is installed")
def test_missing_framework_of_an_adapter_says_what_to_install() -> None:
    with pytest.raises(TargetError, match=r"cannot import torch: .*pip install 'neuron\[torch\]'"):
        load("torch")


# ---------------------------------------------------------------------------------------------
# `import neuron` is light: the pytest plugin loads in every pytest run


def test_package_attributes_come_from_the_reference() -> None:
    assert neuron.sigmoid is neuron.reference.sigmoid
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        _ = neuron.no_such_name  # type: ignore[attr-defined]


def test_dir_lists_the_public_functions_without_importing_them() -> None:
    # Tab completion uses dir(); the lazy __getattr__ alone would hide every function.
    package_parent = str(Path(neuron.__file__).parents[1])
    code = (
        f"import sys; sys.path.insert(0, {package_parent!r}); import neuron; names = dir(neuron); "
        "print(sorted(set(neuron.__all__) - set(names)), 'numpy' in sys.modules)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert completed.stdout.split() == ["[]", "False"], completed.stdout
    assert set(neuron.__all__) <= set(dir(neuron))
    assert {"forward", "gradient", "sigmoid", "step", "train"} <= set(neuron.__all__)


@pytest.mark.parametrize(
    "function",
    [getattr(neuron, n) for n in neuron.__all__ if n[0].islower() and n != "__version__"]
    + [getattr(exact, n) for n in exact.__all__ if callable(getattr(exact, n)) and n[0].islower()],
    ids=lambda f: f"{f.__module__}.{f.__name__}",
)
def test_public_functions_have_numpydoc_sections(function: Any) -> None:
    doc = inspect.getdoc(function) or ""
    for section in ("Parameters", "Returns", "Examples"):
        assert f"\n{section}\n" in doc, (function.__name__, section)
    assert ">>> " in doc, function.__name__


def test_importing_the_plugin_imports_no_numerics() -> None:
    package_parent = str(Path(neuron.__file__).parents[1])
    code = (
        f"import sys; sys.path.insert(0, {package_parent!r}); import neuron.pytest_plugin; "
        "print(sorted(m for m in ('numpy', 'mpmath', 'hypothesis') if m in sys.modules))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert completed.stdout.strip() == "[]", completed.stdout


def test_argument_reshaped_in_place_breaks_the_contract() -> None:
    def reshape(z: Any) -> Any:
        with warnings.catch_warnings():  # numpy >= 2.5 deprecates setting .shape; still works
            warnings.simplefilter("ignore", DeprecationWarning)
            z.shape = (2, 1)
        return np.zeros(2)

    with pytest.raises(ContractError, match="changed its argument z in place"):
        checked_call(reshape, "sigmoid", (np.zeros(2),))


def test_file_that_importlib_cannot_load_is_a_target_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "odd.py"
    target.write_text("def sigmoid(z):\n    return 0.5\n")
    monkeypatch.setattr(importlib.util, "spec_from_file_location", lambda *a, **k: None)
    with pytest.raises(TargetError, match=f"cannot load {target} as a Python module"):
        load(str(target))
