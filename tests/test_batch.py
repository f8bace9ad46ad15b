import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from dtmfkit import AudioFileError, render
from dtmfkit._batch import render_lines
from dtmfkit._cli import main

LINES = ["9193334444", "1WWW,59#", "12a4", "", "1Ww2Ww1Ww#", "#*0", " 5"]


def lines_file(folder: Path, lines: list[str] = LINES) -> Path:
    path = folder / "lines.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("jobs", [1, 3])
def test_render_lines_writes_one_file_per_good_line_and_reports_the_bad(
    tmp_path: Path, jobs: int
) -> None:
    out_dir = tmp_path / "out"
    report = render_lines(lines_file(tmp_path), out_dir, suffix=".wav", jobs=jobs)
    assert [(bad.line, bad.message) for bad in report.bad] == [
        (
            3,
            (
                "invalid DTMF character 'a' at position 3 in '12a4'; "
                "valid are 0-9, A-D, *, #, and the pauses ',', 'w', 'W'"
            ),
        ),
        (
            7,
            (
                "invalid DTMF character ' ' at position 1 in ' 5'; "
                "valid are 0-9, A-D, *, #, and the pauses ',', 'w', 'W'"
            ),
        ),
    ]
    names = sorted(p.name for p in out_dir.iterdir())
    assert names == [
        "index.tsv",
        "line-00001.wav",
        "line-00002.wav",
        "line-00005.wav",
        "line-00006.wav",
    ]
    for number, text in ((1, LINES[0]), (2, LINES[1]), (5, LINES[4]), (6, LINES[5])):
        data, rate = sf.read(out_dir / f"line-{number:05d}.wav", dtype="int16")
        assert rate == 8000
        assert np.array_equal(data, render(text, dtype="int16"))
    index = (out_dir / "index.tsv").read_text().splitlines()
    assert index[0] == "file\tline\tseconds\tdtmfOut"
    assert index[2] == "line-00002.wav\t2\t5.100\t1WWW,59#"


@pytest.mark.parametrize("jobs", ["1", "3"])
def test_the_command_writes_what_render_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], jobs: str
) -> None:
    good = [line for line in LINES if line and line not in ("12a4", " 5")]
    source = lines_file(tmp_path, good)
    status, out, err = run(
        capsys, "render", "--batch", str(source), "--out-dir", str(tmp_path / "o"), "--jobs", jobs
    )
    assert (status, err) == (0, "")
    assert out.startswith(f"wrote {len(good)} files")
    for number, text in enumerate(good, start=1):
        data, rate = sf.read(tmp_path / "o" / f"line-{number:05d}.wav", dtype="int16")
        assert rate == 8000
        assert np.array_equal(data, render(text, dtype="int16"))


def test_batch_flac_and_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = lines_file(tmp_path, ["123", "456"])
    argv = ["render", "--batch", str(source), "--out-dir", str(tmp_path / "o"), "--format", "flac"]
    status, _, err = run(capsys, *argv, "--rate", "16000", "--tone-ms", "100")
    assert (status, err) == (0, "")
    data, rate = sf.read(tmp_path / "o" / "line-00002.flac", dtype="int16")
    assert rate == 16000
    assert np.array_equal(data, render("456", rate=16000, tone_ms=100, dtype="int16"))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--batch", "{dir}/missing.txt", "--out-dir", "{dir}/o"], "cannot read"),
        (["--batch", "{dir}/lines.txt"], "--batch needs --out-dir DIR"),
        (["123", "--batch", "{dir}/lines.txt", "--out-dir", "{dir}/o"], "takes no TEXT"),
        (["--batch", "{dir}/lines.txt", "--out-dir", "{dir}/o", "--jobs", "0"], "jobs must be"),
        (["--batch", "{dir}/lines.txt", "--out-dir", "{dir}/o", "--rate", "3000"], "too low"),
        (["--batch", "{dir}/lines.txt", "--out-dir", "{dir}/o", "--format", "mp3"], "invalid"),
    ],
)
def test_batch_bad_input_exits_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    lines_file(tmp_path, ["123"])
    status, out, err = run(capsys, "render", *(a.format(dir=tmp_path) for a in argv))
    assert (status, out) == (2, "")
    assert message in err
    assert err.count("\n") == 1
    assert not (tmp_path / "o").exists()


def test_batch_unwritable_directory_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "o").write_text("a file where the folder should be")
    source = lines_file(tmp_path, ["123"])
    status, _, err = run(capsys, "render", "--batch", str(source), "--out-dir", str(tmp_path / "o"))
    assert status == 1
    assert "cannot create" in err


def test_failure_mid_batch_leaves_finished_files_complete(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    batch_module = sys.modules["dtmfkit._batch"]
    real_write = batch_module.write
    written: list[Path] = []

    def failing_write(path: Path, *args: object, **kwargs: object) -> None:
        if len(written) == 70:  # in the second chunk of 64
            raise AudioFileError(f"cannot write {str(path)!r}: No space left on device")
        real_write(path, *args, **kwargs)
        written.append(path)

    monkeypatch.setattr(batch_module, "write", failing_write)
    source = lines_file(tmp_path, [f"{i:04d}" for i in range(200)])
    status, _, err = run(capsys, "render", "--batch", str(source), "--out-dir", str(tmp_path / "o"))
    assert status == 1
    assert "No space left on device" in err
    files = sorted((tmp_path / "o").iterdir())
    assert [p.name for p in files] == [p.name for p in sorted(written)]
    assert len(files) == 70  # the batch stopped at the failure
    assert not any(p.name.startswith(".") for p in files)
    for path in files:
        data, _ = sf.read(path, dtype="int16")
        number = int(path.stem.split("-")[1])
        assert np.array_equal(data, render(f"{number - 1:04d}", dtype="int16"))


def test_no_progress_bar_when_not_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = lines_file(tmp_path, ["1"] * 10)
    status, _, err = run(capsys, "render", "--batch", str(source), "--out-dir", str(tmp_path / "o"))
    assert (status, err) == (0, "")


def test_batch_follows_the_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = lines_file(tmp_path, ["1a,2", "1" * 51])
    argv = ["render", "--batch", str(source), "--out-dir", str(tmp_path / "o")]
    status, _, err = run(capsys, *argv, "--profile", "asterisk")
    assert (status, err) == (0, "")  # a-d accepted, ',' skipped, no length limit of 50
    data, _ = sf.read(tmp_path / "o" / "line-00001.wav", dtype="int16")
    assert np.array_equal(data, render("1a,2", profile="asterisk", dtype="int16"))
    status, _, err = run(capsys, *argv, "--profile", "bandwidth-bxml")
    assert status == 2
    assert "lines.txt:2: SendDtmf digits is 51 characters long, at most 50" in err
