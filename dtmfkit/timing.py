"""Exact timing: where every tone and pause of a sequence starts and stops, in samples.

The rule (DESIGN.md): every key is a tone of ``tone_ms``; two consecutive tones are separated by
``gap_ms`` of silence; pause characters *replace* the gap, so the silence between two tones is
the sum of the pause characters between them, or the gap when there are none. Leading and
trailing pauses give leading and trailing silence; there is no gap before the first tone or
after the last one.

Times are computed exactly (rational arithmetic) and every boundary — the start and the stop of
each event, and the end of the whole — is rounded once, ``round(seconds * rate)`` with ties to
even as Python's :func:`round`. Rounding never accumulates, so a tone lasts ``tone_ms`` give or
take one sample and the timeline never drifts.

Examples
--------
>>> from dtmfkit import schedule
>>> timeline = schedule("1WWW,59#", rate=8000)
>>> timeline.length, timeline.duration
(40800, 5.1)
>>> [(e.char, e.start, e.stop) for e in timeline.entries if e.char in "15"]
[('1', 0, 1600), ('5', 29600, 31200)]
"""

from __future__ import annotations

import json
import math
import operator
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

from dtmfkit.errors import ParameterError

if TYPE_CHECKING:
    from dtmfkit.profiles import Profile
from dtmfkit.grammar import PAUSE_CODE, PAUSE_SECONDS, Event, Sequence, Skipped, Tone

__all__ = ["DEFAULT_GAP_MS", "DEFAULT_TONE_MS", "Scheduled", "Timeline", "Timing", "schedule"]

#: Bandwidth documents 200 ms tones for its platform; Catapult v1 itself only says the digits
#: are sent "with a marginal delay".
DEFAULT_TONE_MS: Final = 200
#: Bandwidth documents a 400 ms interval between tones for its platform.
DEFAULT_GAP_MS: Final = 400
MAX_DURATION_MS: Final = 10_000
MAX_RATE: Final = 768_000
# Durations are counted in units of 1 / (1000 * denominator) seconds; this caps the denominator
# so that units * rate always fits in int64 (92 events of at most 10 s at 768 kHz).
_MAX_DENOMINATOR: Final = 10**6

Milliseconds = int | float | Fraction | Decimal


