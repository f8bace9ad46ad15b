"""Platform profiles: what other platforms play for the same kind of string.

A profile is a value — a grammar (accepted characters, length limit), a timing (tone, gap,
whether pauses replace or add to the gap, lead-in, gap after the last key) and the ranges the
platform allows — never a branch in the code. ``render``, ``schedule``, ``write`` and the CLI
take ``profile=``; the sender always uses Catapult's grammar.

=================  =====  ===========================  =====================================
profile            max    characters                   timing
=================  =====  ===========================  =====================================
``catapult``       92     ``0-9 A-D * # , w W``        200 ms tone, 400 ms gap, pauses replace
``bandwidth-bxml`` 50     ``0-9 A-D a-d * # , w W``    200 / 400 ms (each 50–5000), replace
``asterisk``       255    ``0-9 A-D a-d * # w W`` (,)  100 ms lead-in, 100 / 250 ms, pauses add
``twilio``         32     ``0-9 * # w W``              100 / 100 ms (assumed), replace
=================  =====  ===========================  =====================================

Examples
--------
>>> from dtmfkit import schedule
>>> tones = schedule("1w2", profile="asterisk").tones
>>> (tones[1].start - tones[0].start) / 8000  # 100 tone + 250 between + 500
0.85
>>> tones = schedule("1w2").tones
>>> (tones[1].start - tones[0].start) / 8000  # 200 tone + 500 replacing the gap
0.7
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Final

from dtmfkit._errors import ParameterError
from dtmfkit._grammar import CATAPULT, Grammar
from dtmfkit._limits import Milliseconds
from dtmfkit._timing import Timing

__all__ = [
    "ASTERISK",
    "ASTERISK_ARI",
    "BANDWIDTH_BXML",
    "CATAPULT_PROFILE",
    "PROFILES",
    "TELNYX",
    "TWILIO",
    "Profile",
    "resolve_profile",
]


@dataclass(frozen=True)
class Profile:
    """One platform's grammar and timing.

    Attributes
    ----------
    name : str
    grammar : Grammar
    timing : Timing
        The platform's default timing.
    tone_range_ms, gap_range_ms : (int, int) or None
        What the platform accepts for tone and gap lengths, when it says.
    sources : str
        Where the figures come from, and what is assumed.

    Examples
    --------
    >>> from dtmfkit import PROFILES
    >>> PROFILES["asterisk"].timing.describe()
    'tone 100 ms, gap 250 ms after every tone (the last too), pauses add to it, 100 ms lead-in'
    """

    name: str
    grammar: Grammar
    timing: Timing
    sources: str
    tone_range_ms: tuple[int, int] | None = None
    gap_range_ms: tuple[int, int] | None = None
    doc: str = field(default="", repr=False, compare=False)

    def __post_init__(self) -> None:
        # Each profile's docstring states its sources.
        object.__setattr__(self, "__doc__", f"{self.doc}\n\nSources: {self.sources}")
        identity = (self.name, self.grammar, self.timing, self.sources)
        object.__setattr__(self, "_hash", hash((*identity, self.tone_range_ms, self.gap_range_ms)))

    def __hash__(self) -> int:
        # Profiles key caches on every render: computed once.
        return self._hash  # type: ignore[no-any-return, attr-defined]

    def timing_for(
        self,
        timing: Timing | None = None,
        *,
        tone_ms: Milliseconds | None = None,
        gap_ms: Milliseconds | None = None,
    ) -> Timing:
        """`timing` (this profile's by default), with the tone or gap changed where given.

        Raises
        ------
        ParameterError
            For a length the platform does not accept.

        Examples
        --------
        >>> from dtmfkit import PROFILES
        >>> PROFILES["bandwidth-bxml"].timing_for(tone_ms=30)
        Traceback (most recent call last):
        ...
        dtmfkit.ParameterError: bandwidth-bxml accepts tone_ms from 50 to 5000, got 30
        """
        if timing is not None and not isinstance(timing, Timing):
            raise TypeError(f"timing must be a Timing, not {type(timing).__name__}")
        chosen = (self.timing if timing is None else timing).replace(tone_ms=tone_ms, gap_ms=gap_ms)
        for name, value, limits in (
            ("tone_ms", chosen.tone_ms, self.tone_range_ms),
            ("gap_ms", chosen.gap_ms, self.gap_range_ms),
        ):
            if limits is not None and not limits[0] <= value <= limits[1]:
                raise ParameterError(
                    f"{self.name} accepts {name} from {limits[0]} to {limits[1]}, "
                    f"got {float(value):g}"
                )
        return chosen


#: Catapult v1 "Send DTMF in active Call": the grammar and timing of dtmfkit's core.
CATAPULT_PROFILE: Final = Profile(
    "catapult",
    CATAPULT,
    # DEFAULT_TONE_MS and DEFAULT_GAP_MS, the defaults BXML <SendDtmf> documents.
    Timing(),
    sources=(
        "grammar, 92-character limit and pauses from Catapult v1 'Send DTMF in active Call'; "
        "it says only that digits are sent 'with a marginal delay', so tone 200 ms and gap "
        "400 ms are the figures Bandwidth documents for its platform (BXML <SendDtmf>), and "
        "pauses replace the gap as the page's own examples require ('1Ww2Ww1Ww#': 1.5 s "
        "between each)"
    ),
    doc="Bandwidth Catapult v1 ``dtmfOut`` (the default).",
)

#: Bandwidth's newer BXML ``<SendDtmf>`` verb.
BANDWIDTH_BXML: Final = Profile(
    "bandwidth-bxml",
    Grammar.build("bandwidth-bxml", label="SendDtmf digits", max_length=50, lower_case_keys=True),
    # toneDuration 200 ms and toneInterval 400 ms: dtmfkit's defaults are these.
    Timing(),
    sources=(
        "Bandwidth BXML <SendDtmf> documentation: at most 50 characters; 0-9, *, #, a-d and "
        "A-D; ',' and 'w' pause 0.5 s, 'W' 1 s; toneDuration default 200 ms and toneInterval "
        "default 400 ms, each 50-5000 ms; 'All w, , and W chars replace toneInterval'"
    ),
    tone_range_ms=(50, 5000),
    gap_range_ms=(50, 5000),
    doc="Bandwidth BXML ``<SendDtmf>``.",
)

#: Asterisk's ``SendDTMF()`` application.
ASTERISK: Final = Profile(
    "asterisk",
    Grammar.build(
        "asterisk",
        label="SendDTMF digits",
        max_length=255,
        lower_case_keys=True,
        pauses="wW",
        skipped=",",
    ),
    Timing(Fraction(100), Fraction(250), pauses="add", lead_ms=Fraction(100), gap_after_last=True),
    sources=(
        "Asterisk main/app.c ast_dtmf_stream(): 100 ms of quiet before the first digit, each "
        "digit followed by the between-digit pause (the last one too), 'w' sleeps 500 ms and "
        "'W' 1000 ms on top, any other character such as ',' logged as illegal and skipped; "
        "apps/app_senddtmf.c: 250 ms between digits and 100 ms digits by default. Asterisk "
        "sets no length limit; dtmfkit caps the string at 255 characters, and refuses the "
        "flash-hook 'f' (no tone)"
    ),
    doc="Asterisk ``SendDTMF()``.",
)

#: Twilio ``SendDigits`` / ``sendDigits``.
TWILIO: Final = Profile(
    "twilio",
    Grammar.build("twilio", label="sendDigits", max_length=32, keys="123456789*0#", pauses="wW"),
    Timing(Fraction(100), Fraction(100)),
    sources=(
        "Twilio sendDigits documentation: at most 32 characters of 0-9, *, # and the pauses "
        "'w' (0.5 s) and 'W' (1 s). Twilio does not document its tone timing: dtmfkit "
        "ASSUMES 100 ms tones and 100 ms gaps (common RFC 4733 figures) with pauses "
        "replacing the gap; measure a real call before relying on it"
    ),
    doc="Twilio ``sendDigits`` (tone timing assumed).",
)

#: Telnyx Call Control ``send_dtmf``.
TELNYX: Final = Profile(
    "telnyx",
    Grammar.build("telnyx", label="digits", max_length=92, pauses="wW"),
    Timing(Fraction(250), Fraction(250)),
    sources=(
        "Telnyx Call Control send_dtmf reference: digits 0-9, A-D, * and #; 'w' pauses 0.5 s "
        "and 'W' 1 s (',' and a-d are not documented); duration_millis default 250, from 100 "
        "to 500 ms. Telnyx documents no gap and no length limit: dtmfkit ASSUMES a 250 ms gap, "
        "pauses replacing it, and keeps Catapult's 92 characters"
    ),
    tone_range_ms=(100, 500),
    doc="Telnyx ``send_dtmf`` (gap assumed).",
)

#: Asterisk ARI ``POST /channels/{channelId}/dtmf``.
ASTERISK_ARI: Final = Profile(
    "asterisk-ari",
    Grammar.build(
        "asterisk-ari",
        label="dtmf",
        max_length=255,
        lower_case_keys=True,
        pauses="wW",
        skipped=",",
    ),
    Timing(Fraction(100), Fraction(100), pauses="add", lead_ms=Fraction(100), gap_after_last=True),
    sources=(
        "Asterisk rest-api/api-docs/channels.json: dtmf, before (0), between (100 ms), "
        "duration (100 ms), after (0); main/app.c dtmf_stream(): 100 ms of quiet before the "
        "first digit whatever 'before' says, 'between' after every digit, 'w' 500 ms and 'W' "
        "1000 ms on top, any other character such as ',' logged and skipped; main/options.c: "
        "digits of at least 80 ms. No length limit: dtmfkit caps the string at 255 characters"
    ),
    tone_range_ms=(80, 10_000),
    gap_range_ms=(45, 10_000),
    doc="Asterisk ARI ``channels/{id}/dtmf``.",
)

#: Every profile by name.
PROFILES: Final = MappingProxyType(
    {p.name: p for p in (CATAPULT_PROFILE, BANDWIDTH_BXML, ASTERISK, TWILIO, TELNYX, ASTERISK_ARI)}
)


def resolve_profile(profile: str | Profile | None) -> Profile:
    """The profile of this name (None means ``catapult``), or `profile` itself.

    Examples
    --------
    >>> resolve_profile("asterisk").timing.lead_ms
    Fraction(100, 1)
    >>> resolve_profile("sip")
    Traceback (most recent call last):
    ...
    dtmfkit.ParameterError: unknown profile 'sip'; known: catapult, bandwidth-bxml, ...
    """
    if profile is None:
        return CATAPULT_PROFILE
    if isinstance(profile, Profile):
        return profile
    if not isinstance(profile, str):
        raise TypeError(f"profile must be a name or a Profile, not {type(profile).__name__}")
    try:
        return PROFILES[profile]
    except KeyError:
        known = ", ".join(PROFILES)
        raise ParameterError(f"unknown profile {profile!r}; known: {known}") from None
