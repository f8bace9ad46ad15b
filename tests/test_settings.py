"""Settings from keywords: resolved once, the same rule whatever a cache holds."""

import subprocess
import sys

import numpy as np
import pytest

import dtmfkit
from dtmfkit import ParameterError, Timing, Voice, render
from dtmfkit._settings import resolve


def test_flat_keywords_build_the_values() -> None:
    settings = resolve("render", 16000, "asterisk", None, None, {"tone_ms": 80, "twist_db": 2})
    assert settings.rate == 16000
    assert settings.profile is dtmfkit.PROFILES["asterisk"]
    assert settings.timing == dtmfkit.PROFILES["asterisk"].timing.replace(tone_ms=80)
    assert settings.voice == Voice(twist_db=2)


def test_values_and_flat_keywords_render_alike() -> None:
    flat = render("1w2", tone_ms=100, gap_ms=50, level_dbm0=-6, twist_db=1, ramp_ms=2)
    values = render("1w2", timing=Timing(100, 50), voice=Voice(-6, 1, 2))
    assert np.array_equal(flat, values)


def test_a_profile_refuses_a_timing_outside_its_platform_range() -> None:
    with pytest.raises(ParameterError, match="bandwidth-bxml accepts tone_ms from 50 to 5000"):
        render("1", profile="bandwidth-bxml", timing=Timing(40, 400))


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ({"rate": 8000}, {"rate": 8000.0}),
        ({"twist_db": 1}, {"twist_db": True}),
        ({"tone_ms": 1, "ramp_ms": 0}, {"tone_ms": True, "ramp_ms": 0}),
    ],
)
def test_the_same_rule_holds_whatever_the_cache_holds(
    first: dict[str, object], then: dict[str, object]
) -> None:
    """8000.0 == 8000 and True == 1 hash alike: a cached value must not let the other in."""
    render("1", **first)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        render("1", **then)  # type: ignore[arg-type]


def test_a_fresh_process_refuses_a_float_rate_too() -> None:
    code = (
        "import dtmfkit\n"
        "try:\n    dtmfkit.render('1', rate=8000.0)\n"
        "except TypeError as e:\n    print('refused')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "refused"


@pytest.mark.parametrize("value", [[1], {"a": 1}])
def test_unhashable_values_get_the_precise_error(value: object) -> None:
    with pytest.raises(TypeError, match="must be a number"):
        render("1", tone_ms=value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"voice": -6}, "voice must be a Voice, not int"),
        ({"timing": 200}, "timing must be a Timing, not int"),
        ({"profile": 3}, "profile must be a name or a Profile"),
    ],
)
def test_values_of_the_wrong_type(options: dict[str, object], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        render("1", **options)  # type: ignore[arg-type]
