"""Preview a DTMF string before sending it: its timeline, where the figures come from, and the
warnings a telephony engineer would give.

Receiver limits are ITU-T Q.24 as commonly quoted: tones and pauses of 40 ms or more are
recognised, twist must lie within +4 / −8 dB (high minus low group), and each tone should be
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
from typing import Any, Final

from dtmfkit.grammar import Sequence, Skipped
from dtmfkit.keypad import FREQUENCIES, HIGH_GROUP_HZ
from dtmfkit.profiles import Profile
from dtmfkit.profiles import get as get_profile
from dtmfkit.synth import DEFAULT_LEVEL_DBM0
from dtmfkit.timing import Milliseconds, Timeline, schedule

__all__ = ["Preview", "PreviewWarning", "preview"]

#: Q.24 as commonly quoted: shorter tones or pauses may be missed.
MIN_TONE_MS: Final = 40
MIN_GAP_MS: Final = 40
#: A repeated key needs a clear break; some receivers debounce more than Q.24 asks.
MIN_REPEAT_GAP_MS: Final = 100
TWIST_LIMITS_DB: Final = (-8.0, 4.0)
LEVEL_LIMITS_DBM0: Final = (-25.0, 0.0)


@dataclass(frozen=True, slots=True)
class PreviewWarning:
    """One reason the far end may not hear what was meant.

    Attributes
    ----------
    code : str
        Stable identifier: ``short-tone``, ``short-gap``, ``repeated-key``, ``twist``,
        ``level``, ``rate``, ``skipped``.
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
    profile : Profile
    level_dbm0, twist_db : float
    warnings : tuple of PreviewWarning

    Examples
    --------
    >>> shown = preview("1W2")
    >>> shown.timeline.duration, shown.warnings, shown.profile.name
    (1.4, (), 'catapult')
    """

    timeline: Timeline
    profile: Profile
    level_dbm0: float
    twist_db: float
    warnings: tuple[PreviewWarning, ...]

    def format(self) -> str:
        """The whole preview as text, as ``dtmfkit preview`` prints it."""
        lines = [
            (
                f"preview of {self.timeline.sequence.text!r} ({self.profile.name} profile, "
                f"{self.timeline.rate} Hz, {self.level_dbm0:g} dBm0, twist {self.twist_db:+g} dB)"
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
            "level_dbm0": self.level_dbm0,
            "twist_db": self.twist_db,
            "sources": self.profile.sources,
            "warnings": [{"code": w.code, "message": w.message} for w in self.warnings],
        }

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as JSON; keyword arguments go to :func:`json.dumps`."""
        return json.dumps(self.to_dict(), **kwargs)

    def __str__(self) -> str:
        return self.format()


def _warnings(
    timeline: Timeline, profile: Profile, level_dbm0: float, twist_db: float
) -> list[PreviewWarning]:
    found = []
    timing, rate = timeline.timing, timeline.rate
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
    if adjacent and timing.gap_ms < MIN_GAP_MS:
        found.append(
            PreviewWarning(
                "short-gap",
                f"gap_ms={float(timing.gap_ms):g} is under {MIN_GAP_MS} ms: receivers may merge "
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
        if not LEVEL_LIMITS_DBM0[0] <= level <= LEVEL_LIMITS_DBM0[1]:
            found.append(
                PreviewWarning(
                    "level",
                    f"the {group} tone at {level:g} dBm0 is outside the -25 to 0 dBm0 that "
                    "receivers accept",
                )
            )
    if 2 * max(HIGH_GROUP_HZ) >= rate:
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
    source: str | Sequence,
    *,
    profile: str | Profile | None = None,
    rate: int = 8000,
    tone_ms: Milliseconds | None = None,
    gap_ms: Milliseconds | None = None,
    level_dbm0: float = DEFAULT_LEVEL_DBM0,
    twist_db: float = 0.0,
) -> Preview:
    """Preview what the far end will hear, and what may go wrong.

    Parameters
    ----------
    source : str or Sequence
    profile : str or Profile, default "catapult"
    rate : int, default 8000
        Any positive rate; too low a rate is a warning here (rendering refuses it).
    tone_ms, gap_ms : number, optional
        The profile's by default.
    level_dbm0, twist_db : float
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
    chosen = get_profile(profile)
    timeline = schedule(source, rate=rate, tone_ms=tone_ms, gap_ms=gap_ms, profile=chosen)
    level, twist = float(level_dbm0), float(twist_db)
    found = _warnings(timeline, chosen, level, twist)
    return Preview(timeline, chosen, level, twist, tuple(found))
