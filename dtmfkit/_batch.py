"""Render many ``dtmfOut`` strings, one per line of a text file, into one audio file each.

Files are named after their line (``line-00001.wav``) because keypad characters such as ``*``
and ``#`` make poor file names; ``index.tsv`` in the same folder maps every file to its line
and text. Every line is parsed before anything is rendered; bad lines are reported with their
line number and skipped. Files are written atomically, so a failure leaves every finished file
complete and no partial one.

Examples
--------
>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "pins.txt").write_text("1234#\\n12x\\n\\n9W9\\n")
>>> report = render_lines(folder / "pins.txt", folder / "out")
>>> [path.name for path in report.written], [(bad.line, bad.position) for bad in report.bad]
(['line-00001.wav', 'line-00004.wav'], [(2, 3)])
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Final, cast

from dtmfkit._atomic import write_bytes
from dtmfkit._errors import AudioFileError, DtmfSyntaxError, ParameterError
from dtmfkit._grammar import Sequence
from dtmfkit._io import SUBTYPES, file_format, write
from dtmfkit._settings import RenderOptions, resolve
from dtmfkit._synth import render_many

if TYPE_CHECKING:
    from typing import Unpack

    from dtmfkit._profiles import Profile
    from dtmfkit._timing import Timing
    from dtmfkit._voice import Voice

__all__ = ["BadLine", "BatchReport", "read_lines", "render_lines"]

#: Lines rendered together in one buffer (one render_many call) before their files are written,
#: at most, and the most audio such a buffer holds.
CHUNK: Final = 64
CHUNK_BYTES: Final = 32 << 20
#: The longest line, and the most lines, a batch file may have (DTMF strings are far shorter).
MAX_LINE_CHARS: Final = 4096
MAX_LINES: Final = 1_000_000


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line that is not a valid ``dtmfOut`` string."""

    line: int
    text: str
    position: int
    message: str


@dataclass
class BatchReport:
    """What :func:`render_lines` did.

    Attributes
    ----------
    written : list of Path
        Files written, in line order.
    bad : list of BadLine
        Lines skipped because they are not valid.
    seconds : float
        Total audio written, in seconds.
    index : Path or None
        The ``index.tsv`` manifest.
    """

    written: list[Path] = field(default_factory=list)
    bad: list[BadLine] = field(default_factory=list)
    seconds: float = 0.0
    index: Path | None = None


def read_lines(source: str | os.PathLike[str] | BinaryIO) -> list[tuple[int, str]]:
    """The numbered, non-empty lines of a UTF-8 file (or an open binary file, such as stdin).

    Lines end at ``\\n`` only (a ``\\r`` before it is dropped), so a form feed or U+0085 inside a
    line stays in it and is reported as an invalid character. The file is read once, in bounded
    pieces: a line longer than 4096 characters, or more than a million lines, stop the reading
    with an error naming the line.

    Raises
    ------
    ParameterError
        The file cannot be read, is not UTF-8, or is too large.

    Examples
    --------
    >>> import io
    >>> read_lines(io.BytesIO(b"12\\r\\n\\n3\\x0c4\\n"))
    [(1, '12'), (3, '3\\x0c4')]
    """
    name = getattr(source, "name", source)
    try:
        if isinstance(source, str | os.PathLike):
            with open(source, "rb") as file:
                return _numbered(file, name)
        return _numbered(source, name)
    except OSError as exc:
        raise ParameterError(f"cannot read {name!r}: {exc.strerror or exc}") from exc


def _numbered(file: BinaryIO, name: object) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    number = 0
    while True:
        raw = file.readline(MAX_LINE_CHARS * 4 + 2)  # UTF-8: at most 4 bytes a character
        if not raw:
            return found
        number += 1
        if number > MAX_LINES:
            raise ParameterError(f"{name}: more than {MAX_LINES} lines")
        if not raw.endswith(b"\n") and len(raw) > MAX_LINE_CHARS * 4:
            raise ParameterError(f"{name}:{number}: line longer than {MAX_LINE_CHARS} characters")
        try:
            line = raw.decode("utf-8").removesuffix("\n").removesuffix("\r")
        except UnicodeDecodeError as exc:
            raise ParameterError(f"{name}:{number}: not UTF-8 ({exc.reason})") from None
        if len(line) > MAX_LINE_CHARS:
            raise ParameterError(f"{name}:{number}: line longer than {MAX_LINE_CHARS} characters")
        if line:
            found.append((number, line))


