from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dtmfkit import DtmfSyntaxError, ParameterError, decode, render, samples_needed, schedule
from dtmfkit._profiles import ASTERISK, PROFILES, resolve_profile


def tone_starts_ms(text: str, profile: str) -> list[float]:
    timeline = schedule(text, profile=profile)
    return [e.start / 8 for e in timeline.tones]


def test_one_w_two_golden_values() -> None:
    asterisk = tone_starts_ms("1w2", "asterisk")
    assert asterisk[1] - asterisk[0] == 850  # 100 tone + 250 between + 500
    catapult = tone_starts_ms("1w2", "catapult")
    assert catapult[1] - catapult[0] == 700  # 200 tone + 500 replacing the gap
    bxml = tone_starts_ms("1w2", "bandwidth-bxml")
    assert bxml[1] - bxml[0] == 700
    twilio = tone_starts_ms("1w2", "twilio")
    assert twilio[1] - twilio[0] == 600  # 100 tone + 500 (assumed timing)


def test_asterisk_lead_in_and_gap_after_the_last_key() -> None:
    timeline = schedule("12", profile="asterisk")
    assert [(e.start, e.stop) for e in timeline.tones] == [(800, 1600), (3600, 4400)]
    assert timeline.length == 4400 + 2000  # the 250 ms pause follows the last key too
    assert schedule("1W", profile="asterisk").duration == 0.1 + 0.1 + 0.25 + 1.0


def reference_asterisk(text: str) -> tuple[list[tuple[int, int]], int]:
    """ast_dtmf_stream() of Asterisk's main/app.c, replayed in ms at 8 kHz."""
    t = 100  # "Need a quiet time before sending digits."
    tones = []
    for char in text:
        if char == "w":
            t += 500
        elif char == "W":
            t += 1000
        elif char in "0123456789*#abcdABCD":
            tones.append((t * 8, (t + 100) * 8))
            t += 100 + 250  # the digit, then the pause between digits
        # anything else: "Illegal DTMF character", skipped
    return tones, t * 8


@given(st.text(alphabet="0123456789*#abcdABCDwW,", min_size=1, max_size=120))
def test_asterisk_profile_replays_ast_dtmf_stream(text: str) -> None:
    timeline = schedule(text, profile="asterisk")
    tones, total = reference_asterisk(text)
    assert [(e.start, e.stop) for e in timeline.tones] == tones
    assert timeline.length == total


def test_grammars_differ_by_platform() -> None:
    assert schedule("1a2b", profile="bandwidth-bxml").sequence.keys == "1A2B"
    assert schedule("1a", profile="asterisk").sequence.keys == "1A"
    with pytest.raises(DtmfSyntaxError, match=r"'a' at position 2"):
        schedule("1a")
    with pytest.raises(DtmfSyntaxError, match=r"SendDtmf digits is 51 characters long, at most 50"):
        schedule("1" * 51, profile="bandwidth-bxml")
    with pytest.raises(DtmfSyntaxError, match=r"sendDigits is 33 characters long, at most 32"):
        schedule("1" * 33, profile="twilio")
    with pytest.raises(DtmfSyntaxError, match=r"'A' at position 1"):
        schedule("A", profile="twilio")
    with pytest.raises(DtmfSyntaxError, match=r"',' at position 2"):
        schedule("1,2", profile="twilio")
    assert len(schedule("1" * 92).sequence) == 92
    assert len(schedule("1" * 255, profile="asterisk").sequence) == 255
    with pytest.raises(DtmfSyntaxError, match=r"256 characters long, at most 255"):
        schedule("1" * 256, profile="asterisk")


def test_asterisk_skips_commas() -> None:
    timeline = schedule("1,2", profile="asterisk")
    assert [e.char for e in timeline.entries] == ["1", ",", "2"]
    skipped = timeline.entries[1]
    assert skipped.stop == skipped.start
    assert timeline.to_dict()["events"][1]["kind"] == "skipped"
    assert schedule("1,2", profile="asterisk").length == schedule("12", profile="asterisk").length


def test_bxml_tone_and_gap_ranges() -> None:
    assert schedule("1", profile="bandwidth-bxml", tone_ms=50).length == 400
    with pytest.raises(
        ParameterError, match="bandwidth-bxml accepts tone_ms from 50 to 5000, got 49"
    ):
        render("1", profile="bandwidth-bxml", tone_ms=49)
    with pytest.raises(ParameterError, match="accepts gap_ms from 50 to 5000, got 5001"):
        render("12", profile="bandwidth-bxml", gap_ms=5001)


def test_render_follows_the_profile_and_round_trips() -> None:
    for name in PROFILES:
        text = "1w23"
        audio = render(text, profile=name, dtype="float64")
        assert audio.size == samples_needed(text, profile=name)
        assert decode(audio, 8000) == "123"
    assert np.array_equal(render("159", profile="catapult"), render("159"))
    assert render("159", profile=ASTERISK).size == 8 * (100 + 3 * 350)


def test_sequences_keep_their_grammar() -> None:
    sequence = schedule("1a", profile="asterisk").sequence
    with pytest.raises(ParameterError, match="parsed with the asterisk grammar, not catapult"):
        render(sequence)
    assert render(sequence, profile="asterisk").size == samples_needed("1a", profile="asterisk")


def test_profile_docstrings_state_sources() -> None:
    for profile in PROFILES.values():
        assert "Sources:" in (profile.__doc__ or "")
    assert "ASSUMES" in PROFILES["twilio"].sources
    assert "ast_dtmf_stream" in (ASTERISK.__doc__ or "")


def test_unknown_profile() -> None:
    with pytest.raises(ParameterError, match="unknown profile 'sip'"):
        render("1", profile="sip")
    with pytest.raises(TypeError):
        resolve_profile(3)  # type: ignore[arg-type]


def test_timing_overrides_keep_the_profile_rules() -> None:
    timing = resolve_profile("asterisk").timing_for(tone_ms=Fraction(60), gap_ms=70)
    assert (timing.pauses, timing.lead_ms, timing.gap_after_last) == ("add", 100, True)
