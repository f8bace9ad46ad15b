"""Synthesis: turn ``dtmfOut`` strings into dual-tone PCM, vectorized.

Each key's tone is ``a·sin(2π·f_low·n/rate) + b·sin(2π·f_high·n/rate)`` for ``n = 0, 1, …``
counted from the tone's first sample (every tone starts at phase 0), shaped by a raised-cosine
ramp of ``ramp_ms`` at both edges. Silence is exact zeros.

Levels follow the G.711 convention: a full-scale sine is +3.17 dBm0, so a tone of ``L`` dBm0
has peak amplitude ``10 ** ((L - 3.17) / 20)`` of full scale. ``level_dbm0`` is the low tone's
level; the high tone's is ``level_dbm0 + twist_db``. For int16, full scale is 32767.

The work is shared across strings: one block per key and tone length is computed once (and
cached), and tones are copied into a single output buffer by fancy indexing, never sample by
sample in Python.

Examples
--------
>>> import dtmfkit
>>> audio = dtmfkit.render("1WWW,59#")
>>> audio.shape, audio.dtype
((40800,), dtype('float32'))
>>> float(abs(audio[1600:29600]).max())  # the 3.5 s pause is exact silence
0.0
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

from dtmfkit.errors import ParameterError
from dtmfkit.grammar import PAUSE_CODE, Grammar, Sequence
from dtmfkit.keypad import FREQUENCIES, HIGH_GROUP_HZ, KEYS
from dtmfkit.profiles import Profile
from dtmfkit.profiles import get as get_profile
from dtmfkit.timing import Milliseconds, Timing, milliseconds, sample_rate

__all__ = [
    "DEFAULT_LEVEL_DBM0",
    "DEFAULT_RAMP_MS",
    "FULL_SCALE_DBM0",
    "Batch",
    "render",
    "render_many",
    "samples_needed",
]

#: G.711: the digital milliwatt is 3.17 dB below a full-scale sine, so full scale is +3.17 dBm0.
FULL_SCALE_DBM0: Final = 3.17
#: −10 dBm0 per tone: ≈0.22 of full scale each, so the pair never clips.
DEFAULT_LEVEL_DBM0: Final = -10.0
#: A raised-cosine edge this long keeps the spectrum clean without shortening the tone audibly.
DEFAULT_RAMP_MS: Final = 5.0
#: int16 output is ``round(x * 32767)`` of the float signal.
INT16_FULL_SCALE: Final = 32767
DTYPES: Final = ("float32", "float64", "int16")
# Up to this many tones, gather-and-scatter in one call beats one pass per key.
_GATHER_LIMIT: Final = 64
# Output is written a chunk of about this many bytes at a time: within the cache.
_REGION_BYTES: Final = 8 * 1024 * 1024
# Plans of this many recent strings are kept per settings (parse and schedule skipped).
_PLAN_CACHE: Final = 1024

Source = str | Sequence
DType = Literal["float32", "float64", "int16"] | np.dtype[np.generic] | type[np.generic]
Audio = npt.NDArray[np.float32] | npt.NDArray[np.float64] | npt.NDArray[np.int16]


def _dtype(value: object) -> np.dtype[np.generic]:
    try:
        dtype: np.dtype[np.generic] = np.dtype(value)  # type: ignore[call-overload]
    except TypeError:
        raise TypeError(f"dtype must be one of {', '.join(DTYPES)}, got {value!r}") from None
    if dtype.name not in DTYPES:
        raise ParameterError(f"dtype must be one of {', '.join(DTYPES)}, got {value!r}")
    return dtype


def _decibels(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | Fraction):
        raise TypeError(f"{name} must be a number of dB, not {type(value).__name__}")
    if not math.isfinite(value):
        raise ParameterError(f"{name} must be finite, got {value!r}")
    return float(value)


@dataclass(frozen=True, slots=True)
class Synth:
    """Validated synthesis settings and the tone blocks they imply (cached per tone length)."""

    rate: int
    timing: Timing
    grammar: Grammar
    low_amplitude: float
    high_amplitude: float
    ramp_samples: int
    dtype: np.dtype[np.generic]
    _block_cache: dict[int, npt.NDArray[np.generic]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )
    _plans: dict[str, Plan] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def create(
        cls,
        rate: object,
        tone_ms: object,
        gap_ms: object,
        level_dbm0: object,
        twist_db: object,
        ramp_ms: object,
        dtype: object,
        profile: object = None,
    ) -> Synth:
        chosen = get_profile(profile)  # type: ignore[arg-type]
        rate = sample_rate(rate)
        timing = chosen.timing_for(tone_ms, gap_ms)  # type: ignore[arg-type]
        if 2 * max(HIGH_GROUP_HZ) >= rate:
            raise ParameterError(
                f"rate={rate} Hz is too low: the 1633 Hz tone needs a rate above "
                f"{2 * max(HIGH_GROUP_HZ)} Hz (Nyquist)"
            )
        level = _decibels(level_dbm0, "level_dbm0")
        twist = _decibels(twist_db, "twist_db")
        low = 10 ** ((level - FULL_SCALE_DBM0) / 20)
        high = 10 ** ((level + twist - FULL_SCALE_DBM0) / 20)
        if low + high > 1:
            raise ParameterError(
                f"level_dbm0={level_dbm0!r} with twist_db={twist_db!r} would clip: the tone pair "
                f"peaks at {low + high:.3f} of full scale"
            )
        ramp = milliseconds(ramp_ms, "ramp_ms")
        ramp_samples = round(ramp * rate / 1000)
        shortest_tone = math.floor(timing.tone_ms * rate / 1000)
        if 2 * ramp_samples > shortest_tone:
            raise ParameterError(
                f"ramp_ms={ramp_ms!r} is too long for tone_ms={float(timing.tone_ms):g}: "
                "both ramps must fit in the tone"
            )
        if shortest_tone < 1:
            raise ParameterError(
                f"tone_ms={float(timing.tone_ms):g} is shorter than one sample at {rate} Hz"
            )
        return cls(rate, timing, chosen.grammar, low, high, ramp_samples, _dtype(dtype))

    def blocks(self, length: int) -> npt.NDArray[np.generic]:
        """The 16 keys' tones of `length` samples, shape (16, length), in `dtype`; read-only."""
        return _blocks(
            self.rate,
            length,
            self.low_amplitude,
            self.high_amplitude,
            self.ramp_samples,
            self.dtype,
        )

    def plan(self, source: Source) -> Plan:
        """Where the tones of one string go at these settings (cached per text)."""
        text = self.grammar.text_of(source)
        plan = self._plans.get(text) if isinstance(text, str) else None
        if plan is None:
            codes, lengths = self.grammar.encode_many([text])
            starts, stops, totals = self.timing.boundaries(codes, lengths, self.rate)
            plan = Plan.of(int(totals[0]), codes, starts, stops)
            if len(self._plans) >= _PLAN_CACHE:
                del self._plans[next(iter(self._plans))]  # the oldest
            self._plans[text] = plan
        return plan

    def place(self, out: npt.NDArray[np.generic], plan: Plan, *, clear: bool) -> None:
        """Write every tone of `plan` into `out`; with `clear`, zero the silences as well.

        Tones are copied through a view of `out` whose row ``i`` is ``out[i : i + length]``
        (rows picked by start never overlap). A few tones are gathered and scattered in one
        call; many are written a cache-sized chunk of output at a time, one pass per key
        within it. With `clear`, each chunk's span is zeroed just before its tones land,
        while it is still in cache, so memory sees every sample written about once.
        """
        if plan.starts.size == 0:
            if clear:
                out[: plan.length] = 0
            return
        if plan.tone_length is None:
            # Timings whose tones round to different lengths: one pass per length.
            if clear:
                out[: plan.length] = 0
            for length in np.unique(plan.stops - plan.starts).tolist():
                same = plan.stops - plan.starts == length
                sub = Plan(plan.length, plan.starts[same], plan.stops[same], plan.codes[same])
                self.place(out, sub, clear=False)
            return
        length = plan.tone_length
        blocks = self._block_cache.get(length)
        if blocks is None:
            blocks = self._block_cache.setdefault(length, self.blocks(length))
        step = out.strides[0]
        windows = np.ndarray(
            (out.size - length + 1, length), out.dtype, buffer=out, strides=(step, step)
        )
        starts, codes = plan.starts, plan.codes
        if starts.size <= _GATHER_LIMIT:
            # Few tones (one string): gather their blocks and scatter them in one call.
            if clear:
                out[: plan.length] = 0
            windows[starts] = blocks[codes]
            return
        # Many tones: a chunk of output at a time, small enough to stay in cache, and within
        # it one pass per key, each copying that key's block to all its starts (no temporary).
        span = plan.length * out.itemsize / starts.size
        chunk = int(min(max(_REGION_BYTES / span, 64), 4096))
        group = (np.arange(starts.size) // chunk) * len(KEYS) + codes
        # Small integers sort by radix in O(n); the stable order keeps starts rising per key.
        order = np.argsort(
            group.astype(np.uint16 if group[-1] < 65536 else np.int64), kind="stable"
        )
        sorted_starts, sorted_group = starts[order], group[order]
        edges = [0, *(np.flatnonzero(np.diff(sorted_group)) + 1).tolist(), starts.size]
        cleared_chunk = -1
        if clear:
            out[: int(starts[0])] = 0
        for first, last in itertools.pairwise(edges):
            which, key = divmod(int(sorted_group[first]), len(KEYS))
            if clear and which != cleared_chunk:
                # Zero this chunk's whole span just before its tones land, while in cache.
                end = (which + 1) * chunk
                stop = int(starts[end]) if end < starts.size else plan.length
                out[int(starts[which * chunk]) : stop] = 0
                cleared_chunk = which
            windows[sorted_starts[first:last]] = blocks[key]


@dataclass(frozen=True, slots=True)
class Plan:
    """Where tones go in an output: starts, stops and key codes of every tone, and its length."""

    length: int
    starts: npt.NDArray[np.int64]
    stops: npt.NDArray[np.int64]
    codes: npt.NDArray[np.intp]
    #: The length shared by every tone; None when rounding made them differ.
    tone_length: int | None = 0

    def __post_init__(self) -> None:
        lengths = self.stops - self.starts
        if lengths.size:
            first = int(lengths[0])
            shared = first if bool((lengths == first).all()) else None
            object.__setattr__(self, "tone_length", shared)

    @classmethod
    def of(
        cls,
        length: int,
        codes: npt.NDArray[np.uint8],
        starts: npt.NDArray[np.int64],
        stops: npt.NDArray[np.int64],
    ) -> Plan:
        """A plan from the character codes and boundaries of :meth:`Timing.boundaries`."""
        tone = codes < PAUSE_CODE
        return cls(length, starts[tone], stops[tone], codes[tone].astype(np.intp))


@functools.lru_cache(maxsize=64)
def _blocks(
    rate: int, length: int, low: float, high: float, ramp: int, dtype: np.dtype[np.generic]
) -> npt.NDArray[np.generic]:
    n = np.arange(length, dtype=np.float64)
    pairs = np.array([FREQUENCIES[key] for key in KEYS], dtype=np.float64)
    omega = 2 * np.pi * pairs / rate
    signal = low * np.sin(omega[:, :1] * n) + high * np.sin(omega[:, 1:] * n)
    if ramp:
        edge = 0.5 - 0.5 * np.cos(np.pi * (np.arange(ramp) + 0.5) / ramp)
        signal[:, :ramp] *= edge
        signal[:, length - ramp :] *= edge[::-1]
    if dtype == np.int16:
        signal = np.rint(signal * INT16_FULL_SCALE)
    blocks = signal.astype(dtype)
    blocks.flags.writeable = False
    return blocks


@functools.lru_cache(maxsize=256)
def _cached_synth(*args: object) -> Synth:
    return Synth.create(*args)


def synth(
    rate: object,
    tone_ms: object,
    gap_ms: object,
    level_dbm0: object,
    twist_db: object,
    ramp_ms: object,
    dtype: object,
    profile: object = None,
) -> Synth:
    """Validated settings for these arguments (cached, so repeated calls cost next to nothing)."""
    args = (rate, tone_ms, gap_ms, level_dbm0, twist_db, ramp_ms, dtype, profile)
    try:
        return _cached_synth(*args)
    except TypeError:
        # Unhashable arguments: validate without the cache for a precise error or a result.
        return Synth.create(*args)


def _output(
    out: npt.NDArray[np.generic] | None, length: int, dtype: np.dtype[np.generic]
) -> npt.NDArray[np.generic]:
    """A fresh zeroed array, or a view of the start of `out` (which `place` will clear)."""
    if out is None:
        # calloc: the kernel hands out zeroed pages, so silence costs no writes of ours.
        return np.zeros(length, dtype=dtype)
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy array, not {type(out).__name__}")
    if out.ndim != 1 or not out.flags.c_contiguous or not out.flags.writeable:
        raise ParameterError("out must be a writeable, contiguous 1-D array")
    if out.dtype != dtype:
        raise ParameterError(f"out has dtype {out.dtype}, but dtype={dtype.name} was asked for")
    if out.size < length:
        raise ParameterError(f"out holds {out.size} samples but {length} are needed")
    return out[:length]


def render(
    source: Source,
    *,
    rate: int = 8000,
    tone_ms: Milliseconds | None = None,
    gap_ms: Milliseconds | None = None,
    level_dbm0: float = DEFAULT_LEVEL_DBM0,
    twist_db: float = 0.0,
    ramp_ms: Milliseconds = DEFAULT_RAMP_MS,
    dtype: DType | None = None,
    out: npt.NDArray[np.generic] | None = None,
    profile: str | Profile | None = None,
) -> Audio:
    """Render a ``dtmfOut`` string into the audio a call would hear.

    Parameters
    ----------
    source : str or Sequence
        The ``dtmfOut`` string (parsed here) or a parsed :class:`~dtmfkit.Sequence`.
    rate : int, default 8000
        Sample rate in Hz; above 3266 so that 1633 Hz stays below Nyquist.
    tone_ms, gap_ms : number, optional
        Tone length and the silence between consecutive tones, in ms; the profile's by
        default (Catapult: 200 and 400).
    level_dbm0 : float, default -10.0
        Level of the low-group tone in dBm0 (a full-scale sine is +3.17 dBm0).
    twist_db : float, default 0.0
        High-group level minus low-group level, in dB.
    ramp_ms : number, default 5.0
        Raised-cosine ramp at each edge of each tone; 0 for none.
    dtype : {"float32", "float64", "int16"}, optional
        Sample type; default float32, or the dtype of `out`.
    out : np.ndarray, optional
        Contiguous 1-D buffer to render into; it must hold at least
        :func:`samples_needed` samples. The result is a view of its start.
    profile : str or Profile, default "catapult"
        Whose grammar and timing (see :mod:`dtmfkit.profiles`).

    Returns
    -------
    np.ndarray [shape=(n,), dtype=dtype]
        Mono PCM; float samples lie in [-1, 1].

    Raises
    ------
    DtmfSyntaxError, TypeError
        As :func:`dtmfkit.parse`, or for a parameter of the wrong type.
    ParameterError
        For a parameter out of range: a rate at or below 3266 Hz, a level that would clip,
        ramps longer than half a tone.

    Examples
    --------
    >>> audio = render("9193334444", rate=8000, dtype="int16")
    >>> len(audio), audio.dtype.name
    (44800, 'int16')
    >>> render("1", rate=3000)
    Traceback (most recent call last):
    ...
    dtmfkit.errors.ParameterError: rate=3000 Hz is too low: the 1633 Hz tone needs ...
    """
    if dtype is None:
        dtype = out.dtype if isinstance(out, np.ndarray) else "float32"
    settings = synth(rate, tone_ms, gap_ms, level_dbm0, twist_db, ramp_ms, dtype, profile)
    plan = settings.plan(source)
    audio = _output(out, plan.length, settings.dtype)
    settings.place(audio, plan, clear=out is not None)
    return audio  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class Batch:
    """Many renderings in one contiguous buffer.

    Attributes
    ----------
    audio : np.ndarray [shape=(total,)]
        All renderings end to end.
    offsets : np.ndarray [shape=(n + 1,), dtype=int64]
        Rendering ``i`` is ``audio[offsets[i]:offsets[i + 1]]``.

    Examples
    --------
    >>> batch = render_many(["1", "2W3"])
    >>> len(batch), batch.offsets.tolist()
    (2, [0, 1600, 12800])
    >>> bool((batch[1] == render("2W3")).all())
    True
    """

    audio: Audio
    offsets: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return self.offsets.size - 1

    def __getitem__(self, index: int) -> Audio:
        index = range(len(self))[index]
        return self.audio[self.offsets[index] : self.offsets[index + 1]]

    def __iter__(self) -> Iterator[Audio]:
        for start, stop in itertools.pairwise(self.offsets.tolist()):
            yield self.audio[start:stop]


def render_many(
    sources: Iterable[Source],
    *,
    rate: int = 8000,
    tone_ms: Milliseconds | None = None,
    gap_ms: Milliseconds | None = None,
    level_dbm0: float = DEFAULT_LEVEL_DBM0,
    twist_db: float = 0.0,
    ramp_ms: Milliseconds = DEFAULT_RAMP_MS,
    dtype: DType | None = None,
    out: npt.NDArray[np.generic] | None = None,
    profile: str | Profile | None = None,
) -> Batch:
    """Render many ``dtmfOut`` strings at once into one contiguous buffer.

    Every rendering is identical, sample for sample, to :func:`render` of the same string.
    All strings are validated before any audio is made; the first invalid one raises as
    :func:`dtmfkit.parse` does.

    Parameters
    ----------
    sources : iterable of str or Sequence
    rate, tone_ms, gap_ms, level_dbm0, twist_db, ramp_ms, dtype, out, profile
        As :func:`render`; `out` must hold the total of all renderings
        (:func:`samples_needed` tells it).

    Returns
    -------
    Batch
        The buffer and the offsets of each rendering in it.

    Examples
    --------
    >>> batch = render_many(["9193334444", "1WWW,59#", "1Ww2Ww1Ww#"], dtype="int16")
    >>> [len(audio) for audio in batch]
    [44800, 40800, 42400]
    """
    if dtype is None:
        dtype = out.dtype if isinstance(out, np.ndarray) else "float32"
    settings = synth(rate, tone_ms, gap_ms, level_dbm0, twist_db, ramp_ms, dtype, profile)
    codes, lengths = settings.grammar.encode_many(sources)
    starts, stops, totals = settings.timing.boundaries(codes, lengths, settings.rate)
    offsets = np.zeros(totals.size + 1, dtype=np.int64)
    np.cumsum(totals, out=offsets[1:])
    shift = np.repeat(offsets[:-1], lengths)
    plan = Plan.of(int(offsets[-1]), codes, starts + shift, stops + shift)
    audio = _output(out, plan.length, settings.dtype)
    settings.place(audio, plan, clear=out is not None)
    return Batch(audio, offsets)  # type: ignore[arg-type]


def samples_needed(
    sources: Source | Iterable[Source],
    *,
    rate: int = 8000,
    tone_ms: Milliseconds | None = None,
    gap_ms: Milliseconds | None = None,
    profile: str | Profile | None = None,
) -> int:
    """Length in samples of :func:`render` (one string) or :func:`render_many` (an iterable).

    Examples
    --------
    >>> samples_needed("1WWW,59#")
    40800
    >>> samples_needed(["1", "2"], rate=16000)
    6400
    """
    many = [sources] if isinstance(sources, str | Sequence) else sources
    chosen = get_profile(profile)
    codes, lengths = chosen.grammar.encode_many(many)
    timing = chosen.timing_for(tone_ms, gap_ms)
    return int(timing.boundaries(codes, lengths, sample_rate(rate))[2].sum())
