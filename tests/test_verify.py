"""verify: a recording against the timeline a string means — under another profile, in
noise, after an unknown offset, with a key missing or one too many."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soundfile as sf

import dtmfkit
from dtmfkit import DtmfSyntaxError, ParameterError, render, verify
from dtmfkit._cli import main

RATE = 8000


def silence(ms: float) -> npt.NDArray[np.float64]:
    return np.zeros(round(ms * RATE / 1000))


def keyed(*parts: str | float) -> npt.NDArray[np.float64]:
    """Audio as a platform might play it: keys (200 ms tones), silences in ms between."""
    pieces = [
        render(part, tone_ms=200, dtype="float64") if isinstance(part, str) else silence(part)
        for part in parts
    ]
    return np.concatenate(pieces)


def test_as_meant_after_an_unknown_offset() -> None:
    audio = np.concatenate([silence(1234), render("1W2w3,4#", dtype="float64")])
    result = verify(audio, "1W2w3,4#", rate=RATE)
    assert result.ok
    assert result.offset == pytest.approx(1.234 + 0.0025, abs=5e-4)  # half way up the ramp
    assert [c.key for c in result.keys] == list("1234#")
    pause_before_2 = result.keys[1]
    assert pause_before_2.expected_gap == pytest.approx(1.0, abs=1e-4)
    assert pause_before_2.gap == pytest.approx(1.005, abs=1e-3)  # between half-level points
    assert all(c.low_dbm0 == pytest.approx(-10.0, abs=0.1) for c in result.keys)


def test_a_platform_that_plays_w_as_200_ms_is_caught() -> None:
    """Rendered as such a platform plays "1w2w3" (w = 200 ms instead of 500), verified
    against Catapult's timeline: the two pauses are 300 ms short; the tones are fine."""
    audio = keyed(200, "1", 200, "2", 200, "3", 200)
    result = verify(audio, "1w2w3", rate=RATE)
    assert not result.ok
    assert [c.problems for c in result.keys] == [
        [],
        ["gap 500 ms, heard 205 ms"],
        ["gap 500 ms, heard 205 ms"],
    ]
    # Under a profile whose gap is 200 ms and with the pauses gone, the same audio is right.
    assert verify(audio, "123", rate=RATE, gap_ms=200).ok


def test_profiles_mean_different_timelines() -> None:
    twilio = dtmfkit.render("1w2", profile="twilio", dtype="float64")
    assert verify(twilio, "1w2", rate=RATE, profile="twilio").ok
    wrong = verify(twilio, "1w2", rate=RATE)  # Catapult: 200 ms tones, not Twilio's
    assert not wrong.ok
    assert wrong.keys[0].problems == ["tone 200 ms, heard 95 ms"]


@pytest.mark.parametrize("seed", range(3))
def test_noise_does_not_change_the_verdict(seed: int) -> None:
    audio = render("159#", dtype="float64")
    power = np.mean(audio[audio != 0] ** 2)
    noisy = audio + np.random.default_rng(seed).normal(0, np.sqrt(power / 10), audio.size)
    result = verify(noisy, "159#", rate=RATE)
    assert result.ok, result.format()
    for check in result.keys:
        low, high = dtmfkit.FREQUENCIES[check.key]
        assert check.low_hz == pytest.approx(low, rel=2e-3)
        assert check.high_hz == pytest.approx(high, rel=2e-3)


def test_a_missing_key_shifts_nothing_else() -> None:
    audio = keyed("1", 400, "3", 400, "4")  # "2" was never played; its slot is silence
    result = verify(audio, "1234", rate=RATE)
    assert not result.ok
    assert [c.key for c in result.missing] == ["2"]
    assert result.keys[1].problems == ["missing"]
    checks = {c.key: c for c in result.keys}
    assert checks["3"].heard
    assert checks["4"].ok
    # From 1 to 3 the timeline means a gap, a tone and a gap: 1000 ms; 400 ms were heard.
    assert checks["3"].expected_gap == pytest.approx(1.0, abs=1e-4)
    assert checks["3"].problems == ["gap 1000 ms, heard 405 ms"]


def test_an_extra_key_is_reported() -> None:
    audio = render("1293", dtype="float64")
    result = verify(audio, "123", rate=RATE)
    assert [d.key for d in result.extra] == ["9"]
    assert not result.ok
    assert "heard, not meant" in result.format()


def test_nothing_heard() -> None:
    result = verify(silence(500), "12", rate=RATE)
    assert result.offset is None
    assert [c.key for c in result.missing] == ["1", "2"]
    assert not result.ok


def test_bad_input() -> None:
    with pytest.raises(DtmfSyntaxError, match="position 3"):
        verify(silence(10), "12x", rate=RATE)
    with pytest.raises(ParameterError, match="rate is needed"):
        verify(silence(10), "1")
    with pytest.raises(ParameterError, match="tolerance_ms"):
        verify(silence(10), "1", rate=RATE, tolerance_ms=-1)
    with pytest.raises(TypeError, match="recording"):
        verify([0.0, 1.0], "1", rate=RATE)  # type: ignore[arg-type]


def test_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "call.wav"
    sf.write(path, np.concatenate([silence(700), keyed("1", 200, "2", 200, "3")]), RATE)
    assert main(["verify", str(path), "123", "--gap-ms", "200"]) == 0
    assert "as meant: 3 keys" in capsys.readouterr().out
    assert main(["verify", str(path), "1w2w3", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert [k["problems"] for k in report["keys"]][1] == ["gap 500 ms, heard 205 ms"]
    assert report["offset"] == pytest.approx(0.7025, abs=1e-3)
    assert main(["verify", str(path), "1w2w3", "--tolerance-ms", "400"]) == 0
    assert main(["verify", str(path), "12q"]) == 2
    assert main(["verify", str(tmp_path / "none.wav"), "12"]) == 2
    assert main(["verify", str(path), "12", "--tolerance-ms", "-5"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err


def test_the_command_reads_standard_input(tmp_path: Path) -> None:
    path = tmp_path / "call.wav"
    sf.write(path, render("42", dtype="float64"), RATE)
    done = subprocess.run(
        [sys.executable, "-m", "dtmfkit", "verify", "-", "42"],
        input=path.read_bytes(),
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert b"as meant: 2 keys" in done.stdout