def milliseconds(value: object, name: str, *, positive: bool = False) -> Fraction:
    """Convert a duration in ms to an exact :class:`~fractions.Fraction`.

    A float counts as the decimal it prints as (``33.3`` is 333/10, not its binary neighbour).
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Fraction | Decimal):
        raise TypeError(f"{name} must be a number of milliseconds, not {type(value).__name__}")
    if isinstance(value, float | Decimal) and not math.isfinite(value):
        raise ParameterError(f"{name} must be finite, got {value!r}")
    exact = Fraction(repr(value)) if isinstance(value, float) else Fraction(value)
    if not 0 <= exact <= MAX_DURATION_MS or (positive and not exact):
        low = "more than 0" if positive else "at least 0"
        raise ParameterError(
            f"{name} must be {low} and at most {MAX_DURATION_MS} ms, got {value!r}"
        )
    if exact.denominator > _MAX_DENOMINATOR:
        raise ParameterError(f"{name}={value!r} is finer than 1 ns; round it")
    return exact


def sample_rate(value: object) -> int:
    """Check a sample rate in Hz: an integer from 1 to 768 000."""
    if isinstance(value, bool):
        raise TypeError("rate must be an integer number of Hz, not bool")
    try:
        rate = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"rate must be an integer number of Hz, not {type(value).__name__}: {value!r}"
        ) from None
    if not 1 <= rate <= MAX_RATE:
        raise ParameterError(f"rate must be between 1 and {MAX_RATE} Hz, got {value!r}")
    return rate


@dataclass(frozen=True, slots=True)
class Timing:
    """How long tones and gaps last, exactly.

    Parameters
    ----------
    tone_ms : number, default 200
        Length of every tone in ms (more than 0, at most 10 000).
    gap_ms : number, default 400
        Silence between two tones with no pause character between them (0 to 10 000 ms).
    pauses : {"replace", "add"}, default "replace"
        ``"replace"``: pause characters replace the gap (Catapult, Bandwidth); ``"add"``: every
        tone is followed by the gap and pauses add to it (Asterisk).
    lead_ms : number, default 0
        Silence before everything.
    gap_after_last : bool, default False
        Whether the last tone is followed by the gap too (Asterisk; needs ``pauses="add"``).

    Examples
    --------
    >>> Timing(tone_ms=100, gap_ms=33.3)
    Timing(tone_ms=Fraction(100, 1), gap_ms=Fraction(333, 10), pauses='replace', \
lead_ms=Fraction(0, 1), gap_after_last=False)
    """

    tone_ms: Fraction = Fraction(DEFAULT_TONE_MS)
    gap_ms: Fraction = Fraction(DEFAULT_GAP_MS)
    pauses: str = "replace"
    lead_ms: Fraction = Fraction(0)
    gap_after_last: bool = False
    # Exact integer units, worked out once: durations count 1/(1000·per_ms) s.
    _durations: npt.NDArray[np.int64] = field(init=False, repr=False, compare=False)
    _gap_units: int = field(init=False, repr=False, compare=False)
    _lead_units: int = field(init=False, repr=False, compare=False)
    _denominator: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        tone_ms = milliseconds(self.tone_ms, "tone_ms", positive=True)
        gap_ms = milliseconds(self.gap_ms, "gap_ms")
        lead_ms = milliseconds(self.lead_ms, "lead_ms")
        if self.pauses not in ("replace", "add"):
            raise ParameterError(f"pauses must be 'replace' or 'add', got {self.pauses!r}")
        if self.gap_after_last and self.pauses != "add":
            raise ParameterError("gap_after_last needs pauses='add'")
        per_ms = math.lcm(tone_ms.denominator, gap_ms.denominator, lead_ms.denominator)
        if per_ms > _MAX_DENOMINATOR:
            raise ParameterError("tone_ms, gap_ms and lead_ms together are finer than 1 ns")
        pauses = [int(seconds * 1000 * per_ms) for seconds in PAUSE_SECONDS.values()]
        # Tones, then the pause characters, then a skipped character, which lasts nothing.
        durations = np.array([int(tone_ms * per_ms)] * PAUSE_CODE + pauses + [0], dtype=np.int64)
        durations.flags.writeable = False
        for name, value in (
            ("tone_ms", tone_ms),
            ("gap_ms", gap_ms),
            ("lead_ms", lead_ms),
            ("gap_after_last", bool(self.gap_after_last)),
            ("_durations", durations),
            ("_gap_units", int(gap_ms * per_ms)),
            ("_lead_units", int(lead_ms * per_ms)),
            ("_denominator", 1000 * per_ms),
        ):
            object.__setattr__(self, name, value)

    def describe(self) -> str:
        """The timing in words.

        Examples
        --------
        >>> Timing().describe()
        'tone 200 ms, gap 400 ms, pauses replace the gap'
        >>> Timing(100, 250, pauses="add", lead_ms=100, gap_after_last=True).describe()
        'tone 100 ms, gap 250 ms after every tone (the last too), pauses add to it, 100 ms lead-in'
        """
        words = f"tone {_ms(self.tone_ms)} ms, gap {_ms(self.gap_ms)} ms"
        if self.pauses == "replace":
            words += ", pauses replace the gap"
        else:
            last = " (the last too)" if self.gap_after_last else ""
            words = words + f" after every tone{last}, pauses add to it"
        if self.lead_ms:
            words += f", {_ms(self.lead_ms)} ms lead-in"
        return words

    def boundaries(
        self, codes: npt.NDArray[np.uint8], lengths: npt.NDArray[np.int64], rate: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Start and stop sample of every character, and the length of every string.

        `codes` are the concatenated character codes of several strings (see
        :func:`dtmfkit.grammar.encode_many`) and `lengths` their lengths; each string's samples
        count from 0. This vectorized function is the one timing rule of dtmfkit.
        """
        ends = np.cumsum(lengths)
        is_tone = codes < PAUSE_CODE
        duration = self._durations[codes]
        # The gap follows a tone. With pauses replacing it, only when a tone comes next.
        gap_follows = is_tone[:-1] & is_tone[1:] if self.pauses == "replace" else is_tone[:-1]
        step = duration.copy()
        step[1:] += gap_follows * self._gap_units
        step[ends[:-1]] = duration[ends[:-1]]
        stop = np.cumsum(step)
        if lengths.size > 1:
            string_start = np.zeros(lengths.size, dtype=np.int64)
            string_start[1:] = stop[ends[:-1] - 1]
            stop -= np.repeat(string_start, lengths)
        stop += self._lead_units
        end = stop[ends - 1]
        if self.gap_after_last:
            end = end + is_tone[ends - 1] * self._gap_units
        # Every boundary rounded once, in one pass: starts, stops, then each string's end.
        exact = np.concatenate([stop - duration, stop, end])
        samples = _round_div(exact * rate, self._denominator)
        n = codes.size
        return samples[:n], samples[n : 2 * n], samples[2 * n :]


