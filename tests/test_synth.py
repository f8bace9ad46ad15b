import sys
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dtmfkit
from dtmfkit import (
    FREQUENCIES,
    KEYS,
    ParameterError,
    Profile,
    Timing,
    Tone,
    Voice,
    parse,
    render,
    render_many,
    samples_needed,
    schedule,
)
from dtmfkit._synth import _TONES, _Synthesis, _tape
from tests.strategies import gap_ms, profile_and_text, rates, tone_ms, valid_text

FULL_SCALE_DBM0 = 3.17


def amplitude(dbm0: float) -> float:
    return float(10 ** ((dbm0 - FULL_SCALE_DBM0) / 20))


def closed_form(
    key: str, length: int, rate: int, low_dbm0: float, twist: float, ramp: int
) -> npt.NDArray[np.float64]:
    """a·sin(2πf₁t) + b·sin(2πf₂t), phase 0 at the tone's first sample, times the ramp."""
    f1, f2 = FREQUENCIES[key]
    t = np.arange(length) / rate
    tone = amplitude(low_dbm0) * np.sin(2 * np.pi * f1 * t) + amplitude(low_dbm0 + twist) * np.sin(
        2 * np.pi * f2 * t
    )
    window = np.ones(length)
    if ramp:
        edge = np.sin(np.pi * (np.arange(ramp) + 0.5) / (2 * ramp)) ** 2
        window[:ramp] = edge
        window[length - ramp :] = edge[::-1]
    return tone * window


@given(
    valid_text,
    rates,
    tone_ms.filter(lambda ms: ms >= 30),
    gap_ms,
    st.floats(min_value=-30, max_value=-7),  # with twist up to +3: peaks at 0.75, never clips
    st.floats(min_value=-6, max_value=3),
    st.sampled_from([0, 2, 5]),
    st.sampled_from(["float32", "float64", "int16"]),
)
def test_every_segment_matches_the_closed_form(
    text: str,
    rate: int,
    tone: Fraction,
    gap: Fraction,
    level: float,
    twist: float,
    ramp_ms: int,
    dtype: str,
) -> None:
    audio = render(
        text,
        rate=rate,
        tone_ms=tone,
        gap_ms=gap,
        level_dbm0=level,
        twist_db=twist,
        ramp_ms=ramp_ms,
        dtype=dtype,  # type: ignore[arg-type]
    )
    timeline = schedule(text, rate=rate, tone_ms=tone, gap_ms=gap)
    assert audio.dtype == np.dtype(dtype)
    assert audio.shape == (timeline.length,)
    ramp = round(ramp_ms * rate / 1000)
    scale, tolerance = {"float32": (1, 2e-7), "float64": (1, 1e-12), "int16": (32767, 0.5)}[dtype]
    silent = np.ones(timeline.length, dtype=bool)
    for entry in timeline.tones:
        segment = audio[entry.start : entry.stop].astype(np.float64)
        expected = closed_form(entry.char, entry.stop - entry.start, rate, level, twist, ramp)
        assert np.max(np.abs(segment - expected * scale)) <= tolerance + 1e-9 * scale
        silent[entry.start : entry.stop] = False
    assert not np.any(audio[silent])


def dominant_frequencies(segment: npt.NDArray[np.float64], rate: int) -> tuple[float, float]:
    """Strongest frequency below and above 1100 Hz, by zero-padded FFT and parabolic peak."""
    size = 1 << 21
    spectrum = np.abs(np.fft.rfft(segment * np.hanning(segment.size), size))
    freqs = np.fft.rfftfreq(size, 1 / rate)
    peaks = []
    for low, high in [(600, 1100), (1100, 1800)]:
        band = np.flatnonzero((freqs > low) & (freqs < high))
        i = band[np.argmax(spectrum[band])]
        a, b, c = np.log(spectrum[i - 1 : i + 2])
        peaks.append(float(freqs[i] + (a - c) / (2 * (a - 2 * b + c)) * rate / size))
    return peaks[0], peaks[1]


