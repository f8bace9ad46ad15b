import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from dtmfkit import render
from dtmfkit._cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_render_writes_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "a.wav"
    status, out, err = run(
        capsys, "render", "1WWW,59#", "-o", str(target), "--rate", "16000", "--tone-ms", "100"
    )
    assert (status, err) == (0, "")
    assert "32000 samples" not in out
    assert "5.000" not in out
    data, rate = sf.read(target, dtype="int16")
    assert rate == 16000
    assert np.array_equal(data, render("1WWW,59#", rate=16000, tone_ms=100, dtype="int16"))
    assert f"{data.size} samples" in out


def test_render_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "a.wav"
    argv = ["render", "159", "-o", str(target), "--level-dbm0", "-20", "--twist-db", "-2.5"]
    status, _, _ = run(capsys, *argv, "--ramp-ms", "0", "--gap-ms", "50", "--subtype", "FLOAT")
    assert status == 0
    data, _ = sf.read(target, dtype="float32")
    expected = render("159", level_dbm0=-20, twist_db=-2.5, ramp_ms=0, gap_ms=50)
    assert np.array_equal(data, expected)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["render", "12x4", "-o", "{dir}/a.wav"], "'x' at position 3 in '12x4'"),
        (["render", "", "-o", "{dir}/a.wav"], "empty dtmfOut"),
        (["render", "1" * 93, "-o", "{dir}/a.wav"], "93 characters long"),
        (["render", "1", "-o", "{dir}/a.mp3"], "use a .wav, .flac, .rf64 or .w64 suffix"),
        (["render", "1", "-o", "{dir}/a.wav", "--rate", "3000"], "--rate 3000 Hz is too low"),
        (
            ["render", "1", "-o", "{dir}/a.wav", "--rate", "fast"],
            "not an integer (at most 18 digits): 'fast'",
        ),
        (["render", "1", "-o", "{dir}/a.wav", "--tone-ms", "nan"], "not a finite number"),
        (
            ["render", "1", "-o", "{dir}/a.wav", "--level-dbm0", "3"],
            "--level-dbm0 3 with --twist-db 0 would clip",
        ),
        (
            ["render", "1", "-o", "{dir}/a.wav", "--level-dbm0", "3.5"],
            "--level-dbm0 must be from -90 to 3.17, got 3.5",
        ),
        (["render", "1", "-o", "{dir}/a.flac", "--subtype", "ULAW"], "FLAC cannot hold"),
        (["render", "1"], "give TEXT and -o OUT, or --batch LINES --out-dir DIR"),
        (["render", "1", "-o", "{dir}/a.wav", "--subtype", "MP3"], "invalid choice: 'MP3'"),
        (["bogus"], "invalid choice: 'bogus'"),
        ([], "required: COMMAND"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    status, out, err = run(capsys, *(a.format(dir=tmp_path) for a in argv))
    assert status == 2
    assert out == ""
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_write_failure_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _out, err = run(capsys, "render", "1", "-o", str(tmp_path / "no" / "a.wav"))
    assert status == 1
    assert "cannot write" in err
    assert "No such file or directory" in err
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_preview_json(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "preview", "1w", "--json")
    assert status == 0
    assert '"length": 5600' in out


def test_demo_writes_the_three_documentation_examples(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, "demo", "--out-dir", str(tmp_path))
    assert status == 0
    lengths = [sf.info(tmp_path / f"example{i}.wav").frames for i in (1, 2, 3)]
    assert lengths == [44_800, 40_800, 42_400]
    for duration in ("5.600 s", "5.100 s", "5.300 s"):
        assert duration in out


def test_python_dash_m_runs_the_cli(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "dtmfkit", "render", "1#", "-o", str(tmp_path / "a.wav")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert sf.info(tmp_path / "a.wav").frames == 8000 * 8 // 10
    bad = subprocess.run(
        [sys.executable, "-m", "dtmfkit", "render", "1a", "-o", str(tmp_path / "b.wav")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1


def test_decode_prints_the_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "pin.flac"
    assert run(capsys, "render", "1WWW,59#", "-o", str(target), "--rate", "44100")[0] == 0
    assert run(capsys, "decode", str(target)) == (0, "159#\n", "")
    assert run(capsys, "decode", str(target), "--pauses") == (0, "1WWWw59#\n", "")


def test_decode_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    target = tmp_path / "a.wav"
    run(capsys, "render", "1w2", "-o", str(target))
    status, out, _ = run(capsys, "decode", str(target), "--json")
    events = json.loads(out)
    assert status == 0
    assert [e["key"] for e in events] == ["1", "2"]
    assert events[1]["start"] == pytest.approx(0.7025, abs=1e-3)
    assert set(events[0]) == {
        "key",
        "start",
        "stop",
        "low_hz",
        "high_hz",
        "low_dbm0",
        "high_dbm0",
    }


def test_decode_chosen_channel(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "stereo.wav"
    audio = render("42", dtype="float64")
    sf.write(target, np.stack([np.zeros_like(audio), audio], axis=1), 8000)
    assert run(capsys, "decode", str(target))[1] == "\n"
    assert run(capsys, "decode", str(target), "--channel", "1")[1] == "42\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["decode", "{dir}/missing.wav"], "cannot read"),
        (["decode", "{dir}/junk.wav"], "cannot read"),
        (["decode", "{dir}/silence.wav", "--channel", "3"], "no channel 3"),
        (["decode", "{dir}/silence.wav", "--channel", "x"], "not an integer"),
        (["decode", "{dir}/silence.wav", "--json", "--pauses"], "not allowed with"),
        (["decode"], "required: FILE"),
    ],
)
def test_decode_bad_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    (tmp_path / "junk.wav").write_bytes(b"RIFF nonsense")
    sf.write(tmp_path / "silence.wav", np.zeros(800), 8000)
    status, out, err = run(capsys, *(a.format(dir=tmp_path) for a in argv))
    assert (status, out) == (2, "")
    assert message in err
    assert err.count("\n") == 1


def test_decode_no_key_is_an_empty_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sf.write(tmp_path / "silence.wav", np.zeros(8000), 8000)
    assert run(capsys, "decode", str(tmp_path / "silence.wav")) == (0, "\n", "")
