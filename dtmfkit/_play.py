"""Playback through ``sounddevice`` (the ``play`` extra: ``pip install 'dtmfkit[play]'``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from dtmfkit._errors import PlaybackError

__all__ = ["play"]


def play(audio: npt.NDArray[Any], rate: int) -> None:
    """Play audio on the default output device and wait until it ends.

    Raises
    ------
    PlaybackError
        Without the ``sounddevice`` package or its PortAudio library, or without an output
        device; the message says which.
    """
    try:
        import sounddevice
    except ImportError:
        raise PlaybackError(
            "playback needs the sounddevice package: pip install 'dtmfkit[play]'"
        ) from None
    except OSError as exc:
        raise PlaybackError(f"sounddevice cannot load PortAudio: {exc}") from exc
    try:
        sounddevice.play(np.asarray(audio), rate, blocking=True)
    except Exception as exc:  # sounddevice.PortAudioError and friends: no usable device
        raise PlaybackError(f"no usable audio output device: {exc}") from exc