@pytest.mark.parametrize("rate", [8000, 44100])
def test_measured_frequencies_are_the_q23_pairs(rate: int) -> None:
    timeline = schedule(KEYS, rate=rate)
    audio = render(KEYS, rate=rate, dtype="float64")
    for entry in timeline.tones:
        low, high = dominant_frequencies(audio[entry.start : entry.stop], rate)
        assert isinstance(entry.event, Tone)
        nominal_low, nominal_high = entry.event.frequencies
        assert abs(low - nominal_low) / nominal_low < 0.001
        assert abs(high - nominal_high) / nominal_high < 0.001


def fitted_levels(
    segment: npt.NDArray[np.float64], rate: int, key: str, offset: int
) -> tuple[float, float]:
    """Least-squares amplitude of each tone, as dBm0; `offset` is the segment's first sample."""
    t = (np.arange(segment.size) + offset) / rate
    columns = []
    for f in FREQUENCIES[key]:
        columns += [np.sin(2 * np.pi * f * t), np.cos(2 * np.pi * f * t)]
    coef, *_ = np.linalg.lstsq(np.column_stack(columns), segment, rcond=None)
    return tuple(  # type: ignore[return-value]
        20 * np.log10(np.hypot(coef[i], coef[i + 1])) + FULL_SCALE_DBM0 for i in (0, 2)
    )


@pytest.mark.parametrize(("level", "twist"), [(-10.0, 0.0), (-20.0, 3.0), (-6.0, -4.0)])
@pytest.mark.parametrize("dtype", ["float32", "int16"])
def test_measured_levels_match_the_setting(level: float, twist: float, dtype: str) -> None:
    rate, ramp = 8000, 40
    audio = render(KEYS, rate=rate, level_dbm0=level, twist_db=twist, dtype=dtype)  # type: ignore[arg-type]
    scale = 32767 if dtype == "int16" else 1
    for entry in schedule(KEYS, rate=rate).tones:
        steady = audio[entry.start + ramp : entry.stop - ramp].astype(np.float64) / scale
        low, high = fitted_levels(steady, rate, entry.char, offset=ramp)
        assert abs(low - level) < 0.1
        assert abs(high - (level + twist)) < 0.1


