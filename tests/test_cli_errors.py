"""Every subcommand: bad arguments exit 2, failed operations exit 1, one line, no file."""

from pathlib import Path

import pytest

from dtmfkit._cli import main


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("CATAPULT_USER_ID", "CATAPULT_API_TOKEN", "CATAPULT_API_SECRET"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "blocker").write_text("a file where a folder should be")
    (tmp_path / "lines.txt").write_text("123\n")
    return tmp_path


CASES = [
    (["render", "1", "-o", "a.wav", "--tone-ms", "x"], 2),
    (["render", "1", "-o", "a.wav", "--profile", "sip"], 2),
    (["render", "1", "-o", "a.wav", "--gap-ms", "-5"], 2),
    (["render", "1", "-o", "blocker/a.wav"], 1),
    (["render", "--batch", "missing.txt", "--out-dir", "out"], 2),
    (["render", "--batch", "lines.txt", "--out-dir", "blocker/out"], 1),
    (["render", "--batch", "blocker", "--out-dir", "out"], 2),  # its lines are not DTMF
    (["preview", "12a"], 2),
    (["preview", "1", "--rate", "0"], 2),
    (["preview", "1", "--level-dbm0", "loud"], 2),
    (["preview", "1", "--wav", "blocker/a.wav"], 1),
    (["preview", "1", "--plot", "blocker/a.png"], 1),
    (["decode", "missing.wav"], 2),
    (["decode", "blocker"], 2),
    (["send", "c-1", "12a"], 2),
    (["send", "c-1", "1"], 2),  # no credentials in the environment
    (["send", "c-1", "1", "--timeout", "soon"], 2),
    (["send", "", "1", "--dry-run"], 2),
    (["emulator", "--port", "70000"], 2),
    (["emulator", "--port", "-1"], 2),
    (["emulator", "--bogus"], 2),
    (["demo", "--out-dir", "blocker/demo"], 1),
    (["demo", "--frobnicate"], 2),
    (["--no-such-option"], 2),
]


@pytest.mark.parametrize(("argv", "status"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_every_subcommand_fails_cleanly(
    workdir: Path, capsys: pytest.CaptureFixture[str], argv: list[str], status: int
) -> None:
    before = set(workdir.rglob("*"))
    assert main(argv) == status
    out, err = capsys.readouterr()
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    assert err.startswith("dtmfkit")
    assert set(workdir.rglob("*")) == before
    if status == 2 and argv[0] != "preview":
        assert out == ""
