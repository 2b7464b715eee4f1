"""The implementation protocol: what the catalogue can check, and how a target is loaded.

An implementation is any module or object with some of the callables in PROTOCOL. Outputs
may be any array-like (numpy arrays, Python floats, lists, CPU tensors); they are converted
with ``numpy.asarray`` to float64.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

__all__ = ["PROTOCOL", "Implementation", "TargetError", "load"]

#: The protocol functions and their parameters (DESIGN.md).
PROTOCOL: Final = {
    "sigmoid": ("z",),
    "sigmoid_prime": ("z",),
    "forward": ("w", "x"),
    "loss": ("y", "t"),
    "gradient": ("w", "x", "t"),
    "step": ("w", "x", "t", "lr"),
}


class TargetError(Exception):
    """The target cannot be used: not found, does not import, or provides no protocol function."""


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

    def __call__(self, function: str, *args: Any) -> NDArray[np.float64]:
        """Call a protocol function and convert its output to a float64 array."""
        return np.asarray(self.functions[function](*args), dtype=np.float64)


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
    """Load a target: ``reference``, ``exact``, a dotted module path, or a path to a .py file.

    Examples
    --------
    >>> sorted(load("reference").functions) == sorted(PROTOCOL)
    True
    """
    builtin = {"reference": "neuron.reference", "exact": "neuron.exact"}
    try:
        if target.endswith(".py"):
            path = Path(target)
            if not path.is_file():
                raise TargetError(f"no such file: {target}")
            module = _import_file(path)
        else:
            module = importlib.import_module(builtin.get(target, target))
    except TargetError:
        raise
    except (Exception, SystemExit) as error:  # anything the target's own import raises
        message = " ".join(str(error).split())  # one line, whatever the exception printed
        raise TargetError(f"cannot import {target}: {type(error).__name__}: {message}") from error
    return Implementation.from_object(module, target)
