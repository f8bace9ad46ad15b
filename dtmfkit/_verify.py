"""Checking a recording against the timeline that was meant.

:func:`verify` hears a recording (a file, read in blocks, or samples), lines the keys it
heard up with the keys of a ``dtmfOut`` string's timeline — by their order, as an edit
distance does, so that a missing or an extra key never shifts the rest — and reports for
every key what was meant and what was heard: start, tone length, the gap or pause before it,
frequencies and levels; and which keys are missing and which were heard but not meant.

Times are those of the timeline, shifted by the recording's own offset: the silence before
the first key heard is unknown (a call is recorded before keys are sent), so the first key
heard that was meant fixes it. Tone lengths and gaps are measured between half-level points,
as :func:`~dtmfkit.detect` gives them: a tone with 5 ms ramps measures 5 ms shorter than its
timeline, its gaps 5 ms longer, well within the default tolerance of 20 ms.

Examples
--------
>>> import dtmfkit
>>> audio = dtmfkit.render("1W2")
>>> result = dtmfkit.verify(audio, "1W2", rate=8000)
>>> result.ok, [check.key for check in result.keys]
(True, ['1', '2'])
>>> late = dtmfkit.render("1WW2")
>>> result = dtmfkit.verify(late, "1W2", rate=8000)
>>> result.ok, result.keys[1].problems
(False, ['gap 1000 ms, heard 2005 ms'])
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

from dtmfkit._detect import Detection, Detector, detect
from dtmfkit._errors import ParameterError
from dtmfkit._limits import sample_rate

if TYPE_CHECKING:
    from typing import Unpack

    from dtmfkit._profiles import Profile
    from dtmfkit._settings import TimingOptions

__all__ = ["KeyCheck", "Verification", "verify"]

DEFAULT_TOLERANCE_MS: Final = 20.0
# The timeline is laid out at this rate to read its times in seconds (to 21 µs).
_LAYOUT_RATE: Final = 48000


def _meant(
    text: str, profile: str | Profile | None, timing: TimingOptions
) -> list[tuple[int, str, float, float]]:
    """The keys of `text`'s timeline: (index in the string, key, start s, stop s)."""
    from dtmfkit._grammar import Tone
    from dtmfkit._timeline import schedule

    timeline = schedule(text, rate=_LAYOUT_RATE, profile=profile, **timing)
    return [
        (entry.index, entry.event.key, entry.start / _LAYOUT_RATE, entry.stop / _LAYOUT_RATE)
        for entry in timeline.tones
        if isinstance(entry.event, Tone)
    ]


@dataclass(frozen=True, slots=True)
class KeyCheck:
    """One key of the timeline, as meant and as heard (seconds; None where not heard).

    Attributes
    ----------
    index : int
        Position of the key in the string.
    key : str
    expected_start, start : float
        Where the timeline puts the key (shifted by the recording's offset), and where it was
        heard.
    expected_tone, tone : float
        Tone length meant and heard.
    expected_gap, gap : float or None
        The silence (gap or pause) meant and heard since the previous key heard that was
        meant; None for the first.
    low_hz, high_hz, low_dbm0, high_dbm0 : float or None
        What was heard.
    problems : list of str
        What lies outside the tolerance, in words; empty when the key is as meant.

    Examples
    --------
    >>> import dtmfkit
    >>> check = dtmfkit.verify(dtmfkit.render("5"), "5", rate=8000).keys[0]
    >>> check.key, check.heard, round(check.tone, 3), check.problems
    ('5', True, 0.195, [])
    """

    index: int
    key: str
    expected_start: float
    start: float | None
    expected_tone: float
    tone: float | None
    expected_gap: float | None
    gap: float | None
    low_hz: float | None
    high_hz: float | None
    low_dbm0: float | None
    high_dbm0: float | None
    problems: list[str] = field(default_factory=list)

    @property
    def heard(self) -> bool:
        """Whether the key was heard at all."""
        return self.start is not None

    @property
    def ok(self) -> bool:
        """Heard, and within the tolerance."""
        return self.heard and not self.problems

    def to_dict(self) -> dict[str, Any]:
        """The check as plain JSON-ready data."""
        return {**asdict(self), "heard": self.heard, "ok": self.ok}


