"""Audio files through soundfile: WAV or FLAC by suffix, written atomically.

:func:`write` writes audio you already have; :func:`render_to_file` renders a string or a
Timeline and writes it; :func:`read` reads one channel back.

Examples
--------
>>> import dtmfkit, tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "pin.wav"
>>> dtmfkit.render_to_file(path, "1WWW,59#", subtype="ULAW").length
40800
>>> audio, rate = dtmfkit.read(path)
>>> audio.shape, rate
((40800,), 8000)
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

from dtmfkit._atomic import replacing
from dtmfkit._errors import AudioFileError, ParameterError
from dtmfkit._limits import fits, sample_rate
from dtmfkit._synth import Source, rendering, to_integers
from dtmfkit._timeline import Timeline

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Unpack

    from dtmfkit._profiles import Profile
    from dtmfkit._settings import RenderOptions
    from dtmfkit._timing import Timing
    from dtmfkit._voice import Voice

__all__ = ["FORMATS", "SUBTYPES", "AudioStream", "file_format", "read", "render_to_file", "write"]

#: File suffix → soundfile container format. RF64 and W64 hold more than 4 GiB.
FORMATS: Final = {".wav": "WAV", ".flac": "FLAC", ".rf64": "RF64", ".w64": "W64"}
#: A WAV file's sizes are 32-bit: past this, ``.wav`` is written as RF64 (a WAV with 64-bit
#: sizes, which readers of large WAVs understand) rather than with a header that lies.
WAV_LIMIT: Final = 2**32 - 1 - 4096
#: FLAC counts at most 2**36 frames.
FLAC_LIMIT: Final = 2**36 - 1
#: Supported subtypes → the sample type rendered for them (soundfile/libsndfile encodes).
SUBTYPES: Final = {
    "PCM_16": "int16",
    "PCM_24": "float64",
    "FLOAT": "float32",
    "ULAW": "int16",
    "ALAW": "int16",
}
# libsndfile truncates floats to integers; dtmfkit rounds them itself, as its int16 does.
_INTEGER_BITS: Final = {"PCM_16": 16, "ULAW": 16, "ALAW": 16, "PCM_24": 24}


def file_format(path: str | os.PathLike[str], subtype: object) -> str:
    """Return the soundfile format for `path` and check that it can hold `subtype`."""
    import soundfile as sf

    if not isinstance(subtype, str):
        raise TypeError(f"subtype must be a str, not {type(subtype).__name__}")
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix not in FORMATS:
        raise ParameterError(
            f"cannot tell the audio format of {os.fspath(path)!r}: use a .wav, .flac, .rf64 "
            "or .w64 suffix"
        )
    if subtype not in SUBTYPES:
        raise ParameterError(f"subtype must be one of {', '.join(SUBTYPES)}, got {subtype!r}")
    fmt = FORMATS[suffix]
    if not sf.check_format(fmt, subtype):
        raise ParameterError(f"{fmt} cannot hold subtype {subtype!r}")
    return fmt


def write(
    path: str | os.PathLike[str],
    audio: npt.NDArray[Any],
    *,
    rate: int,
    subtype: str = "PCM_16",
) -> None:
    """Write mono audio to a WAV or FLAC file, atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Target file; ``.wav``, ``.flac``, ``.rf64`` or ``.w64`` chooses the format. A ``.wav``
        larger than 4 GiB is written as RF64 (WAV with 64-bit sizes), never with a false header.
    audio : np.ndarray [shape=(n,)]
        float samples in [-1, 1] (rounded, as :func:`dtmfkit.render` rounds its int16, for an
        integer subtype), or int16.
    rate : int
        Sample rate in Hz.
    subtype : {"PCM_16", "PCM_24", "FLOAT", "ULAW", "ALAW"}, default "PCM_16"
        Sample encoding; μ-law and A-law (what telephony uses) are WAV only.

    Raises
    ------
    ParameterError, TypeError
        Bad input; nothing is written.
    AudioFileError
        The file could not be written (it is an :class:`OSError`); nothing is left behind and
        an existing file is unchanged.

    Examples
    --------
    >>> import dtmfkit, tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "tone.flac"
    >>> write(target, dtmfkit.render("5"), rate=8000)
    >>> dtmfkit.read(target)[0].size
    1600
    """
    fmt = file_format(path, subtype)
    checked_rate = sample_rate(rate)
    if not isinstance(audio, np.ndarray) or audio.ndim != 1:
        raise TypeError("audio must be a 1-D numpy array of samples")
    fmt = _container(path, fmt, audio.size, subtype)
    with replacing(path) as temporary:
        _encode(temporary, audio, checked_rate, fmt, subtype, repr(os.fspath(path)))


def encoded(audio: npt.NDArray[Any], *, rate: int, fmt: str, subtype: str = "PCM_16") -> bytes:
    """Mono audio as the bytes of a whole file in `fmt` ("WAV" or "FLAC"; a WAV past 4 GiB
    is RF64): for standard output, which cannot be written as a file is (WAV's header is
    written last, at the start).

    Examples
    --------
    >>> import dtmfkit
    >>> data = encoded(dtmfkit.render("5"), rate=8000, fmt="WAV")
    >>> data[:4], len(data)
    (b'RIFF', 3244)
    """
    import io

    suffix = {"WAV": "audio.wav", "FLAC": "audio.flac"}.get(fmt)
    if suffix is None:
        raise ParameterError(f"format must be WAV or FLAC, got {fmt!r}")
    file_format(suffix, subtype)
    checked_rate = sample_rate(rate)
    if not isinstance(audio, np.ndarray) or audio.ndim != 1:
        raise TypeError("audio must be a 1-D numpy array of samples")
    buffer = io.BytesIO()
    _encode(buffer, audio, checked_rate, _container(suffix, fmt, audio.size, subtype), subtype, "")
    return buffer.getvalue()


def _encode(
    target: Any, audio: npt.NDArray[Any], rate: int, fmt: str, subtype: str, name: str
) -> None:
    """Write `audio` whole into `target` (a path or a seekable binary file), and check that it
    all arrived: libsndfile reports some write errors only as a short count, which soundfile
    checks with an assert (gone under ``python -O``); the file itself must say so."""
    import soundfile as sf

    if audio.dtype.kind == "f" and subtype in _INTEGER_BITS:
        audio = to_integers(audio, _INTEGER_BITS[subtype])
    what = f"cannot write {name}" if name else "cannot encode the audio"
    try:
        with sf.SoundFile(target, "w", rate, 1, subtype=subtype, format=fmt) as sound:
            # A block at a time: Ctrl-C and SIGTERM are handled between two blocks, not
            # after one C call that writes gigabytes.
            for first in range(0, audio.size, _BLOCK):
                sound.write(audio[first : first + _BLOCK])
        if not isinstance(target, str):
            target.seek(0)
        frames = sf.info(target).frames
    except (sf.SoundFileError, AssertionError) as exc:
        raise AudioFileError(f"{what}: {exc or 'short write'}") from exc
    if frames != audio.size:
        raise AudioFileError(f"{what}: only {frames} of {audio.size} frames reached the file")


_SAMPLE_BYTES: Final = {"PCM_16": 2, "PCM_24": 3, "FLOAT": 4, "ULAW": 1, "ALAW": 1}
_BLOCK: Final = 1 << 20


def _container(path: str | os.PathLike[str], fmt: str, frames: int, subtype: str) -> str:
    """The container that can hold `frames`: RF64 for a .wav past 4 GiB; refuse the rest."""
    size = frames * _SAMPLE_BYTES[subtype]
    if fmt == "WAV" and size > WAV_LIMIT:
        return "RF64"
    if fmt == "FLAC" and frames > FLAC_LIMIT:
        raise ParameterError(
            f"{os.fspath(path)!r}: FLAC holds at most {FLAC_LIMIT} frames, not {frames}: "
            "use .w64 or .rf64"
        )
    return fmt


def render_to_file(
    path: str | os.PathLike[str],
    source: Source,
    *,
    subtype: str = "PCM_16",
    rate: int | None = None,
    profile: str | Profile | None = None,
    timing: Timing | None = None,
    voice: Voice | None = None,
    **options: Unpack[RenderOptions],
) -> Timeline:
    """Render a DTMF string (or exactly a Timeline) into a WAV or FLAC file.

    Parameters
    ----------
    path : str or os.PathLike
        Target file; ``.wav`` or ``.flac`` chooses the format. Written atomically.
    source : str, Sequence or Timeline
    subtype : {"PCM_16", "PCM_24", "FLOAT", "ULAW", "ALAW"}, default "PCM_16"
        As :func:`write`.
    rate, profile, timing, voice, **options
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
        The file could not be written; nothing is left behind.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "digits.flac"
    >>> render_to_file(target, "9193334444").duration
    5.6
    """
    file_format(path, subtype)
    timeline, _, audio = rendering(
        "render_to_file",
        source,
        rate=rate,
        profile=profile,
        timing=timing,
        voice=voice,
        dtype=SUBTYPES[subtype],
        options=dict(options),
    )
    write(path, audio, rate=timeline.rate, subtype=subtype)
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
    >>> _ = dtmfkit.render_to_file(target, "1", rate=16000)
    >>> audio, rate = read(target)
    >>> len(audio), rate
    (3200, 16000)
    """
    import soundfile as sf

    if isinstance(channel, bool) or not isinstance(channel, int):
        raise TypeError(f"channel must be an int, not {type(channel).__name__}")
    try:
        info = sf.info(path)
    except (OSError, sf.SoundFileError) as exc:
        raise AudioFileError(f"cannot read {os.fspath(path)!r}: {exc}") from exc
    fits(info.frames * info.channels * 8, f"reading {os.fspath(path)!r}")
    try:
        data, rate = sf.read(path, dtype="float64", always_2d=True)
    except (OSError, sf.SoundFileError) as exc:
        raise AudioFileError(f"cannot read {os.fspath(path)!r}: {exc}") from exc
    if not 0 <= channel < data.shape[1]:
        raise AudioFileError(
            f"{os.fspath(path)!r} has {data.shape[1]} channel(s); there is no channel {channel}"
        )
    return np.ascontiguousarray(data[:, channel]), int(rate)