def _round_div(n: npt.NDArray[np.int64], d: int) -> npt.NDArray[np.int64]:
    """``round(n / d)`` exactly, ties to even, for ``n >= 0``."""
    q, r = np.divmod(n, d)
    twice = 2 * r
    rounded: npt.NDArray[np.int64] = q + ((twice > d) | ((twice == d) & (q % 2 == 1)))
    return rounded


@dataclass(frozen=True, slots=True)
class Scheduled:
    """One event of a :class:`Timeline`: where it sits, in samples.

    Attributes
    ----------
    index : int
        0-based position of the character in the text.
    event : Tone or Pause
    start, stop : int
        First sample of the event and the sample after its last.

    Examples
    --------
    >>> first = schedule("1").entries[0]
    >>> first.char, first.start, first.stop
    ('1', 0, 1600)
    """

    index: int
    event: Event
    start: int
    stop: int

    @property
    def char(self) -> str:
        """The character of the text this event comes from."""
        return str(self.event)


@dataclass(frozen=True, slots=True)
class Timeline:
    """Where every event of a sequence sits, and how long the whole lasts, at one sample rate.

    Tones sound during their ``[start, stop)``; every other sample is silence.

    Attributes
    ----------
    sequence : Sequence
    rate : int
        Sample rate in Hz.
    timing : Timing
        The tone and gap lengths assumed.
    entries : tuple of Scheduled
        One per character of the text.
    length : int
        Total length in samples.
    profile : str
        Name of the profile whose grammar and timing were used.

    Examples
    --------
    >>> schedule("1w2")
    Timeline('1w2', profile='catapult', rate=8000, events=3, length=7200, duration=0.9)
    """

    sequence: Sequence
    rate: int
    timing: Timing
    entries: tuple[Scheduled, ...]
    length: int
    profile: str = "catapult"

    @property
    def duration(self) -> float:
        """Total length in seconds."""
        return self.length / self.rate

    def __repr__(self) -> str:
        return (
            f"Timeline({self.sequence.text!r}, profile={self.profile!r}, rate={self.rate}, "
            f"events={len(self.entries)}, length={self.length}, duration={self.duration:g})"
        )

    @property
    def tones(self) -> tuple[Scheduled, ...]:
        """The entries that are tones."""
        return tuple(e for e in self.entries if isinstance(e.event, Tone))

    def to_dict(self) -> dict[str, Any]:
        """The timeline as plain JSON-ready data (times in seconds and samples).

        Examples
        --------
        >>> d = schedule("1w", rate=8000).to_dict()
        >>> d["events"][1]
        {'index': 1, 'char': 'w', 'kind': 'pause', 'start': 1600, 'stop': 5600, \
'start_s': 0.2, 'stop_s': 0.7, 'low_hz': None, 'high_hz': None}
        """
        events = []
        for e in self.entries:
            low, high = e.event.frequencies if isinstance(e.event, Tone) else (None, None)
            events.append(
                {
                    "index": e.index,
                    "char": self.sequence.text[e.index],
                    "kind": _kind(e.event),
                    "start": e.start,
                    "stop": e.stop,
                    "start_s": e.start / self.rate,
                    "stop_s": e.stop / self.rate,
                    "low_hz": low,
                    "high_hz": high,
                }
            )
        return {
            "text": self.sequence.text,
            "profile": self.profile,
            "rate": self.rate,
            "tone_ms": float(self.timing.tone_ms),
            "gap_ms": float(self.timing.gap_ms),
            "timing": self.timing.describe(),
            "length": self.length,
            "duration_s": self.duration,
            "events": events,
        }

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as a JSON string; keyword arguments go to :func:`json.dumps`."""
        return json.dumps(self.to_dict(), **kwargs)

    def format(self) -> str:
        """A readable table of the events, the total and the timing assumed.

        Examples
        --------
        >>> print(schedule("1w#", rate=8000).format())
          #  event   start s   stop s   low Hz  high Hz
          0  1         0.000    0.200      697     1209
          1  w         0.200    0.700        -        -
          2  #         0.700    0.900      941     1477
        total 0.900 s (7200 samples at 8000 Hz)
        timing (catapult): tone 200 ms, gap 400 ms, pauses replace the gap
        """
        lines = ["  #  event   start s   stop s   low Hz  high Hz"]
        for e in self.entries:
            low, high = e.event.frequencies if isinstance(e.event, Tone) else ("-", "-")
            char = self.sequence.text[e.index]
            note = "  skipped" if isinstance(e.event, Skipped) else ""
            lines.append(
                f"{e.index:>3}  {char:<5} {e.start / self.rate:>9.3f} {e.stop / self.rate:>8.3f}"
                f" {low:>8} {high:>8}{note}"
            )
        lines.append(f"total {self.duration:.3f} s ({self.length} samples at {self.rate} Hz)")
        lines.append(f"timing ({self.profile}): {self.timing.describe()}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()


def _kind(event: Event) -> str:
    if isinstance(event, Tone):
        return "tone"
    return "pause" if not isinstance(event, Skipped) else "skipped"


def _ms(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"


def schedule(
    source: str | Sequence,
    *,
    rate: int = 8000,
    tone_ms: Milliseconds | None = None,
    gap_ms: Milliseconds | None = None,
    profile: str | Profile | None = None,
) -> Timeline:
    """Compute the timeline of a DTMF string.

    Parameters
    ----------
    source : str or Sequence
        The string (parsed here, with the profile's grammar) or an already parsed sequence.
    rate : int, default 8000
        Sample rate in Hz.
    tone_ms, gap_ms : number, optional
        Tone length and the silence between consecutive tones, in ms; the profile's by default
        (Catapult: 200 and 400).
    profile : str or Profile, default "catapult"
        Whose grammar and timing (see :mod:`dtmfkit.profiles`).

    Returns
    -------
    Timeline

    Raises
    ------
    DtmfSyntaxError, TypeError
        As :func:`dtmfkit.parse`.
    ParameterError
        For a rate, duration or profile out of range.

    Examples
    --------
    >>> schedule("9193334444", rate=8000).length
    44800
    >>> schedule("1Ww2Ww1Ww#", rate=8000).duration
    5.3
    """
    # profiles builds on this module, so it is imported when first needed.
    from dtmfkit.profiles import get

    chosen = get(profile)
    rate = sample_rate(rate)
    timing = chosen.timing_for(tone_ms, gap_ms)
    sequence = source if isinstance(source, Sequence) else Sequence(source, chosen.grammar)
    codes, lengths = chosen.grammar.encode_many([sequence])
    starts, stops, totals = timing.boundaries(codes, lengths, rate)
    entries = tuple(
        Scheduled(i, event, start, stop)
        for i, (event, start, stop) in enumerate(
            zip(sequence.events, starts.tolist(), stops.tolist(), strict=True)
        )
    )
    return Timeline(sequence, rate, timing, entries, int(totals[0]), chosen.name)
