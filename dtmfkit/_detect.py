"""Detection: find DTMF keys in audio and rebuild the ``dtmfOut`` string.

The detector works in two stages, both vectorized with numpy (no Python loop per sample or
per frame; one per key found, for the final checks):

1. **Frames.** A DFT bank at the eight Q.23 frequencies — the Goertzel values — over
   Hann-windowed frames of four 5 ms hops, for all frames at once: the audio is cut into
   contiguous hop blocks and one matrix product gives every block's share of every frame it
   belongs to. A frame is a candidate when its strongest low and high tones are loud enough,
   carry most of the frame's energy (broadband noise and single tones do not), and lie near the
   twist limits.
2. **Keys.** Each run of candidate frames for one key is measured from the same frames: its
   edges are where the weaker tone's amplitude crosses half its peak (a symmetric window sees
   half a tone exactly when the tone's edge is at the frame centre), interpolated between frame
   centres; its frequencies come from the phase advance of each probe from frame to frame
   (unambiguous to ±100 Hz); its levels from the plateau amplitude, corrected by the window's
   response at the measured frequency offset. A key is accepted only if it passes the receiver
   rules, as ITU-T Q.24 is commonly quoted:

   - frequency within ±1.5 % is accepted, ±3.5 % rejected (the cut is at ±2.5 %);
   - a tone of 40 ms or more is accepted, 23 ms or less rejected (cut at 30 ms between the
     half-level points);
   - a break of 10 ms or less does not split a key, a pause of 40 ms does (cut at 20 ms);
   - twist (high minus low level) within +4 / −8 dB;
   - each tone at least ``min_level_dbm0`` (default −36 dBm0).

Examples
--------
>>> import dtmfkit
>>> audio = dtmfkit.render("1WWW,59#")
>>> dtmfkit.decode(audio, 8000)
'159#'
>>> dtmfkit.decode(audio, 8000, pauses=True)
'1WWWw59#'
>>> first = dtmfkit.detect(audio, 8000)[0]
>>> first.key, round(first.start, 3), round(first.low_hz), round(first.low_dbm0, 1)
('1', 0.003, 697, -10.0)
"""

from __future__ import annotations

import functools
from collections.abc import Sequence as SequenceABC
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from dtmfkit._errors import ParameterError
from dtmfkit._grammar import PAUSE_SECONDS, parse
from dtmfkit._keypad import HIGH_GROUP_HZ, LOW_GROUP_HZ, ROWS
from dtmfkit._limits import (
    FULL_SCALE_DBM0,
    TWIST_LIMITS_DB,
    Milliseconds,
    check_dtmf_rate,
    milliseconds,
    sample_rate,
)
from dtmfkit._timing import DEFAULT_GAP_MS

__all__ = ["Detection", "canonical", "decode", "detect", "spell"]

HOP_S: Final = 0.005
#: Q.24: accept ±1.5 %, reject ±3.5 %.
FREQUENCY_TOLERANCE: Final = 0.025
#: Q.24: accept 40 ms, reject 23 ms.
MIN_TONE_S: Final = 0.030
#: Q.24: a 10 ms break does not split a key; a 40 ms pause does.
MIN_PAUSE_S: Final = 0.020
DEFAULT_MIN_LEVEL_DBM0: Final = -36.0
# Share of a frame's energy its two strongest DTMF tones must carry to make it a candidate.
_MIN_TONE_SHARE: Final = 0.5
_GROUPS: Final = np.array(LOW_GROUP_HZ + HIGH_GROUP_HZ, dtype=np.float64)
_HALF_PAUSE: Final = PAUSE_SECONDS["w"]


@dataclass(frozen=True, slots=True)
class Detection:
    """One key found in audio.

    Attributes
    ----------
    key : str
    start, stop : float
        Seconds from the start of the audio to where both tones reach, and last hold, half
        their level.
    low_hz, high_hz : float
        Measured frequencies.
    low_dbm0, high_dbm0 : float
        Measured levels (G.711 convention: a full-scale sine is +3.17 dBm0).

    Examples
    --------
    >>> import dtmfkit
    >>> found = dtmfkit.detect(dtmfkit.render("7"), 8000)[0]
    >>> found.key, round(found.duration, 3)
    ('7', 0.195)
    """

    key: str
    start: float
    stop: float
    low_hz: float
    high_hz: float
    low_dbm0: float
    high_dbm0: float

    @property
    def duration(self) -> float:
        """``stop - start`` in seconds."""
        return self.stop - self.start

    def to_dict(self) -> dict[str, Any]:
        """The detection as plain JSON-ready data."""
        return asdict(self)


