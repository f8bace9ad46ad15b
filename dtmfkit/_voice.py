"""How the tones sound: level, twist and edge ramp, as one value.

Levels follow the G.711 convention: a full-scale sine is +3.17 dBm0, so a tone of ``L`` dBm0 has
peak amplitude ``10 ** ((L - 3.17) / 20)`` of full scale. ``level_dbm0`` is the low tone's level;
the high tone's is ``level_dbm0 + twist_db``.

Examples
--------
>>> from dtmfkit import Voice
>>> voice = Voice(level_dbm0=-6, twist_db=2)
>>> round(voice.low_amplitude, 4), round(voice.high_amplitude, 4)
(0.3479, 0.438)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Final

from dtmfkit._limits import (
    FULL_SCALE_DBM0,
    LEVEL_RANGE_DBM0,
    TWIST_RANGE_DB,
    Milliseconds,
    decibels,
    milliseconds,
)

__all__ = ["DEFAULT_LEVEL_DBM0", "DEFAULT_RAMP_MS", "Voice"]

#: −10 dBm0 per tone: ≈0.22 of full scale each, so the pair never clips.
DEFAULT_LEVEL_DBM0: Final = -10.0
#: A raised-cosine edge this long keeps the spectrum clean without shortening the tone audibly.
DEFAULT_RAMP_MS: Final = 5


@dataclass(frozen=True, slots=True)
class Voice:
    """How every tone sounds: its level, the twist between its two tones, its edges.

    Parameters
    ----------
    level_dbm0 : float, default -10.0
        Level of the low-group tone in dBm0 (a full-scale sine is +3.17 dBm0); from −90 to
        +3.17.
    twist_db : float, default 0.0
        High-group level minus low-group level, in dB; from −40 to +40. Receivers accept +4 to
        −8 dB (ITU-T Q.24): beyond that is allowed, and :func:`dtmfkit.preview` warns.
    ramp_ms : number, default 5
        Raised-cosine ramp at each edge of each tone; 0 for none.

    Raises
    ------
    ParameterError
        For a value out of range. A level and twist whose tone pair would clip are a valid
        voice (a preview warns of them); rendering refuses them.

    Examples
    --------
    >>> Voice()
    Voice(level_dbm0=-10.0, twist_db=0.0, ramp_ms=Fraction(5, 1))
    >>> Voice(level_dbm0=-100)
    Traceback (most recent call last):
    ...
    dtmfkit.ParameterError: level_dbm0 must be from -90 to 3.17, got -100
    """

    level_dbm0: float = DEFAULT_LEVEL_DBM0
    twist_db: float = 0.0
    ramp_ms: Fraction = Fraction(DEFAULT_RAMP_MS)
    low_amplitude: float = field(init=False, repr=False, compare=False)
    high_amplitude: float = field(init=False, repr=False, compare=False)
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        level = decibels(self.level_dbm0, "level_dbm0", LEVEL_RANGE_DBM0)
        twist = decibels(self.twist_db, "twist_db", TWIST_RANGE_DB)
        low = 10 ** ((level - FULL_SCALE_DBM0) / 20)
        high = 10 ** ((level + twist - FULL_SCALE_DBM0) / 20)
        ramp = milliseconds(self.ramp_ms, "ramp_ms")
        for name, value in (
            ("level_dbm0", level),
            ("twist_db", twist),
            ("ramp_ms", ramp),
            ("low_amplitude", low),
            ("high_amplitude", high),
            ("_hash", hash((level, twist, ramp))),
        ):
            object.__setattr__(self, name, value)

    def __hash__(self) -> int:
        # Voices key the caches of every render: computed once.
        return self._hash

    @property
    def peak(self) -> float:
        """Peak of the tone pair, as a fraction of full scale; above 1 it would clip."""
        return self.low_amplitude + self.high_amplitude

    def replace(
        self,
        *,
        level_dbm0: float | None = None,
        twist_db: float | None = None,
        ramp_ms: Milliseconds | None = None,
    ) -> Voice:
        """This voice with some settings changed (None keeps them).

        Examples
        --------
        >>> Voice().replace(twist_db=2).twist_db
        2.0
        """
        if level_dbm0 is None and twist_db is None and ramp_ms is None:
            return self
        return Voice(
            self.level_dbm0 if level_dbm0 is None else level_dbm0,
            self.twist_db if twist_db is None else twist_db,
            self.ramp_ms if ramp_ms is None else ramp_ms,  # type: ignore[arg-type]
        )

    def describe(self) -> str:
        """The voice in words.

        Examples
        --------
        >>> Voice().describe()
        '-10 dBm0, twist +0 dB, 5 ms ramps'
        """
        return (
            f"{self.level_dbm0:g} dBm0, twist {self.twist_db:+g} dB, "
            f"{float(self.ramp_ms):g} ms ramps"
        )
