"""Every number dtmfkit checks against, each once with its source, and the checks themselves.

Standards:

- **G.711**: the digital milliwatt is 3.17 dB below a full-scale sine, so full scale is
  +3.17 dBm0 (:data:`FULL_SCALE_DBM0`).
- **ITU-T Q.24** receiver limits, as spandsp (``dtmf.c``) and Asterisk (``main/dsp.c``) apply
  them: frequencies within ±1.5 % must be accepted and beyond ±3.5 % rejected; tones and pauses
  of 40 ms must be recognised; twist (high group minus low group) within +4 / −8 dB; each tone
  from −25 to 0 dBm0.
- **Nyquist**: the highest DTMF tone is 1633 Hz, so a rate must exceed 3266 Hz to carry it.

dtmfkit's own ranges (chosen, not standard): rates of 1 Hz to 768 kHz, durations up to 10 s,
levels from −90 dBm0 to full scale, twist within ±40 dB.

Every validator names the parameter it checks and echoes the value, so that one rule gives one
message wherever a number comes from (the API or the command line).

Examples
--------
>>> from dtmfkit._limits import milliseconds, sample_rate
>>> milliseconds(33.3, "gap_ms")
Fraction(333, 10)
>>> sample_rate(8000.0)
Traceback (most recent call last):
...
TypeError: rate must be an integer number of Hz, not float: 8000.0
"""

from __future__ import annotations

import math
import numbers
import operator
import os
from decimal import Decimal
from fractions import Fraction
from typing import Final, TypeGuard, cast

import numpy as np

from dtmfkit._errors import ParameterError
from dtmfkit._keypad import HIGH_GROUP_HZ

__all__ = [
    "ALWAYS_FITS",
    "FREQUENCY_ACCEPT",
    "FREQUENCY_REJECT",
    "FULL_SCALE_DBM0",
    "LEVEL_RANGE_DBM0",
    "MAX_DURATION_MS",
    "MAX_RATE",
    "MIN_DTMF_RATE",
    "MIN_PAUSE_MS",
    "MIN_TONE_MS",
    "RECEIVE_LEVEL_DBM0",
    "TWIST_LIMITS_DB",
    "TWIST_RANGE_DB",
    "Milliseconds",
    "check_dtmf_rate",
    "decibels",
    "fits",
    "milliseconds",
    "sample_rate",
    "shown",
]

#: G.711: a full-scale sine is +3.17 dBm0.
FULL_SCALE_DBM0: Final = 3.17
#: Q.24: a tone within ±1.5 % of its nominal frequency must be accepted.
FREQUENCY_ACCEPT: Final = 0.015
#: Q.24: a tone beyond ±3.5 % must be rejected.
FREQUENCY_REJECT: Final = 0.035
#: Q.24: tones of 40 ms and more must be recognised.
MIN_TONE_MS: Final = 40
#: Q.24: pauses of 40 ms and more must be recognised.
MIN_PAUSE_MS: Final = 40
#: Q.24: twist, high group minus low group, in dB: reverse twist down to −8, normal up to +4.
TWIST_LIMITS_DB: Final = (-8.0, 4.0)
#: The per-tone levels a receiver must accept, in dBm0 (Q.24's operating range).
RECEIVE_LEVEL_DBM0: Final = (-25.0, 0.0)
#: Nyquist: the 1633 Hz tone needs more than twice its frequency.
MIN_DTMF_RATE: Final = 2 * max(HIGH_GROUP_HZ) + 1
#: The highest sample rate dtmfkit accepts (the highest libsndfile and sound cards use).
MAX_RATE: Final = 768_000
#: The longest tone, gap or lead-in dtmfkit accepts.
MAX_DURATION_MS: Final = 10_000
#: Levels dtmfkit renders, per tone: from far below any receiver's floor to full scale.
LEVEL_RANGE_DBM0: Final = (-90.0, FULL_SCALE_DBM0)
#: Twist dtmfkit renders (the Q.24 limits are far inside it; beyond them is a warning).
TWIST_RANGE_DB: Final = (-40.0, 40.0)
# Allocations this small are never checked (asking the system costs a microsecond).
#: An allocation smaller than this is never checked against the free memory.
ALWAYS_FITS: Final = 256 << 20

#: A duration in milliseconds, as callers may give it.
Milliseconds = int | float | Fraction | Decimal

# Durations are exact fractions of a millisecond no finer than this (1 ns), so that every
# boundary of a 92-character string at 768 kHz fits in int64 arithmetic.
_MAX_DENOMINATOR: Final = 10**6


def fits(nbytes: int, what: str) -> int:
    """Refuse, before allocating, what would not fit in the memory this machine has free.

    Raises
    ------
    ParameterError
        Naming how much `what` would need, and how much there is.
    """
    if nbytes < ALWAYS_FITS:
        return nbytes
    try:
        free = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # not every system tells
        return nbytes
    if nbytes > free:
        raise ParameterError(
            f"{what} would need {nbytes / 2**30:.1f} GiB of memory; {free / 2**30:.1f} GiB is free"
        )
    return nbytes


