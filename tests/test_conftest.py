"""The test infrastructure itself: profile selection and the mpmath precision guard.

Each test runs a small pytest session in a subprocess with a copy of tests/conftest.py, so that the
Hypothesis profile it loads and the mpmath state it changes stay out of this process.
"""

from __future__ import annotations

from pathlib import Path

import pytest

CONFTEST = Path(__file__).with_name("conftest.py").read_text(encoding="utf-8")

# The inner test fails, naming the active profile, unless that is `expected`. The getattr fallback
# serves Hypothesis releases older than get_current_profile_name().
PROFILE_PROBE = """
from hypothesis import settings

def test_profile():
    getter = getattr(settings, "get_current_profile_name", lambda: settings._current_profile)
    active = getter()
    assert active == {expected!r}, active
"""


def _run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_probe=source)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Clear the variables that choose a profile, so each test sets only its own."""
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("NEURON_HYPOTHESIS_PROFILE", raising=False)
    return monkeypatch


def test_dev_profile_is_the_default(
    pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch
) -> None:
    result = _run(pytester, PROFILE_PROBE.format(expected="dev"))
    result.assert_outcomes(passed=1)


def test_ci_variable_selects_ci_profile(
    pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("CI", "true")
    result = _run(pytester, PROFILE_PROBE.format(expected="ci"))
    result.assert_outcomes(passed=1)


def test_environment_variable_beats_ci(
    pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("CI", "true")
    clean_env.setenv("NEURON_HYPOTHESIS_PROFILE", "thorough")
    result = _run(pytester, PROFILE_PROBE.format(expected="thorough"))
    result.assert_outcomes(passed=1)


def test_command_line_option_beats_environment_variable(
    pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("NEURON_HYPOTHESIS_PROFILE", "thorough")
    result = _run(pytester, PROFILE_PROBE.format(expected="ci"), "--hypothesis-profile=ci")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["hypothesis profile: ci (--hypothesis-profile): *"])


def test_unknown_profile_name_is_a_usage_error(
    pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("NEURON_HYPOTHESIS_PROFILE", "fast")
    result = _run(pytester, PROFILE_PROBE.format(expected="dev"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*NEURON_HYPOTHESIS_PROFILE='fast' is not a profile*"])


def test_changing_mpmath_precision_fails_and_is_undone(
    pytester: pytest.Pytester, clean_env: pytest.MonkeyPatch
) -> None:
    source = """
from mpmath import iv, mp

def test_sets_global_precision():
    mp.prec = 200
    iv.prec = 300

def test_runs_after_it():
    assert (mp.prec, iv.prec) == (53, 53)
"""
    result = _run(pytester, source)
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*mp.prec 53 -> 200*iv.prec 53 -> 300*"])
