"""Shared test configuration: Hypothesis profiles and a guard on mpmath's global precision.

Profiles (the settings live in neuron.gate.runner.PROFILES, shared with `neuron verify --profile`):

    dev       fast local runs (the default)
    ci        derandomized, no example database, prints a reproduction blob;
              chosen automatically when the CI environment variable is set
    thorough  long randomized search, for a nightly or pre-release run

Selection, strongest first: pytest's ``--hypothesis-profile=NAME`` (Hypothesis's own option, applied
by its plugin after this file has registered the profiles), the environment variable
NEURON_HYPOTHESIS_PROFILE, ``ci`` when CI is set, else ``dev``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import settings
from mpmath import iv, mp

from neuron.gate.runner import PROFILES

pytest_plugins = ("pytester",)

PROFILE_ENV_VAR = "NEURON_HYPOTHESIS_PROFILE"

HYPOTHESIS_PROFILES: dict[str, dict[str, Any]] = PROFILES  # defined once, in neuron.gate.runner

for _name, _values in HYPOTHESIS_PROFILES.items():
    settings.register_profile(_name, **_values)


def _chosen_profile() -> tuple[str, str]:
    """Return the profile named by the environment, and where that choice came from."""
    requested = os.environ.get(PROFILE_ENV_VAR, "")
    if requested:
        if requested not in HYPOTHESIS_PROFILES:
            known = ", ".join(HYPOTHESIS_PROFILES)
            msg = f"{PROFILE_ENV_VAR}={requested!r} is not a profile; known profiles: {known}"
            raise pytest.UsageError(msg)
        return requested, PROFILE_ENV_VAR
    if os.environ.get("CI"):
        return "ci", "CI is set"
    return "dev", "default"


_profile_source = "unset"


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # tryfirst: Hypothesis's plugin loads --hypothesis-profile in its own pytest_configure, which
    # must run after this one so that the command-line option wins.
    global _profile_source
    name, _profile_source = _chosen_profile()
    settings.load_profile(name)


def _current_profile_name() -> str:
    getter = getattr(settings, "get_current_profile_name", None)  # Hypothesis >= 6.123
    return str(getter() if getter is not None else settings._current_profile)


def pytest_report_header(config: pytest.Config) -> str:
    name = _current_profile_name()
    source = "--hypothesis-profile" if config.getoption("--hypothesis-profile", None) else None
    active = settings.default
    shown = ", ".join(
        f"{key}={getattr(active, key)!r}" for key in HYPOTHESIS_PROFILES.get(name, {})
    )
    return f"hypothesis profile: {name} ({source or _profile_source}): {shown}"


_MPMATH_GLOBALS = ((mp, "mp"), (iv, "iv"))


@pytest.fixture(autouse=True)
def _mpmath_global_state_unchanged() -> Iterator[None]:
    """Fail a test that leaves mpmath's process-wide precision changed, and restore it.

    mpmath's precision is global to the process: a test that sets mp.prec instead of using
    mp.workprec would silently change the precision of every test after it.
    """
    before = [(ctx.prec, ctx.pretty) for ctx, _ in _MPMATH_GLOBALS]
    yield
    changed = []
    for (ctx, label), (prec, pretty) in zip(_MPMATH_GLOBALS, before, strict=True):
        if (ctx.prec, ctx.pretty) != (prec, pretty):
            changed.append(
                f"{label}.prec {prec} -> {ctx.prec}, {label}.pretty {pretty} -> {ctx.pretty}"
            )
            ctx.prec, ctx.pretty = prec, pretty
    if changed:
        pytest.fail(
            "test changed mpmath's global state (restored now; use mp.workprec/workdps): "
            + "; ".join(changed),
            pytrace=False,
        )