@dataclass(frozen=True, slots=True)
class Verification:
    """A recording checked against a timeline: see :func:`verify`.

    Attributes
    ----------
    text : str
        The string meant.
    keys : list of KeyCheck
        Every key of the string, in order, heard or not.
    extra : list of Detection
        Keys heard that the string does not account for.
    offset : float or None
        Seconds from the start of the recording to the timeline's start, as the first key
        heard that was meant places it; None when none was.
    tolerance : float
        Seconds.

    Examples
    --------
    >>> import dtmfkit
    >>> result = dtmfkit.verify(dtmfkit.render("12"), "123", rate=8000)
    >>> result.ok, [c.key for c in result.missing]
    (False, ['3'])
    """

    text: str
    keys: list[KeyCheck]
    extra: list[Detection]
    offset: float | None
    tolerance: float

    @property
    def missing(self) -> list[KeyCheck]:
        """Keys meant and not heard."""
        return [check for check in self.keys if not check.heard]

    @property
    def ok(self) -> bool:
        """Every key heard and within the tolerance, and nothing heard that was not meant."""
        return all(check.ok for check in self.keys) and not self.extra

    def to_dict(self) -> dict[str, Any]:
        """The verification as plain JSON-ready data."""
        return {
            "text": self.text,
            "ok": self.ok,
            "offset": self.offset,
            "tolerance": self.tolerance,
            "keys": [check.to_dict() for check in self.keys],
            "missing": [check.index for check in self.missing],
            "extra": [d.to_dict() for d in self.extra],
        }

    def to_json(self, **options: Any) -> str:
        """:meth:`to_dict` as JSON (``json.dumps`` options pass through)."""
        return json.dumps(self.to_dict(), **options)

    def format(self) -> str:
        """A table a person reads: one line per key, then the verdict."""

        def ms(seconds: float | None) -> str:
            return "-" if seconds is None else f"{seconds * 1000:.0f}"

        def at(seconds: float | None) -> str:
            return "-" if seconds is None else f"{seconds:.3f}"

        lines = [
            (
                f"{'#':>3} {'key':<3} {'start s':>8} {'heard':>8} {'tone ms':>7} {'heard':>6} "
                f"{'gap ms':>6} {'heard':>6} {'low Hz':>7} {'high Hz':>7} {'dBm0':>11}  verdict"
            )
        ]
        for check in self.keys:
            levels = (
                "-"
                if check.low_dbm0 is None or check.high_dbm0 is None
                else f"{check.low_dbm0:.1f}/{check.high_dbm0:.1f}"
            )
            verdict = "missing" if not check.heard else "; ".join(check.problems) or "ok"
            lines.append(
                f"{check.index:>3} {check.key:<3} {at(check.expected_start):>8} "
                f"{at(check.start):>8} {ms(check.expected_tone):>7} {ms(check.tone):>6} "
                f"{ms(check.expected_gap):>6} {ms(check.gap):>6} "
                f"{'-' if check.low_hz is None else f'{check.low_hz:.1f}':>7} "
                f"{'-' if check.high_hz is None else f'{check.high_hz:.1f}':>7} "
                f"{levels:>11}  {verdict}"
            )
        for detection in self.extra:
            lines.append(
                f"  + {detection.key:<3} {'':>8} {detection.start:>8.3f} {'':>7} "
                f"{detection.duration * 1000:>6.0f}   heard, not meant"
            )
        wrong = sum(1 for check in self.keys if check.heard and check.problems)
        lines.append(
            f"{'as meant' if self.ok else 'NOT as meant'}: {len(self.keys)} keys, "
            f"{wrong} outside ±{self.tolerance * 1000:g} ms, {len(self.missing)} missing, "
            f"{len(self.extra)} extra"
        )
        return "\n".join(lines)


def _align(meant: str, heard: list[Detection]) -> list[tuple[int, int]]:
    """Pairs (meant index, heard index) of the longest common subsequence of keys — an edit
    distance's matches: what is missing or extra never shifts the rest."""
    rows, cols = len(meant), len(heard)
    table = np.zeros((rows + 1, cols + 1), dtype=np.int32)
    for i in range(rows - 1, -1, -1):
        for j in range(cols - 1, -1, -1):
            if meant[i] == heard[j].key:
                table[i, j] = table[i + 1, j + 1] + 1
            else:
                table[i, j] = max(table[i + 1, j], table[i, j + 1])
    pairs, i, j = [], 0, 0
    while i < rows and j < cols:
        if meant[i] == heard[j].key and table[i, j] == table[i + 1, j + 1] + 1:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif table[i + 1, j] >= table[i, j + 1]:
            i += 1
        else:
            j += 1
    return pairs


def _heard(recording: object, rate: int | None, channel: int, ssrc: int | None) -> list[Detection]:
    if isinstance(recording, str | os.PathLike):
        if rate is not None:
            raise ParameterError("rate is read from the file: give it only with samples")
        from dtmfkit._rtp import is_capture, stream_detections

        if is_capture(recording):
            return stream_detections(recording, ssrc)
        from dtmfkit._io import AudioStream

        with AudioStream(recording, channel=channel) as stream:
            detector = Detector(stream.rate)
            found = [d for block in stream for d in detector.feed(block)]
            return found + detector.finish()
    if not isinstance(recording, np.ndarray):
        raise TypeError(
            f"recording must be a file name or a numpy array, not {type(recording).__name__}"
        )
    if rate is None:
        raise ParameterError("rate is needed with samples (the rate they were recorded at)")
    return detect(recording, sample_rate(rate), channel=channel)


