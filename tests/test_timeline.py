"""The Timeline value: what every output is made from."""

import copy
import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import dtmfkit
from dtmfkit import Timeline, Timing, render, schedule
from tests.strategies import profile_and_text


def test_to_dict_and_json() -> None:
    timeline = schedule("1W#", rate=8000)
    data = timeline.to_dict()
    assert data["length"] == 11_200
    assert data["events"][2] == {
        "index": 2,
        "char": "#",
        "kind": "tone",
        "start": 9_600,
        "stop": 11_200,
        "start_s": 1.2,
        "stop_s": 1.4,
        "low_hz": 941,
        "high_hz": 1477,
    }
    assert '"text": "1W#"' in timeline.to_json()


@given(st.sampled_from(["1", "12", "1W"]))
def test_format_names_total_and_timing(text: str) -> None:
    table = schedule(text).format().splitlines()
    assert table[-2].startswith(f"total {schedule(text).duration:.3f} s")
    assert table[-1] == "timing (catapult): tone 200 ms, gap 400 ms, pauses replace the gap"


def test_equal_timelines_from_equal_inputs() -> None:
    a = schedule("1w2", rate=16000, tone_ms=100)
    b = schedule(dtmfkit.parse("1w2"), rate=16000, timing=Timing(100, 400))
    assert a == b
    assert hash(a) == hash(b)
    assert a != schedule("1w2", rate=8000, tone_ms=100)
    assert a != schedule("1w2", rate=16000, tone_ms=100, profile="bandwidth-bxml")
    assert len({a, b}) == 1


def test_immutable() -> None:
    timeline = schedule("1")
    for name in ("sequence", "profile", "timing", "rate", "length", "starts"):
        with pytest.raises(AttributeError):
            setattr(timeline, name, None)
    with pytest.raises(ValueError, match="read-only"):
        timeline.starts[0] = 5


@given(profile_and_text())
def test_survives_pickle_and_copy(chosen: tuple[dtmfkit.Profile, str]) -> None:
    profile, text = chosen
    timeline = schedule(text, profile=profile, rate=16000)
    for other in (pickle.loads(pickle.dumps(timeline)), copy.deepcopy(timeline)):
        assert other == timeline
        assert other.sequence == timeline.sequence
        assert np.array_equal(render(other), render(timeline))


def test_entries_match_the_boundary_arrays() -> None:
    timeline = schedule("1WWW,59#")
    assert [(e.start, e.stop) for e in timeline.entries] == list(
        zip(timeline.starts.tolist(), timeline.stops.tolist(), strict=True)
    )
    assert [e.char for e in timeline.tones] == ["1", "5", "9", "#"]
    assert timeline.text == timeline.sequence.text == "1WWW,59#"


def test_a_sequence_of_another_grammar_is_refused() -> None:
    sequence = dtmfkit.parse("1a", grammar=dtmfkit.PROFILES["bandwidth-bxml"].grammar)
    with pytest.raises(ValueError, match="parsed with the bandwidth-bxml grammar, not catapult"):
        schedule(sequence)
    assert schedule(sequence, profile="bandwidth-bxml").text == "1a"


@pytest.mark.parametrize("source", [5, b"12", None, ["1"]])
def test_sources_of_the_wrong_type(source: object) -> None:
    with pytest.raises(TypeError):
        schedule(source)  # type: ignore[arg-type]


def test_schedule_takes_no_sound_options() -> None:
    with pytest.raises(
        TypeError, match="schedule\\(\\) got an unexpected keyword argument 'level_dbm0'"
    ):
        schedule("1", level_dbm0=-6)  # type: ignore[call-arg]
    assert isinstance(schedule("1"), Timeline)
