import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given

from dtmfkit import ParameterError, Pause, Timing, Tone, parse, schedule
from tests.strategies import gap_ms, rates, tone_ms, valid_text


def reference_boundaries(
    text: str, rate: int, tone: Fraction, gap: Fraction
) -> tuple[list[tuple[int, int]], int]:
    """An independent, slow, obviously-correct statement of the timing rule."""
    t = Fraction(0)
    tone, gap = Fraction(tone), Fraction(gap)
    bounds = []
    previous_was_tone = False
    for event in parse(text).events:
        if isinstance(event, Tone):
            if previous_was_tone:
                t += gap / 1000
            length = tone / 1000
            previous_was_tone = True
        else:
            assert isinstance(event, Pause)
            length = event.seconds
            previous_was_tone = False
        bounds.append((round(t * rate), round((t + length) * rate)))
        t += length
    return bounds, round(t * rate)


@pytest.mark.parametrize(
    ("text", "tone", "gap", "samples"),
    [
        ("9193334444", 200, 400, 44_800),
        ("1WWW,59#", 200, 400, 40_800),
        ("1Ww2Ww1Ww#", 200, 400, 42_400),
        ("1WWW,59#", 100, 100, 32_800),
    ],
)
def test_documentation_golden_lengths(text: str, tone: int, gap: int, samples: int) -> None:
    assert schedule(text, rate=8000, tone_ms=tone, gap_ms=gap).length == samples


def test_one_then_three_and_a_half_seconds_then_five() -> None:
    tones = schedule("1WWW,59#", rate=8000).tones
    assert [t.char for t in tones] == ["1", "5", "9", "#"]
    assert tones[1].start - tones[0].stop == 3.5 * 8000
    assert tones[2].start - tones[1].stop == 0.4 * 8000
    assert tones[3].start - tones[2].stop == 0.4 * 8000


def test_one_and_a_half_seconds_between_each() -> None:
    tones = schedule("1Ww2Ww1Ww#", rate=8000).tones
    assert [b.start - a.stop for a, b in itertools.pairwise(tones)] == [12_000] * 3


def test_leading_and_trailing_pauses_are_silence_without_gap() -> None:
    timeline = schedule("W1w", rate=8000)
    assert [(e.char, e.start, e.stop) for e in timeline.entries] == [
        ("W", 0, 8000),
        ("1", 8000, 9600),
        ("w", 9600, 13600),
    ]
    assert timeline.length == 13600
    assert schedule("ww", rate=8000).length == 8000


def test_no_drift_at_44100() -> None:
    timeline = schedule("1" * 92, rate=44100, tone_ms=Fraction(100, 3), gap_ms=33.3)
    last = timeline.entries[-1]
    exact_start = 91 * (Fraction(100, 3) + Fraction(333, 10)) / 1000
    assert last.start == round(exact_start * 44100)
    assert timeline.length == round((exact_start + Fraction(1, 30)) * 44100)


@given(valid_text, rates, tone_ms, gap_ms)
def test_every_boundary_is_the_exact_time_rounded_once(
    text: str, rate: int, tone: Fraction, gap: Fraction
) -> None:
    timeline = schedule(text, rate=rate, tone_ms=tone, gap_ms=gap)
    bounds, total = reference_boundaries(text, rate, tone, gap)
    assert [(e.start, e.stop) for e in timeline.entries] == bounds
    assert timeline.length == total


@given(valid_text, rates)
def test_total_length_is_the_sum_of_the_schedule(text: str, rate: int) -> None:
    sequence = parse(text)
    timeline = schedule(sequence, rate=rate)
    tones = len(sequence.keys)
    adjacent = sum(
        a in "0123456789ABCD#*" and b in "0123456789ABCD#*" for a, b in itertools.pairwise(text)
    )
    exact = Fraction(tones * 200 + adjacent * 400, 1000) + sequence.pause_seconds
    assert timeline.length == round(exact * rate)
    assert all(
        a.stop == b.start
        for a, b in zip(timeline.entries, timeline.entries[1:], strict=False)
        if isinstance(a.event, Pause) or isinstance(b.event, Pause)
    )


def test_timing_accepts_floats_as_written() -> None:
    assert Timing(33.3, 0).tone_ms == Fraction(333, 10)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tone_ms": 0}, "tone_ms must be more than 0"),
        ({"tone_ms": -5}, "tone_ms must be more than 0"),
        ({"gap_ms": -1}, "gap_ms must be at least 0"),
        ({"gap_ms": 10_001}, "at most 10000 ms"),
        ({"tone_ms": float("nan")}, "tone_ms must be finite"),
        ({"rate": 0}, "rate must be from 1 to 768000 Hz, got 0"),
    ],
)
def test_bad_parameters(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        schedule("1", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs", [{"rate": 8000.0}, {"rate": True}, {"rate": "8000"}, {"tone_ms": "200"}]
)
def test_wrong_types(kwargs: dict[str, object]) -> None:
    with pytest.raises(TypeError):
        schedule("1", **kwargs)  # type: ignore[arg-type]


def test_skipped_characters_are_transparent_to_the_gap_rule() -> None:
    from dtmfkit._grammar import Grammar
    from dtmfkit._profiles import Profile

    grammar = Grammar.build("skip", label="digits", max_length=20, skipped=",")
    replace = Profile("skip", grammar, Timing(100, 100), sources="test")
    # "1,2" is "12": the gap still separates the two keys, and the comma takes no time.
    assert schedule("1,2", profile=replace).length == schedule("12", profile=replace).length
    add = Profile("skip-add", grammar, Timing(100, 100, pauses="add"), sources="test")
    assert schedule("1,", profile=add).length == schedule("1", profile=add).length == 800


def test_whole_samples() -> None:
    assert Timing().whole_samples(8000) == (1600, 3200, 0, 4000)
    assert Timing(Fraction(100, 3), 0).whole_samples(48000) == (1600, 0, 0, 24000)
    assert Timing(Fraction(100, 3), 0).whole_samples(8000) is None


def test_timelines_beyond_int64_arithmetic_are_exact_not_wrapped() -> None:
    from dtmfkit._grammar import Grammar
    from dtmfkit._profiles import Profile

    tone = Fraction(9_999_999_999, 10**6)  # in units of 1e-9 s: 1e10 per tone, x 768 kHz
    custom = Profile(
        "custom",
        Grammar.build("custom", label="digits", max_length=5000),
        Timing(tone, 0),
        sources="test",
    )
    timeline = schedule("1" * 2000, profile=custom, rate=768000)
    exact = 2000 * tone / 1000 * 768000
    assert timeline.length == round(exact)
    assert np.all(np.diff(timeline.starts) > 0)
    assert int(timeline.starts[-1]) == round(1999 * tone / 1000 * 768000)
