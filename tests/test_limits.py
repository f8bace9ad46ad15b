"""Every checked number once: the limits and their validators."""

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from dtmfkit import ParameterError
from dtmfkit._limits import (
    FULL_SCALE_DBM0,
    MIN_DTMF_RATE,
    check_dtmf_rate,
    decibels,
    milliseconds,
    sample_rate,
)


def test_the_standards_figures() -> None:
    assert FULL_SCALE_DBM0 == 3.17
    assert MIN_DTMF_RATE == 3267


@pytest.mark.parametrize(
    ("value", "exact"),
    [(33.3, Fraction(333, 10)), (Decimal("0.5"), Fraction(1, 2)), (200, Fraction(200))],
)
def test_milliseconds_are_exact(value: object, exact: Fraction) -> None:
    assert milliseconds(value, "x") == exact


@pytest.mark.parametrize(
    "value",
    [Decimal("1e10000000"), Decimal("1e-9999999"), 10**10000, -(10**10000)],
    ids=["1e10000000", "1e-9999999", "10**10000", "-10**10000"],
)
def test_absurd_numbers_are_refused_without_converting_them(value: object) -> None:
    # Converting any of these to a Fraction would take seconds to minutes.
    with pytest.raises(ParameterError, match="tone_ms") as caught:
        milliseconds(value, "tone_ms", positive=True)
    assert len(str(caught.value)) < 200


def test_decimal_places_are_the_values_own() -> None:
    assert milliseconds(Decimal("1.000000000"), "x") == 1
    assert milliseconds(Decimal("0.000001"), "x") == Fraction(1, 10**6)
    with pytest.raises(ParameterError, match="finer than 1 ns"):
        milliseconds(Decimal("0.0000001"), "x")


def test_rates() -> None:
    assert sample_rate(np.int64(16000)) == 16000
    with pytest.raises(TypeError, match="rate must be an integer number of Hz, not float"):
        sample_rate(8000.0)
    with pytest.raises(ParameterError, match="rate must be from 1 to 768000 Hz, got 768001"):
        sample_rate(768001)
    with pytest.raises(ParameterError, match="1633 Hz tone needs a rate above 3266 Hz"):
        check_dtmf_rate(3266)


def test_decibels() -> None:
    assert decibels(-6, "level", (-90, 3)) == -6.0
    with pytest.raises(ParameterError, match="level must be finite, got inf"):
        decibels(float("inf"), "level", (-90, 3))
    with pytest.raises(TypeError, match="level must be a number of dB, not bool"):
        decibels(True, "level", (-90, 3))
