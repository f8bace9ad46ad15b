"""Synthesis: the dual-tone PCM of a Timeline, vectorized.

Each key's tone is ``a·sin(2π·f_low·n/rate) + b·sin(2π·f_high·n/rate)`` for ``n = 0, 1, …``
counted from the tone's first sample (every tone starts at phase 0), shaped by a raised-cosine
ramp of ``ramp_ms`` at both edges. Silence is exact zeros. For int16, full scale is 32767 and
samples are ``round(x * 32767)`` of the float signal.

The 16 tones of one length are computed once per voice and rate (a cache with a byte budget,
safe to share between threads) and copied into the output, never sample by sample in Python:

- when every duration of the timing is a whole number of samples (8 kHz and 48 kHz with whole
  milliseconds, for instance), the output is a sequence of equal rows — pieces of tones and
  silence — and one ``take`` from a table of rows writes it; the row numbers ("the tape") come
  from the text by string translation, the timing rule expressed in rows;
- otherwise, and for batches, tones are scattered to the starts the timing rule computed,
  through a view whose row ``i`` is ``out[i : i + length]``.

Both give the same samples; the tests check it.

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
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal, NamedTuple

import numpy as np
import numpy.typing as npt

from dtmfkit._errors import ParameterError
from dtmfkit._grammar import PAUSE_CODE, PAUSE_SECONDS, SKIP_CODE, Grammar, Sequence
from dtmfkit._keypad import FREQUENCIES, KEYS
from dtmfkit._limits import ALWAYS_FITS, check_dtmf_rate, fits
from dtmfkit._settings import RenderOptions, Settings, TimingOptions, resolve
from dtmfkit._timeline import Timeline, timeline_and_settings, timeline_of, timeline_of_text
from dtmfkit._timing import Timing
from dtmfkit._voice import Voice

if TYPE_CHECKING:
    from typing import Unpack

    from dtmfkit._profiles import Profile

__all__ = ["Batch", "render", "render_many", "rendering", "samples_needed", "to_integers"]

#: int16 output is ``round(x * 32767)`` of the float signal.
INT16_FULL_SCALE: Final = 32767
DTYPES: Final = ("float32", "float64", "int16")
# Up to this many tones, gather-and-scatter in one call beats one pass per key.
_GATHER_LIMIT: Final = 64
# A batch is written a chunk of about this many bytes of output at a time: within the cache.
_REGION_BYTES: Final = 8 * 1024 * 1024
# Tones kept for reuse, in bytes, all settings together; a set of 16 tones larger than a
# quarter of this is computed for each call, only for the keys used.
_TONE_CACHE_BYTES: Final = 64 * 1024 * 1024
# Rows shorter than this make `take` slower than scattering whole tones.
_MIN_ROW: Final = 32
# Row numbers are code points of a str: they stay below the UTF-16 surrogates and the markers.
_MAX_ROWS: Final = 0xD7F0

Source = str | Sequence | Timeline
DType = Literal["float32", "float64", "int16"] | np.dtype[Any] | type[np.generic]
Audio = npt.NDArray[np.float32] | npt.NDArray[np.float64] | npt.NDArray[np.int16]


def to_integers(audio: npt.NDArray[np.floating[Any]], bits: int) -> npt.NDArray[Any]:
    """Float samples in [-1, 1] as integers of `bits` (16 or 24), rounded: one rule for all.

    ``round(x * (2**(bits-1) - 1))``, ties to even; 24-bit samples are returned in the top
    three bytes of int32, as libsndfile reads them.

    Examples
    --------
    >>> to_integers(np.array([1.0, -0.5, 126.5 / 32767]), 16).tolist()
    [32767, -16384, 126]
    """
    full_scale = 2 ** (bits - 1) - 1
    rounded = np.rint(np.clip(audio, -1.0, 1.0) * full_scale)
    result: npt.NDArray[Any] = (
        rounded.astype(np.int16) if bits == 16 else rounded.astype(np.int32) << (32 - bits)
    )
    return result


@functools.lru_cache(maxsize=64)
def _checked_dtype(value: Hashable) -> np.dtype[Any]:
    try:
        dtype: np.dtype[Any] = np.dtype(value)  # type: ignore[call-overload]
    except TypeError:
        raise TypeError(f"dtype must be one of {', '.join(DTYPES)}, got {value!r}") from None
    if dtype.name not in DTYPES:
        raise ParameterError(f"dtype must be one of {', '.join(DTYPES)}, got {value!r}")
    if not dtype.isnative:
        raise ParameterError(f"dtype must be in this machine's byte order, got {value!r}")
    return dtype


def _dtype(value: object, out: object) -> np.dtype[Any]:
    if value is None:
        value = out.dtype if isinstance(out, np.ndarray) else "float32"
    try:
        return _checked_dtype(value)
    except TypeError:
        if isinstance(value, Hashable):
            raise
        raise TypeError(f"dtype must be one of {', '.join(DTYPES)}, got {value!r}") from None


class _ToneCache:
    """Sets of 16 tones by settings, oldest first out, within a byte budget; thread-safe.

    Reads take no lock (a dict lookup is atomic); making and inserting an entry does.
    """

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._lock = threading.Lock()
        #: What is cached; read it without the lock.
        self.entries: dict[Hashable, npt.NDArray[Any]] = {}
        self._bytes = 0

    def get(self, key: Hashable, nbytes: int, make: Callable[[], npt.NDArray[Any]]) -> Any:
        """The cached array for `key`, made if missing; None if too big to keep."""
        found = self.entries.get(key)
        if found is not None:
            return found
        if nbytes > self.budget // 4:
            return None
        made = make()
        with self._lock:
            if key not in self.entries:
                self.entries[key] = made
                self._bytes += made.nbytes
                while self._bytes > self.budget:
                    oldest = next(iter(self.entries))
                    self._bytes -= self.entries.pop(oldest).nbytes
            return self.entries[key]

    def clear(self) -> None:
        with self._lock:
            self.entries.clear()
            self._bytes = 0

    @property
    def nbytes(self) -> int:
        """Bytes held now."""
        with self._lock:
            return self._bytes


_TONES: Final = _ToneCache(_TONE_CACHE_BYTES)
_SERIALS: Final = itertools.count()
_UINT8: Final = np.dtype(np.uint8)


class _Voicing:
    """A voice at one rate and dtype: the amplitudes, ramp and tones synthesis needs.

    Equal voicings hash alike (they key caches); each also has a `serial` no other has, under
    which its tables are cached, so that a lookup hashes ints. (A plain class: made once per
    settings, and a dataclass costs start-up time.)
    """

    __slots__ = ("_hash", "_identity", "dtype", "high", "low", "ramp", "ramp_ms", "rate", "serial")

    def __init__(
        self, rate: int, low: float, high: float, ramp: int, ramp_ms: float, dtype: np.dtype[Any]
    ) -> None:
        self.rate, self.low, self.high, self.ramp, self.ramp_ms = rate, low, high, ramp, ramp_ms
        self.dtype = dtype
        self._identity = (rate, low, high, ramp, dtype.str)
        self._hash = hash(self._identity)
        self.serial = next(_SERIALS)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Voicing) and self._identity == other._identity

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"_Voicing{self._identity}"

    def tones(self, length: int, keys: Iterable[int] = range(16)) -> npt.NDArray[Any]:
        """The tones of `keys` at `length` samples, one per row, in `dtype`."""
        n = np.arange(length, dtype=np.float64)
        pairs = np.array([FREQUENCIES[KEYS[k]] for k in keys], dtype=np.float64).reshape(-1, 2)
        omega = 2 * np.pi * pairs / self.rate
        signal = self.low * np.sin(omega[:, :1] * n) + self.high * np.sin(omega[:, 1:] * n)
        if self.ramp:
            edge = 0.5 - 0.5 * np.cos(np.pi * (np.arange(self.ramp) + 0.5) / self.ramp)
            signal[:, : self.ramp] *= edge
            signal[:, length - self.ramp :] *= edge[::-1]
        return signal.astype(self.dtype) if self.dtype != np.int16 else to_integers(signal, 16)

    def table(self, length: int, after: int = 0) -> npt.NDArray[Any] | None:
        """The 16 tones of `length` samples, each followed by `after` zeros, and a row of
        silence: shape (17, length + after), read-only, cached.

        None when the set is too large to keep: then tones are made per call, per key.
        """
        key = (self.serial, length, after)
        found: npt.NDArray[Any] | None = _TONES.entries.get(key)
        if found is not None:
            return found

        def make() -> npt.NDArray[Any]:
            table = np.zeros((17, length + after), dtype=self.dtype)
            table[:16, :length] = self.tones(length)
            table.flags.writeable = False
            return table

        return _TONES.get(key, 17 * (length + after) * self.dtype.itemsize, make)  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=256)
def _voicing(voice: Voice, rate: int, dtype: np.dtype[Any]) -> _Voicing:
    check_dtmf_rate(rate)
    if voice.peak > 1:
        raise ParameterError(
            f"level_dbm0={voice.level_dbm0:g} with twist_db={voice.twist_db:g} would clip: "
            f"the tone pair peaks at {voice.peak:.3f} of full scale"
        )
    ramp = round(voice.ramp_ms * rate / 1000)
    return _Voicing(
        rate, voice.low_amplitude, voice.high_amplitude, ramp, float(voice.ramp_ms), dtype
    )


@functools.lru_cache(maxsize=256)
def _fits(timing: Timing, voicing: _Voicing) -> None:
    """Refuse a timing whose tones are shorter than a sample or than both ramps."""
    shortest_tone = math.floor(timing.tone_ms * voicing.rate / 1000)
    if shortest_tone < 1:
        raise ParameterError(
            f"tone_ms={float(timing.tone_ms):g} is shorter than one sample at {voicing.rate} Hz"
        )
    if 2 * voicing.ramp > shortest_tone:
        raise ParameterError(
            f"ramp_ms={voicing.ramp_ms:g} is too long for tone_ms={float(timing.tone_ms):g}: "
            "both ramps must fit in the tone"
        )


class _Tape:
    """The timing rule in rows of ``row`` samples, for timings of whole samples.

    Row ``k * per_tone + j`` is the ``j``-th row of key ``k``'s tone; row ``16 * per_tone`` is
    silence. The text is translated character by character into the rows it sounds; the gap
    is then put where the rule puts it (between adjacent tones, or after every tone).

    A string of keys alone (a PIN, a phone number) is simpler still when there is no lead-in:
    one row of ``tone + gap`` samples per key, the key's tone then the gap, whose row numbers
    are the key codes (``keys`` translates the text to them); the rendering is those rows less
    ``cut`` samples at the end (the gap after the last key, unless the timing plays it).
    """

    # markers: three characters that are never row numbers: the end of a string, and the two
    # around a tone's rows until the gaps are placed. (A plain class, compared and hashed by
    # identity: a dataclass costs start-up time.)
    __slots__ = (
        "add",
        "cut",
        "dtype",
        "encoding",
        "gap",
        "gap_after_last",
        "gap_samples",
        "keys",
        "lead",
        "markers",
        "per_tone",
        "row",
        "table",
        "tone",
    )

    def __init__(
        self,
        tone: int,
        gap_samples: int,
        keys: bytes | None,
        cut: int,
        row: int,
        per_tone: int,
        table: dict[int, str],
        gap: str,
        lead: str,
        add: bool,
        gap_after_last: bool,
        markers: tuple[str, str, str],
        encoding: str,
        dtype: np.dtype[Any],
    ) -> None:
        self.tone, self.gap_samples, self.keys, self.cut = tone, gap_samples, keys, cut
        self.row, self.per_tone, self.table, self.gap, self.lead = row, per_tone, table, gap, lead
        self.add, self.gap_after_last, self.markers = add, gap_after_last, markers
        self.encoding, self.dtype = encoding, dtype

    def rows(self, text: str) -> npt.NDArray[np.integer[Any]]:
        """The row numbers of `text`, an accepted string (read-only; cached per text)."""
        return _tape_rows(self, text)

    def rows_many(
        self, texts: list[str]
    ) -> tuple[npt.NDArray[np.integer[Any]], npt.NDArray[np.int64]]:
        """The row numbers of many accepted strings end to end, and how many each has."""
        end = self.markers[0]
        marked = np.frombuffer(self._lay(end.join(texts) + end).encode(self.encoding), self.dtype)
        code = marked.dtype.type(ord(end))
        ends = np.flatnonzero(marked == code)
        counts = np.diff(ends, prepend=-1) - 1
        return marked[marked != code], counts

    def _lay(self, marked: str) -> str:
        """Rows of `marked`: accepted strings, each followed by the end marker."""
        end, opening, closing = self.markers
        tape = marked.translate(self.table)
        if self.add:
            if not self.gap_after_last:
                tape = tape.replace(closing + end, end)
            tape = tape.replace(closing, self.gap)
        else:
            # The end marker keeps a string's last tone and the next one's first apart.
            tape = tape.replace(closing + opening, self.gap)
            tape = tape.replace(opening, "").replace(closing, "")
        if self.lead:
            tape = self.lead + tape.replace(end, end + self.lead)[: -len(self.lead)]
        return tape

    def _rows(self, text: str) -> npt.NDArray[np.integer[Any]]:
        tape = self._lay(text + self.markers[0])[:-1]
        return np.frombuffer(tape.encode(self.encoding), dtype=self.dtype)


@functools.lru_cache(maxsize=1024)
def _tape_rows(tape: _Tape, text: str) -> npt.NDArray[np.integer[Any]]:
    # frombuffer of bytes is read-only, so the cached rows can be shared between threads.
    return tape._rows(text)


@functools.lru_cache(maxsize=64)
def _tape(grammar: Grammar, timing: Timing, rate: int) -> _Tape | None:
    whole = timing.whole_samples(rate)
    if whole is None:
        return None
    tone, gap, lead, half = whole
    row = math.gcd(tone, gap, lead, half)
    per_tone = tone // row
    silence = 16 * per_tone
    if row < _MIN_ROW or silence >= _MAX_ROWS:
        return None
    add = timing.pauses == "add"
    # Pure ASCII strings take CPython's fastest paths; larger tapes use UTF-16 code units.
    narrow = silence + 3 < 128
    end, opening, closing = (
        (chr(125), chr(126), chr(127)) if narrow else ("\ud7fd", "\ud7fe", "\ud7ff")
    )
    table: dict[int, str] = {ord(end): end}
    for char, code in grammar.characters:
        if code < PAUSE_CODE:
            rows = "".join(chr(code * per_tone + j) for j in range(per_tone))
            table[ord(char)] = rows + closing if add else opening + rows + closing
        elif code < SKIP_CODE:
            halves = int(PAUSE_SECONDS[char] * 2)
            table[ord(char)] = chr(silence) * (halves * half // row)
        else:
            table[ord(char)] = ""
    keys = None
    if not lead:
        codes = bytearray(b"\xff" * 256)
        for char, code in grammar.characters:
            if code < PAUSE_CODE:
                codes[ord(char)] = code
        keys = bytes(codes)
    return _Tape(
        tone,
        gap,
        keys,
        0 if timing.gap_after_last else gap,
        row,
        per_tone,
        table,
        chr(silence) * (gap // row),
        chr(silence) * (lead // row),
        add,
        timing.gap_after_last,
        (end, opening, closing),
        "ascii" if narrow else "utf-16-le",
        np.dtype(np.uint8 if narrow else "<u2"),
    )


class _Plan(NamedTuple):
    """Where tones go in an output: starts, stops and key codes of every tone, and its length."""

    length: int
    starts: npt.NDArray[np.int64]
    stops: npt.NDArray[np.int64]
    codes: npt.NDArray[np.intp]

    @classmethod
    def of(
        cls,
        length: int,
        codes: npt.NDArray[np.uint8],
        starts: npt.NDArray[np.int64],
        stops: npt.NDArray[np.int64],
    ) -> _Plan:
        """A plan from the character codes and boundaries the timing rule gave."""
        tone = codes < PAUSE_CODE
        return cls(length, starts[tone], stops[tone], codes[tone].astype(np.intp))

    @classmethod
    def of_timeline(cls, timeline: Timeline) -> _Plan:
        """The plan of one timeline (remembered by it)."""
        plan: _Plan | None = timeline.memo("plan")
        if plan is None:
            codes, _ = timeline.sequence.grammar.encode_many([timeline.sequence])
            plan = timeline.remember(
                "plan", cls.of(timeline.length, codes, timeline.starts, timeline.stops)
            )
        return plan

    def tone_length(self) -> int | None:
        """The length shared by every tone; None when rounding made them differ."""
        lengths = self.stops - self.starts
        if not lengths.size:
            return 0
        first = int(lengths[0])
        return first if bool((lengths == first).all()) else None


def _place(
    out: npt.NDArray[Any], plan: _Plan, voicing: _Voicing, *, clear: bool, shared: int | None
) -> None:
    """Write every tone of `plan` into `out`; with `clear`, zero the silences as well.

    `shared` is the length every tone has, or None. Tones are copied through a view of `out`
    whose row ``i`` is ``out[i : i + length]`` (rows picked by start never overlap). A few tones
    are gathered and scattered in one call; many are written a cache-sized chunk of output at a
    time, one pass per key within it. With `clear`, each chunk's span is zeroed just before its
    tones land, while it is still in cache, so memory sees every sample written about once.
    """
    if clear and (shared is None or plan.starts.size <= _GATHER_LIMIT):
        out[: plan.length] = 0
        clear = False
    if plan.starts.size == 0:
        return
    if shared is None:
        # Timings whose tones round to different lengths: one pass per length.
        lengths = plan.stops - plan.starts
        for length in np.unique(lengths).tolist():
            same = lengths == length
            part = _Plan(plan.length, plan.starts[same], plan.stops[same], plan.codes[same])
            _place(out, part, voicing, clear=False, shared=length)
        return
    length = shared
    table = voicing.table(length)
    step = out.strides[0]
    windows = np.ndarray(
        (out.size - length + 1, length), out.dtype, buffer=out, strides=(step, step)
    )
    starts, codes = plan.starts, plan.codes
    if table is None:
        # Tones too long to keep: make each key's once, for this call, and place it.
        for key in np.unique(codes).tolist():
            windows[starts[codes == key]] = voicing.tones(length, [key])[0]
        return
    if starts.size <= _GATHER_LIMIT:
        windows[starts] = table[codes]
        return
    # Many tones: a chunk of output at a time, small enough to stay in cache, and within it
    # one pass per key, each copying that key's tone to all its starts (no temporary).
    span = plan.length * out.itemsize / starts.size
    chunk = int(min(max(_REGION_BYTES / span, 64), 4096))
    group = (np.arange(starts.size) // chunk) * len(KEYS) + codes
    # Small integers sort by radix in O(n); the stable order keeps starts rising per key.
    order = np.argsort(group.astype(np.uint16 if group[-1] < 65536 else np.int64), kind="stable")
    sorted_starts, sorted_group = starts[order], group[order]
    edges = [0, *(np.flatnonzero(np.diff(sorted_group)) + 1).tolist(), starts.size]
    cleared_chunk = -1
    if clear:
        out[: int(starts[0])] = 0
    for first, last in itertools.pairwise(edges):
        which, key = divmod(int(sorted_group[first]), len(KEYS))
        if clear and which != cleared_chunk:
            end = (which + 1) * chunk
            stop = int(starts[end]) if end < starts.size else plan.length
            out[int(starts[which * chunk]) : stop] = 0
            cleared_chunk = which
        windows[sorted_starts[first:last]] = table[key]


def _output(out: object, length: int, dtype: np.dtype[Any]) -> npt.NDArray[Any]:
    """A view of the first `length` samples of `out`, once `out` is checked."""
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy array, not {type(out).__name__}")
    if out.ndim != 1 or not out.flags.c_contiguous or not out.flags.writeable:
        raise ParameterError("out must be a writeable, contiguous 1-D array")
    if out.dtype != dtype:
        raise ParameterError(f"out has dtype {out.dtype}, but dtype={dtype.name} was asked for")
    if out.size < length:
        raise ParameterError(f"out holds {out.size} samples but {length} are needed")
    return out[:length]


class _Synthesis(NamedTuple):
    """Everything that renders timelines of one grammar, timing and rate in one voice and dtype.

    Worked out once per settings: a render of a new string then costs one lookup of this.
    """

    voicing: _Voicing
    tape: _Tape | None
    # Strings of keys alone: the translation to key codes, the samples to cut at the end, and
    # where the key-row table is cached (a tuple of ints hashes fast); see _Tape.
    keys: bytes | None = None
    cut: int = 0
    keyed: tuple[int, int, int] = (0, 0, 0)
    #: The grammar's longest string (for strings of keys checked by their translation).
    longest: int = 0

    @classmethod
    def of(cls, settings: Settings, dtype: np.dtype[Any]) -> _Synthesis:
        """The synthesis for `settings` and `dtype`, remembered by the settings."""
        found: _Synthesis | None = settings.memo.get(dtype)
        if found is None:
            voicing = _voicing(settings.voice, settings.rate, dtype)
            _fits(settings.timing, voicing)
            tape = _tape(settings.profile.grammar, settings.timing, settings.rate)
            synthesis = cls(voicing, tape)
            if tape is not None and tape.keys is not None:
                keyed = (voicing.serial, tape.tone, tape.gap_samples)
                longest = settings.profile.grammar.max_length
                synthesis = cls(voicing, tape, tape.keys, tape.cut, keyed, longest)
            found = settings.memo.setdefault(dtype, synthesis)
        return found

    def render_keys(self, text: str) -> npt.NDArray[Any] | None:
        """A text of keys alone (a PIN, a phone number), rendered straight from the text; None
        for any other text (then the timeline's path checks it and renders it).

        The translation to key codes is the grammar's check too: every character that is not
        one of its keys (pauses included) becomes 0xFF, and the length is the grammar's. No
        Timeline is made: the rows are the key codes.
        """
        if self.keys is None or not 0 < len(text) <= self.longest:
            return None
        try:
            codes = text.encode("ascii").translate(self.keys)
        except UnicodeEncodeError:
            return None
        if 0xFF in codes:  # an int is found by memchr; a bytes needle by a slower search
            return None
        keyed = _TONES.entries.get(self.keyed)
        if keyed is None:
            keyed = self.voicing.table(self.keyed[1], self.keyed[2])
            if keyed is None:
                return None
        if len(codes) * keyed.strides[0] >= ALWAYS_FITS:
            fits(len(codes) * keyed.strides[0], "rendering")
        # Positional arguments, a dtype object and ravel (the result is contiguous): the
        # cheapest spellings, on the path of every new string of keys.
        audio = keyed.take(np.frombuffer(codes, _UINT8), 0, None, "clip").ravel()
        return audio[: audio.size - self.cut]

    def render(self, timeline: Timeline, out: npt.NDArray[Any] | None) -> npt.NDArray[Any]:
        """The samples of exactly `timeline`, into `out` if given."""
        if self.keys is not None and out is None:
            audio = self.render_keys(timeline.text)
            if audio is not None:
                return audio
        tape, voicing = self.tape, self.voicing
        if tape is not None:
            table = voicing.table(tape.row * tape.per_tone)
            if table is not None:
                rows = tape.rows(timeline.text)
                flat = table.reshape(-1, tape.row)
                fits(rows.size * flat.strides[0], "rendering")
                if out is None:
                    return flat.take(rows, axis=0, mode="clip").ravel()
                target = _output(out, rows.size * tape.row, voicing.dtype)
                flat.take(rows, axis=0, out=target.reshape(-1, tape.row), mode="clip")
                return target
        return self.scatter(timeline, out)

    def render_texts(
        self, texts: list[str], out: npt.NDArray[Any] | None
    ) -> tuple[npt.NDArray[Any], npt.NDArray[np.int64]] | None:
        """Many accepted strings end to end, and their offsets, by one take; None when the
        timing does not fall on whole samples (then tones are scattered instead)."""
        tape = self.tape
        if tape is None:
            return None
        table = self.voicing.table(tape.row * tape.per_tone)
        if table is None:
            return None
        rows, counts = tape.rows_many(texts)
        offsets = np.zeros(counts.size + 1, dtype=np.int64)
        np.cumsum(counts * tape.row, out=offsets[1:])
        flat = table.reshape(-1, tape.row)
        if out is None:
            fits(rows.size * flat.strides[0], "rendering")
            return flat.take(rows, 0, None, "clip").ravel(), offsets
        target = _output(out, int(offsets[-1]), self.voicing.dtype)
        flat.take(rows, 0, target.reshape(-1, tape.row), "clip")
        return target, offsets

    def scatter(self, timeline: Timeline, out: npt.NDArray[Any] | None) -> npt.NDArray[Any]:
        """The samples of `timeline` by scattering tones to their starts: any timing."""
        plan = _Plan.of_timeline(timeline)
        if out is None:
            fits(plan.length * self.voicing.dtype.itemsize, "rendering")
            audio = np.zeros(plan.length, dtype=self.voicing.dtype)
        else:
            audio = _output(out, plan.length, self.voicing.dtype)
        _place(audio, plan, self.voicing, clear=out is not None, shared=plan.tone_length())
        return audio


def rendering(
    function: str,
    source: object,
    *,
    rate: object = None,
    profile: object = None,
    timing: object = None,
    voice: object = None,
    dtype: object = None,
    out: object = None,
    options: dict[str, Any],
) -> tuple[Timeline, Voice, npt.NDArray[Any]]:
    """What :func:`render` does, keeping the timeline and voice: for façades that need them.

    `function` names the public function for error messages.
    """
    timeline, settings = timeline_and_settings(
        function, source, rate, profile, timing, voice, options
    )
    synthesis = _Synthesis.of(settings, _dtype(dtype, out))
    return timeline, settings.voice, synthesis.render(timeline, out)  # type: ignore[arg-type]


def render(
    source: Source,
    *,
    rate: int | None = None,
    profile: str | Profile | None = None,
    timing: Timing | None = None,
    voice: Voice | None = None,
    dtype: DType | None = None,
    out: npt.NDArray[Any] | None = None,
    **options: Unpack[RenderOptions],
) -> Audio:
    """Render a DTMF string, or exactly a Timeline, into the audio a call would hear.

    Parameters
    ----------
    source : str, Sequence or Timeline
        A ``dtmfOut`` string (parsed here with the profile's grammar), a parsed
        :class:`~dtmfkit.Sequence`, or a :class:`~dtmfkit.Timeline`, rendered exactly as it
        is (its rate, profile and timing then come from it).
    rate : int, default 8000
        Sample rate in Hz; above 3266 so that 1633 Hz stays below Nyquist.
    profile : str or Profile, default "catapult"
        Whose grammar and timing (see :data:`dtmfkit.PROFILES`).
    timing : Timing, optional
        The profile's timing by default.
    voice : Voice, optional
        Level, twist and ramps; ``Voice()`` by default (−10 dBm0, no twist, 5 ms ramps).
    dtype : {"float32", "float64", "int16"}, optional
        Sample type; default float32, or the dtype of `out`.
    out : np.ndarray, optional
        Contiguous 1-D buffer to render into; it must hold at least
        :func:`samples_needed` samples. The result is a view of its start.
    **options
        The flat keywords ``tone_ms``, ``gap_ms`` (change the timing) and ``level_dbm0``,
        ``twist_db``, ``ramp_ms`` (change the voice).

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
    >>> from dtmfkit import schedule
    >>> timeline = schedule("1w2", rate=16000, profile="asterisk")
    >>> render(timeline).size == timeline.length
    True
    >>> render("1", rate=3000)
    Traceback (most recent call last):
    ...
    dtmfkit.ParameterError: rate=3000 Hz is too low: the 1633 Hz tone needs ...
    """
    if type(source) is str and out is None:
        # The common call, kept short: one settings lookup, and the synthesis they remember.
        settings = resolve("render", rate, profile, timing, voice, options)
        # The settings remember the synthesis under the dtype argument as given, too (a valid
        # dtype argument is hashable: _dtype refuses the others).
        try:
            synthesis = settings.memo.get(dtype)
        except TypeError:
            synthesis = None
        if synthesis is None:
            synthesis = _Synthesis.of(settings, _dtype(dtype, out))
            settings.memo[dtype] = synthesis
        audio = synthesis.render_keys(source)
        if audio is not None:
            return audio
        return synthesis.render(timeline_of_text(source, settings), None)
    timeline, settings = timeline_and_settings(
        "render", source, rate, profile, timing, voice, options
    )
    return _Synthesis.of(settings, _dtype(dtype, out)).render(timeline, out)


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


def _many(sources: object, function: str) -> list[Any]:
    if isinstance(sources, str | Sequence | Timeline):
        raise TypeError(
            f"{function}() takes an iterable of strings, Sequences or Timelines, not one "
            f"{type(sources).__name__}: {sources!r} (for one, use render())"
        )
    if not isinstance(sources, Iterable):
        raise TypeError(f"{function}() takes an iterable, not {type(sources).__name__}")
    return list(sources)


class _BatchPlan(NamedTuple):
    """Many sources end to end: their tones, the offset of each rendering, its rate and timings."""

    plan: _Plan
    offsets: npt.NDArray[np.int64]
    rate: int
    timings: frozenset[Timing]


def _batch_plan(items: list[Any], settings: Settings) -> _BatchPlan:
    if all(not isinstance(item, Timeline) for item in items):
        codes, lengths = settings.profile.grammar.encode_many(items)
        starts, stops, totals = settings.timing.boundaries(codes, lengths, settings.rate)
        offsets = np.zeros(totals.size + 1, dtype=np.int64)
        np.cumsum(totals, out=offsets[1:])
        shift = np.repeat(offsets[:-1], lengths)
        plan = _Plan.of(int(offsets[-1]), codes, starts + shift, stops + shift)
        return _BatchPlan(plan, offsets, settings.rate, frozenset([settings.timing]))
    timelines = [
        item if isinstance(item, Timeline) else timeline_of(item, settings) for item in items
    ]
    for timeline in timelines:
        if timeline.rate != timelines[0].rate:
            raise ParameterError(
                f"one buffer holds one rate: {timeline.text!r} is at {timeline.rate} Hz, "
                f"{timelines[0].text!r} at {timelines[0].rate} Hz"
            )
    plans = [_Plan.of_timeline(timeline) for timeline in timelines]
    offsets = np.zeros(len(plans) + 1, dtype=np.int64)
    np.cumsum([plan.length for plan in plans], out=offsets[1:])
    shift = np.repeat(offsets[:-1], [plan.starts.size for plan in plans])
    joined = _Plan(
        int(offsets[-1]),
        np.concatenate([plan.starts for plan in plans]) + shift,
        np.concatenate([plan.stops for plan in plans]) + shift,
        np.concatenate([plan.codes for plan in plans]),
    )
    timings = frozenset(timeline.timing for timeline in timelines)
    return _BatchPlan(joined, offsets, timelines[0].rate, timings)


def render_many(
    sources: Iterable[Source],
    *,
    rate: int | None = None,
    profile: str | Profile | None = None,
    timing: Timing | None = None,
    voice: Voice | None = None,
    dtype: DType | None = None,
    out: npt.NDArray[Any] | None = None,
    **options: Unpack[RenderOptions],
) -> Batch:
    """Render many DTMF strings (or Timelines) at once into one contiguous buffer.

    Every rendering is identical, sample for sample, to :func:`render` of the same source.
    All strings are validated before any audio is made; the first invalid one raises as
    :func:`dtmfkit.parse` does.

    Parameters
    ----------
    sources : iterable of str, Sequence or Timeline
        Strings and Sequences are scheduled with the settings given; Timelines are rendered as
        they are. One buffer holds one rate, so every Timeline must have the rate of the others.
    rate, profile, timing, voice, dtype, out, **options
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
    items = _many(sources, "render_many")
    settings = resolve("render_many", rate, profile, timing, voice, options)
    if not any(isinstance(item, Timeline) for item in items):
        grammar = settings.profile.grammar
        texts = [grammar.text_of(item) for item in items]
        grammar.encode_many(texts)  # every string checked before any audio is made
        synthesis = _Synthesis.of(settings, _dtype(dtype, out))
        laid = synthesis.render_texts(texts, out)
        if laid is not None:
            return Batch(*laid)
    batch = _batch_plan(items, settings)
    voicing = _voicing(settings.voice, batch.rate, _dtype(dtype, out))
    for each in batch.timings:
        _fits(each, voicing)
    plan = batch.plan
    if out is None:
        fits(plan.length * voicing.dtype.itemsize, "rendering")
        audio = np.zeros(plan.length, dtype=voicing.dtype)
    else:
        audio = _output(out, plan.length, voicing.dtype)
    _place(audio, plan, voicing, clear=out is not None, shared=plan.tone_length())
    return Batch(audio, batch.offsets)


def samples_needed(
    sources: Source | Iterable[Source],
    *,
    rate: int | None = None,
    profile: str | Profile | None = None,
    timing: Timing | None = None,
    **options: Unpack[TimingOptions],
) -> int:
    """Length in samples of :func:`render` (one source) or :func:`render_many` (an iterable).

    Examples
    --------
    >>> samples_needed("1WWW,59#")
    40800
    >>> samples_needed(["1", "2"], rate=16000)
    6400
    """
    settings = resolve("samples_needed", rate, profile, timing, None, options, sound=False)
    single = isinstance(sources, str | Sequence | Timeline)
    items = [sources] if single else _many(sources, "samples_needed")
    return _batch_plan(items, settings).plan.length
