"""Playback: a sound, or one clear line."""

import sys

import numpy as np
import pytest

from dtmfkit import PlaybackError
from dtmfkit._cli import main
from dtmfkit._play import play


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_without_sounddevice_the_error_says_which_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)
    with pytest.raises(PlaybackError, match=r"pip install 'dtmfkit\[play\]'"):
        play(np.zeros(10, dtype=np.float32), 8000)


def test_play_without_the_extra_fails_cleanly(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # as if the extra were not installed
    status, _, err = run(capsys, "preview", "1", "--play")
    assert status == 1
    assert (
        err
        == "dtmfkit: error: playback needs the sounddevice package: pip install 'dtmfkit[play]'\n"
    )


def test_play_here_fails_cleanly_or_plays(capsys: pytest.CaptureFixture[str]) -> None:
    # This machine has no sound device (and CI has no sounddevice): one line, exit 1.
    status, _, err = run(capsys, "preview", "1", "--play", "--tone-ms", "40")
    if status == 1:
        assert err.count("\n") == 1
        assert "sounddevice" in err or "device" in err or "PortAudio" in err
    else:  # pragma: no cover - a machine with a working output device
        assert (status, err) == (0, "")
