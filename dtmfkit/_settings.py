"""Settings as values, built once from whatever the caller gave.

Every rendering function takes the same settings: a ``rate``, a ``profile`` (by name or value),
a :class:`~dtmfkit.Timing` and a :class:`~dtmfkit.Voice`, and — as a convenience — the flat
keywords ``tone_ms``, ``gap_ms`` (which change the timing) and ``level_dbm0``, ``twist_db``,
``ramp_ms`` (which change the voice). :func:`resolve` is the one place that turns them into
values; the flat keywords are declared once, in :class:`TimingOptions` and
:class:`RenderOptions`. A profile name is resolved here, at the edge, and nowhere else.

Examples
--------
>>> from dtmfkit._settings import resolve
>>> settings = resolve("render", 16000, "asterisk", None, None, {"level_dbm0": -6})
>>> settings.rate, settings.profile.name, settings.voice.level_dbm0
(16000, 'asterisk', -6.0)
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, TypedDict

from dtmfkit._limits import sample_rate
from dtmfkit._profiles import Profile, resolve_profile
from dtmfkit._timing import Milliseconds, Timing
from dtmfkit._voice import Voice

__all__ = ["DEFAULT_RATE", "RenderOptions", "Settings", "TimingOptions", "resolve"]

#: Telephony's sample rate, and dtmfkit's default.
DEFAULT_RATE: Final = 8000


class TimingOptions(TypedDict, total=False):
    """Flat keywords that change the timing: see :class:`~dtmfkit.Timing`."""

    tone_ms: Milliseconds
    gap_ms: Milliseconds


class RenderOptions(TimingOptions, total=False):
    """Flat keywords that change the timing or the voice: see :class:`~dtmfkit.Voice`."""

    level_dbm0: float
    twist_db: float
    ramp_ms: Milliseconds


_TIMING_KEYS: Final = frozenset(TimingOptions.__optional_keys__)
_RENDER_KEYS: Final = frozenset(RenderOptions.__optional_keys__)


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a rendering depends on besides the text, resolved and validated."""

    profile: Profile
    timing: Timing
    voice: Voice
    rate: int


def resolve(
    function: str,
    rate: object,
    profile: object,
    timing: object,
    voice: object,
    options: Mapping[str, Any],
    *,
    sound: bool = True,
) -> Settings:
    """Build the settings of one call of `function` from its keywords.

    Raises
    ------
    TypeError
        An unknown keyword (named as Python would) or a value of the wrong type.
    ParameterError
        A value out of range, or a timing the profile's platform does not accept.
    """
    if options and not options.keys() <= (_RENDER_KEYS if sound else _TIMING_KEYS):
        allowed = _RENDER_KEYS if sound else _TIMING_KEYS
        unknown = sorted(set(options) - allowed)[0]
        raise TypeError(f"{function}() got an unexpected keyword argument {unknown!r}")
    get = options.get
    key = (
        rate,
        profile,
        timing,
        voice,
        get("tone_ms"),
        get("gap_ms"),
        get("level_dbm0"),
        get("twist_db"),
        get("ramp_ms"),
    )
    try:
        return _cached(*key)
    except TypeError:
        # Unhashable arguments: build without the cache, for the precise error.
        return _build(*key)


def _build(
    rate: object,
    profile: object,
    timing: object,
    voice: object,
    tone_ms: object,
    gap_ms: object,
    level_dbm0: object,
    twist_db: object,
    ramp_ms: object,
) -> Settings:
    chosen = resolve_profile(profile)  # type: ignore[arg-type]
    checked_rate = DEFAULT_RATE if rate is None else sample_rate(rate)
    if voice is not None and not isinstance(voice, Voice):
        raise TypeError(f"voice must be a Voice, not {type(voice).__name__}")
    base = Voice() if voice is None else voice
    return Settings(
        chosen,
        chosen.timing_for(timing, tone_ms=tone_ms, gap_ms=gap_ms),  # type: ignore[arg-type]
        base.replace(level_dbm0=level_dbm0, twist_db=twist_db, ramp_ms=ramp_ms),  # type: ignore[arg-type]
        checked_rate,
    )


# typed=True: 8000 and 8000.0 hash alike, but only one of them is a valid rate. Every key
# is validated the same way whatever the cache holds.
_cached: Final = functools.lru_cache(maxsize=256, typed=True)(_build)