def shown(value: object) -> str:
    """``repr(value)`` for a message, short even for a huge number.

    Examples
    --------
    >>> shown(8000.0), shown(2**5000)
    ('8000.0', 'an integer of 5001 bits')
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 100:
        return f"an integer of {value.bit_length()} bits"
    # A number typed on the command line arrives as a Decimal: shown as typed.
    text = str(value) if isinstance(value, Decimal) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _real(value: object) -> TypeGuard[numbers.Real | Decimal]:
    """A real number, of any kind (numpy scalars too), but not a bool."""
    return not isinstance(value, bool | np.bool_) and isinstance(value, numbers.Real | Decimal)


def _exact(value: numbers.Real | Decimal) -> Fraction:
    """The exact value; a float as the decimal it prints as (``33.3`` is 333/10)."""
    if isinstance(value, Decimal | numbers.Rational):
        return Fraction(value)
    # Floats of any width, as written: repr of the double.
    return Fraction(repr(float(value)))


def _finite(value: numbers.Real | Decimal) -> bool:
    # math.isfinite(Decimal("1e400")) converts to a float and says no.
    if isinstance(value, Decimal):
        return value.is_finite()
    return not isinstance(value, float | np.floating) or math.isfinite(value)


def _decimal_places(value: Decimal) -> int:
    """Digits after the decimal point that are not trailing zeros (the value's own digits,
    not a context's: normalize() would round 1e-9999999 to 0)."""
    _, digits, exponent = value.as_tuple()
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -(int(exponent) + trailing)) if any(digits) else 0


def milliseconds(value: object, name: str, *, positive: bool = False) -> Fraction:
    """Check a duration in ms and return it exactly.

    A float counts as the decimal it prints as (``33.3`` is 333/10, not its binary neighbour).

    Raises
    ------
    TypeError
        Not a real number (a bool is not; numpy's numbers are).
    ParameterError
        Not finite, below 0 (or 0 when `positive`), above 10 000 ms, or finer than 1 ns.
    """
    if not _real(value):
        raise TypeError(
            f"{name} must be a number of milliseconds, not {type(value).__name__}: {shown(value)}"
        )
    if not _finite(value):
        raise ParameterError(f"{name} must be finite, got {shown(value)}")
    # Compare and check the exponent before converting: Fraction(Decimal("1e-9999999")) builds
    # a ten-million-digit denominator.
    low = "more than 0" if positive else "at least 0"
    out_of_range = ParameterError(
        f"{name} must be {low} and at most {MAX_DURATION_MS} ms, got {shown(value)}"
    )
    # Every real number compares with an int; typeshed's numbers.Real lacks the reflected operators.
    if not 0 <= cast(float, value) <= MAX_DURATION_MS:
        raise out_of_range
    if isinstance(value, Decimal) and _decimal_places(value) > 6:
        raise ParameterError(f"{name}={shown(value)} is finer than 1 ns; round it")
    exact = _exact(value)
    if positive and not exact:
        raise out_of_range
    if exact.denominator > _MAX_DENOMINATOR:
        raise ParameterError(f"{name}={shown(value)} is finer than 1 ns; round it")
    return exact


def sample_rate(value: object, name: str = "rate") -> int:
    """Check a sample rate: an integer number of Hz from 1 to 768 000.

    The same rule holds whatever was rendered before (a float such as ``8000.0`` is refused).
    """
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise TypeError(
            f"{name} must be an integer number of Hz, not {type(value).__name__}: {shown(value)}"
        )
    rate = operator.index(value)
    if not 1 <= rate <= MAX_RATE:
        raise ParameterError(f"{name} must be from 1 to {MAX_RATE} Hz, got {shown(value)}")
    return rate


def check_dtmf_rate(rate: int, name: str = "rate") -> int:
    """Refuse a rate that cannot carry the 1633 Hz tone (Nyquist)."""
    if rate < MIN_DTMF_RATE:
        raise ParameterError(
            f"{name}={rate} Hz is too low: the 1633 Hz tone needs a rate above "
            f"{MIN_DTMF_RATE - 1} Hz (Nyquist)"
        )
    return rate


def decibels(value: object, name: str, limits: tuple[float, float]) -> float:
    """Check a level or level difference in dB: a finite real number within `limits`."""
    if not _real(value):
        raise TypeError(
            f"{name} must be a number of dB, not {type(value).__name__}: {shown(value)}"
        )
    if not _finite(value):
        raise ParameterError(f"{name} must be finite, got {shown(value)}")
    if not limits[0] <= cast(float, value) <= limits[1]:
        raise ParameterError(
            f"{name} must be from {limits[0]:g} to {limits[1]:g}, got {shown(value)}"
        )
    return float(value)