def render_lines(
    lines: str | os.PathLike[str] | BinaryIO | Iterable[tuple[int, str]],
    out_dir: str | os.PathLike[str],
    *,
    suffix: str = ".wav",
    subtype: str = "PCM_16",
    rate: int | None = None,
    profile: str | Profile | None = None,
    timing: Timing | None = None,
    voice: Voice | None = None,
    jobs: int = 1,
    progress: Callable[[int], Any] | None = None,
    **options: Unpack[RenderOptions],
) -> BatchReport:
    """Render every line of a text file into its own audio file.

    Parameters
    ----------
    lines : path, open binary file, or iterable of (line number, text)
        UTF-8 text, one DTMF string per line (see :func:`read_lines`); empty lines are skipped.
        Lines are taken exactly (no stripping): a stray space is an error, reported with its
        position.
    out_dir : path
        Folder for the files (created if missing).
    suffix : {".wav", ".flac"}
    subtype : str, default "PCM_16"
        As :func:`dtmfkit.write`.
    rate, profile, timing, voice, **options
        As :func:`dtmfkit.render`.
    jobs : int, default 1
        Threads rendering and writing at once.
    progress : callable, optional
        Called with the number of files just finished (for a progress bar).

    Returns
    -------
    BatchReport

    Raises
    ------
    ParameterError
        The lines file cannot be read, or an option is out of range (nothing written).
    AudioFileError
        A file could not be written; finished files stay complete, no partial file is left.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "pins.txt").write_text("1234#\\n9W9\\n")
    >>> render_lines(folder / "pins.txt", folder / "out", rate=16000).seconds
    4.0
    """
    target = Path(out_dir)
    file_format(target / f"x{suffix}", subtype)
    settings = resolve("render_lines", rate, profile, timing, voice, options)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ParameterError(f"jobs must be a positive integer, got {jobs!r}")
    report = BatchReport()
    good: list[tuple[int, Sequence]] = []
    numbered: Iterable[tuple[int, str]]
    if isinstance(lines, str | os.PathLike):
        numbered = read_lines(lines)
    elif hasattr(lines, "read"):
        numbered = read_lines(cast(BinaryIO, lines))
    else:
        numbered = lines
    for number, line in numbered:
        try:
            good.append((number, Sequence(line, settings.profile.grammar)))
        except DtmfSyntaxError as exc:
            report.bad.append(BadLine(number, line, exc.position, str(exc)))
    values: dict[str, Any] = {
        "rate": settings.rate,
        "profile": settings.profile,
        "timing": settings.timing,
        "voice": settings.voice,
        "dtype": SUBTYPES[subtype],
    }
    if good:
        render_many([good[0][1]], **values)  # check the settings before creating anything
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AudioFileError(f"cannot create {str(target)!r}: {exc.strerror}") from exc
    width = max(5, len(str(max((n for n, _ in good), default=0))))

    def name(number: int) -> Path:
        return target / f"line-{number:0{width}d}{suffix}"

    def work(chunk: list[tuple[int, Sequence]]) -> list[tuple[int, Path, float]]:
        batch = render_many([sequence for _, sequence in chunk], **values)
        done = []
        for (number, _), audio in zip(chunk, batch, strict=True):
            write(name(number), audio, rate=settings.rate, subtype=subtype)
            done.append((number, name(number), audio.size / settings.rate))
        if progress is not None:
            progress(len(chunk))
        return done

    chunks = _chunks(good, settings)
    results: list[tuple[int, Path, float]] = []
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        for done in pool.map(work, chunks):
            results.extend(done)
    except BaseException:
        # Stop at the first failure: chunks not started are dropped, running ones finish.
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown()
    for _, path, seconds in results:
        report.written.append(path)
        report.seconds += seconds
    by_line = {number: sequence.text for number, sequence in good}
    index = target / "index.tsv"
    rows = ["file\tline\tseconds\tdtmfOut"] + [
        f"{path.name}\t{number}\t{seconds:.3f}\t{by_line[number]}"
        for number, path, seconds in results
    ]
    write_bytes(index, ("\n".join(rows) + "\n").encode())
    report.index = index
    return report


def _chunks(good: list[tuple[int, Sequence]], settings: Any) -> list[list[tuple[int, Sequence]]]:
    """Lines in groups that each render into at most CHUNK_BYTES (or one line) of audio."""
    if not good:
        return []
    grammar, timing = settings.profile.grammar, settings.timing
    codes, lengths = grammar.encode_many([sequence for _, sequence in good])
    totals = timing.boundaries(codes, lengths, settings.rate)[2] * 8  # float64 at the most
    chunks: list[list[tuple[int, Sequence]]] = [[]]
    size = 0
    for item, nbytes in zip(good, totals.tolist(), strict=True):
        if chunks[-1] and (len(chunks[-1]) >= CHUNK or size + nbytes > CHUNK_BYTES):
            chunks.append([])
            size = 0
        chunks[-1].append(item)
        size += nbytes
    return chunks


def progress_bar(total: int) -> Any:
    """A tqdm bar on stderr when it is a terminal and tqdm is installed; otherwise None."""
    if not sys.stderr.isatty():
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="file", file=sys.stderr)