def test_default_pair_never_clips_and_int16_is_rounded_float() -> None:
    f64 = render(KEYS, dtype="float64")
    i16 = render(KEYS, dtype="int16")
    assert np.array_equal(i16, np.rint(f64 * 32767).astype(np.int16))
    assert np.abs(f64).max() < 2 * amplitude(-10)
    assert np.array_equal(render(KEYS, dtype="float32"), f64.astype(np.float32))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rate": 3000}, r"rate=3000 Hz is too low.*1633 Hz"),
        ({"rate": 3266}, "too low"),
        ({"level_dbm0": 0.0}, "would clip"),
        ({"level_dbm0": -5.0, "twist_db": 6.0}, "would clip"),
        ({"level_dbm0": float("inf")}, "level_dbm0 must be finite"),
        ({"ramp_ms": 101}, "ramp_ms=101 is too long for tone_ms=200"),
        ({"ramp_ms": -1}, "ramp_ms must be at least 0"),
        ({"dtype": "int32"}, "dtype must be one of float32, float64, int16"),
        ({"dtype": ">i2"}, "dtype must be in this machine's byte order, got '>i2'"),
        ({"tone_ms": 0.01, "ramp_ms": 0}, "shorter than one sample"),
    ],
)
def test_parameters_out_of_range(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        render("1", **kwargs)  # type: ignore[arg-type]


def test_rate_just_above_nyquist_limit_renders() -> None:
    assert render("D", rate=3267).size == round(0.2 * 3267)


@pytest.mark.parametrize(
    "kwargs", [{"level_dbm0": "-10"}, {"twist_db": "0"}, {"rate": 8000.5}, {"dtype": 5}]
)
def test_parameter_types(kwargs: dict[str, object]) -> None:
    with pytest.raises(TypeError):
        render("1", **kwargs)  # type: ignore[arg-type]


def test_render_accepts_a_sequence() -> None:
    assert np.array_equal(render(parse("1W2")), render("1W2"))


@given(
    st.lists(valid_text, min_size=1, max_size=60),
    st.sampled_from([8000, 11025, 44100]),
    st.sampled_from(["float32", "int16"]),
)
def test_render_many_equals_render_of_each(texts: list[str], rate: int, dtype: str) -> None:
    batch = render_many(texts, rate=rate, dtype=dtype)  # type: ignore[arg-type]
    assert len(batch) == len(texts)
    assert batch.audio.size == samples_needed(texts, rate=rate)
    for text, audio in zip(texts, batch, strict=True):
        assert np.array_equal(audio, render(text, rate=rate, dtype=dtype))  # type: ignore[arg-type]
    assert np.array_equal(batch[-1], batch[len(texts) - 1])


def test_render_many_of_many_tones_uses_the_same_samples() -> None:
    # Enough tones to take the fancy-indexing path, at a rate where tone lengths vary.
    texts = ["1234567890ABCD*#" * 5, "9" * 92, "1w2W3,4"] * 3
    batch = render_many(texts, rate=44100, tone_ms=Fraction(100, 3), gap_ms=33.3)
    for text, audio in zip(texts, batch, strict=True):
        assert np.array_equal(
            audio, render(text, rate=44100, tone_ms=Fraction(100, 3), gap_ms=33.3)
        )
    assert np.array_equal(render(texts[0] * 1, rate=44100), render_many([texts[0]], rate=44100)[0])


def test_render_into_out() -> None:
    buffer = np.full(50_000, 7, dtype=np.int16)
    audio = render("1WWW,59#", out=buffer)
    assert audio.base is buffer or audio.base is buffer.base
    assert np.array_equal(audio, render("1WWW,59#", dtype="int16"))
    assert np.all(buffer[audio.size :] == 7)
    many = np.full(samples_needed(["1", "2"]), 9.0, dtype=np.float32)
    assert np.array_equal(render_many(["1", "2"], out=many).audio, render_many(["1", "2"]).audio)


@pytest.mark.parametrize(
    ("out", "kwargs", "message"),
    [
        (np.zeros(10, np.float32), {}, "out holds 10 samples but 40800 are needed"),
        (np.zeros(50_000, np.float32), {"dtype": "int16"}, "out has dtype float32"),
        (np.zeros((2, 50_000), np.float32), {}, "contiguous 1-D"),
    ],
)
def test_bad_out(out: npt.NDArray[np.generic], kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        render("1WWW,59#", out=out, **kwargs)  # type: ignore[arg-type]


def test_invalid_string_in_a_batch_renders_nothing() -> None:
    with pytest.raises(ValueError, match=r"'x' at position 2 in '1x'"):
        render_many(["12", "1x", "3"])


@given(
    st.lists(valid_text, min_size=1, max_size=20),
    rates,
    tone_ms.filter(lambda ms: ms >= 30),
    gap_ms,
    st.sampled_from(["float32", "float64", "int16"]),
)
def test_out_buffer_full_of_garbage_gives_the_same_samples(
    texts: list[str], rate: int, tone: Fraction, gap: Fraction, dtype: str
) -> None:
    options = {"rate": rate, "tone_ms": tone, "gap_ms": gap, "dtype": dtype}
    fresh = render_many(texts, **options)  # type: ignore[arg-type]
    size = samples_needed(texts, rate=rate, tone_ms=tone, gap_ms=gap)
    buffer = np.full(size + 5, 99, dtype=dtype)
    reused = render_many(texts, out=buffer, **options)  # type: ignore[arg-type]
    assert np.array_equal(reused.audio, fresh.audio)
    assert np.all(buffer[size:] == 99)
    single = np.full(size + 5, -7, dtype=dtype)
    for text, audio in zip(texts, fresh, strict=True):
        assert np.array_equal(render(text, out=single, **options), audio)  # type: ignore[arg-type]


def test_plan_cache_keeps_settings_apart() -> None:
    assert render("1w2", rate=8000).size == 7200
    assert render("1w2", rate=16000).size == 14400
    assert render("1w2", rate=8000, gap_ms=0).size == 7200
    assert render("12", rate=8000, gap_ms=0).size == 3200
    many = [f"{i:03d}" for i in range(1100)]  # more than the cache holds
    assert [render(t).size for t in many] == [samples_needed(t) for t in many]


@pytest.mark.parametrize("region", [1, 64 * 1024, 1 << 30])
def test_many_chunks_write_the_same_samples(monkeypatch: pytest.MonkeyPatch, region: int) -> None:
    import sys

    # Shrink the cache-sized chunk so that a batch spans many of them (64 tones at the least).
    # At 11025 Hz half a second is not a whole number of samples: tones are scattered.
    monkeypatch.setattr(sys.modules["dtmfkit._synth"], "_REGION_BYTES", region)
    texts = ["".join(KEYS[(i * 7 + j) % 16] for j in range(20)) + "W" * (i % 3) for i in range(90)]
    # Each single string has at most 20 tones: rendered by the other path (gather-scatter).
    expected = np.concatenate([render(t, rate=11025, dtype="int16") for t in texts])
    assert np.array_equal(render_many(texts, rate=11025, dtype="int16").audio, expected)
    garbage = np.full(expected.size, 123, dtype=np.int16)
    assert np.array_equal(render_many(texts, rate=11025, out=garbage).audio, expected)


@given(
    profile_and_text(),
    st.sampled_from([8000, 11025, 16000, 44100, 48000]),
    st.sampled_from([None, (100, 100), (70, 50), (Fraction(100, 3), Fraction(333, 10))]),
    st.sampled_from(["float32", "float64", "int16"]),
    st.sampled_from([Voice(), Voice(level_dbm0=-20, twist_db=3, ramp_ms=0)]),
)
def test_every_synthesis_method_gives_the_same_samples(
    chosen: tuple[Profile, str],
    rate: int,
    lengths: tuple[object, object] | None,
    dtype: str,
    voice: Voice,
) -> None:
    """Key rows, the row tape and the scatter of tones are three ways to one result."""
    profile, text = chosen
    timing = profile.timing
    if lengths is not None and profile.tone_range_ms is None:
        timing = timing.replace(tone_ms=lengths[0], gap_ms=lengths[1])  # type: ignore[arg-type]
    timeline = dtmfkit.schedule(text, rate=rate, profile=profile, timing=timing)
    fresh = render(text, rate=rate, profile=profile, timing=timing, voice=voice, dtype=dtype)  # type: ignore[arg-type]
    garbage = np.full(timeline.length + 3, 77, dtype=dtype)
    into = render(timeline, voice=voice, out=garbage)
    settings = dtmfkit._settings.resolve("test", rate, profile, timing, voice, {})
    reference = _Synthesis.of(settings, np.dtype(dtype)).scatter(timeline, None)
    assert fresh.shape == reference.shape == (timeline.length,)
    assert np.array_equal(fresh, reference)
    assert np.array_equal(into, reference)
    assert np.all(garbage[timeline.length :] == 77)
    # In a batch, between other strings, by the batch's own method.
    batch = render_many(
        ["1", text, text], rate=rate, profile=profile, timing=timing, voice=voice, dtype=dtype
    )  # type: ignore[arg-type]
    assert np.array_equal(batch[1], reference)
    assert np.array_equal(batch[2], reference)


@pytest.mark.parametrize(
    ("text", "rate", "path"),
    [
        ("31415926535", 8000, "key rows"),
        ("1WWW,59#", 8000, "tape"),
        ("1WWW,59#", 11025, "scatter"),  # half a second is 5512.5 samples
    ],
)
def test_each_method_is_taken_where_it_applies(text: str, rate: int, path: str) -> None:
    timeline = dtmfkit.schedule(text, rate=rate)
    tape = _tape(timeline.profile.grammar, timeline.timing, rate)
    taken = "scatter" if tape is None else "tape"
    if tape is not None and tape.keys is not None:
        codes = text.encode().translate(tape.keys)
        taken = "tape" if b"\xff" in codes else "key rows"
    assert taken == path


def test_threads_render_what_one_thread_renders(monkeypatch: pytest.MonkeyPatch) -> None:
    """Eight threads switching every microsecond, more strings and settings than caches hold.

    3 000 strings (the tape cache holds 1 024) in 120 voices and rates, with a tone cache of
    200 kB (about 20 sets of tones) so that it evicts while the threads race.
    """
    rng = np.random.default_rng(7)
    alphabet = np.array(list("0123456789ABCD*#wW,"))
    texts = ["".join(rng.choice(alphabet, 12)) for _ in range(3000)]
    voices = [Voice(level_dbm0=-30 + i / 10) for i in range(40)]
    rates = [8000, 11025, 16000]
    jobs = [(texts[i], voices[i % 40], rates[i % 3]) for i in range(len(texts))]

    def one(job: tuple[str, Voice, int]) -> npt.NDArray[np.int16]:
        text, voice, rate = job
        return render(text, rate=rate, voice=voice, tone_ms=60, gap_ms=60, dtype="int16")

    expected = [one(job) for job in jobs]
    monkeypatch.setattr(_TONES, "budget", 200_000)
    _TONES.clear()
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with ThreadPoolExecutor(8) as pool:
            got = list(pool.map(one, jobs))
            many = list(
                pool.map(lambda i: render_many(texts[i : i + 50]).audio, range(0, 3000, 50))
            )
    finally:
        sys.setswitchinterval(interval)
    assert all(np.array_equal(a, b) for a, b in zip(got, expected, strict=True))
    assert all(
        np.array_equal(m, render_many(texts[i : i + 50]).audio)
        for m, i in zip(many, range(0, 3000, 50), strict=True)
    )
    assert 0 < _TONES.nbytes <= 200_000


def test_the_tone_cache_keeps_to_its_byte_budget() -> None:
    _TONES.clear()
    for level in range(-60, -35):
        render("1", rate=48000, tone_ms=2000, level_dbm0=level)  # 6.5 MB of tones each
    assert 0 < _TONES.nbytes <= _TONES.budget
    # A set of tones too large to keep is made for the call only, for the keys it uses.
    held = _TONES.nbytes
    long = render("1", rate=768000, tone_ms=10_000, ramp_ms=0, dtype="int16")
    assert long.size == 7_680_000
    assert _TONES.nbytes == held
    assert np.array_equal(long[:800], render("1", rate=768000, ramp_ms=0, dtype="int16")[:800])


@given(profile_and_text(), st.sampled_from([8000, 16000, 44100]))
@settings(max_examples=50)
def test_a_timeline_renders_as_its_text_does(chosen: tuple[Profile, str], rate: int) -> None:
    profile, text = chosen
    timeline = dtmfkit.schedule(text, rate=rate, profile=profile)
    assert np.array_equal(render(timeline), render(text, rate=rate, profile=profile))
    assert render(timeline).size == timeline.length == samples_needed(timeline)


@pytest.mark.parametrize(
    "keyword", [{"rate": 16000}, {"profile": "asterisk"}, {"timing": Timing()}, {"tone_ms": 100}]
)
def test_a_timeline_fixes_its_rate_profile_and_timing(keyword: dict[str, object]) -> None:
    with pytest.raises(TypeError, match="with a Timeline, which fixes its rate"):
        render(dtmfkit.schedule("1"), **keyword)  # type: ignore[arg-type]


def test_render_many_of_timelines_and_strings() -> None:
    timelines = [dtmfkit.schedule("1w2", profile="asterisk"), dtmfkit.schedule("34")]
    batch = render_many([*timelines, "5"])
    assert [len(a) for a in batch] == [t.length for t in timelines] + [samples_needed("5")]
    assert np.array_equal(batch[0], render(timelines[0]))
    with pytest.raises(ParameterError, match="one buffer holds one rate"):
        render_many([dtmfkit.schedule("1", rate=16000), "2"])


@pytest.mark.parametrize("sources", ["1234", parse("12")])
def test_render_many_refuses_a_single_string(sources: object) -> None:
    with pytest.raises(TypeError, match=r"takes an iterable .* not one"):
        render_many(sources)  # type: ignore[arg-type]
