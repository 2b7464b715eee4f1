"""The ``neuron`` command: ``neuron verify [TARGET]`` runs the property catalogue against TARGET.

Exit status: 0 every property passed, 1 some property failed, 2 the target or the options
could not be used.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from neuron import __version__
from neuron.protocol import TargetError, load
from neuron.tolerance import parse_policy
from neuron.verify import PROFILES, format_report, run

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="neuron",
        description="The single sigmoid neuron, and a gate for implementations of it.",
    )
    parser.add_argument("--version", action="version", version=f"neuron {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="run the property catalogue against a target")
    verify.add_argument(
        "target",
        nargs="?",
        default="reference",
        help="'reference' (default), 'exact', a dotted module path, or a path to a .py file",
    )
    verify.add_argument("--policy", default="float64", help="float64 (default) or ulp:N")
    verify.add_argument("--profile", default="ci", choices=sorted(PROFILES))
    verify.add_argument("--max-examples", type=int, help="Hypothesis examples per property")
    verify.add_argument("--seed", type=int, help="seed for a reproducible random search")
    verify.add_argument("--only", help="comma-separated property ids")
    verify.add_argument("--json", type=Path, help="also write the report as JSON to this file")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``neuron`` console script and of ``python -m neuron``."""
    args = _parser().parse_args(argv)
    try:
        if args.max_examples is not None and args.max_examples < 1:
            raise ValueError(f"--max-examples must be at least 1, got {args.max_examples}")
        if args.json is not None and not args.json.parent.is_dir():
            raise ValueError(f"--json {args.json}: no such directory: {args.json.parent}")
        policy = parse_policy(args.policy)
        impl = load(args.target)
        only = args.only.split(",") if args.only else None
        report = run(
            impl,
            policy,
            profile=args.profile,
            max_examples=args.max_examples,
            random_seed=args.seed,
            only=only,
        )
    except (TargetError, ValueError) as error:
        print(f"neuron: error: {error}", file=sys.stderr)
        return 2
    print(format_report(report))
    if args.json is not None:
        try:
            args.json.write_text(report.to_json() + "\n")
        except OSError as error:
            print(f"neuron: error: cannot write {args.json}: {error.strerror}", file=sys.stderr)
            return 2
    return 0 if report.passed else 1
