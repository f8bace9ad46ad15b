"""Voice: level, twist and ramps as one validated value."""

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from dtmfkit import ParameterError, Voice, preview, render


def test_amplitudes_follow_the_g711_convention() -> None:
    voice = Voice(level_dbm0=3.17, twist_db=-40)
    assert voice.low_amplitude == pytest.approx(1.0)
    assert voice.high_amplitude == pytest.approx(0.01)
    assert Voice().low_amplitude == pytest.approx(10 ** ((-10 - 3.17) / 20))


def test_values_compare_and_hash_by_their_settings() -> None:
    assert Voice(-6, 2, 5) == Voice(level_dbm0=-6.0, twist_db=2, ramp_ms=Fraction(5))
    assert hash(Voice(-6, 2)) == hash(Voice(-6.0, 2.0))
    assert Voice(-6) != Voice(-7)
    assert Voice().replace(level_dbm0=-6) == Voice(-6)
    assert repr(Voice()) == "Voice(level_dbm0=-10.0, twist_db=0.0, ramp_ms=Fraction(5, 1))"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"level_dbm0": -91}, "level_dbm0 must be from -90 to 3.17, got -91"),
        ({"level_dbm0": 1e400}, "level_dbm0 must be finite"),
        ({"level_dbm0": Decimal("1e400")}, "level_dbm0 must be from -90"),
        ({"twist_db": 41}, "twist_db must be from -40 to 40, got 41"),
        ({"ramp_ms": -1}, "ramp_ms must be at least 0"),
        ({"ramp_ms": math.nan}, "ramp_ms must be finite"),
    ],
)
def test_out_of_range(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        Voice(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("kwargs", [{"level_dbm0": True}, {"twist_db": "1"}, {"ramp_ms": None}])
def test_wrong_types(kwargs: dict[str, object]) -> None:
    with pytest.raises(TypeError):
        Voice(**kwargs)  # type: ignore[arg-type]


def test_a_clipping_voice_is_previewed_and_not_rendered() -> None:
    loud = Voice(level_dbm0=0, twist_db=2)
    assert loud.peak > 1
    assert "clipping" in [w.code for w in preview("1", voice=loud).warnings]
    with pytest.raises(ParameterError, match=r"would clip: the tone pair peaks at 1\.568"):
        render("1", voice=loud)


def test_flat_keywords_change_the_voice_given() -> None:
    base = Voice(level_dbm0=-20, twist_db=2, ramp_ms=0)
    assert np.array_equal(
        render("5", voice=base, level_dbm0=-12), render("5", voice=Voice(-12, 2, 0))
    )