# Subtypes whose samples fit in 16 bits.
_SIXTEEN_BITS: Final = frozenset(
    {"PCM_16", "PCM_S8", "PCM_U8", "ULAW", "ALAW", "IMA_ADPCM", "MS_ADPCM", "GSM610"}
)
#: Frames read at a time when streaming: 64 Ki frames (256 KiB of 16-bit stereo).
STREAM_FRAMES: Final = 1 << 16


class AudioStream:
    """One channel of an audio file, read in blocks: memory does not grow with the file.

    ``"-"`` reads standard input: a file redirected to it is read as any file is; a pipe is
    read as it comes, which libsndfile can do for WAV (and AU, CAF) but not for FLAC.
    Use it as a context manager; iterate for blocks of samples (int16 for files of 16 bits or
    fewer, int32 for 24 and 32 bits, float32 for the rest: what :class:`~dtmfkit.Detector`
    and :func:`~dtmfkit.detect` take); `frames` counts what was read, `rate` and `channels`
    are the file's.

    Parameters
    ----------
    path : str or os.PathLike
        Any file soundfile reads, or ``"-"``.
    channel : int, default 0
    block_frames : int, default 65536

    Raises
    ------
    AudioFileError
        On entering, when the file cannot be opened or has no such channel; while iterating,
        when it cannot be read on.

    Examples
    --------
    >>> import tempfile, pathlib, dtmfkit
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "keys.wav"
    >>> _ = dtmfkit.render_to_file(path, "159#")
    >>> with dtmfkit.AudioStream(path) as stream:
    ...     detector = dtmfkit.Detector(stream.rate)
    ...     found = [d.key for block in stream for d in detector.feed(block)]
    ...     found += [d.key for d in detector.finish()]
    >>> "".join(found), stream.frames, stream.rate
    ('159#', 16000, 8000)
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        channel: int = 0,
        block_frames: int = STREAM_FRAMES,
    ) -> None:
        if isinstance(channel, bool) or not isinstance(channel, int):
            raise TypeError(f"channel must be an int, not {type(channel).__name__}")
        self.name = "standard input" if os.fspath(path) == "-" else repr(os.fspath(path))
        self._path = path
        self._channel = channel
        self._block = block_frames
        self.frames = 0
        self.rate = 0
        self.channels = 0
        self._file: Any = None
        self._dtype = "float32"

    def __enter__(self) -> AudioStream:
        import soundfile as sf

        source: Any = self._path
        closefd = True
        if os.fspath(self._path) == "-":
            import sys

            source, closefd = sys.stdin.fileno(), False
        else:
            # libsndfile says only "System error." of a file that is not there.
            try:
                with open(self._path, "rb"):
                    pass
            except OSError as exc:
                raise AudioFileError(f"cannot read {self.name}: {exc.strerror or exc}") from exc
        try:
            self._file = sf.SoundFile(source, closefd=closefd)
        except (OSError, sf.SoundFileError, RuntimeError) as exc:
            hint = ""
            if source == 0 or not isinstance(source, str | os.PathLike):
                hint = " (from a pipe, only WAV, AU and CAF can be read: give a file name)"
            raise AudioFileError(f"cannot read {self.name}: {_first_line(exc)}{hint}") from exc
        if not 0 <= self._channel < self._file.channels:
            channels = self._file.channels
            self._file.close()
            raise AudioFileError(
                f"{self.name} has {channels} channel(s); there is no channel {self._channel}"
            )
        self.rate = int(self._file.samplerate)
        self.channels = int(self._file.channels)
        # Read in the narrowest type that holds the file's samples: 16-bit files as int16
        # (a quarter of the memory traffic of float64), deeper integers as int32.
        subtype = str(self._file.subtype)
        self._dtype = (
            "int32"
            if subtype in ("PCM_24", "PCM_32")
            else "float32"
            if subtype in ("FLOAT", "DOUBLE") or subtype not in _SIXTEEN_BITS
            else "int16"
        )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            self._file.close()

    def __iter__(self) -> Iterator[npt.NDArray[Any]]:
        import soundfile as sf

        while True:
            try:
                block = self._file.read(self._block, dtype=self._dtype, always_2d=True)
            except (OSError, sf.SoundFileError, RuntimeError) as exc:
                raise AudioFileError(
                    f"cannot read {self.name} past frame {self.frames}: {_first_line(exc)}"
                ) from exc
            if not block.shape[0]:
                return
            self.frames += block.shape[0]
            yield np.ascontiguousarray(block[:, self._channel])


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
