"""What a receiver may get wrong in a timeline: the warnings :func:`dtmfkit.preview` gives and
``dtmfkit render`` prints.

Receiver limits are ITU-T Q.24's (see :mod:`dtmfkit._limits`): tones and pauses of 40 ms or more
are recognised, twist must lie within +4 / −8 dB (high minus low group), and each tone should be
between −25 and 0 dBm0.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from dtmfkit._grammar import Skipped
from dtmfkit._keypad import FREQUENCIES
from dtmfkit._limits import (
    MIN_DTMF_RATE,
    MIN_PAUSE_MS,
    MIN_TONE_MS,
    RECEIVE_LEVEL_DBM0,
    TWIST_LIMITS_DB,
)

if TYPE_CHECKING:
    from dtmfkit._timeline import Timeline
    from dtmfkit._voice import Voice

__all__ = ["MIN_REPEAT_GAP_MS", "PreviewWarning", "warnings_of"]

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
    >>> import dtmfkit
    >>> warning = dtmfkit.preview("1", tone_ms=20).warnings[0]
    >>> warning.code
    'short-tone'
    """

    code: str
    message: str

    def __str__(self) -> str:
        return self.message


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
