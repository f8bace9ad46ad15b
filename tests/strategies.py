"""Named hypothesis strategies shared by the tests."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from dtmfkit import KEYS, MAX_LENGTH, PROFILES, Profile

VALID_CHARS = KEYS + ",wW"
#: Characters that look valid to a careless check: lower-case keys, Unicode digits that
#: ``str.isdigit`` or ``\\d`` accept, whitespace, a trailing newline, other letters.
LOOKALIKES = "abcdpPxW\u0661\uff11\u00b2\u0660 \n\t-+ #*"

valid_text = st.text(alphabet=VALID_CHARS, min_size=1, max_size=MAX_LENGTH)
#: Valid strings that hold at least one key.
keyed_text = st.builds(
    lambda head, key, tail: head + key + tail,
    st.text(alphabet=VALID_CHARS, max_size=40),
    st.sampled_from(KEYS),
    st.text(alphabet=VALID_CHARS, max_size=40),
)
#: Valid characters mixed with look-alikes and long runs, valid or not.
mixed_text = st.one_of(
    st.text(alphabet=VALID_CHARS + LOOKALIKES, max_size=100),
    st.text(alphabet=VALID_CHARS, min_size=85, max_size=100),
    st.text(max_size=30),
)
rates = st.sampled_from([8000, 11025, 16000, 22050, 44100, 48000])
tone_ms = st.one_of(
    st.integers(min_value=20, max_value=300),
    st.decimals(min_value=20, max_value=300, places=1).map(Fraction),
)
gap_ms = st.one_of(
    st.integers(min_value=0, max_value=600),
    st.decimals(min_value=0, max_value=600, places=1).map(Fraction),
)

#: Tone lengths a receiver must accept (Q.24: 40 ms and up).
detectable_tone_ms = st.integers(min_value=40, max_value=300)
#: Gaps a receiver must see (40 ms and up), kept 30 ms clear of whole half seconds, where a gap
#: and a pause would sound the same and no decoder could tell them apart.
detectable_gap_ms = st.integers(min_value=40, max_value=1200).filter(
    lambda ms: min(abs(ms - 500 * k) for k in range(4)) >= 30
)

#: A platform profile, by value.
profiles = st.sampled_from(sorted(PROFILES.values(), key=lambda p: p.name))


@st.composite
def profile_and_text(draw: st.DrawFn, *, keys_only: bool | None = None) -> tuple[Profile, str]:
    """A profile and a string its grammar accepts (keys alone, with pauses, or either)."""
    profile = draw(profiles)
    characters = [char for char, _ in profile.grammar.characters]
    keys = [char for char, code in profile.grammar.characters if code < len(KEYS)]
    if keys_only is None:
        keys_only = draw(st.booleans())
    alphabet = keys if keys_only else characters
    text = draw(
        st.text(alphabet=alphabet, min_size=1, max_size=min(40, profile.grammar.max_length))
    )
    return profile, text
