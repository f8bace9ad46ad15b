"""Preview a DTMF string before sending it: its timeline, where the figures come from, and the
warnings a telephony engineer would give.

Receiver limits are ITU-T Q.24's (see :mod:`dtmfkit._limits`): tones and pauses of 40 ms or more
are recognised, twist must lie within +4 / −8 dB (high minus low group), and each tone should be
between −25 and 0 dBm0.

Examples
--------
>>> import dtmfkit
>>> p = dtmfkit.preview("1WWW,59#")
>>> p.timeline.duration, p.warnings
(5.1, ())
>>> [w.code for w in dtmfkit.preview("11", tone_ms=30, gap_ms=20).warnings]
['short-tone', 'short-gap', 'repeated-key']
"""

from __future__ import annotations

import itertools
import json
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from dtmfkit._grammar import Sequence, Skipped
from dtmfkit._keypad import FREQUENCIES
from dtmfkit._limits import (
    MIN_DTMF_RATE,
    MIN_PAUSE_MS,
    MIN_TONE_MS,
    RECEIVE_LEVEL_DBM0,
    TWIST_LIMITS_DB,
)
from dtmfkit._timeline import Timeline, timeline_and_settings
from dtmfkit._voice import Voice

if TYPE_CHECKING:
    from typing import Unpack

    from dtmfkit._profiles import Profile
    from dtmfkit._settings import RenderOptions
    from dtmfkit._timing import Timing

__all__ = ["Preview", "PreviewWarning", "preview"]

#: A repeated key needs a clear break; some receivers debounce more than Q.24 asks.
MIN_REPEAT_GAP_MS: Final = 100


@dataclass(frozen=True, slots=True)
class PreviewWarning:
    """One reason the far end may not hear what was meant.

    Attributes
    ----------
    code : str
        Stable identifier: ``short-tone``, ``short-gap``, ``repeated-key``, ``twist``,
        ``level``, ``clipping``, ``rate``, ``skipped``.
    message : str

    Examples
    --------
    >>> warning = preview("1", tone_ms=20).warnings[0]
    >>> warning.code
    'short-tone'
    """

    code: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class Preview:
    """A timeline with its sources and warnings.

    Attributes
    ----------
    timeline : Timeline
        What will be played, and when (its profile, timing and rate included).
    voice : Voice
        How it will sound.
    warnings : tuple of PreviewWarning

    Examples
    --------
    >>> shown = preview("1W2")
    >>> shown.timeline.duration, shown.warnings, shown.profile.name
    (1.4, (), 'catapult')
    """

    timeline: Timeline
    voice: Voice
    warnings: tuple[PreviewWarning, ...]

    @property
    def profile(self) -> Profile:
        """The profile of the timeline."""
        return self.timeline.profile

    def format(self) -> str:
        """The whole preview as text, as ``dtmfkit preview`` prints it."""
        lines = [
            (
                f"preview of {self.timeline.sequence.text!r} ({self.profile.name} profile, "
                f"{self.timeline.rate} Hz, {self.voice.level_dbm0:g} dBm0, "
                f"twist {self.voice.twist_db:+g} dB)"
            ),
            self.timeline.format(),
            textwrap.fill(f"sources: {self.profile.sources}", width=100, subsequent_indent="  "),
        ]
        if self.warnings:
            lines += ["warnings:"] + [f"  - {w.message}" for w in self.warnings]
        else:
            lines.append("warnings: none")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The preview as plain JSON-ready data."""
        return {
            **self.timeline.to_dict(),
            "level_dbm0": self.voice.level_dbm0,
            "twist_db": self.voice.twist_db,
            "ramp_ms": float(self.voice.ramp_ms),
            "sources": self.profile.sources,
            "warnings": [{"code": w.code, "message": w.message} for w in self.warnings],
        }

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as JSON; keyword arguments go to :func:`json.dumps`."""
        return json.dumps(self.to_dict(), **kwargs)

    def __str__(self) -> str:
        return self.format()