def _as_float(audio: object, channel: int | None) -> npt.NDArray[np.float32]:
    if not isinstance(audio, np.ndarray):
        raise TypeError(f"audio must be a numpy array, not {type(audio).__name__}")
    if audio.ndim == 2:
        index = 0 if channel is None else channel
        if not -audio.shape[1] <= index < audio.shape[1]:
            raise ParameterError(
                f"audio has {audio.shape[1]} channels; there is no channel {index}"
            )
        audio = audio[:, index]
    elif audio.ndim != 1:
        raise ParameterError(f"audio must be 1-D, or 2-D (samples, channels); got {audio.shape}")
    if audio.dtype.kind == "f":
        return np.asarray(audio, dtype=np.float32)
    if audio.dtype.kind == "i":
        return audio.astype(np.float32) * np.float32(2.0 ** (1 - 8 * audio.dtype.itemsize))
    if audio.dtype == np.uint8:
        return (audio.astype(np.float32) - np.float32(128)) * np.float32(1 / 128)
    raise TypeError(f"audio must hold float, signed int or uint8 samples, not {audio.dtype}")


def _dbm0(amplitude: npt.ArrayLike) -> npt.NDArray[np.float64]:
    # Silence is floored at -300 dBm0 rather than -inf, so that level differences stay finite.
    floored = np.maximum(amplitude, 1e-15)
    return np.asarray(20 * np.log10(floored) + FULL_SCALE_DBM0, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class _Bank:
    """The DFT bank for one rate: hop, frame length (4 hops), window and basis."""

    hop: int
    window: npt.NDArray[np.float64]
    parts: npt.NDArray[np.float32]
    power_parts: npt.NDArray[np.float32]

    @property
    def length(self) -> int:
        return 4 * self.hop

    @classmethod
    def create(cls, rate: int) -> _Bank:
        hop = max(2, round(HOP_S * rate))
        length = 4 * hop
        window = np.hanning(length + 2)[1:-1]
        phase = 2 * np.pi * np.outer(np.arange(length), _GROUPS) / rate
        basis = np.concatenate([np.cos(phase), np.sin(phase)], axis=1) * window[:, None]
        # Frame m is blocks m..m+3 of `hop` samples; part q of the basis multiplies block m+q.
        parts = basis.reshape(4, hop, 16).transpose(1, 0, 2).reshape(hop, 64)
        power_parts = (window**2).reshape(4, hop).T
        return cls(hop, window, parts.astype(np.float32), power_parts.astype(np.float32))

    def response(self, offset_hz: npt.NDArray[np.float64], rate: int) -> npt.NDArray[np.float64]:
        """|W(f)| / W(0) of the window at `offset_hz` from a probe (closed form for Hann)."""
        length = self.length
        theta = 2 * np.pi * offset_hz / rate
        alpha = 2 * np.pi / (length + 1)

        def dirichlet(t: npt.NDArray[np.float64]) -> npt.NDArray[np.complex128]:
            t = np.where(np.abs(np.sin(t / 2)) < 1e-12, 1e-12, t)
            value = np.sin(length * t / 2) / np.sin(t / 2) * np.exp(-0.5j * t * (length - 1))
            return np.asarray(value, dtype=np.complex128)

        w = (
            0.5 * dirichlet(theta)
            - 0.25 * np.exp(1j * alpha) * dirichlet(theta - alpha)
            - 0.25 * np.exp(-1j * alpha) * dirichlet(theta + alpha)
        )
        return np.asarray(np.abs(w) / self.window.sum(), dtype=np.float64)


@functools.lru_cache(maxsize=8)
def _bank(rate: int) -> _Bank:
    return _Bank.create(rate)


def _ranges(first: npt.NDArray[np.int64], last: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Concatenated ``arange(first[i], last[i] + 1)`` for every i."""
    sizes = last - first + 1
    offsets = np.cumsum(sizes) - sizes
    ranges: npt.NDArray[np.int64] = np.arange(int(sizes.sum())) - np.repeat(offsets - first, sizes)
    return ranges


def detect(
    audio: npt.NDArray[Any],
    rate: int,
    *,
    channel: int | None = None,
    min_level_dbm0: float = DEFAULT_MIN_LEVEL_DBM0,
) -> list[Detection]:
    """Find DTMF keys in audio.

    Parameters
    ----------
    audio : np.ndarray [shape=(n,) or (n, channels)]
        Float samples in [-1, 1], or signed integers (full scale by their width), or uint8.
    rate : int
        Sample rate in Hz (above 3266 Hz).
    channel : int, optional
        Which column of 2-D `audio` to analyse (default 0).
    min_level_dbm0 : float, default -36.0
        Quietest tone accepted, per tone.

    Returns
    -------
    list of Detection
        In time order.

    Raises
    ------
    TypeError
        If `audio` is not a numpy array of a supported sample type.
    ParameterError
        For a rate too low for 1633 Hz, or a channel that is not there.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(800) / 8000
    >>> single_tone = 0.3 * np.sin(2 * np.pi * 697 * t)
    >>> detect(single_tone, 8000)
    []
    """
    rate = check_dtmf_rate(sample_rate(rate))
    if isinstance(min_level_dbm0, bool) or not isinstance(min_level_dbm0, int | float):
        raise TypeError("min_level_dbm0 must be a number of dB")
    signal = _as_float(audio, channel)
    bank = _bank(rate)
    hop = bank.hop
    # Two hops of silence on each side put a frame centre on every hop from sample 0 on.
    blocks_count = -(-signal.size // hop) + 4
    padded = np.zeros(blocks_count * hop, dtype=np.float32)
    padded[2 * hop : 2 * hop + signal.size] = signal
    blocks = padded.reshape(blocks_count, hop)
    frames = blocks_count - 3
    y = blocks @ bank.parts
    projection = y[:frames, :16] + y[1 : frames + 1, 16:32]
    projection += y[2 : frames + 2, 32:48]
    projection += y[3 : frames + 3, 48:64]
    energy_parts = np.square(blocks) @ bank.power_parts
    energy = energy_parts[:frames, 0] + energy_parts[1 : frames + 1, 1]
    energy += energy_parts[2 : frames + 2, 2] + energy_parts[3 : frames + 3, 3]

    # |X| = A/2 · Σw for a tone of amplitude A on a probe frequency.
    scale = 2 / bank.window.sum()
    power = np.square(projection[:, :8]) + np.square(projection[:, 8:])
    row = np.argmax(power[:, :4], axis=1)
    col = np.argmax(power[:, 4:], axis=1)
    low = np.take_along_axis(power[:, :4], row[:, None], axis=1)[:, 0]
    high = np.take_along_axis(power[:, 4:], col[:, None], axis=1)[:, 0]
    # In units of |X|²: a tone pair carries (A₁² + A₂²)/2 of the frame's mean power.
    mean_power = energy * (bank.window.sum() ** 2 / 2 / (bank.window**2).sum())
    floor = (10 ** ((min_level_dbm0 - 3.0 - FULL_SCALE_DBM0) / 20) / scale) ** 2
    low_twist, high_twist = (
        10 ** ((limit + sign * 2) / 10)
        for limit, sign in zip(TWIST_LIMITS_DB, (-1, 1), strict=True)
    )
    candidate = (
        (low >= floor)
        & (high >= floor)
        & (low + high >= _MIN_TONE_SHARE * mean_power)
        & (high >= low_twist * low)
        & (high <= high_twist * low)
    )
    keys = np.where(candidate, row * 4 + col, -1)
    if not candidate.any():
        return []

    # Runs of one key, widened by a frame on each side to see where their edges cross.
    change = np.flatnonzero(np.diff(keys)) + 1
    run_first = np.concatenate([[0], change])
    run_last = np.concatenate([change, [frames]]) - 1
    run_key = keys[run_first]
    keep = run_key >= 0
    run_first, run_last, run_key = run_first[keep], run_last[keep], run_key[keep]
    first = np.maximum(run_first - 1, 0)
    last = np.minimum(run_last + 1, frames - 1)
    index = _ranges(first, last)
    sizes = last - first + 1
    offsets = np.cumsum(sizes) - sizes
    run_of = np.repeat(np.arange(run_key.size), sizes)
    low_probe = (run_key // 4)[run_of]
    high_probe = 4 + (run_key % 4)[run_of]
    amplitude_low = np.sqrt(power[index, low_probe])
    amplitude_high = np.sqrt(power[index, high_probe])
    level = np.minimum(
        amplitude_low / np.maximum.reduceat(amplitude_low, offsets)[run_of],
        amplitude_high / np.maximum.reduceat(amplitude_high, offsets)[run_of],
    )

    # Edges: where the weaker tone crosses half its level, interpolated between frame centres.
    # A symmetric window sees half a tone's amplitude exactly when the edge is at its centre.
    over = np.flatnonzero(level >= 0.5)
    rise = over[np.searchsorted(over, offsets)]
    fall = over[np.searchsorted(over, offsets + sizes) - 1]
    before = np.where(rise > offsets, level[np.maximum(rise - 1, 0)], 0.0)
    after = np.where(fall < offsets + sizes - 1, level[np.minimum(fall + 1, level.size - 1)], 0.0)
    start = (index[rise] - (level[rise] - 0.5) / np.maximum(level[rise] - before, 1e-9)) * hop
    stop = (index[fall] + (level[fall] - 0.5) / np.maximum(level[fall] - after, 1e-9)) * hop

    # Frequencies: the phase advance of each probe from frame to frame inside the tone.
    # Thresholds relative to each run's peak: under noise the two tones' normalized levels
    # rarely peak together, and every run must keep at least its peak frame.
    peak = np.maximum.reduceat(level, offsets)[run_of]
    inside = level >= 0.9 * peak
    pair = inside[:-1] & inside[1:] & (run_of[:-1] == run_of[1:])
    advance = []
    for probe in (low_probe, high_probe):
        x = projection[index, probe] - 1j * projection[index, probe + 8]
        turn = np.where(pair, x[1:] * np.conj(x[:-1]), 0)
        total = np.add.reduceat(np.concatenate([turn, [0]]), offsets)
        nominal = _GROUPS[probe[offsets]]
        unwrapped = np.angle(total * np.exp(-2j * np.pi * nominal * hop / rate))
        advance.append((nominal, unwrapped * rate / (2 * np.pi * hop), np.abs(total) > 0))
    # Levels: the mean over the plateau, where frames hold the tone and no edge of it.
    plateau = level >= 0.99 * peak
    counts = np.add.reduceat(plateau.astype(np.float64), offsets)
    measured = []
    for (nominal, offset_hz, _), amplitudes in zip(
        advance, (amplitude_low, amplitude_high), strict=True
    ):
        total = np.add.reduceat(np.where(plateau, amplitudes, 0.0), offsets)
        mean = total / np.maximum(counts, 1)
        gain = bank.response(offset_hz, rate)
        measured.append((nominal + offset_hz, _dbm0(mean * scale / np.maximum(gain, 1e-3))))
    valid = advance[0][2] & advance[1][2]

    found: list[list[Any]] = []
    for r in range(run_key.size):
        if not valid[r]:
            continue
        entry = [
            int(run_key[r]),
            float(start[r]),
            float(stop[r]),
            float(measured[0][0][r]),
            float(measured[1][0][r]),
            float(measured[0][1][r]),
            float(measured[1][1][r]),
        ]
        if found and found[-1][0] == entry[0] and entry[1] - found[-1][2] < MIN_PAUSE_S * rate:
            found[-1][2] = entry[2]  # a short break does not split a key
            continue
        found.append(entry)
    detections = []
    for key, begin, end, low_hz, high_hz, low_db, high_db in found:
        nominal_low, nominal_high = LOW_GROUP_HZ[key // 4], HIGH_GROUP_HZ[key % 4]
        if (
            (end - begin) / rate >= MIN_TONE_S
            and abs(low_hz / nominal_low - 1) <= FREQUENCY_TOLERANCE
            and abs(high_hz / nominal_high - 1) <= FREQUENCY_TOLERANCE
            and min(low_db, high_db) >= min_level_dbm0
            and TWIST_LIMITS_DB[0] <= high_db - low_db <= TWIST_LIMITS_DB[1]
        ):
            detections.append(
                Detection(
                    ROWS[key // 4][key % 4],
                    max(begin, 0.0) / rate,
                    min(end, signal.size) / rate,
                    low_hz,
                    high_hz,
                    low_db,
                    high_db,
                )
            )
    return detections


def _halves(seconds: float) -> int:
    return max(0, round(seconds / float(_HALF_PAUSE)))


def _spelling(halves: int) -> str:
    return "W" * (halves // 2) + "w" * (halves % 2)


def spell(
    detections: SequenceABC[Detection],
    *,
    pauses: bool = True,
    gap_ms: Milliseconds = DEFAULT_GAP_MS,
    duration: float | None = None,
) -> str:
    """Rebuild a ``dtmfOut`` string, with pause characters, from detections.

    The silence between two keys is read as the plain gap or as pauses, whichever is nearer:
    pauses are spelled canonically, ``W`` per whole second and ``w`` for a remaining half
    (so ``1WWW,59#`` comes back as ``1WWWw59#``). Silence before the first key, and after the
    last one when `duration` is given, becomes leading and trailing pauses.

    Parameters
    ----------
    detections : sequence of Detection
    pauses : bool, default True
        False spells the keys alone.
    gap_ms : number, default 400
        The gap the audio was made with.
    duration : float, optional
        Length of the audio in seconds, to spell trailing silence.

    Returns
    -------
    str
        Empty when there are no detections and no silence worth a pause.

    Examples
    --------
    >>> import dtmfkit
    >>> audio = dtmfkit.render("W1Ww2", gap_ms=100)
    >>> spell(detect(audio, 8000), gap_ms=100, duration=len(audio) / 8000)
    'W1Ww2'
    """
    gap = float(milliseconds(gap_ms, "gap_ms")) / 1000
    if not pauses:
        return "".join(d.key for d in detections)
    parts: list[str] = []
    previous: Detection | None = None
    for detection in detections:
        if previous is None:
            parts.append(_spelling(_halves(detection.start)))
        else:
            silence = detection.start - previous.stop
            halves = max(1, _halves(silence))
            if abs(silence - gap) > abs(silence - halves * float(_HALF_PAUSE)):
                parts.append(_spelling(halves))
        parts.append(detection.key)
        previous = detection
    if duration is not None:
        tail = duration - (previous.stop if previous is not None else 0.0)
        parts.append(_spelling(_halves(tail)))
    return "".join(parts)


def canonical(text: str) -> str:
    """The canonical spelling of a ``dtmfOut`` string's pauses (what :func:`spell` returns).

    Examples
    --------
    >>> canonical("1WWW,59#"), canonical("w,1ww")
    ('1WWWw59#', 'W1W')
    """
    parts: list[str] = []
    pause = Fraction(0)
    for char in parse(text).text:
        if char in PAUSE_SECONDS:
            pause += PAUSE_SECONDS[char]
            continue
        parts.append(_spelling(int(pause / _HALF_PAUSE)))
        parts.append(char)
        pause = Fraction(0)
    parts.append(_spelling(int(pause / _HALF_PAUSE)))
    return "".join(parts)


def decode(
    audio: npt.NDArray[Any],
    rate: int,
    *,
    channel: int | None = None,
    pauses: bool = False,
    gap_ms: Milliseconds = DEFAULT_GAP_MS,
) -> str:
    """The keys in audio, as a string; with ``pauses=True``, a full ``dtmfOut`` string.

    Parameters
    ----------
    audio : np.ndarray
    rate : int
    channel : int, optional
    pauses : bool, default False
        Also spell silences as pause characters (see :func:`spell`).
    gap_ms : number, default 400
        The gap between keys the audio was made with (used only with `pauses`).

    Returns
    -------
    str
        The keys found, '' if none.

    Examples
    --------
    >>> import dtmfkit
    >>> decode(dtmfkit.render("9193334444", dtype="int16"), 8000)
    '9193334444'
    """
    detections = detect(audio, rate, channel=channel)
    length = audio.shape[0] if isinstance(audio, np.ndarray) else 0
    return spell(detections, pauses=pauses, gap_ms=gap_ms, duration=length / rate)
