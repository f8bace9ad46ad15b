"""Audio files through soundfile: WAV or FLAC by suffix, written atomically.

A file is first written under a temporary name in the target directory, then renamed over the
target, so a failed or interrupted write never leaves a partial file behind.

Examples
--------
>>> import dtmfkit, tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "pin.wav"
>>> dtmfkit.write(path, "1WWW,59#", subtype="ULAW").length
40800
>>> audio, rate = dtmfkit.read(path)
>>> audio.shape, rate
((40800,), 8000)
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import soundfile as sf

from dtmfkit.errors import AudioFileError, ParameterError
from dtmfkit.profiles import Profile
from dtmfkit.synth import DEFAULT_LEVEL_DBM0, DEFAULT_RAMP_MS, Source, render
from dtmfkit.timing import Milliseconds, Timeline, schedule

__all__ = ["FORMATS", "SUBTYPES", "atomic_write_bytes", "read", "write"]

#: File suffix → soundfile container format.
FORMATS: Final = {".wav": "WAV", ".flac": "FLAC"}
#: Supported subtypes → the sample type rendered for them (soundfile/libsndfile encodes).
SUBTYPES: Final = {
    "PCM_16": "int16",
    "PCM_24": "float64",
    "FLOAT": "float32",
    "ULAW": "int16",
    "ALAW": "int16",
}


def file_format(path: str | os.PathLike[str], subtype: str) -> str:
    """Return the soundfile format for `path` and check that it can hold `subtype`."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ParameterError(
            f"cannot tell the audio format of {os.fspath(path)!r}: use a .wav or .flac suffix"
        )
    if subtype not in SUBTYPES:
        raise ParameterError(f"subtype must be one of {', '.join(SUBTYPES)}, got {subtype!r}")
    fmt = FORMATS[suffix]
    if not sf.check_format(fmt, subtype):
        raise ParameterError(f"{fmt} cannot hold subtype {subtype!r}")
    return fmt


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to `path` through a temporary file beside it and a rename."""
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temporary, "xb") as file:
            file.write(data)
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise AudioFileError(f"cannot write {os.fspath(path)!r}: {exc.strerror}") from exc


def write_audio(
    path: str | os.PathLike[str], audio: npt.NDArray[np.generic], rate: int, subtype: str
) -> None:
    """Write mono `audio` to `path` atomically: a temporary file beside it, then a rename."""
    fmt = file_format(path, subtype)
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise AudioFileError(f"cannot write {os.fspath(path)!r}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as file:
            sf.write(file, audio, rate, subtype=subtype, format=fmt)
        os.replace(temporary, target)
    except BaseException as exc:
        temporary.unlink(missing_ok=True)
        if isinstance(exc, OSError | sf.SoundFileError):
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise AudioFileError(f"cannot write {os.fspath(path)!r}: {reason}") from exc
        raise


def write(
    path: str | os.PathLike[str],
    source: Source,
    *,
    subtype: str = "PCM_16",
    rate: int = 8000,
    tone_ms: Milliseconds | None = None,
    gap_ms: Milliseconds | None = None,
    level_dbm0: float = DEFAULT_LEVEL_DBM0,
    twist_db: float = 0.0,
    ramp_ms: Milliseconds = DEFAULT_RAMP_MS,
    profile: str | Profile | None = None,
) -> Timeline:
    """Render a ``dtmfOut`` string into a WAV or FLAC file.

    Parameters
    ----------
    path : str or os.PathLike
        Target file; ``.wav`` or ``.flac`` chooses the format. Written atomically.
    source : str or Sequence
        The ``dtmfOut`` string or a parsed sequence.
    subtype : {"PCM_16", "PCM_24", "FLOAT", "ULAW", "ALAW"}, default "PCM_16"
        Sample encoding; μ-law and A-law (what telephony uses) are WAV only.
    rate, tone_ms, gap_ms, level_dbm0, twist_db, ramp_ms, profile
        As :func:`dtmfkit.render`.

    Returns
    -------
    Timeline
        The timeline of what was written.

    Raises
    ------
    DtmfSyntaxError, ParameterError, TypeError
        Bad input; nothing is written.
    AudioFileError
        The file could not be written (it is an :class:`OSError`); nothing is left behind.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "digits.flac"
    >>> write(target, "9193334444").duration
    5.6
    """
    if not isinstance(subtype, str):
        raise TypeError(f"subtype must be a str, not {type(subtype).__name__}")
    file_format(path, subtype)
    timeline = schedule(source, rate=rate, tone_ms=tone_ms, gap_ms=gap_ms, profile=profile)
    audio = render(
        timeline.sequence,
        rate=rate,
        tone_ms=tone_ms,
        gap_ms=gap_ms,
        profile=profile,
        level_dbm0=level_dbm0,
        twist_db=twist_db,
        ramp_ms=ramp_ms,
        dtype=SUBTYPES[subtype],  # type: ignore[arg-type]
    )
    write_audio(path, audio, timeline.rate, subtype)
    return timeline


def read(path: str | os.PathLike[str], *, channel: int = 0) -> tuple[npt.NDArray[np.float64], int]:
    """Read one channel of an audio file as float64 in [-1, 1].

    Parameters
    ----------
    path : str or os.PathLike
        Any file soundfile can read (WAV, FLAC, AIFF, OGG, ...).
    channel : int, default 0
        Which channel to take from a multi-channel file.

    Returns
    -------
    audio : np.ndarray [shape=(n,), dtype=float64]
    rate : int

    Raises
    ------
    AudioFileError
        The file cannot be read or has no such channel.

    Examples
    --------
    >>> import tempfile, pathlib, dtmfkit
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "one.wav"
    >>> _ = dtmfkit.write(target, "1", rate=16000)
    >>> audio, rate = read(target)
    >>> len(audio), rate
    (3200, 16000)
    """
    try:
        data, rate = sf.read(path, dtype="float64", always_2d=True)
    except (OSError, sf.SoundFileError) as exc:
        raise AudioFileError(f"cannot read {os.fspath(path)!r}: {exc}") from exc
    if isinstance(channel, bool) or not isinstance(channel, int):
        raise TypeError(f"channel must be an int, not {type(channel).__name__}")
    if not 0 <= channel < data.shape[1]:
        raise AudioFileError(
            f"{os.fspath(path)!r} has {data.shape[1]} channel(s); there is no channel {channel}"
        )
    return np.ascontiguousarray(data[:, channel]), int(rate)
