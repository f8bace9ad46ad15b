"""The ``dtmfOut`` grammar of Catapult v1 "Send DTMF in active Call" — the only place that knows it.

Catapult v1 documents: valid characters are given by the regular expression ``[A-D0-9#*,wW]+``,
at most 92 characters; ``,`` and lower-case ``w`` introduce a half-second pause, ``W`` a
one-second pause. Everything else — lower-case ``a-d``, spaces, Unicode digits such as ``'١'`` or
``'１'``, the empty string, a 93rd character — is rejected.

Examples
--------
>>> from dtmfkit import parse
>>> seq = parse("1WWW,59#")
>>> seq.keys
'159#'
>>> [str(event) for event in seq.events]
['1', 'W', 'W', 'W', ',', '5', '9', '#']
>>> seq.pause_seconds
Fraction(7, 2)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Final

import numpy as np
import numpy.typing as npt

from dtmfkit.errors import DtmfSyntaxError, echo
from dtmfkit.keypad import FREQUENCIES, KEYS

__all__ = ["MAX_LENGTH", "PAUSE_SECONDS", "Event", "Pause", "Sequence", "Tone", "parse"]

#: Catapult v1: "Allows a maximum of 92 characters."
MAX_LENGTH: Final = 92
#: Catapult v1: "The , and lowercase w characters introduce a half-second pause ...
#: The W character introduces a one-second pause."
PAUSE_SECONDS: Final = {",": Fraction(1, 2), "w": Fraction(1, 2), "W": Fraction(1)}
#: Every valid character; ``ALPHABET.index(c)`` is the character's code (keys first, as in KEYS).
ALPHABET: Final = KEYS + "".join(PAUSE_SECONDS)
#: Codes ``>= PAUSE_CODE`` are pauses.
PAUSE_CODE: Final = len(KEYS)
INVALID_CODE: Final = 255

# [0-9] in an explicit class is ASCII only, and fullmatch (unlike ^...$) refuses a trailing "\n".
_VALID: Final = re.compile(f"[{re.escape(ALPHABET)}]{{1,{MAX_LENGTH}}}")

#: Byte → code lookup for the vectorized encoder; INVALID_CODE for every byte outside the grammar.
CODE_TABLE: Final = np.full(256, INVALID_CODE, dtype=np.uint8)
CODE_TABLE[np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)] = np.arange(len(ALPHABET))
CODE_TABLE.flags.writeable = False


@dataclass(frozen=True, slots=True)
class Tone:
    """A key press: one dual tone.

    Examples
    --------
    >>> Tone("#").frequencies
    (941, 1477)
    """

    key: str

    @property
    def frequencies(self) -> tuple[int, int]:
        """The (low, high) ITU-T Q.23 frequencies in Hz."""
        return FREQUENCIES[self.key]

    def __str__(self) -> str:
        return self.key


@dataclass(frozen=True, slots=True)
class Pause:
    """A pause character and the silence it asks for.

    Examples
    --------
    >>> Pause("W").seconds
    Fraction(1, 1)
    """

    char: str

    @property
    def seconds(self) -> Fraction:
        """Length of the pause in seconds, exactly."""
        return PAUSE_SECONDS[self.char]

    def __str__(self) -> str:
        return self.char


Event = Tone | Pause

_EVENTS: Final[dict[str, Event]] = {key: Tone(key) for key in KEYS} | {
    char: Pause(char) for char in PAUSE_SECONDS
}


@dataclass(frozen=True, slots=True)
class Sequence:
    """A valid ``dtmfOut`` string and the events it stands for.

    Build one with :func:`parse` (or ``Sequence(text)``, which is the same); every instance
    holds a valid string. Two sequences are equal when their texts are.

    Attributes
    ----------
    text : str
        The original string, unchanged: what a sender posts.
    events : tuple of Tone and Pause
        One event per character, in order.
    """

    text: str
    events: tuple[Event, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check(self.text)
        object.__setattr__(self, "events", tuple(_EVENTS[char] for char in self.text))

    @property
    def keys(self) -> str:
        """The keys alone, without pauses."""
        return "".join(str(e) for e in self.events if isinstance(e, Tone))

    @property
    def pause_seconds(self) -> Fraction:
        """Total of all pause characters, in seconds."""
        return sum((e.seconds for e in self.events if isinstance(e, Pause)), Fraction(0))

    def __len__(self) -> int:
        return len(self.text)

    def __str__(self) -> str:
        return self.text


def parse(text: str) -> Sequence:
    """Parse a ``dtmfOut`` string.

    Parameters
    ----------
    text : str
        Characters of ``[A-D0-9#*,wW]``, 1 to 92 of them.

    Returns
    -------
    Sequence
        The text and one event per character.

    Raises
    ------
    TypeError
        If `text` is not a ``str``.
    DtmfSyntaxError
        If `text` is empty, longer than 92 characters, or holds a character outside the
        grammar; ``.position`` is the 1-based position of the problem.

    Examples
    --------
    >>> parse("1Ww2").events
    (Tone(key='1'), Pause(char='W'), Pause(char='w'), Tone(key='2'))
    >>> parse("12a4")
    Traceback (most recent call last):
    ...
    dtmfkit.errors.DtmfSyntaxError: invalid DTMF character 'a' at position 3 in '12a4'; ...
    """
    return Sequence(text)


def check(text: object) -> str:
    """Return `text` if it is a valid ``dtmfOut`` string; raise as :func:`parse` does otherwise."""
    if not isinstance(text, str):
        raise TypeError(f"dtmfOut must be a str, not {type(text).__name__}: {text!r}")
    if _VALID.fullmatch(text) is None:
        raise _syntax_error(text)
    return text


def _syntax_error(text: str) -> DtmfSyntaxError:
    for index, char in enumerate(text):
        if char not in _EVENTS:
            return DtmfSyntaxError(
                f"invalid DTMF character {char!r} at position {index + 1} in {echo(text)}; "
                "valid are 0-9, A-D, *, #, and the pauses ',', 'w', 'W'",
                text=text,
                position=index + 1,
            )
    if not text:
        return DtmfSyntaxError("empty dtmfOut: give at least one character", text=text, position=0)
    return DtmfSyntaxError(
        f"dtmfOut is {len(text)} characters long, at most {MAX_LENGTH} are allowed: {echo(text)}",
        text=text,
        position=MAX_LENGTH + 1,
    )


def encode_many(
    sources: Iterable[str | Sequence],
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """Validate many strings at once and return their character codes, concatenated, and lengths.

    Raises exactly what :func:`parse` raises for the first invalid string.
    """
    texts = [s.text if isinstance(s, Sequence) else s for s in sources]
    try:
        joined = "".join(texts).encode("ascii")
    except (TypeError, UnicodeEncodeError):
        for text in texts:
            check(text)
        raise  # pragma: no cover - check() raised for the offending item
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    codes = CODE_TABLE[np.frombuffer(joined, dtype=np.uint8)]
    if len(texts) and (
        lengths.min() < 1 or lengths.max() > MAX_LENGTH or codes.max() == INVALID_CODE
    ):
        for text in texts:
            check(text)
    return codes, lengths
