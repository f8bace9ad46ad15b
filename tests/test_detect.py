import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import resample_poly

from dtmfkit import (
    FREQUENCIES,
    KEYS,
    ParameterError,
    canonical,
    decode,
    detect,
    parse,
    render,
    schedule,
    spell,
)
from tests.strategies import detectable_gap_ms, detectable_tone_ms, valid_text

FULL_SCALE_DBM0 = 3.17


def amplitude(dbm0: float) -> float:
    return float(10 ** ((dbm0 - FULL_SCALE_DBM0) / 20))


def tones(
    *frequencies: float, seconds: float = 0.2, rate: int = 8000, dbm0: float = -10.0
) -> npt.NDArray[np.float64]:
    t = np.arange(round(seconds * rate)) / rate
    return sum(amplitude(dbm0) * np.sin(2 * np.pi * f * t) for f in frequencies)  # type: ignore[return-value]


def padded(signal: npt.NDArray[np.float64], rate: int = 8000) -> npt.NDArray[np.float64]:
    silence = np.zeros(rate // 5)
    return np.concatenate([silence, signal, silence])


def with_noise(audio: npt.NDArray[np.float64], snr_db: float, seed: int) -> npt.NDArray[np.float64]:
    signal_power = np.mean(audio[audio != 0] ** 2)
    noise = np.random.default_rng(seed).normal(
        0, np.sqrt(signal_power / 10 ** (snr_db / 10)), audio.size
    )
    return audio + noise


@settings(max_examples=60)
@given(
    valid_text,
    st.sampled_from([8000, 16000, 44100, 48000]),
    detectable_tone_ms,
    detectable_gap_ms,
    st.sampled_from([None, 20.0]),
    st.sampled_from([0.0, 3.0, -3.0]),
    st.integers(min_value=0, max_value=2**32 - 1),
)
def test_round_trip(
    text: str, rate: int, tone: int, gap: int, snr: float | None, twist: float, seed: int
) -> None:
    audio = render(text, rate=rate, tone_ms=tone, gap_ms=gap, twist_db=twist, dtype="float64")
    if snr is not None and parse(text).keys:
        audio = with_noise(audio, snr, seed)
    assert decode(audio, rate) == parse(text).keys
    assert decode(audio, rate, pauses=True, gap_ms=gap) == canonical(text)


@pytest.mark.parametrize("text", ["9193334444", "1WWW,59#", "1Ww2Ww1Ww#", KEYS])
def test_documentation_examples_come_back(text: str) -> None:
    audio = render(text, dtype="int16")
    assert decode(audio, 8000) == parse(text).keys
    assert decode(audio, 8000, pauses=True) == canonical(text)


def test_measured_fields_match_the_rendering() -> None:
    rate, ramp = 16000, 0.005
    audio = render(KEYS, rate=rate, level_dbm0=-12.0, twist_db=2.0)
    found = detect(audio, rate)
    expected = schedule(KEYS, rate=rate).tones
    assert [d.key for d in found] == list(KEYS)
    for detection, entry in zip(found, expected, strict=True):
        low, high = FREQUENCIES[detection.key]
        assert detection.low_hz == pytest.approx(low, rel=1e-3)
        assert detection.high_hz == pytest.approx(high, rel=1e-3)
        assert detection.low_dbm0 == pytest.approx(-12.0, abs=0.1)
        assert detection.high_dbm0 == pytest.approx(-10.0, abs=0.1)
        # Half level is half way up the raised-cosine ramp.
        assert detection.start == pytest.approx(entry.start / rate + ramp / 2, abs=3e-4)
        assert detection.stop == pytest.approx(entry.stop / rate - ramp / 2, abs=3e-4)


@pytest.mark.parametrize("frequency", [697, 770, 852, 941, 1209, 1336, 1477, 1633])
def test_single_tones_are_rejected(frequency: int) -> None:
    assert detect(padded(tones(frequency)), 8000) == []


@pytest.mark.parametrize("key", ["1", "5", "9", "D", "*"])
@pytest.mark.parametrize("factors", [(1.035, 1), (0.965, 1), (1, 1.035), (1, 0.965)])
def test_pairs_detuned_by_3_5_percent_are_rejected(key: str, factors: tuple[float, float]) -> None:
    low, high = FREQUENCIES[key]
    assert detect(padded(tones(low * factors[0], high * factors[1])), 8000) == []


@pytest.mark.parametrize("key", ["1", "5", "9", "D", "*"])
@pytest.mark.parametrize("factor", [1.015, 0.985])
def test_pairs_within_1_5_percent_are_accepted(key: str, factor: float) -> None:
    low, high = FREQUENCIES[key]
    found = detect(padded(tones(low * factor, high * factor)), 8000)
    assert [d.key for d in found] == [key]
    assert found[0].low_hz == pytest.approx(low * factor, rel=1e-3)
    assert found[0].low_dbm0 == pytest.approx(-10.0, abs=0.2)


@pytest.mark.parametrize(("ms", "keys"), [(20, ""), (23, ""), (40, "5"), (45, "5")])
def test_tone_length_limits(ms: int, keys: str) -> None:
    for rate in (8000, 44100):
        audio = render("5", rate=rate, tone_ms=ms, ramp_ms=1)
        assert decode(padded(audio.astype(np.float64), rate), rate) == keys


@pytest.mark.parametrize("seed", range(5))
def test_noise_gives_no_keys(seed: int) -> None:
    noise = np.random.default_rng(seed).normal(0, 0.2, 8000 * 5)
    assert detect(noise, 8000) == []


@pytest.mark.parametrize("pair", [(697, 770), (1209, 1336), (697, 1000), (500, 1209), (350, 440)])
def test_wrong_pairs_are_rejected(pair: tuple[int, int]) -> None:
    assert detect(padded(tones(*pair)), 8000) == []


@pytest.mark.parametrize("break_ms", [1, 5, 10])
def test_a_short_break_does_not_split_a_key(break_ms: int) -> None:
    half = tones(852, 1477, seconds=0.1)
    audio = padded(np.concatenate([half, np.zeros(break_ms * 8), half]))
    assert decode(audio, 8000) == "9"


def test_a_key_repeated_after_a_real_gap_is_two_keys() -> None:
    assert decode(render("99", gap_ms=40), 8000) == "99"
    assert decode(render("9W9", tone_ms=40), 8000) == "99"


@pytest.mark.parametrize(("twist", "found"), [(6.0, ""), (-10.0, ""), (3.5, "7"), (-7.5, "7")])
def test_twist_limits(twist: float, found: str) -> None:
    audio = render("7", level_dbm0=-16.0, twist_db=twist)
    assert decode(padded(audio.astype(np.float64)), 8000) == found


@pytest.mark.parametrize(("level", "found"), [(-45.0, ""), (-30.0, "3")])
def test_level_limit(level: float, found: str) -> None:
    assert decode(render("3", level_dbm0=level), 8000) == found


def test_sample_types_and_channels() -> None:
    audio = render("147*", dtype="float64")
    for converted in (
        render("147*", dtype="int16"),
        (audio * 2**31 * 0.99).astype(np.int32),
        (audio * 127 + 128).astype(np.uint8),
        audio.astype(np.float32),
    ):
        assert decode(converted, 8000) == "147*"
    stereo = np.stack([np.zeros_like(audio), audio], axis=1)
    assert decode(stereo, 8000) == ""
    assert decode(stereo, 8000, channel=1) == "147*"
    assert decode(np.zeros(0), 8000) == ""
    assert decode(np.zeros(10), 8000) == ""


@pytest.mark.parametrize(
    ("audio", "kwargs", "error", "message"),
    [
        ([0.0] * 100, {}, TypeError, "audio must be a numpy array"),
        (np.zeros((2, 2, 2)), {}, ParameterError, "1-D, or 2-D"),
        (np.zeros((10, 2)), {"channel": 2}, ParameterError, "no channel 2"),
        (np.zeros(10, dtype=complex), {}, TypeError, "complex128"),
        (np.zeros(10), {"rate": 3000}, ParameterError, "too low"),
    ],
)
def test_bad_input(audio: object, kwargs: dict[str, object], error: type, message: str) -> None:
    arguments = {"rate": 8000, **kwargs}
    with pytest.raises(error, match=message):
        detect(audio, **arguments)  # type: ignore[arg-type]


def test_spell_and_canonical() -> None:
    assert canonical("1WWW,59#") == "1WWWw59#"
    assert canonical(",,,W1") == "WWw1"
    assert canonical("ww") == "W"
    audio = render("W")
    assert spell(detect(audio, 8000), duration=audio.size / 8000) == "W"
    assert spell([], duration=0.1) == ""


MULTIMON = shutil.which("multimon-ng")


def multimon_keys(audio: npt.NDArray[np.float64], rate: int, folder: Path) -> str:
    """Keys multimon-ng finds; it reads raw signed 16-bit mono at 22050 Hz."""
    divisor = np.gcd(22050, rate)
    resampled = resample_poly(audio, 22050 // divisor, rate // divisor)
    raw = folder / "audio.raw"
    np.rint(np.clip(resampled, -1, 1) * 32767).astype("<i2").tofile(raw)
    assert MULTIMON is not None
    done = subprocess.run(
        [MULTIMON, "-q", "-c", "-a", "DTMF", "-t", "raw", str(raw)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return "".join(
        line.split(":", 1)[1].strip()
        for line in done.stdout.splitlines()
        if line.startswith("DTMF:")
    )


@pytest.mark.skipif(
    MULTIMON is None and not os.environ.get("CI"),
    reason="multimon-ng is not installed (.ci/run installs it; in CI this test runs)",
)
@settings(max_examples=25)
@given(
    valid_text.filter(lambda s: parse(s).keys),
    st.sampled_from([8000, 16000, 44100]),
    st.sampled_from([(200, 400), (100, 100), (60, 60)]),
)
def test_multimon_ng_finds_the_same_keys(
    tmp_path_factory: pytest.TempPathFactory, text: str, rate: int, timing: tuple[int, int]
) -> None:
    tone, gap = timing
    audio = render(text, rate=rate, tone_ms=tone, gap_ms=gap, dtype="float64")
    audio = np.concatenate([np.zeros(rate // 10), audio, np.zeros(rate // 10)])
    ours = decode(audio, rate)
    assert ours == parse(text).keys
    assert multimon_keys(audio, rate, tmp_path_factory.mktemp("multimon")) == ours
