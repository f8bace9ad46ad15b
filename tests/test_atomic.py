"""Files are complete or absent."""

import os
import stat
from pathlib import Path

import pytest

from dtmfkit import AudioFileError
from dtmfkit._atomic import replacing, write_bytes


def test_a_failure_leaves_the_target_as_it_was(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_bytes(b"old")

    def fail_midway() -> None:
        with replacing(target) as temporary:
            Path(temporary).write_bytes(b"half")
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        fail_midway()
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_an_interrupt_leaves_no_temporary(tmp_path: Path) -> None:
    def interrupted() -> None:
        with replacing(tmp_path / "a.txt") as temporary:
            Path(temporary).write_bytes(b"half")
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert list(tmp_path.iterdir()) == []


def test_the_mode_of_an_existing_file_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    write_bytes(target, b"new")
    assert (target.read_bytes(), stat.S_IMODE(target.stat().st_mode)) == (b"new", 0o640)


def test_an_unwritable_folder_is_an_audio_file_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(AudioFileError, match="cannot write") as caught:
        write_bytes(tmp_path / "file" / "a.txt", b"x")
    assert isinstance(caught.value, OSError)
