"""The implementation protocol: what the catalogue can check, and how a target is loaded.

An implementation is any module or object with some of the callables in PROTOCOL. Outputs
may be any array-like (numpy arrays, Python floats, lists, CPU tensors); they are converted
with ``numpy.asarray`` to float64.

Every call goes through `checked_call`, which holds the implementation to the contract the
catalogue relies on: it answers with real numbers of the broadcast shape of its arguments, and
leaves its arguments as it found them. A breach raises ContractError, which the gate reports as
a failing property, like any exception the implementation raises.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from neuron.numerics.types import FloatArray

__all__ = [
    "BUILTINS",
    "PROTOCOL",
    "ContractError",
    "ElementError",
    "Implementation",
    "ImplementationError",
    "TargetError",
    "checked_call",
    "describe_exception",
    "load",
]

#: The protocol functions and their parameters (docs/design.md, "The implementation protocol").
PROTOCOL: Final = {
    "sigmoid": ("z",),
    "sigmoid_prime": ("z",),
    "forward": ("w", "x"),
    "loss": ("y", "t"),
    "gradient": ("w", "x", "t"),
    "step": ("w", "x", "t", "lr"),
}

#: Targets known by name, and the module each stands for.
BUILTINS: Final = {
    "reference": "neuron.reference",
    "exact": "neuron.exact",
    "torch": "neuron.gate.adapters.torch_autograd",
    "jax": "neuron.gate.adapters.jax_grad",
}

#: What to install when a built-in adapter's framework is missing.
_EXTRAS: Final = {"torch": "pip install 'neuron[torch]'", "jax": "pip install 'neuron[jax]'"}


# numpy converts strings, dates and raw bytes to float64 without complaint ("0.5" -> 0.5);
# none of them is a number an implementation may answer with.
_NUMERIC_KINDS: Final = frozenset("biufO")


class TargetError(Exception):
    """The target cannot be used: not found, does not import, or provides no protocol function."""


class ImplementationError(Exception):
    """The implementation under test misbehaved; ``str(error)`` is the line the report shows.

    `fatal` marks a failure that makes every further call costly or pointless (a hang, a
    crash of the worker process): the search stops at the input that caused it instead of
    shrinking it.
    """

    fatal: bool = False


class ContractError(ImplementationError):
    """The answer breaks the protocol: not real numbers, the wrong shape, or a mutated argument."""


class ElementError(ImplementationError):
    """An elementwise call failed at element `index` of its arrays."""

    def __init__(self, index: int, message: str, *, fatal: bool = False) -> None:
        super().__init__(message)
        self.index = index
        self.fatal = fatal


def describe_exception(error: BaseException) -> str:
    """The report line for an exception the implementation raised (one line, whatever it held)."""
    if isinstance(error, ImplementationError):
        return str(error)
    if isinstance(error, SystemExit):
        return f"called sys.exit({error.code!r})"
    message = " ".join(str(error).split())
    return (
        f"raised {type(error).__name__}: {message}" if message else f"raised {type(error).__name__}"
    )


def _unchanged(before: NDArray[Any], after: NDArray[Any]) -> bool:
    """Bit for bit: NaN payloads and the sign of zero count, as a caller would see them."""
    if before.shape != after.shape or before.dtype != after.dtype:
        return False
    return before.tobytes() == after.tobytes()


def _numpy_value(argument: Any) -> Any:
    """A fresh numpy copy of an array, a numpy float64 for a Python number: a target meets
    numpy's arithmetic (∞ on overflow), never Python's (OverflowError), whatever calls it."""
    if isinstance(argument, np.ndarray):
        return np.array(argument, copy=True)
    if isinstance(argument, (int, float)) and not isinstance(argument, bool):
        return np.float64(argument)
    return argument


def checked_call(function: Callable[..., Any], name: str, args: Sequence[Any]) -> FloatArray:
    """Call one protocol function and hold its answer to the protocol.

    NumPy arguments are passed as fresh copies, so that an implementation that writes into
    them cannot change the caller's data; the copies are compared with the originals after
    the call. Python numbers are passed as numpy float64 scalars. The answer must convert to
    real numbers with the broadcast shape of the arguments (a 0-d array for scalars).

    Raises
    ------
    ContractError
        If the answer is None, not real numbers, or of the wrong shape, or an argument was
        changed in place.
    """
    copies = [_numpy_value(a) for a in args]
    answer = function(*copies)
    parameters = PROTOCOL.get(name, ())
    for i, (original, copy) in enumerate(zip(args, copies, strict=True)):
        if isinstance(original, np.ndarray) and not _unchanged(original, copy):
            label = parameters[i] if i < len(parameters) else f"#{i + 1}"
            raise ContractError(f"{name} changed its argument {label} in place")
    if answer is None:
        raise ContractError(f"{name} returned None")
    raw = np.asarray(answer)
    if raw.dtype.kind not in _NUMERIC_KINDS:
        raise ContractError(f"{name} returned {raw.dtype} values, not real numbers")
    try:
        result = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ContractError(
            f"{name} returned values numpy cannot read as float64: {error}"
        ) from None
    shape = np.broadcast_shapes(*(np.shape(a) for a in args))
    if result.shape != shape:
        raise ContractError(f"{name} returned shape {result.shape} for arguments of shape {shape}")
    return result


@dataclass(frozen=True)
class Implementation:
    """A named set of protocol functions."""

    name: str
    functions: dict[str, Callable[..., Any]] = field(repr=False)

    @classmethod
    def from_object(cls, obj: Any, name: str | None = None) -> Implementation:
        """Collect the protocol functions a module or object provides."""
        functions = {f: getattr(obj, f) for f in PROTOCOL if callable(getattr(obj, f, None))}
        label = name or str(getattr(obj, "__name__", type(obj).__name__))
        if not functions:
            raise TargetError(f"{label} provides none of {', '.join(PROTOCOL)}")
        return cls(label, functions)

    def provides(self, names: tuple[str, ...]) -> bool:
        """True if every function in `names` is provided."""
        return all(n in self.functions for n in names)

    def __call__(self, function: str, *args: Any) -> FloatArray:
        """Call a protocol function and convert its output to a float64 array (`checked_call`)."""
        return checked_call(self.functions[function], function, args)

    def elementwise(self, function: str, *arrays: FloatArray) -> FloatArray:
        """Call a protocol function once per element, with numpy float64 scalars (a subclass of
        float, so `math` functions take them), for scalar-only code.

        Raises
        ------
        ElementError
            At the first element whose call raises or breaks the contract.
        """
        columns = np.broadcast_arrays(*arrays)
        out = np.empty(columns[0].shape)
        for i in range(out.size):
            element = tuple(float(c.flat[i]) for c in columns)
            try:
                out.flat[i] = self(function, *element)
            except (Exception, SystemExit) as error:  # anything the implementation raises
                raise ElementError(i, describe_exception(error)) from error
        return out

    def close(self) -> None:
        """Release what the implementation holds (nothing, in-process)."""


def _import_file(path: Path) -> Any:
    module_name = f"neuron_target_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise TargetError(f"cannot load {path} as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def load(target: str) -> Implementation:
    """Load a target: a built-in name (`BUILTINS`), a dotted module path, or a path to a .py file.

    Examples
    --------
    >>> sorted(load("reference").functions) == sorted(PROTOCOL)
    True
    """
    try:
        if target.endswith(".py"):
            path = Path(target)
            if not path.is_file():
                raise TargetError(f"no such file: {target}")
            module = _import_file(path)
        else:
            module = importlib.import_module(BUILTINS.get(target, target))
    except TargetError:
        raise
    except (Exception, SystemExit) as error:  # anything the target's own import raises
        message = " ".join(str(error).split())  # one line, whatever the exception printed
        hint = f" ({_EXTRAS[target]})" if target in _EXTRAS else ""
        raise TargetError(
            f"cannot import {target}: {type(error).__name__}: {message}{hint}"
        ) from error
    return Implementation.from_object(module, target)
