"""Detection: a DTMF receiver that streams, and rebuilding the ``dtmfOut`` string.

The receiver follows ITU-T Q.24 as spandsp's ``dtmf_rx`` and Asterisk's ``dsp.c`` apply it, in
two stages: blocks find where a key may be, and the key as a whole is then judged on
measurements that a block is too short to make well.

**Blocks.** Audio is cut into blocks of 12.75 ms (102 samples at 8 kHz, as both use: 697 and
770 Hz then fall about a bin apart, each near the other's null). Every block is measured —
vectorized over many blocks at once — and is a *hit* for a key when:

- **level**: both tones at least ``min_level_dbm0`` (default −36 dBm0);
- **twist**: the high tone from 8 dB below to 4 dB above the low one (Q.24; spandsp and
  Asterisk's normal and reverse twist);
- **relative peaks**: every other tone of each group at least 6 dB below the strongest
  (spandsp and Asterisk ask 8 dB of a block alone; the key stage below asks more of the key);
- **share of the band**: the two tones carry at least 60 % of the energy between 600 and
  1800 Hz (spandsp asks 82 % of the whole block's, which noise at 5 dB SNR defeats).

A key begins with two hits in a row and ends with two blocks that are not (spandsp's logic: a
single missed block is ridden over); a key that begins again less than 30 ms after its end,
measured between half-level points, goes on (Q.24: a 10 ms break must not split a key, a 40 ms
pause must). Its start and stop are where
its weaker tone crosses half its level.

**Keys.** On the key's steady part (clear of its edges by 8 ms, up to its last 204 ms; where
both tones drop out for a moment without ending the key, the longest run between such breaks)
both tones are fitted by least squares at their measured frequencies, and what the fit leaves
— the *rest* — is examined. A key is accepted when

- **duration**: it lasts at least 30 ms between its half-level points (Q.24: 40 ms must be
  accepted, 23 ms rejected);
- **frequencies**: both lie within ±2 % of the pair's (Q.24: ±1.5 % must be accepted, ±3.5 %
  rejected), within ±1.5 % for a key heard in only two blocks; they are measured from the
  phase advance from block to block;
- **level**: both tones at least ``min_level_dbm0``, fitted;
- and the rest is what could sound with a key: either it is **noise** (its spectrum between
  100 and 3400 Hz is flat: spectral flatness at least 0.3, where white noise's is 0.56 and a
  voice's or a chord's below 0.1), or, with neither tone's frequency moving by more than 1.5 %
  from the first half of the key to the second and both within ±2 % in either half (a sweep
  passing through, or starting on a pair and moving off it), one of:

  - *nothing of note*: the rest's strongest component between 100 and 3400 Hz at least 7 dB
    below the weaker tone — 9 dB when that component and both tones are harmonics of one
    fundamental of 90 Hz or more (a voice's: DTMF's pairs are not harmonic, a vowel's
    harmonics are);
  - *a clear band*: nothing between 600 and 3400 Hz within 13 dB of the weaker tone, and
    neither tone's level changing by more than 3 dB (a voice below the band);
  - *steadiness through interference*: neither tone's level changing by more than 2 dB from
    the first half of the key to the second, over at least 4 hit blocks, while the rest's
    power changes by at least 0.5 dB (it comes and goes, as speech does; a chord's other notes
    hold as steadily as the pair), with nothing more than 3 dB above the weaker tone, and the
    frequencies within ±1.5 %. A key keeps its level; a vowel's harmonics do not.

spandsp and Asterisk judge every block alone: the pair's share of the block's energy (82 %)
does what the key rules do here, but costs them keys in noise (spandsp hears none at 5 dB SNR
in white noise). The thresholds of the key stage were set on material that
``benchmarks/corpus.py`` builds — talk-off in espeak-ng speech, sox chords, melodies and
sweeps against keys in white noise and in speech at 0 to 15 dB SNR — and are checked by
``benchmarks/talkoff.py``, ``benchmarks/snr.py`` and ``benchmarks/conformance.py`` against
multimon-ng and spandsp.

Input rules: DC is removed from every block; samples that are not finite count as silence, and
float samples are clipped to ±1 (full scale), as a converter would.

:class:`Detector` takes audio in blocks of any size and gives exactly the detections of one pass
over the whole: blocks lie on a grid from the first sample and are measured in batches of a
fixed shape, so no result depends on how the audio was cut.

Examples
--------
>>> import dtmfkit
>>> audio = dtmfkit.render("1WWW,59#")
>>> dtmfkit.decode(audio, 8000)
'159#'
>>> dtmfkit.decode(audio, 8000, pauses=True)
'1WWWw59#'
>>> first = dtmfkit.detect(audio, 8000)[0]
>>> first.key, round(first.start * 1000, 1), round(first.stop * 1000), round(first.low_hz)
('1', 2.5, 198, 697)
>>> round(first.low_dbm0, 1), round(first.high_dbm0, 1)
(-10.0, -10.0)
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
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

__all__ = ["Detection", "Detector", "canonical", "decode", "detect", "spell"]

#: spandsp and Asterisk: 102 samples at 8 kHz.
BLOCK_S: Final = 102 / 8000
#: Cut between Q.24's ±1.5 % (accept) and ±3.5 % (reject).
FREQUENCY_TOLERANCE: Final = 0.02
#: A key heard in only two blocks: Q.24's ±1.5 %, no more.
SHORT_FREQUENCY_TOLERANCE: Final = 0.015
#: Cut between Q.24's 40 ms (accept) and 23 ms (reject), between half-level points.
MIN_TONE_S: Final = 0.030
#: Q.24: a break of 10 ms does not split a key, a pause of 40 ms does: the cut, measured between
#: half-level points.
MIN_PAUSE_S: Final = 0.030
#: A block: every other tone of a group at least this far below the strongest (dB).
RELATIVE_PEAK_DB: Final = 6.0
#: A block: the two tones' share of the energy in the band `BAND_HZ`.
MIN_BAND_SHARE: Final = 0.6
#: The band whose energy a block's two tones must dominate, Hz.
BAND_HZ: Final = (600.0, 1800.0)
DEFAULT_MIN_LEVEL_DBM0: Final = -36.0
#: A key: nothing else within this many dB of its weaker tone, 100-3400 Hz...
CLEAR_DB: Final = 7.0
#: ... or the rest is noise: its spectral flatness at least this...
NOISE_FLATNESS: Final = 0.3
#: ... or nothing within this many dB of the weaker tone, 600-3400 Hz, the tones' levels
#: changing by at most `BAND_CLEAR_CHANGE_DB`...
BAND_CLEAR_DB: Final = 13.0
BAND_CLEAR_CHANGE_DB: Final = 3.0
#: ... or the tones' levels change by at most this many dB over at least `STEADY_HITS` hit
#: blocks, and nothing is more than `-STEADY_CLEAR_DB` dB above the weaker tone.
STEADY_CHANGE_DB: Final = 2.0
STEADY_HITS: Final = 4
STEADY_CLEAR_DB: Final = -3.0
STEADY_REST_CHANGE_DB: Final = 0.5
#: Unless the rest is noise, neither tone's frequency changes by more than this fraction from
#: the first half of the key to the second.
MAX_DRIFT: Final = 0.015
#: A key whose tones and the rest's strongest component are harmonics of one fundamental (of
#: at least `KIN_MIN_F0` Hz; the high tone within `KIN_PAIR` of a multiple, the component
#: within `KIN_PEAK`) needs nothing else within this many dB of its weaker tone.
KIN_CLEAR_DB: Final = 9.0
KIN_MIN_F0: Final = 90.0
KIN_PAIR: Final = 0.003
KIN_PEAK: Final = 0.008
# The fewest samples a key's steady part is measured on (no key is heard on fewer).
_MIN_PIECE: Final = 8
# The most clearance any rule asks of a key's rest; a bound on the rest's spectrum must clear
# it by `_BOUND_MARGIN_DB` more (far above rounding) for the spectrum to be skipped.
_CLEAREST_RULE_DB: Final = max(CLEAR_DB, KIN_CLEAR_DB)
_BOUND_MARGIN_DB: Final = 0.01
# Blocks measured together: a fixed shape, so that results never depend on how input was cut.
_BATCH: Final = 128
# Blocks kept from the previous batch: a key's steady part (up to `_STEADY_BLOCKS`) and edges.
_TAIL: Final = 20
# A key's steady part: this far inside its half-level points, and at most this many blocks.
_MARGIN_S: Final = 0.008
_STEADY_BLOCKS: Final = 16
_PROBES: Final = np.array(LOW_GROUP_HZ + HIGH_GROUP_HZ, dtype=np.float64)
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

    @property
    def twist_db(self) -> float:
        """High tone level minus low tone level, dB."""
        return self.high_dbm0 - self.low_dbm0

    def to_dict(self) -> dict[str, Any]:
        """The detection as plain JSON-ready data."""
        return asdict(self)


def samples_of(audio: object, channel: int | None = None) -> npt.NDArray[np.float64]:
    """Audio as float64 samples in [-1, 1]: one channel, non-finite samples as silence.

    Float samples beyond full scale are clipped; signed integers are scaled by their width,
    uint8 by 128 around 128.
    """
    if not isinstance(audio, np.ndarray):
        raise TypeError(f"audio must be a numpy array, not {type(audio).__name__}")
    if audio.ndim == 2:
        index = 0 if channel is None else channel
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError(f"channel must be an int, not {type(index).__name__}")
        if not -audio.shape[1] <= index < audio.shape[1]:
            raise ParameterError(
                f"audio has {audio.shape[1]} channels; there is no channel {index}"
            )
        audio = audio[:, index]
    elif audio.ndim != 1:
        raise ParameterError(f"audio must be 1-D, or 2-D (samples, channels); got {audio.shape}")
    if audio.dtype.kind == "f":
        samples = np.asarray(audio, dtype=np.float64)
        if not np.isfinite(samples).all():
            samples = np.nan_to_num(samples, nan=0.0, posinf=0.0, neginf=0.0)
        clipped: npt.NDArray[np.float64] = np.clip(samples, -1.0, 1.0)
        return clipped
    if audio.dtype.kind == "i":
        scale = 2.0 ** (1 - 8 * audio.dtype.itemsize)
        scaled: npt.NDArray[np.float64] = np.multiply(audio, scale, dtype=np.float64)
        return scaled
    if audio.dtype == np.uint8:
        centred: npt.NDArray[np.float64] = (audio.astype(np.float64) - 128.0) / 128.0
        return centred
    raise TypeError(f"audio must hold float, signed int or uint8 samples, not {audio.dtype}")


@dataclass(frozen=True, slots=True)
class _Bank:
    """What measuring blocks at one rate needs: block length and one matrix that measures
    every probe and the band at once."""

    rate: int
    size: int
    half: int
    basis: npt.NDArray[np.float32]
    dc: npt.NDArray[np.float64]  # what a block's DC adds to each column of `basis`
    factor: int  # keys are measured at rate / factor
    taps: npt.NDArray[np.float64]  # the low-pass that comes before (symmetric, odd length)

    @classmethod
    def create(cls, rate: int) -> _Bank:
        size = max(8, round(BLOCK_S * rate))
        half = size // 2
        n = np.arange(size)
        # Columns: the 8 tones on each half of a block (cos, sin); then the DFT bins of the
        # band (cos, sin), whose summed squares are the band's energy, as an rfft would give.
        columns = []
        for first, stop in ((0, half), (half, size)):
            window = ((n >= first) & (n < stop)).astype(np.float64)
            phase = 2 * np.pi * np.outer(n, _PROBES) / rate
            columns += [np.cos(phase) * window[:, None], -np.sin(phase) * window[:, None]]
        frequencies = np.fft.rfftfreq(size, 1 / rate)
        bins = np.flatnonzero((frequencies >= BAND_HZ[0]) & (frequencies <= BAND_HZ[1]))
        phase = 2 * np.pi * np.outer(n, bins) / size
        columns += [np.cos(phase), np.sin(phase)]
        basis = np.ascontiguousarray(np.concatenate(columns, axis=1), dtype=np.float32)
        factor, taps = _decimation(rate)
        return cls(rate, size, half, basis, basis.sum(axis=0), factor, taps)

    def measure(self, blocks: npt.NDArray[np.float32]) -> _Measures:
        """Measure blocks of shape (count, size), DC removed, for every rule at once (in
        single precision: its 1e-7 is far below any rule's margin, and twice as fast)."""
        y = (blocks @ self.basis - np.outer(blocks.mean(axis=1), self.dc)).astype(np.float64)
        first = y[:, 0:8] + 1j * y[:, 8:16]
        second = y[:, 16:24] + 1j * y[:, 24:32]
        whole = first + second
        power = np.square(whole.real) + np.square(whole.imag)
        band = np.sum(np.square(y[:, 32:]), axis=1)
        return _Measures(power, band, second * np.conj(first), whole)

    def floor(self, dbm0: float) -> float:
        """A tone's block power at `dbm0`: |X|² = (A·N/2)² for amplitude A."""
        amplitude = 10 ** ((dbm0 - FULL_SCALE_DBM0) / 20)
        return float((amplitude * self.size / 2) ** 2)


def _decimation(rate: int) -> tuple[int, npt.NDArray[np.float64]]:
    """The factor keys are measured down by (the largest that divides `rate` and keeps at
    least 11025 Hz; 1 below 22050 Hz), and the Kaiser-windowed sinc low-pass before it: flat
    up to 3400 Hz, 60 dB down (designed for 70) where it would alias below 3400 Hz."""
    factor = next(d for d in range(max(1, rate // 11025), 0, -1) if rate % d == 0)
    if factor == 1:
        return 1, np.ones(1)
    low = rate / factor
    transition = (low - 2 * 3400.0) / rate  # cycles per sample
    attenuation = 70.0
    count = int(np.ceil((attenuation - 7.95) / (2.285 * 2 * np.pi * transition))) | 1
    n = np.arange(count) - count // 2
    cutoff = low / 2 / rate
    taps = 2 * cutoff * np.sinc(2 * cutoff * n) * np.kaiser(count, 0.1102 * (attenuation - 8.7))
    return factor, taps / taps.sum()


@dataclass(frozen=True, slots=True)
class _Measures:
    power: npt.NDArray[np.float64]  # (blocks, 8): each tone's power
    band: npt.NDArray[np.float64]  # (blocks,): energy between 600 and 1800 Hz
    turn: npt.NDArray[np.complex128]  # (blocks, 8): second half against the first
    whole: npt.NDArray[np.complex128]  # (blocks, 8): each tone over the whole block


@functools.lru_cache(maxsize=8)
def _bank(rate: int) -> _Bank:
    return _Bank.create(rate)


def _hits(m: _Measures, bank: _Bank, floor: float) -> npt.NDArray[np.int64]:
    """The key code each block is a hit for, or -1: every rule of the module docstring."""
    low, high = m.power[:, :4], m.power[:, 4:]
    row, col = np.argmax(low, axis=1), np.argmax(high, axis=1)
    rows = np.arange(row.size)
    best_low, best_high = low[rows, row], high[rows, col]
    peak = 10 ** (RELATIVE_PEAK_DB / 10)
    # Every other tone of the group below the strongest: the second largest is the test.
    second_low = np.sort(low, axis=1)[:, -2]
    second_high = np.sort(high, axis=1)[:, -2]
    reverse, normal = (10 ** (limit / 10) for limit in TWIST_LIMITS_DB)
    hit = (
        (best_low >= floor)
        & (best_high >= floor)
        & (best_high >= best_low * reverse)
        & (best_high <= best_low * normal)
        & (second_low * peak <= best_low)
        & (second_high * peak <= best_high)
        & (best_low + best_high >= MIN_BAND_SHARE * m.band)
    )
    return np.where(hit, row * 4 + col, -1)


@dataclass
class _Key:
    """A key being heard: where it began, and what each of its hit blocks measured."""

    code: int
    start: float  # refined, in samples
    blocks: list[int]  # its hit blocks
    turns: list[npt.NDArray[np.complex128]]  # per hit block: each tone, half on half
    wholes: list[npt.NDArray[np.complex128]]  # per hit block: each tone
    stop: float = 0.0  # refined, in samples, once it has ended
    look: _Look | None = None  # once it has ended: see Detector._look

    @property
    def last(self) -> int:
        return self.blocks[-1]

    @property
    def pair(self) -> tuple[int, int]:
        """The columns of its low and high tone among the 8 probes."""
        return self.code // 4, 4 + self.code % 4

    def add(self, block: int, m: _Measures, index: int) -> None:
        # Views of the block's 8 tones (cheap); the key's two are picked when it is measured.
        self.blocks.append(block)
        self.turns.append(m.turn[index])
        self.wholes.append(m.whole[index])


class Detector:
    """A streaming DTMF receiver: feed it audio in blocks of any size.

    Parameters
    ----------
    rate : int
        Sample rate in Hz (above 3266 Hz).
    min_level_dbm0 : float, default -36.0
        Quietest tone accepted, per tone.

    Examples
    --------
    >>> import dtmfkit
    >>> import numpy as np
    >>> audio = dtmfkit.render("159#", rate=16000)
    >>> detector = dtmfkit.Detector(16000)
    >>> found = [d.key for part in np.array_split(audio, 7) for d in detector.feed(part)]
    >>> found += [d.key for d in detector.finish()]
    >>> "".join(found)
    '159#'
    """

    def __init__(self, rate: int, *, min_level_dbm0: float = DEFAULT_MIN_LEVEL_DBM0) -> None:
        self.rate = check_dtmf_rate(sample_rate(rate))
        if isinstance(min_level_dbm0, bool) or not isinstance(min_level_dbm0, int | float):
            raise TypeError("min_level_dbm0 must be a number of dB")
        self._bank = _bank(self.rate)
        self._floor = self._bank.floor(float(min_level_dbm0))
        self._min_level = float(min_level_dbm0)
        self._pause = MIN_PAUSE_S * self.rate
        # Blocks an ended key is held for, in case it goes on after a break: a key that comes
        # back within the pause begins (its first hit) at most this many blocks after the
        # ended key's last hit, and is declared a block later.
        self._hold = int(np.ceil(self._pause / self._bank.size)) + 5
        size = self._bank.size
        # The work buffer: the last `_TAIL` blocks already measured (silence before the
        # audio begins), then the batch being filled; `_filled` samples of it hold audio.
        self._work = np.zeros((_TAIL + _BATCH) * size, dtype=np.float32)
        self._filled = _TAIL * size
        self._block = 0  # the number of the batch's first block
        self._key: _Key | None = None
        self._in = -1  # the key declared on, or -1 (spandsp's in_digit)
        self._last = -1  # the last block's hit (spandsp's last_hit)
        # A key that has ended, held until it is clear that it does not go on after a break.
        self._held: _Key | None = None
        # The last block's measures, for a key whose first hit ended a batch.
        self._previous: _Measures | None = None
        self._finished = False
        #: Samples taken so far.
        self.samples = 0

    def feed(self, audio: npt.ArrayLike) -> list[Detection]:
        """Take more audio; return the keys that ended within what has been taken.

        Raises
        ------
        TypeError, ParameterError
            Audio that is not a 1-D (or one channel of a 2-D) array of samples.
        """
        if self._finished:
            raise ParameterError("this detector has finished: make a new one")
        samples = samples_of(np.asarray(audio))
        self.samples += samples.size
        found: list[Detection] = []
        work, taken = self._work, 0
        while taken < samples.size:
            count = min(samples.size - taken, work.size - self._filled)
            work[self._filled : self._filled + count] = samples[taken : taken + count]
            self._filled += count
            taken += count
            if self._filled == work.size:
                found += self._run()
        return found

    def finish(self) -> list[Detection]:
        """The keys still open at the end of the audio (silence follows it)."""
        if self._finished:
            return []
        found: list[Detection] = []
        # The last batch is padded with silence, and one more batch of silence ends every key.
        for _ in range(2):
            self._work[self._filled :] = 0.0
            found += self._run()
        if self._held is not None:
            found += self._emit(self._held)
            self._held = None
        self._finished = True
        return [d for d in found if d.start * self.rate < self.samples]

    def _run(self) -> list[Detection]:
        """Measure the batch of blocks in the work buffer and follow the keys through it;
        then keep its last blocks as the next batch's tail."""
        bank, size, work = self._bank, self._bank.size, self._work
        measures = bank.measure(work[_TAIL * size :].reshape(_BATCH, size))
        hits = _hits(measures, bank, self._floor)
        origin = (self._block - _TAIL) * size  # the sample number of work[0]
        found: list[Detection] = []
        for index, hit in enumerate(hits.tolist()):
            if hit < 0 and self._last < 0 and self._key is None and self._held is None:
                continue  # silence, or anything else that is no key: nothing to follow
            found += self._step(self._block + index, hit, measures, index, work, origin)
        self._previous = _Measures(
            measures.power[-1:],
            measures.band[-1:],
            measures.turn[-1:],
            measures.whole[-1:],
        )
        work[: _TAIL * size] = work[-_TAIL * size :]
        self._filled = _TAIL * size
        self._block += _BATCH
        return found

    def _step(
        self,
        block: int,
        hit: int,
        m: _Measures,
        index: int,
        work: npt.NDArray[np.float32],
        origin: int,
    ) -> list[Detection]:
        """spandsp's rule, block by block: two agreeing blocks declare a change. A key that
        ends is held: if it begins again within a break of less than 30 ms, it goes on."""
        found: list[Detection] = []
        key = self._key
        if key is not None and hit == key.code:
            key.add(block, m, index)
        held = self._held
        if held is not None and block - held.last > self._hold and self._key is None:
            found += self._emit(held)
            self._held = held = None
        if hit != self._in and self._last != self._in:
            now = hit if hit >= 0 and hit == self._last else -1
            if self._in >= 0 and key is not None:
                key.stop = self._edge(key.code, key.last, work, origin, rising=False) + 1
                key.look = self._look(key, work, origin)
                if held is not None:
                    found += self._emit(held)
                self._held = held = key
                self._key = None
            if now >= 0:
                start = self._edge(now, block - 1, work, origin, rising=True)
                if held is not None and held.code == now and start - held.stop < self._pause:
                    self._key, self._held = held, None  # a break, not a new key
                else:
                    if held is not None:
                        found += self._emit(held)
                        self._held = None
                    self._key = _Key(now, start, [], [], [])
                    previous = m if index else self._previous
                    if previous is not None:
                        self._key.add(block - 1, previous, index - 1 if index else 0)
                self._key.add(block, m, index)
            self._in = now
        self._last = hit
        return found

    def _edge(
        self, code: int, block: int, work: npt.NDArray[np.float32], origin: int, *, rising: bool
    ) -> float:
        """Where the key's weaker tone crosses half its level, in samples.

        A rising key's first two hits are blocks `block` and `block + 1`; a falling key's last
        hit is `block`. Each tone is demodulated and smoothed by a triangle whose nulls fall on
        the other tone (and, nearly, on the images at twice the frequencies), so neither ripples
        the other's level; a symmetric kernel keeps the half-way point of a symmetric ramp where
        it was. Each tone's level is compared with its own median inside the key.
        """
        size = self._bank.size
        reach = _reach(code, self.rate)
        # Blocks searched, and the blocks inside the key whose median is its plateau.
        if rising:
            search, inside = (block - 1, block + 2), (block + 1, block + 2)
        else:
            search, inside = (block, block + 2), (block - 1, block + 1)
        lo = max(0, min(search[0], inside[0]) * size - origin - reach)
        hi = min(work.size, max(search[1], inside[1]) * size - origin + reach)
        if hi - lo <= 2 * reach + 1:
            return float(origin + (block + (0 if rising else 1)) * size)
        levels = _envelopes(work[lo:hi], lo + origin, code, self.rate)
        first = lo + origin + reach  # the sample the first smoothed value is centred on

        def span(blocks: tuple[int, int]) -> slice:
            return slice(
                max(0, blocks[0] * size - first),
                max(0, min(levels[0].size, blocks[1] * size - first)),
            )

        steady = levels[:, span(inside)]
        plateau = _medians(steady, max(1, reach // 4)) if steady.shape[1] else np.zeros(2)
        if min(plateau) <= 1e-15:
            return float(origin + (block + (0 if rising else 1)) * size)
        level = np.minimum(levels[0] / plateau[0], levels[1] / plateau[1])
        where = span(search)
        region = level[where]
        above = np.flatnonzero(region >= 0.5)
        if not above.size:
            return float(first + where.start + (region.size if rising else 0))
        at = int(above[0]) if rising else int(above[-1])
        other = at - 1 if rising else at + 1
        if 0 <= other < region.size and region[other] != region[at]:
            # Interpolate to the sample where the level is exactly one half.
            fraction = (region[at] - 0.5) / (region[at] - region[other])
            return float(first + where.start + at + (other - at) * fraction)
        return float(first + where.start + at)

    def _look(self, key: _Key, work: npt.NDArray[np.float32], origin: int) -> _Look | None:
        """Measure an ended key, on what is still at hand of it: the steady part of its longest
        run between breaks where both tones fall below half their level (a break too short to
        end the key would upset a fit across it: the tones may come back in another phase),
        clear of the run's edges by 8 ms, 16 blocks at most; None where fewer than 8 samples
        of it are at hand."""
        size, rate = self._bank.size, self.rate
        first, stop = int(max(key.start, origin)), int(key.stop)
        reach = _reach(key.code, rate)
        if stop - first > 2 * reach + 1:
            envelopes = _envelopes(work[first - origin : stop - origin], first, key.code, rate)
            plateau = _medians(envelopes, max(1, reach // 4))
            held = (envelopes[0] >= plateau[0] / 2) | (envelopes[1] >= plateau[1] / 2)
            if not held.all():
                # Runs of held samples, as (first, stop) indexes.
                edges = np.flatnonzero(np.diff(np.concatenate([[0], held.view(np.int8), [0]])))
                runs = edges.reshape(-1, 2)
                if len(runs) > 1:
                    begin, end = runs[int(np.argmax(runs[:, 1] - runs[:, 0]))]
                    first, stop = first + reach + int(begin), first + reach + int(end)
        margin = round(_MARGIN_S * rate)
        inner = (max(first + margin, stop - margin - _STEADY_BLOCKS * size), stop - margin)
        if inner[1] - inner[0] >= size // 2:
            first, stop = inner
        if stop - first < _MIN_PIECE:
            return None  # nothing steady enough to measure: no key
        nominal = (LOW_GROUP_HZ[key.code // 4], HIGH_GROUP_HZ[key.code % 4])
        frequencies = self._frequencies(key)
        factor = self._bank.factor
        if factor == 1:
            piece = work[first - origin : stop - origin].astype(np.float64)
            return _Look.measure(piece, first, frequencies, nominal, rate)
        # At high rates the key is measured at rate / factor (11 to 16 kHz): through a
        # low-pass flat to 0.01 dB up to 3400 Hz, and 60 dB down wherever it would alias there.
        taps = self._bank.taps
        half = taps.size // 2
        count = (stop - first) // factor
        lo, hi = first - origin - half, first - origin + (count - 1) * factor + half + 1
        segment = work[max(0, lo) : max(0, min(work.size, hi))].astype(np.float64)
        if lo < 0 or hi > work.size:
            segment = np.pad(
                segment, (max(0, -lo), max(0, hi - max(lo, 0) - segment.size - max(0, -lo)))
            )
        # Row i is the `taps.size` samples the i-th output is filtered from (a strided view).
        step = segment.strides[0]
        windows = np.ndarray(
            (count, taps.size), segment.dtype, segment, strides=(factor * step, step)
        )
        filtered: npt.NDArray[np.float64] = windows @ taps
        return _Look.measure(filtered, first / factor, frequencies, nominal, rate // factor)

    def _frequencies(self, key: _Key) -> npt.NDArray[np.float64]:
        """Both tones' frequencies: the phase turn from block to block (unbiased, but known
        only modulo rate/N), its alias chosen by the turn between half-blocks."""
        rate, size, half = self.rate, self._bank.size, self._bank.half
        pair = list(key.pair)
        nominal = np.array([LOW_GROUP_HZ[key.code // 4], HIGH_GROUP_HZ[key.code % 4]])
        coarse = nominal + np.angle(np.array(key.turns)[:, pair].sum(axis=0)) * rate / (
            2 * np.pi * half
        )
        # The turn of each tone from a block to the next, over blocks that follow each other.
        wholes = np.array(key.wholes)[:, pair]
        blocks = key.blocks
        after = np.array(
            [i for i in range(1, len(blocks)) if blocks[i] == blocks[i - 1] + 1], dtype=np.intp
        )
        steps = (wholes[after] * np.conj(wholes[after - 1])).sum(axis=0)
        if not np.any(steps):
            return np.asarray(coarse, dtype=np.float64)
        period = rate / size
        fine = np.angle(steps) * rate / (2 * np.pi * size)  # f modulo rate/N
        frequencies: npt.NDArray[np.float64] = fine + np.round((coarse - fine) / period) * period
        return frequencies

    def _emit(self, key: _Key) -> list[Detection]:
        """The detection of an ended key, if it passes the key rules."""
        look = key.look
        if look is None or (key.stop - key.start) / self.rate < MIN_TONE_S:
            return []
        nominal = np.array([LOW_GROUP_HZ[key.code // 4], HIGH_GROUP_HZ[key.code % 4]])
        deviation = float(np.max(np.abs(look.frequencies / nominal - 1)))
        if deviation > (FREQUENCY_TOLERANCE if len(key.blocks) > 2 else SHORT_FREQUENCY_TOLERANCE):
            return []
        if float(np.min(look.levels)) < self._min_level - 1.0:
            return []
        if not look.plausible(len(key.blocks), deviation):
            return []
        return [
            Detection(
                ROWS[key.code // 4][key.code % 4],
                max(key.start, 0.0) / self.rate,
                key.stop / self.rate,
                float(look.frequencies[0]),
                float(look.frequencies[1]),
                float(look.levels[0]),
                float(look.levels[1]),
            )
        ]


def _reach(code: int, rate: int) -> int:
    """How far either side of its centre a key's smoothed envelope reaches, in samples."""
    return max(1, round(rate / (HIGH_GROUP_HZ[code % 4] - LOW_GROUP_HZ[code // 4]))) - 1


@functools.lru_cache(maxsize=64)
def _carrier_table(rate: int, pair: tuple[int, int], size: int) -> npt.NDArray[np.complex128]:
    table: npt.NDArray[np.complex128] = np.stack(
        [np.exp(-2j * np.pi * hz * np.arange(size) / rate) for hz in pair]
    )
    table.flags.writeable = False
    return table


def _carriers(rate: int, pair: tuple[int, int], size: int) -> npt.NDArray[np.complex128]:
    """``exp(-2πi·hz·n/rate)`` for both tones of `pair` and n < `size`, shape (2, size), from a
    table kept per rate and pair (its length a power of two, so that few are made)."""
    return _carrier_table(rate, pair, 1 << max(size - 1, 1).bit_length())[:, :size]


def _medians(envelopes: npt.NDArray[np.float64], stride: int) -> npt.NDArray[np.float64]:
    """The median of each row of smooth envelopes (rows, samples), read every `stride` samples
    (they cannot change much between them), at least 1e-15. As ``np.median`` computes it (the
    mean of the middle two of an even count), by one partition of all rows."""
    picked = envelopes[:, ::stride]
    half = picked.shape[1] // 2
    if picked.shape[1] % 2:
        middle = np.partition(picked, half, axis=1)[:, half]
    else:
        parted = np.partition(picked, (half - 1, half), axis=1)
        middle = (parted[:, half - 1] + parted[:, half]) / 2
    return np.maximum(middle, 1e-15)


def _envelopes(
    piece: npt.NDArray[np.floating[Any]], first: int, code: int, rate: int
) -> npt.NDArray[np.float64]:
    """Each of a key's tones demodulated and smoothed by a triangle whose nulls fall on the
    other tone (and, nearly, on the images at twice the frequencies), so that neither ripples
    the other's level; a symmetric kernel keeps the half-way point of a symmetric ramp where it
    was. Shape (2, samples), low tone first; the values are centred on samples
    ``first + reach`` on (mode 'valid')."""
    width = _reach(code, rate) + 1
    pair = (LOW_GROUP_HZ[code // 4], HIGH_GROUP_HZ[code % 4])
    start = np.array([np.exp(-2j * np.pi * hz * first / rate) for hz in pair])
    mixed = piece * _carriers(rate, pair, piece.size) * start[:, None]
    # The triangle is two boxcars of `width`; each a difference of running sums.
    for _ in range(2):
        total = np.zeros((2, mixed.shape[1] + 1), dtype=np.complex128)
        np.cumsum(mixed, axis=1, out=total[:, 1:])
        mixed = total[:, width:] - total[:, :-width]
    envelopes: npt.NDArray[np.float64] = np.abs(mixed) / width**2
    return envelopes


def _fit(
    piece: npt.NDArray[np.float64],
    first: float,
    frequencies: npt.NDArray[np.float64],
    rate: int,
) -> tuple[npt.NDArray[np.complex128], npt.NDArray[np.float64], npt.NDArray[np.complex128]]:
    """Tones at `frequencies` in `piece` (sample `first` on), fitted by least squares with DC:
    each as ``A·exp(iφ)`` for ``A·cos(2πft + φ)`` — exact for clean tones, where a block's
    sidelobes bias a probe by up to a dB — and the rest, which tones and DC leave. Also the
    tones fitted alone on each quarter of the piece and on each half, shape (6, tones): four
    quarters, then two halves (empty when a quarter would be under 8 samples). All from one
    design matrix, as normal equations solved together."""
    # exp(2πi·f·t) by repeated multiplication: a product of a few thousand unit steps strays
    # by about 1e-12, and costs far less than as many cosines and sines.
    steps = np.empty((piece.size, frequencies.size), dtype=np.complex128)
    steps[:] = np.exp(2j * np.pi * frequencies / rate)
    steps[0] = np.exp(2j * np.pi * frequencies * (first / rate))
    turning = np.cumprod(steps, axis=0)
    count = frequencies.size
    design = np.empty((piece.size, 2 * count + 1))
    design[:, :count] = turning.real
    design[:, count : 2 * count] = turning.imag
    design[:, 2 * count] = 1.0
    grams = [design.T @ design]
    sums = [design.T @ piece]
    quarter = piece.size // 4
    if quarter >= 8:
        parts = design[: 4 * quarter].reshape(4, quarter, -1)
        gram = parts.transpose(0, 2, 1) @ parts
        total = (parts.transpose(0, 2, 1) @ piece[: 4 * quarter].reshape(4, quarter, 1))[..., 0]
        grams += [*gram, gram[0] + gram[1], gram[2] + gram[3]]
        sums += [*total, total[0] + total[1], total[2] + total[3]]
    gram_stack = np.array(grams)
    # A whisker of ridge: a part too short to tell its tones apart must not be singular.
    diagonal = np.arange(design.shape[1])
    gram_stack[:, diagonal, diagonal] += 1e-12 * np.trace(gram_stack, axis1=1, axis2=2)[:, None]
    coef = np.linalg.solve(gram_stack, np.array(sums)[..., None])[..., 0]
    tones: npt.NDArray[np.complex128] = coef[:, :count] - 1j * coef[:, count : 2 * count]
    rest: npt.NDArray[np.float64] = piece - design @ coef[0]
    return tones[0], rest, tones[1:]


def _kin(
    strongest: npt.NDArray[np.float64],
    frequencies: npt.NDArray[np.float64],
    nominal: tuple[int, int],
    tolerance: float,
) -> bool:
    """Whether the rest's strongest components (`strongest`, Hz, strongest first) are
    harmonics of a fundamental of at least 90 Hz that both tones are harmonics of — so that
    all are likely one voice's or one instrument's. The fundamental is tried from the highest
    down: ``low / k`` for k = 1, 2, ..., kept when the high tone lies within 0.3 % of a
    multiple m of it; a component within `tolerance` Hz (or 0.8 %) of a multiple is a
    harmonic. The strongest component must be one; and where the key's own nominal pair
    stands in the ratio m : k as closely (as 770 and 1633 Hz do 8 : 17), so that a key
    itself looks harmonic, the second strongest too."""
    if not strongest.size:
        return False
    low, high = float(frequencies[0]), float(frequencies[1])
    for k in range(1, int(low // KIN_MIN_F0) + 1):
        m = round(high * k / low)
        if m <= k or abs(high - m * low / k) > KIN_PAIR * high:
            continue
        fundamental = (low + high) / (k + m)
        harmonic = [
            abs(peak - round(peak / fundamental) * fundamental) <= max(KIN_PEAK * peak, tolerance)
            and round(peak / fundamental) >= 1
            for peak in strongest[:2].tolist()
        ]
        lookalike = abs(nominal[1] - m * nominal[0] / k) <= KIN_PAIR * nominal[1]
        if harmonic[0] and (not lookalike or (len(harmonic) > 1 and harmonic[1])):
            return True
    return False


def _amplitudes(
    windowed: npt.NDArray[np.float64], rate: int, top: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The spectrum of the rest through a Hann window (`windowed`, the rest times
    :func:`_hann`) up to `top` Hz, read as the amplitude of the sinusoid that would peak there
    (a·size/4), padded fourfold so that peaks are read within a quarter bin; and each value's
    frequency. At high rates the windowed rest (zero at both ends, so its spectrum may be cut
    without ringing) is first brought down to about 2.5 times `top` by keeping only its low
    bins: the work stays that of a few thousand samples."""
    size = windowed.size
    keep = size
    factor = int(rate // (2.5 * top))
    if factor > 1:
        keep = max(8, size // factor)
        windowed = np.fft.irfft(np.fft.rfft(windowed)[: keep // 2 + 1], keep) * (keep / size)
    length = 1 << max(4 * keep - 1, 1).bit_length()
    amplitudes = 4 * np.abs(np.fft.rfft(windowed, n=length)) / keep
    hz = np.asarray(np.fft.rfftfreq(length, size / (rate * keep)), dtype=np.float64)
    return amplitudes, hz


@functools.lru_cache(maxsize=64)
def _hann(size: int) -> npt.NDArray[np.float64]:
    window = np.hanning(size)
    window.flags.writeable = False
    return window


def _db(ratio: float) -> float:
    return float(10 * np.log10(max(ratio, 1e-30)))


def _read_rest(
    windowed: npt.NDArray[np.float64],
    weaker: float,
    frequencies: npt.NDArray[np.float64],
    nominal: tuple[int, int],
    rate: int,
) -> tuple[float, float, float, bool]:
    """What the spectrum of a key's rest (through a Hann window) shows beside its weaker tone
    (an amplitude): the clearance of the strongest component between 100 Hz and the top, and
    between 600 Hz and the top (dB), the spectral flatness, and kinship (see :class:`_Look`)."""
    size = windowed.size
    top = min(3400.0, 0.45 * rate)
    spectrum, hz = _amplitudes(windowed, rate, top)

    def clearance(low: float) -> float:
        strongest = float(np.max(spectrum[(hz >= low) & (hz <= top)], initial=0.0))
        return _db((weaker / max(strongest, 1e-15)) ** 2) if weaker > 0 else -300.0

    power = np.square(spectrum[(hz >= 100.0) & (hz <= top)]) + 1e-300
    flatness = float(np.exp(np.mean(np.log(power))) / np.mean(power))
    # The strongest peaks of the rest within 12 dB of the weaker tone, strongest first.
    peaks = np.zeros(spectrum.size, dtype=bool)
    peaks[1:-1] = (spectrum[1:-1] >= spectrum[:-2]) & (spectrum[1:-1] > spectrum[2:])
    peaks &= (hz >= 70.0) & (hz <= top) & (spectrum >= weaker * 10 ** (-12 / 20))
    order = np.argsort(-spectrum[peaks], kind="stable")
    strongest = np.asarray(hz[peaks][order], dtype=np.float64)
    kin = _kin(strongest, frequencies, nominal, 0.2 * rate / size)
    return clearance(100.0), clearance(600.0), flatness, kin


@dataclass(frozen=True, slots=True)
class _Look:
    """What a key's steady part shows: its tones, and what else sounds with them."""

    frequencies: npt.NDArray[np.float64]  # Hz, low then high
    levels: npt.NDArray[np.float64]  # dBm0, low then high
    # The strongest other component, 100-3400 Hz, below the weaker tone; where the rest is too
    # weak for any component to come within `KIN_CLEAR_DB`, a bound: at least this.
    clearance_db: float
    band_clearance_db: float  # the same, 600-3400 Hz only
    # Spectral flatness of the rest, 100-3400 Hz: 0 tonal, about 0.56 white; None where the
    # rest is too weak to matter (its spectrum is then not computed).
    flatness: float | None
    change_db: float  # the larger change of a tone's level from the first half to the second
    drift: float  # the larger relative change of a tone's frequency, likewise
    rest_change_db: float  # the change of the rest's power, likewise
    kin: bool  # the rest's strongest component and the tones harmonics of one fundamental
    half_deviation: float  # the larger deviation from nominal of a tone in either half

    @classmethod
    def measure(
        cls,
        piece: npt.NDArray[np.float64],
        first: float,
        frequencies: npt.NDArray[np.float64],
        nominal: tuple[int, int],
        rate: int,
    ) -> _Look:
        tones, rest, parts = _fit(piece, first, frequencies, rate)
        amplitudes = np.abs(tones)
        levels = 20 * np.log10(np.maximum(amplitudes, 1e-15)) + FULL_SCALE_DBM0
        weaker = float(np.min(amplitudes))
        size = piece.size
        # Steadiness: each tone's level in the first half against the second; its frequency
        # in the first half against the second (each from the phase turn between its quarters);
        # the rest's power in the first half against the second.
        change = drift = rest_change = 0.0
        halves_hz = frequencies
        if parts.size:
            quarters, halves = parts[:4], np.abs(parts[4:])
            ratios = np.maximum(halves[1], 1e-15) / np.maximum(halves[0], 1e-15)
            change = float(np.max(np.abs(20 * np.log10(ratios))))
            turns = [quarters[1] * np.conj(quarters[0]), quarters[3] * np.conj(quarters[2])]
            step = size // 4
            moved = np.angle(turns[1] * np.conj(turns[0])) * rate / (2 * np.pi * step)
            halves_hz = frequencies + np.angle(turns) * rate / (2 * np.pi * step)
            drift = float(np.max(np.abs(moved) / frequencies))
            middle = 2 * step
            before = float(np.mean(np.square(rest[:middle])))
            after = float(np.mean(np.square(rest[middle : 2 * middle])))
            rest_change = abs(_db(after / max(before, 1e-30)))
        half_deviation = float(np.max(np.abs(halves_hz / np.asarray(nominal) - 1)))
        windowed = rest * _hann(size)
        # No reading of the rest's spectrum can exceed 4·‖window·rest‖/√size (Cauchy-Schwarz;
        # cutting bins before the reading only lowers it): where that bound already clears
        # the weaker tone by the most any rule asks, and the tones hold still, the key's rest
        # cannot refuse it, and its spectrum is not needed.
        bound = 4 * float(np.sqrt(np.dot(windowed, windowed) / size))
        cleared = _db((weaker / max(bound, 1e-15)) ** 2) if weaker > 0 else -300.0
        reading: tuple[float, float, float | None, bool]
        if (
            cleared >= _CLEAREST_RULE_DB + _BOUND_MARGIN_DB
            and drift <= MAX_DRIFT
            and half_deviation <= FREQUENCY_TOLERANCE
        ):
            reading = (cleared, cleared, None, False)
        else:
            reading = _read_rest(windowed, weaker, frequencies, nominal, rate)
        clearance_db, band_clearance_db, flatness, kin = reading
        return cls(
            frequencies,
            levels,
            clearance_db,
            band_clearance_db,
            flatness,
            change,
            drift,
            rest_change,
            kin,
            half_deviation,
        )

    def plausible(self, hits: int, deviation: float) -> bool:
        """Whether what sounds with the tones lets them be a key (module docstring); `hits`
        is the key's number of hit blocks, `deviation` its frequencies' larger deviation."""
        if self.flatness is not None and self.flatness >= NOISE_FLATNESS:
            return True
        if self.drift > MAX_DRIFT or self.half_deviation > FREQUENCY_TOLERANCE:
            return False
        if self.kin:
            return self.clearance_db >= KIN_CLEAR_DB
        return (
            self.clearance_db >= CLEAR_DB
            or (self.band_clearance_db >= BAND_CLEAR_DB and self.change_db <= BAND_CLEAR_CHANGE_DB)
            or (
                self.clearance_db >= STEADY_CLEAR_DB
                and self.change_db <= STEADY_CHANGE_DB
                and self.rest_change_db >= STEADY_REST_CHANGE_DB
                and hits >= STEADY_HITS
                and deviation <= SHORT_FREQUENCY_TOLERANCE
            )
        )


def detect(
    audio: npt.NDArray[Any],
    rate: int,
    *,
    channel: int | None = None,
    min_level_dbm0: float = DEFAULT_MIN_LEVEL_DBM0,
) -> list[Detection]:
    """Find DTMF keys in audio (one pass of a :class:`Detector`).

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
    detector = Detector(rate, min_level_dbm0=min_level_dbm0)
    return detector.feed(samples_of(audio, channel)) + detector.finish()


def _halves(seconds: float) -> int:
    return max(0, round(seconds / float(_HALF_PAUSE)))


def _spelling(halves: int) -> str:
    return "W" * (halves // 2) + "w" * (halves % 2)


def spell(
    detections: SequenceABC[Detection] | Iterable[Detection],
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
