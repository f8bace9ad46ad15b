"""Preview a DTMF string before sending it: its timeline, where the figures come from, and the
warnings a telephony engineer would give.

Receiver limits are ITU-T Q.24's (see :mod:`dtmfkit._limits`): tones and pauses of 40 ms or more
are recognised, twist must lie within +4 / −8 dB (high minus low group), and each tone should be
between −25 and 0 dBm0.

Examples
--------
>>> import dtmfkit
>>> p = dtmfkit.preview("1WWW,59#")
>>> p.timeline.duration, p.warnings
(5.1, ())
>>> [w.code for w in dtmfkit.preview("11", tone_ms=30, gap_ms=20).warnings]
['short-tone', 'short-gap', 'repeated-key']
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dtmfkit._grammar import Sequence
from dtmfkit._timeline import Timeline, timeline_and_settings
from dtmfkit._voice import Voice
from dtmfkit._warnings import PreviewWarning, warnings_of

if TYPE_CHECKING:
    from typing import Unpack

    from dtmfkit._profiles import Profile
    from dtmfkit._settings import RenderOptions
    from dtmfkit._timing import Timing

__all__ = ["Preview", "PreviewWarning", "preview", "warnings_of"]


@dataclass(frozen=True, slots=True)
class Preview:
    """A timeline with its sources and warnings.

    Attributes
    ----------
    timeline : Timeline
        What will be played, and when (its profile, timing and rate included).
    voice : Voice
        How it will sound.
    warnings : tuple of PreviewWarning

    Examples
    --------
    >>> shown = preview("1W2")
    >>> shown.timeline.duration, shown.warnings, shown.profile.name
    (1.4, (), 'catapult')
    """

    timeline: Timeline
    voice: Voice
    warnings: tuple[PreviewWarning, ...]

    @property
    def profile(self) -> Profile:
        """The profile of the timeline."""
        return self.timeline.profile

    def format(self) -> str:
        """The whole preview as text, as ``dtmfkit preview`` prints it."""
        lines = [
            (
                f"preview of {self.timeline.sequence.text!r} ({self.profile.name} profile, "
                f"{self.timeline.rate} Hz, {self.voice.level_dbm0:g} dBm0, "
                f"twist {self.voice.twist_db:+g} dB)"
            ),
            self.timeline.format(),
            textwrap.fill(f"sources: {self.profile.sources}", width=100, subsequent_indent="  "),
        ]
        if self.warnings:
            lines += ["warnings:"] + [f"  - {w.message}" for w in self.warnings]
        else:
            lines.append("warnings: none")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The preview as plain JSON-ready data."""
        return {
            **self.timeline.to_dict(),
            "level_dbm0": self.voice.level_dbm0,
            "twist_db": self.voice.twist_db,
            "ramp_ms": float(self.voice.ramp_ms),
            "sources": self.profile.sources,
            "warnings": [{"code": w.code, "message": w.message} for w in self.warnings],
        }

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as JSON; keyword arguments go to :func:`json.dumps`."""
        return json.dumps(self.to_dict(), **kwargs)

    def __str__(self) -> str:
        return self.format()


def preview(
    source: str | Sequence | Timeline,
    *,
    rate: int | None = None,
    profile: str | Profile | None = None,
    timing: Timing | None = None,
    voice: Voice | None = None,
    **options: Unpack[RenderOptions],
) -> Preview:
    """Preview what the far end will hear, and what may go wrong.

    Parameters
    ----------
    source : str, Sequence or Timeline
    rate : int, default 8000
        Any positive rate; too low a rate is a warning here (rendering refuses it).
    profile, timing, voice, **options
        As :func:`dtmfkit.render`.

    Returns
    -------
    Preview

    Raises
    ------
    DtmfSyntaxError, TypeError, ParameterError
        As :func:`dtmfkit.schedule`.

    Examples
    --------
    >>> print(preview("1w", profile="asterisk").format())  # doctest: +ELLIPSIS
    preview of '1w' (asterisk profile, 8000 Hz, -10 dBm0, twist +0 dB)
      #  event   start s   stop s   low Hz  high Hz
      0  1         0.100    0.200      697     1209
      1  w         0.450    0.950        -        -
    total 0.950 s (7600 samples at 8000 Hz)
    timing (asterisk): tone 100 ms, gap 250 ms after every tone (the last too), pauses add ...
    sources: Asterisk main/app.c ast_dtmf_stream(): 100 ms of quiet before the first digit, ...
    ...
    warnings: none
    """
    timeline, settings = timeline_and_settings(
        "preview", source, rate, profile, timing, voice, options
    )
    return Preview(timeline, settings.voice, tuple(warnings_of(timeline, settings.voice)))
