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

from dtmfkit._errors import DtmfSyntaxError, ParameterError, echo
from dtmfkit._keypad import FREQUENCIES, KEYS

__all__ = [
    "ALPHABET",
    "CATAPULT",
    "MAX_LENGTH",
    "PAUSE_CODE",
    "PAUSE_SECONDS",
    "SKIP_CODE",
    "Event",
    "Grammar",
    "Pause",
    "Sequence",
    "Skipped",
    "Tone",
    "parse",
]

#: Catapult v1: "Allows a maximum of 92 characters."
MAX_LENGTH: Final = 92
#: Catapult v1: "The , and lowercase w characters introduce a half-second pause ...
#: The W character introduces a one-second pause."
PAUSE_SECONDS: Final = {",": Fraction(1, 2), "w": Fraction(1, 2), "W": Fraction(1)}
#: Character codes: ``ALPHABET.index(c)``: the 16 keys (as in KEYS), then the pauses.
ALPHABET: Final = KEYS + "".join(PAUSE_SECONDS)
#: Codes ``>= PAUSE_CODE`` are not tones.
PAUSE_CODE: Final = len(KEYS)
#: The code of a character a platform accepts but skips (Asterisk and ``,``).
SKIP_CODE: Final = len(ALPHABET)
INVALID_CODE: Final = 255


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


@dataclass(frozen=True, slots=True)
class Skipped:
    """A character the platform accepts but skips, making no sound (Asterisk and ``,``).

    Examples
    --------
    >>> from dtmfkit import schedule
    >>> schedule("1,2", profile="asterisk").sequence.events[1]
    Skipped(char=',')
    """

    char: str

    def __str__(self) -> str:
        return self.char


Event = Tone | Pause | Skipped


@dataclass(frozen=True, slots=True)
class Grammar:
    """The characters one platform accepts in its DTMF strings, and what each means.

    Build one with :meth:`build`. :data:`CATAPULT` is the grammar of ``dtmfOut`` and the
    default everywhere; :mod:`dtmfkit.profiles` has the others.

    Attributes
    ----------
    name : str
    label : str
        What the platform calls the string (for messages), e.g. ``"dtmfOut"``.
    max_length : int
    characters : tuple of (str, int)
        Every accepted character and its code (see ``ALPHABET``; ``SKIP_CODE`` for skipped).
    valid : str
        The accepted characters in words, for messages.

    Examples
    --------
    >>> from dtmfkit._grammar import CATAPULT
    >>> CATAPULT.max_length, CATAPULT.check("1W#")
    (92, '1W#')
    """

    name: str
    label: str
    max_length: int
    characters: tuple[tuple[str, int], ...]
    valid: str
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    _table: npt.NDArray[np.uint8] = field(init=False, repr=False, compare=False)
    _events: dict[str, Event] = field(init=False, repr=False, compare=False)
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        table = np.full(256, INVALID_CODE, dtype=np.uint8)
        events: dict[str, Event] = {}
        for char, code in self.characters:
            table[ord(char)] = code
            if code < PAUSE_CODE:
                events[char] = Tone(KEYS[code])
            elif code < SKIP_CODE:
                events[char] = Pause(char)
            else:
                events[char] = Skipped(char)
        table.flags.writeable = False
        identity = hash((self.name, self.label, self.max_length, self.characters, self.valid))
        for name, value in (
            ("_pattern", None),
            ("_table", table),
            ("_events", events),
            ("_hash", identity),
        ):
            object.__setattr__(self, name, value)

    def __hash__(self) -> int:
        # Grammars key caches on every render: computed once.
        return self._hash

    @classmethod
    def build(
        cls,
        name: str,
        *,
        label: str,
        max_length: int,
        lower_case_keys: bool = False,
        keys: str = KEYS,
        pauses: str = ",wW",
        skipped: str = "",
    ) -> Grammar:
        """A grammar from the keys, pause characters and skipped characters it accepts."""
        characters = [(key, KEYS.index(key)) for key in keys]
        if lower_case_keys:
            characters += [(key.lower(), KEYS.index(key)) for key in keys if key.isalpha()]
        characters += [(char, ALPHABET.index(char)) for char in pauses]
        characters += [(char, SKIP_CODE) for char in skipped]
        words = "0-9" if "0" in keys else ""
        letters = "".join(k for k in keys if k.isalpha())
        if letters:
            words += ", A-D" + (" and a-d" if lower_case_keys else "")
        words += ", *, #"
        if pauses:
            words += ", and the pauses " + ", ".join(repr(p) for p in pauses)
        if skipped:
            words += " (" + ", ".join(repr(c) for c in skipped) + " accepted and skipped)"
        return cls(name, label, max_length, tuple(characters), words)

    def check(self, text: object) -> str:
        """Return `text` if this grammar accepts it; raise as :func:`parse` does otherwise."""
        if not isinstance(text, str):
            raise TypeError(f"{self.label} must be a str, not {type(text).__name__}: {text!r}")
        if (self._pattern or self._compile()).fullmatch(text) is None:
            raise self._error(text)
        return text

    def _compile(self) -> re.Pattern[str]:
        """The pattern of accepted strings, made on first use (each costs start-up time)."""
        chars = "".join(char for char, _ in self.characters)
        # [0-9] in an explicit class is ASCII only; fullmatch (unlike ^...$) refuses a final "\n".
        pattern = re.compile(f"[{re.escape(chars)}]{{1,{self.max_length}}}")
        object.__setattr__(self, "_pattern", pattern)
        return pattern

    def events(self, text: str) -> tuple[Event, ...]:
        """One event per character of an accepted `text`."""
        return tuple(self._events[char] for char in self.check(text))

    def _error(self, text: str) -> DtmfSyntaxError:
        for index, char in enumerate(text):
            if char not in self._events:
                return DtmfSyntaxError(
                    f"invalid DTMF character {char!r} at position {index + 1} in {echo(text)}; "
                    f"valid are {self.valid}",
                    text=text,
                    position=index + 1,
                )
        if not text:
            return DtmfSyntaxError(
                f"empty {self.label}: give at least one character", text=text, position=0
            )
        return DtmfSyntaxError(
            f"{self.label} is {len(text)} characters long, at most {self.max_length} are "
            f"allowed: {echo(text)}",
            text=text,
            position=self.max_length + 1,
        )

    def text_of(self, source: str | Sequence) -> str:
        """The text of `source`; a sequence must have been parsed with this grammar."""
        if not isinstance(source, Sequence):
            return source
        if source.grammar != self:
            raise ParameterError(
                f"{source.text!r} was parsed with the {source.grammar.name} grammar, "
                f"not {self.name}"
            )
        return source.text

    def encode_many(
        self, sources: Iterable[str | Sequence]
    ) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
        """Validate many strings at once; return their codes, concatenated, and their lengths.

        Raises exactly what :func:`parse` raises for the first invalid string.
        """
        texts = [self.text_of(source) for source in sources]
        try:
            joined = "".join(texts).encode("ascii")
        except (TypeError, UnicodeEncodeError):
            for text in texts:
                self.check(text)
            raise  # pragma: no cover - check() raised for the offending item
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        codes = self._table[np.frombuffer(joined, dtype=np.uint8)]
        if texts and (
            int(np.min(lengths)) < 1
            or int(np.max(lengths)) > self.max_length
            or int(np.max(codes)) == INVALID_CODE
        ):
            for text in texts:
                self.check(text)
        return codes, lengths