def verify(
    recording: str | os.PathLike[str] | npt.NDArray[Any],
    text: str,
    *,
    rate: int | None = None,
    channel: int = 0,
    profile: str | Profile | None = None,
    tolerance_ms: float = DEFAULT_TOLERANCE_MS,
    ssrc: int | None = None,
    **timing: Unpack[TimingOptions],
) -> Verification:
    """Check that a recording holds what a ``dtmfOut`` string means, key by key.

    Parameters
    ----------
    recording : str, os.PathLike or np.ndarray
        An audio file (read in blocks), a packet capture of RTP telephone-events (``.pcap``,
        ``.pcapng``; see :func:`~dtmfkit.read_events`), or samples as :func:`~dtmfkit.detect`
        takes them.
    text : str
        The string that was sent, in the profile's grammar.
    rate : int, optional
        The samples' rate (only with samples).
    channel : int, default 0
    profile : str or Profile, optional
        Whose grammar and timing the string means (default ``"catapult"``).
    tolerance_ms : float, default 20
        How far a tone length or a gap may lie from the timeline's.
    ssrc : int, optional
        With a capture of several telephone-event streams: which one.
    **timing
        ``tone_ms``, ``gap_ms``: as for :func:`~dtmfkit.schedule`.

    Returns
    -------
    Verification
        ``.ok`` when every key was heard within the tolerance and nothing else was.

    Raises
    ------
    DtmfSyntaxError
        `text` is not in the profile's grammar.
    ParameterError, TypeError
        Bad options, or a recording that cannot be read (AudioFileError, a ParameterError).

    Examples
    --------
    >>> import dtmfkit
    >>> print(dtmfkit.verify(dtmfkit.render("1w2"), "1w2", rate=8000).format())
      # key  start s    heard tone ms  heard gap ms  heard  low Hz high Hz        dBm0  verdict
      0 1      0.002    0.002     200    195      -      -   697.0  1209.1 -10.0/-10.0  ok
      2 2      0.702    0.702     200    195    500    505   697.0  1336.0 -10.0/-10.0  ok
    as meant: 2 keys, 0 outside ±20 ms, 0 missing, 0 extra
    """
    if isinstance(tolerance_ms, bool) or not isinstance(tolerance_ms, int | float):
        raise TypeError("tolerance_ms must be a number of ms")
    if not 0 <= tolerance_ms <= 10_000 or tolerance_ms != tolerance_ms:
        raise ParameterError(f"tolerance_ms must be from 0 to 10000 ms, got {tolerance_ms}")
    meant = _meant(text, profile, timing)
    heard = _heard(recording, rate, channel, ssrc)
    tolerance = float(tolerance_ms) / 1000
    pairs = _align("".join(key for _, key, _, _ in meant), heard)
    offset = None
    if pairs:
        first_meant, first_heard = pairs[0]
        offset = heard[first_heard].start - meant[first_meant][2]
    matched = dict(pairs)
    checks: list[KeyCheck] = []
    previous: tuple[int, int] | None = None  # the last (meant, heard) pair
    for position, (index, key, start, stop) in enumerate(meant):
        expected_start = start + (offset or 0.0)
        expected_tone = stop - start
        if position not in matched:
            checks.append(
                KeyCheck(
                    index,
                    key,
                    expected_start,
                    None,
                    expected_tone,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    ["missing"],
                )
            )
            continue
        detection = heard[matched[position]]
        problems = []
        if abs(detection.duration - expected_tone) > tolerance:
            problems.append(
                f"tone {expected_tone * 1000:.0f} ms, heard {detection.duration * 1000:.0f} ms"
            )
        expected_gap = gap = None
        if previous is not None:
            expected_gap = start - meant[previous[0]][3]
            gap = detection.start - heard[previous[1]].stop
            if abs(gap - expected_gap) > tolerance:
                problems.append(f"gap {expected_gap * 1000:.0f} ms, heard {gap * 1000:.0f} ms")
        checks.append(
            KeyCheck(
                index,
                key,
                expected_start,
                detection.start,
                expected_tone,
                detection.duration,
                expected_gap,
                gap,
                detection.low_hz,
                detection.high_hz,
                detection.low_dbm0,
                detection.high_dbm0,
                problems,
            )
        )
        previous = (position, matched[position])
    used = set(matched.values())
    extra = [d for j, d in enumerate(heard) if j not in used]
    return Verification(text, checks, extra, offset, tolerance)