def warnings_of(timeline: Timeline, voice: Voice) -> list[PreviewWarning]:
    """Every reason the far end may not hear `timeline`, sounded in `voice`, as meant (what
    :func:`preview` and ``dtmfkit render`` warn of)."""
    found = []
    timing, rate, profile = timeline.timing, timeline.rate, timeline.profile
    level_dbm0, twist_db = voice.level_dbm0, voice.twist_db
    tones = timeline.tones
    if tones and timing.tone_ms < MIN_TONE_MS:
        found.append(
            PreviewWarning(
                "short-tone",
                f"tone_ms={float(timing.tone_ms):g} is under {MIN_TONE_MS} ms: receivers may "
                "miss the keys (ITU-T Q.24 recognises 40 ms and up)",
            )
        )
    # The gap sounds wherever two keys follow each other (after every key, in 'add' mode).
    adjacent = any(b.index == a.index + 1 for a, b in itertools.pairwise(tones))
    adjacent = adjacent or (timing.pauses == "add" and bool(tones))
    if adjacent and timing.gap_ms < MIN_PAUSE_MS:
        found.append(
            PreviewWarning(
                "short-gap",
                f"gap_ms={float(timing.gap_ms):g} is under {MIN_PAUSE_MS} ms: receivers may merge "
                "keys or miss the second (ITU-T Q.24 recognises pauses of 40 ms and up)",
            )
        )
    for a, b in itertools.pairwise(tones):
        silence_ms = (b.start - a.stop) * 1000 / rate
        if a.char == b.char and silence_ms < MIN_REPEAT_GAP_MS:
            found.append(
                PreviewWarning(
                    "repeated-key",
                    f"key {a.char!r} repeats at positions {a.index + 1} and {b.index + 1} after "
                    f"{silence_ms:g} ms of silence: a receiver may hear one press",
                )
            )
            break
    if not TWIST_LIMITS_DB[0] <= twist_db <= TWIST_LIMITS_DB[1]:
        found.append(
            PreviewWarning(
                "twist",
                f"twist_db={twist_db:+g} is outside +4 / -8 dB: receivers reject the pair "
                "(ITU-T Q.24)",
            )
        )
    for group, level in (("low", level_dbm0), ("high", level_dbm0 + twist_db)):
        if not RECEIVE_LEVEL_DBM0[0] <= level <= RECEIVE_LEVEL_DBM0[1]:
            found.append(
                PreviewWarning(
                    "level",
                    f"the {group} tone at {level:g} dBm0 is outside the -25 to 0 dBm0 that "
                    "receivers accept",
                )
            )
    if voice.peak > 1:
        found.append(
            PreviewWarning(
                "clipping",
                f"level_dbm0={level_dbm0:g} with twist_db={twist_db:+g} peaks at "
                f"{voice.peak:.3f} of full scale: it would clip (rendering refuses it)",
            )
        )
    if rate < MIN_DTMF_RATE:
        used = {f for e in tones for f in FREQUENCIES[e.char]}
        lost = ", ".join(f"{f} Hz" for f in sorted(used) if 2 * f >= rate)
        found.append(
            PreviewWarning(
                "rate",
                f"rate={rate} Hz cannot carry 1633 Hz (its Nyquist limit is {rate / 2:g} Hz)"
                + (f" and loses this string's {lost}" if lost else "")
                + ": rendering needs more than 3266 Hz; telephony uses 8000 Hz",
            )
        )
    skipped = [e for e in timeline.entries if isinstance(e.event, Skipped)]
    if skipped:
        where = ", ".join(str(e.index + 1) for e in skipped)
        found.append(
            PreviewWarning(
                "skipped",
                f"{profile.name} skips {skipped[0].char!r} (position {where}) as an illegal "
                "DTMF character: it adds no pause",
            )
        )
    return found


def preview(
    source: str | Sequence | Timeline,
    *,
    rate: int | None = None,
    profile: str | Profile | None = None,
    timing: Timing | None = None,
    voice: Voice | None = None,
    **options: Unpack[RenderOptions],
) -> Preview:
    """Preview what the far end will hear, and what may go wrong.

    Parameters
    ----------
    source : str, Sequence or Timeline
    rate : int, default 8000
        Any positive rate; too low a rate is a warning here (rendering refuses it).
    profile, timing, voice, **options
        As :func:`dtmfkit.render`.

    Returns
    -------
    Preview

    Raises
    ------
    DtmfSyntaxError, TypeError, ParameterError
        As :func:`dtmfkit.schedule`.

    Examples
    --------
    >>> print(preview("1w", profile="asterisk").format())  # doctest: +ELLIPSIS
    preview of '1w' (asterisk profile, 8000 Hz, -10 dBm0, twist +0 dB)
      #  event   start s   stop s   low Hz  high Hz
      0  1         0.100    0.200      697     1209
      1  w         0.450    0.950        -        -
    total 0.950 s (7600 samples at 8000 Hz)
    timing (asterisk): tone 100 ms, gap 250 ms after every tone (the last too), pauses add ...
    sources: Asterisk main/app.c ast_dtmf_stream(): 100 ms of quiet before the first digit, ...
    ...
    warnings: none
    """
    timeline, settings = timeline_and_settings(
        "preview", source, rate, profile, timing, voice, options
    )
    return Preview(timeline, settings.voice, tuple(warnings_of(timeline, settings.voice)))