#: Catapult v1 ``dtmfOut``: ``[A-D0-9#*,wW]``, 1 to 92 characters.
CATAPULT: Final = Grammar.build("catapult", label="dtmfOut", max_length=MAX_LENGTH)


class Sequence:
    """A valid DTMF string and the events it stands for; immutable.

    Build one with :func:`parse` (or ``Sequence(text)``, which is the same); every instance
    holds a string its grammar accepts. Two sequences are equal when their texts and grammars
    are.

    Attributes
    ----------
    text : str
        The original string, unchanged: what a sender posts.
    grammar : Grammar
        Catapult's ``dtmfOut`` grammar unless another platform's was asked for.

    Examples
    --------
    >>> sequence = Sequence("1w2")
    >>> sequence.keys, len(sequence), sequence == parse("1w2")
    ('12', 3, True)
    """

    __slots__ = ("_grammar", "_text")

    def __init__(self, text: str, grammar: Grammar = CATAPULT) -> None:
        # A plain class, not a frozen dataclass: every render of a new string builds one.
        if not isinstance(grammar, Grammar):
            raise TypeError(f"grammar must be a Grammar, not {type(grammar).__name__}")
        self._text = grammar.check(text)
        self._grammar = grammar

    @property
    def text(self) -> str:
        """The original string, unchanged: what a sender posts."""
        return self._text

    @property
    def grammar(self) -> Grammar:
        """The grammar that accepted the text."""
        return self._grammar

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return self._text == other._text and self._grammar == other._grammar

    def __hash__(self) -> int:
        return hash((self._text, self._grammar))

    def __repr__(self) -> str:
        return f"Sequence(text={self._text!r})"

    def __reduce__(self) -> tuple[type[Sequence], tuple[str, Grammar]]:
        return Sequence, (self._text, self._grammar)

    @property
    def events(self) -> tuple[Event, ...]:
        """One event per character, in order."""
        return self.grammar.events(self.text)

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


def parse(text: str, *, grammar: Grammar = CATAPULT) -> Sequence:
    """Parse a ``dtmfOut`` string (or another platform's DTMF string).

    Parameters
    ----------
    text : str
        Characters of ``[A-D0-9#*,wW]``, 1 to 92 of them.
    grammar : Grammar, default Catapult's ``dtmfOut``
        Another platform's grammar, usually ``profile.grammar``.

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
    dtmfkit.DtmfSyntaxError: invalid DTMF character 'a' at position 3 in '12a4'; ...
    """
    return Sequence(text, grammar)
