"""The Timeline: a parsed sequence placed in time at one sample rate — what every output is made of.

``schedule`` turns text (or a :class:`~dtmfkit.Sequence`) into a :class:`Timeline`; PCM, files,
previews, pictures, packets and the expected side of a check are all made from that one value,
so nothing times a string twice. A Timeline is immutable; what is derived from it (its
boundaries, the synthesizer's plan) is computed once, when first needed.

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

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from dtmfkit._grammar import Event, Sequence, Skipped, Tone
from dtmfkit._profiles import Profile
from dtmfkit._settings import Settings, TimingOptions, resolve
from dtmfkit._timing import Timing

if TYPE_CHECKING:
    from typing import Unpack

__all__ = [
    "Scheduled",
    "Timeline",
    "schedule",
    "timeline_and_settings",
    "timeline_of",
    "timeline_of_text",
]


@dataclass(frozen=True, slots=True)
class Scheduled:
    """One event of a :class:`Timeline`: where it sits, in samples.

    Attributes
    ----------
    index : int
        0-based position of the character in the text.
    event : Tone, Pause or Skipped
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


class Timeline:
    """Where every event of a sequence sits, and how long the whole lasts, at one sample rate.

    Tones sound during their ``[start, stop)``; every other sample is silence. Build one with
    :func:`schedule`. Two timelines are equal when their sequence, profile, timing and rate are.

    Attributes
    ----------
    sequence : Sequence
    profile : Profile
        Whose grammar and timing rule were used.
    timing : Timing
        The tone and gap lengths assumed.
    rate : int
        Sample rate in Hz.
    starts, stops : np.ndarray [shape=(len(sequence),), dtype=int64]
        First sample, and the sample after the last, of every character's event (read-only).
    length : int
        Total length in samples.

    Examples
    --------
    >>> schedule("1w2")
    Timeline('1w2', profile='catapult', rate=8000, events=3, length=7200, duration=0.9)
    >>> schedule("1w2").stops.tolist()
    [1600, 5600, 7200]
    """

    __slots__ = ("_memo", "_profile", "_rate", "_sequence", "_text", "_timing")

    def __init__(
        self,
        text: str,
        profile: Profile,
        timing: Timing,
        rate: int,
        sequence: Sequence | None = None,
    ) -> None:
        # Internal: schedule() validates (text, a str the profile's grammar accepts; sequence,
        # its parse if one exists); this only assembles. A plain slotted class with read-only
        # properties: every render of a new string builds one.
        self._text = text
        self._profile = profile
        self._timing = timing
        self._rate = rate
        self._sequence = sequence
        self._memo: dict[str, Any] | None = None

    @property
    def sequence(self) -> Sequence:
        """The parsed string."""
        if self._sequence is None:
            self._sequence = Sequence(self._text, self._profile.grammar)
        return self._sequence

    @property
    def text(self) -> str:
        """The text of the sequence."""
        return self._text

    @property
    def profile(self) -> Profile:
        """Whose grammar and timing rule were used."""
        return self._profile

    @property
    def timing(self) -> Timing:
        """The tone and gap lengths assumed."""
        return self._timing

    @property
    def rate(self) -> int:
        """Sample rate in Hz."""
        return self._rate

    def __reduce__(self) -> tuple[type[Timeline], tuple[str, Profile, Timing, int]]:
        return Timeline, (self._text, self._profile, self._timing, self._rate)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Timeline):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple[Any, ...]:
        return (self._text, self._profile, self._timing, self._rate)

    def __repr__(self) -> str:
        return (
            f"Timeline({self.sequence.text!r}, profile={self.profile.name!r}, rate={self.rate}, "
            f"events={len(self.sequence)}, length={self.length}, duration={self.duration:g})"
        )

    def __str__(self) -> str:
        return self.format()

    def memo(self, name: str) -> Any:
        """A value derived from this timeline and remembered under `name`, or None."""
        return None if self._memo is None else self._memo.get(name)

    def remember(self, name: str, value: Any) -> Any:
        """Remember a value derived from this timeline (its boundaries, a synthesis plan)."""
        # Racing threads store equal values, and a lost dict only costs a recomputation.
        if self._memo is None:
            self._memo = {}
        self._memo[name] = value
        return value

    def _bounds(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], int]:
        found: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], int] | None = self.memo("bounds")
        if found is None:
            codes, lengths = self._profile.grammar.encode_many([self._text])
            starts, stops, totals = self.timing.boundaries(codes, lengths, self.rate)
            starts.flags.writeable = stops.flags.writeable = False
            found = self.remember("bounds", (starts, stops, int(totals[0])))
        return found

    @property
    def starts(self) -> npt.NDArray[np.int64]:
        """First sample of every character's event (read-only)."""
        return self._bounds()[0]

    @property
    def stops(self) -> npt.NDArray[np.int64]:
        """The sample after every character's event (read-only)."""
        return self._bounds()[1]

    @property
    def length(self) -> int:
        """Total length in samples."""
        return self._bounds()[2]

    @property
    def duration(self) -> float:
        """Total length in seconds."""
        return self.length / self.rate

    @property
    def entries(self) -> tuple[Scheduled, ...]:
        """One :class:`Scheduled` per character of the text."""
        starts, stops, _ = self._bounds()
        return tuple(
            Scheduled(i, event, start, stop)
            for i, (event, start, stop) in enumerate(
                zip(self.sequence.events, starts.tolist(), stops.tolist(), strict=True)
            )
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
                    "char": self.text[e.index],
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
            "text": self.text,
            "profile": self.profile.name,
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
        import json

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
            note = "  skipped" if isinstance(e.event, Skipped) else ""
            lines.append(
                f"{e.index:>3}  {self.text[e.index]:<5} {e.start / self.rate:>9.3f} "
                f"{e.stop / self.rate:>8.3f} {low:>8} {high:>8}{note}"
            )
        lines.append(f"total {self.duration:.3f} s ({self.length} samples at {self.rate} Hz)")
        lines.append(f"timing ({self.profile.name}): {self.timing.describe()}")
        return "\n".join(lines)


def _kind(event: Event) -> str:
    if isinstance(event, Tone):
        return "tone"
    return "pause" if not isinstance(event, Skipped) else "skipped"


def schedule(
    source: str | Sequence,
    *,
    rate: int | None = None,
    profile: str | Profile | None = None,
    timing: Timing | None = None,
    **options: Unpack[TimingOptions],
) -> Timeline:
    """Place a DTMF string in time: the timeline every output is made from.

    Parameters
    ----------
    source : str or Sequence
        The string (parsed here, with the profile's grammar) or an already parsed sequence.
    rate : int, default 8000
        Sample rate in Hz.
    profile : str or Profile, default "catapult"
        Whose grammar and timing (see :data:`dtmfkit.PROFILES`).
    timing : Timing, optional
        The profile's timing by default.
    **options
        ``tone_ms`` and ``gap_ms`` change the timing's tone and gap (see :class:`Timing`).

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
    >>> schedule("1w2", tone_ms=100, gap_ms=50).timing.describe()
    'tone 100 ms, gap 50 ms, pauses replace the gap'
    """
    settings = resolve("schedule", rate, profile, timing, None, options, sound=False)
    return timeline_of(source, settings)


def timeline_and_settings(
    function: str,
    source: object,
    rate: object,
    profile: object,
    timing: object,
    voice: object,
    options: Mapping[str, Any],
) -> tuple[Timeline, Settings]:
    """The timeline of `source` and the settings of a call of `function` with these keywords.

    A Timeline source is taken as it is: it fixes the rate, profile and timing, so giving any
    of them too is a TypeError. `function` names the public function for messages.
    """
    if not isinstance(source, Timeline):
        settings = resolve(function, rate, profile, timing, voice, options)
        return timeline_of(source, settings), settings  # type: ignore[arg-type]
    given = [
        name
        for name, value in (("rate", rate), ("profile", profile), ("timing", timing))
        if value is not None
    ] + [name for name in ("tone_ms", "gap_ms") if name in options]
    if given:
        raise TypeError(
            f"{function}() got {given[0]}= with a Timeline, which fixes its rate, profile and "
            "timing: give them to schedule() instead"
        )
    return source, resolve(function, source.rate, source.profile, source.timing, voice, options)


def timeline_of(source: str | Sequence, settings: Settings) -> Timeline:
    """The timeline of `source` under resolved `settings` (cached per text, thread-safe)."""
    if type(source) is str:
        return timeline_of_text(source, settings)
    if not isinstance(source, Sequence):
        raise TypeError(
            f"source must be a str, Sequence or Timeline, not {type(source).__name__}: {source!r}"
        )
    text = settings.profile.grammar.text_of(source)
    return Timeline(text, settings.profile, settings.timing, settings.rate, source)


def timeline_of_text(text: str, settings: Settings) -> Timeline:
    """The timeline of an unparsed `text`: checked once, and nothing else to do."""
    profile = settings.profile
    return Timeline(profile.grammar.check(text), profile, settings.timing, settings.rate)
