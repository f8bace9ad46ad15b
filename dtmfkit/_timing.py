"""Exact timing: the rule that places every tone and pause of a sequence, in samples.

The rule (DESIGN.md): every key is a tone of ``tone_ms``; two consecutive tones are separated by
``gap_ms`` of silence; pause characters *replace* the gap, so the silence between two tones is
the sum of the pause characters between them, or the gap when there are none. Leading and
trailing pauses give leading and trailing silence; there is no gap before the first tone or
after the last one. Asterisk's rule is the other mode: the gap follows every tone and pauses
*add* to it. A character a platform skips takes no time and does not separate two tones.

Times are computed exactly (integer units of ``1 / (1000 · per_ms)`` s) and every boundary — the
start and the stop of each event, and the end of the whole — is rounded once,
``round(seconds * rate)`` with ties to even as Python's :func:`round`. Rounding never
accumulates, so a tone lasts ``tone_ms`` give or take one sample and nothing drifts.

Examples
--------
>>> from dtmfkit import Timing
>>> Timing(tone_ms=100, gap_ms=50).describe()
'tone 100 ms, gap 50 ms, pauses replace the gap'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

from dtmfkit._errors import ParameterError
from dtmfkit._grammar import PAUSE_CODE, PAUSE_SECONDS, SKIP_CODE
from dtmfkit._limits import Milliseconds, milliseconds

__all__ = ["DEFAULT_GAP_MS", "DEFAULT_TONE_MS", "Milliseconds", "Timing"]

#: Bandwidth documents 200 ms tones for its platform; Catapult v1 itself only says the digits
#: are sent "with a marginal delay".
DEFAULT_TONE_MS: Final = 200
#: Bandwidth documents a 400 ms interval between tones for its platform.
DEFAULT_GAP_MS: Final = 400
#: Past this, int64 arithmetic could overflow: exact Python integers take over.
_INT64_SAFE: Final = 2**62

Bounds = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]


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
    >>> Timing(tone_ms=0)
    Traceback (most recent call last):
    ...
    dtmfkit.ParameterError: tone_ms must be more than 0 and at most 10000 ms, got 0
    """

    tone_ms: Fraction = Fraction(DEFAULT_TONE_MS)
    gap_ms: Fraction = Fraction(DEFAULT_GAP_MS)
    pauses: Literal["replace", "add"] = "replace"
    lead_ms: Fraction = Fraction(0)
    gap_after_last: bool = False
    # Exact integer units, worked out once: durations count 1/(1000·per_ms) s.
    _durations: npt.NDArray[np.int64] = field(init=False, repr=False, compare=False)
    _gap_units: int = field(init=False, repr=False, compare=False)
    _lead_units: int = field(init=False, repr=False, compare=False)
    _denominator: int = field(init=False, repr=False, compare=False)
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        tone_ms = milliseconds(self.tone_ms, "tone_ms", positive=True)
        gap_ms = milliseconds(self.gap_ms, "gap_ms")
        lead_ms = milliseconds(self.lead_ms, "lead_ms")
        if self.pauses not in ("replace", "add"):
            raise ParameterError(f"pauses must be 'replace' or 'add', got {self.pauses!r}")
        if not isinstance(self.gap_after_last, bool):
            raise TypeError(f"gap_after_last must be a bool, not {self.gap_after_last!r}")
        if self.gap_after_last and self.pauses != "add":
            raise ParameterError("gap_after_last needs pauses='add'")
        per_ms = math.lcm(tone_ms.denominator, gap_ms.denominator, lead_ms.denominator)
        if per_ms > 10**6:
            raise ParameterError("tone_ms, gap_ms and lead_ms together are finer than 1 ns")
        pauses = [int(seconds * 1000 * per_ms) for seconds in PAUSE_SECONDS.values()]
        # Tones, then the pause characters, then a skipped character, which lasts nothing.
        durations = np.array([int(tone_ms * per_ms)] * PAUSE_CODE + pauses + [0], dtype=np.int64)
        durations.flags.writeable = False
        for name, value in (
            ("tone_ms", tone_ms),
            ("gap_ms", gap_ms),
            ("lead_ms", lead_ms),
            ("_durations", durations),
            ("_gap_units", int(gap_ms * per_ms)),
            ("_lead_units", int(lead_ms * per_ms)),
            ("_denominator", 1000 * per_ms),
            ("_hash", hash((tone_ms, gap_ms, self.pauses, lead_ms, self.gap_after_last))),
        ):
            object.__setattr__(self, name, value)

    def __hash__(self) -> int:
        # Timings key the caches of every render: hashing five Fractions each time is slow.
        return self._hash

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

    def replace(
        self, *, tone_ms: Milliseconds | None = None, gap_ms: Milliseconds | None = None
    ) -> Timing:
        """This timing with the tone or the gap changed (None keeps it).

        Examples
        --------
        >>> Timing().replace(gap_ms=100).describe()
        'tone 200 ms, gap 100 ms, pauses replace the gap'
        """
        if tone_ms is None and gap_ms is None:
            return self
        return Timing(
            self.tone_ms if tone_ms is None else tone_ms,  # type: ignore[arg-type]
            self.gap_ms if gap_ms is None else gap_ms,  # type: ignore[arg-type]
            pauses=self.pauses,
            lead_ms=self.lead_ms,
            gap_after_last=self.gap_after_last,
        )

    def whole_samples(self, rate: int) -> tuple[int, int, int, int] | None:
        """(tone, gap, lead-in, half-second pause) in samples, when each is a whole number.

        Every boundary then falls exactly on a sample and rounding never happens.

        Examples
        --------
        >>> Timing().whole_samples(8000)
        (1600, 3200, 0, 4000)
        >>> Timing().whole_samples(11025) is None  # half a second is 5512.5 samples
        True
        """
        units = (int(self._durations[0]), self._gap_units, self._lead_units)
        half = self._denominator // 2  # half a second, in units
        counts = [u * rate for u in (*units, half)]
        if any(c % self._denominator for c in counts):
            return None
        tone, gap, lead, pause = (c // self._denominator for c in counts)
        return tone, gap, lead, pause

    def boundaries(
        self, codes: npt.NDArray[np.uint8], lengths: npt.NDArray[np.int64], rate: int
    ) -> Bounds:
        """Start and stop sample of every character, and the length of every string.

        `codes` are the concatenated character codes of several strings (see
        :meth:`dtmfkit.Grammar.encode_many`) and `lengths` their lengths; each string's samples
        count from 0. This vectorized function is the timing rule of dtmfkit.

        Examples
        --------
        >>> from dtmfkit._grammar import CATAPULT
        >>> codes, lengths = CATAPULT.encode_many(["1w2", "3"])
        >>> [a.tolist() for a in Timing().boundaries(codes, lengths, 8000)]
        [[0, 1600, 5600, 0], [1600, 5600, 7200, 1600], [7200, 1600]]
        """
        n = codes.size
        ends = np.cumsum(lengths)
        begins = ends - lengths
        is_tone = codes < PAUSE_CODE
        is_skip = codes == SKIP_CODE
        duration = self._durations[codes]
        # The character before each one, skipped ones aside, if it is in the same string.
        kept = np.maximum.accumulate(np.where(is_skip, -1, np.arange(n)))
        before = np.concatenate([[-1], kept[:-1]])
        after_tone = (before >= np.repeat(begins, lengths)) & is_tone[np.maximum(before, 0)]
        # The gap follows a tone. With pauses replacing it, only when a tone comes next.
        gap_before = after_tone & (is_tone if self.pauses == "replace" else ~is_skip)
        step = duration + gap_before * self._gap_units
        end_gap = np.zeros(lengths.size, dtype=np.int64)
        if self.gap_after_last:
            last_kept = kept[ends - 1]
            end_gap = ((last_kept >= begins) & is_tone[np.maximum(last_kept, 0)]) * self._gap_units
        worst = (int(step.sum()) + int(np.max(end_gap, initial=0)) + self._lead_units) * rate
        if worst >= _INT64_SAFE:
            # Custom grammars may allow strings long enough to overflow int64: exact ints.
            step, duration, end_gap = (a.astype(object) for a in (step, duration, end_gap))
        stop = np.cumsum(step)
        before_string = np.concatenate([[0], stop[ends[:-1] - 1]]).astype(stop.dtype)
        stop = stop - np.repeat(before_string, lengths) + self._lead_units
        end = stop[ends - 1] + end_gap
        # Every boundary rounded once, in one pass: starts, stops, then each string's end.
        exact = np.concatenate([stop - duration, stop, end])
        samples = _round_div(exact * rate, self._denominator)
        return samples[:n], samples[n : 2 * n], samples[2 * n :]


def _round_div(n: npt.NDArray[np.int64], d: int) -> npt.NDArray[np.int64]:
    """``round(n / d)`` exactly, ties to even, for ``n >= 0`` (int64, or Python ints)."""
    q, r = np.divmod(n, d) if n.dtype != object else (n // d, n % d)
    twice = 2 * r
    rounded = q + ((twice > d) | ((twice == d) & (q % 2 == 1)))
    if rounded.dtype == object and int(np.max(rounded, initial=0)) >= _INT64_SAFE:
        raise ParameterError(
            "the timeline would be longer than dtmfkit can count in samples; "
            "use a shorter string, shorter durations or a lower rate"
        )
    result: npt.NDArray[np.int64] = rounded.astype(np.int64)
    return result


def _ms(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"
