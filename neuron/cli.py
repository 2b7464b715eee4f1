"""The ``neuron`` command: ``neuron verify [TARGET]`` runs the property catalogue against TARGET.

Exit status: 0 no property failed at an ordinary input (edge findings are listed, and fail
the run only with ``--strict``), 1 some property failed, 2 the target or the options could not
be used. ``neuron proofs`` runs the machine checks of proofs/ (neuron/theorems.py) and
``neuron explain`` works one gradient step through, number by number (neuron/explain.py).
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path

from neuron import __version__, explain, theorems
from neuron.gate.isolation import DEFAULT_TIMEOUT, open_target
from neuron.gate.properties import PROPERTIES
from neuron.gate.protocol import PROTOCOL, TargetError
from neuron.gate.report import format_report
from neuron.gate.runner import PROFILES, SWEEP_POINTS, run
from neuron.gate.tolerance import parse_policy

__all__ = ["main"]


def _listed(items: Iterable[str]) -> str:
    text = ", ".join(items)
    return textwrap.fill(
        text, 78, initial_indent="  ", subsequent_indent="  ", break_on_hyphens=False
    )


_VERIFY_EPILOG = f"""\
properties (--only):
{_listed(p.id for p in PROPERTIES)}
protocol functions (--require):
{_listed(f"{n}({', '.join(a)})" for n, a in PROTOCOL.items())}
policies (--policy):
  float64   what a sound float64 evaluation of the textbook formulas can produce (default)
  ulp:N     within N ulps of the correctly rounded value everywhere
exit status:
  0  no property failed at an ordinary input (edge findings fail only with --strict)
  1  a property failed, an edge finding under --strict, or a --require'd function is missing
  2  the target or an option cannot be used
defaults: profile ci, timeout {DEFAULT_TIMEOUT:g} s per call, sweep {SWEEP_POINTS["ci"]} points
per function (ci)
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="neuron",
        description="The single sigmoid neuron, and a gate for implementations of it.",
    )
    parser.add_argument("--version", action="version", version=f"neuron {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser(
        "verify",
        help="run the property catalogue against a target",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_VERIFY_EPILOG,
    )
    verify.add_argument(
        "target",
        nargs="?",
        default="reference",
        help="'reference' (default), 'exact', 'torch', 'jax', a dotted module path, or a path "
        "to a .py file (run in a worker process)",
    )
    verify.add_argument("--policy", default="float64", help="float64 (default) or ulp:N")
    verify.add_argument("--profile", default="ci", choices=sorted(PROFILES))
    verify.add_argument("--max-examples", type=int, help="Hypothesis examples per property")
    verify.add_argument("--seed", type=int, help="seed for a reproducible random search")
    verify.add_argument("--only", help="comma-separated property ids (listed below)")
    verify.add_argument(
        "--require",
        help="comma-separated protocol functions the target must provide: the run fails "
        "(exit 1) if one is missing, instead of reporting it as not provided",
    )
    verify.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"seconds one call of the target may take (default {DEFAULT_TIMEOUT:g})",
    )
    verify.add_argument(
        "--sweep",
        type=int,
        help="points per function of the vectorized sweep (default by profile: "
        + ", ".join(f"{k} {v}" for k, v in SWEEP_POINTS.items())
        + "; 0 for none)",
    )
    verify.add_argument(
        "--strict",
        action="store_true",
        help="fail on edge findings too: properties that fail only at edge inputs (subnormal "
        "arguments, targets far outside [0, 1], extreme learning rates, overflowing products)",
    )
    verify.add_argument("--json", type=Path, help="also write the report as JSON to this file")
    verify.add_argument("--junit", type=Path, help="also write the report as JUnit XML")
    theorems.add_arguments(
        commands.add_parser("proofs", help="run the machine checks of the theorems in proofs/")
    )
    explain.add_arguments(
        commands.add_parser("explain", help="work one gradient step through, number by number")
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``neuron`` console script and of ``python -m neuron``."""
    args = _parser().parse_args(argv)
    if args.command == "proofs":
        return theorems.run(args)
    if args.command == "explain":
        return explain.run(args)
    return _verify(args)


def _progress(index: int, total: int, identifier: str) -> None:
    """One line on the terminal, rewritten in place; cleared after the last property."""
    sys.stderr.write(f"\r\033[K[{index}/{total}] {identifier}")
    sys.stderr.flush()


def _verify(args: argparse.Namespace) -> int:
    try:
        if args.max_examples is not None and args.max_examples < 1:
            raise ValueError(f"--max-examples must be at least 1, got {args.max_examples}")
        for option in ("json", "junit"):
            path = getattr(args, option)
            if path is not None and not path.parent.is_dir():
                raise ValueError(f"--{option} {path}: no such directory: {path.parent}")
            if path is not None and path.is_dir():
                raise ValueError(f"--{option} {path}: is a directory, not a file")
        required = [n for n in (args.require or "").split(",") if n]
        unknown = [n for n in required if n not in PROTOCOL]
        if unknown:
            raise ValueError(
                f"--require {','.join(unknown)}: not protocol functions; choose from "
                + ", ".join(PROTOCOL)
            )
        policy = parse_policy(args.policy)
        only = args.only.split(",") if args.only else None
        impl = open_target(args.target, args.timeout)
        try:
            report = run(
                impl,
                policy,
                profile=args.profile,
                max_examples=args.max_examples,
                random_seed=args.seed,
                only=only,
                sweep_points=args.sweep,
                progress=_progress if sys.stderr.isatty() else None,
            )
        finally:
            impl.close()
            if sys.stderr.isatty():
                sys.stderr.write("\r\033[K")
    except (TargetError, ValueError) as error:
        print(f"neuron: error: {error}", file=sys.stderr)
        return 2
    report.required, report.strict = tuple(required), bool(args.strict)
    print(format_report(report))
    for path, text in ((args.json, report.to_json), (args.junit, report.to_junit)):
        if path is None:
            continue
        try:
            path.write_text(text() + "\n")
        except OSError as error:
            print(f"neuron: error: cannot write {path}: {error.strerror}", file=sys.stderr)
            return 2
    passed = report.verdict
    return 0 if passed else 1
