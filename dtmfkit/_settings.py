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
from typing import Any, Final, TypedDict

import numpy as np

from dtmfkit._limits import Milliseconds, sample_rate
from dtmfkit._profiles import Profile, resolve_profile
from dtmfkit._timing import Timing
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


# Types whose values equal valid numbers (True == 1) but are not valid themselves.
_ALIASES: Final = frozenset({bool, np.bool_})
_TIMING_KEYS: Final = frozenset(TimingOptions.__optional_keys__)
_RENDER_KEYS: Final = frozenset(RenderOptions.__optional_keys__)


class Settings:
    """Everything a rendering depends on besides the text, resolved and validated.

    Equal settings hash alike (they key the timeline cache on every render: the hash is
    computed once); `memo` holds values derived from them by the layers above (a synthesis per
    dtype). A plain class: a dataclass costs start-up time.
    """

    __slots__ = ("_hash", "memo", "profile", "rate", "timing", "voice")

    def __init__(self, profile: Profile, timing: Timing, voice: Voice, rate: int) -> None:
        self.profile, self.timing, self.voice, self.rate = profile, timing, voice, rate
        self._hash = hash((profile, timing, voice, rate))
        self.memo: dict[Any, Any] = {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Settings) and (
            self.profile,
            self.timing,
            self.voice,
            self.rate,
        ) == (other.profile, other.timing, other.voice, other.rate)

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return (
            f"Settings(profile={self.profile!r}, timing={self.timing!r}, voice={self.voice!r}, "
            f"rate={self.rate!r})"
        )


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
    """Build the settings of one call of `function` from its keywords (cached).

    Raises
    ------
    TypeError
        An unknown keyword (named as Python would) or a value of the wrong type.
    ParameterError
        A value out of range, or a timing the profile's platform does not accept.
    """
    # The cache compares values with ==: 8000.0 == 8000 and True == 1, yet one of each pair is
    # invalid. Such values are validated without the cache, so that one rule holds whatever the
    # cache holds. (Every other number equal to a valid one is valid: the validators take any
    # real number but bool.)
    if (rate is not None and rate.__class__ is not int) or not _ALIASES.isdisjoint(
        map(type, options.values())
    ):
        return _checked(function, sound, rate, profile, timing, voice, options)
    try:
        return _cached(function, sound, rate, profile, timing, voice, *options.items())
    except TypeError:
        # Unhashable values, or the error itself: build without the cache, for the message.
        return _checked(function, sound, rate, profile, timing, voice, options)


def _checked(
    function: str,
    sound: bool,
    rate: object,
    profile: object,
    timing: object,
    voice: object,
    options: Mapping[str, Any],
) -> Settings:
    allowed = _RENDER_KEYS if sound else _TIMING_KEYS
    if not options.keys() <= allowed:
        unknown = sorted(set(options) - allowed)[0]
        raise TypeError(f"{function}() got an unexpected keyword argument {unknown!r}")
    return _build(rate, profile, timing, voice, options)


@functools.lru_cache(maxsize=256)
def _cached(
    function: str,
    sound: bool,
    rate: object,
    profile: object,
    timing: object,
    voice: object,
    *options: tuple[str, Any],
) -> Settings:
    return _checked(function, sound, rate, profile, timing, voice, dict(options))


def _build(
    rate: object,
    profile: object,
    timing: object,
    voice: object,
    options: Mapping[str, Any],
) -> Settings:
    chosen = resolve_profile(profile)  # type: ignore[arg-type]
    checked_rate = DEFAULT_RATE if rate is None else sample_rate(rate)
    if voice is not None and not isinstance(voice, Voice):
        raise TypeError(f"voice must be a Voice, not {type(voice).__name__}")
    base = Voice() if voice is None else voice
    get = options.get
    return Settings(
        chosen,
        chosen.timing_for(timing, tone_ms=get("tone_ms"), gap_ms=get("gap_ms")),  # type: ignore[arg-type]
        base.replace(
            level_dbm0=get("level_dbm0"), twist_db=get("twist_db"), ramp_ms=get("ramp_ms")
        ),
        checked_rate,
    )
