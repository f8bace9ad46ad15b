"""Files that are complete or absent: write beside the target, then rename over it.

Every file dtmfkit writes (audio, pictures, indexes, packets) goes through :func:`replacing`: the
content is written to a temporary file in the target's folder, and only a complete file is
renamed over the target (``os.replace`` is atomic within one filesystem). On any failure —
an error, Ctrl-C, or SIGTERM turned into an exception by the command line — the temporary file
is removed and the target is left as it was. An existing target keeps its permission bits.

Examples
--------
>>> import pathlib, tempfile
>>> target = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"
>>> write_bytes(target, b"1WWW,59#")
>>> target.read_bytes()
b'1WWW,59#'
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator

from dtmfkit._errors import AudioFileError

__all__ = ["replacing", "write_bytes"]


def _failure(path: str | os.PathLike[str], exc: OSError) -> AudioFileError:
    reason = exc.strerror or str(exc)
    return AudioFileError(f"cannot write {os.fspath(path)!r}: {reason}")


@contextlib.contextmanager
def replacing(target: str | os.PathLike[str]) -> Iterator[str]:
    """Yield a fresh temporary path beside `target`; rename it over `target` on success.

    The temporary name is short and fixed in length, so that a target name as long as the
    filesystem allows still works.

    Raises
    ------
    AudioFileError
        The temporary file could not be created or renamed (an :class:`OSError`).
    """
    destination = os.fspath(target)
    folder = os.path.dirname(destination)
    temporary = os.path.join(folder, f".dtmfkit-{os.urandom(6).hex()}.tmp")
    try:
        os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except OSError as exc:
        raise _failure(target, exc) from exc
    try:
        yield temporary
        with contextlib.suppress(FileNotFoundError):
            os.chmod(temporary, stat.S_IMODE(os.stat(destination).st_mode))
        os.replace(temporary, destination)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        if isinstance(exc, OSError) and not isinstance(exc, AudioFileError):
            raise _failure(target, exc) from exc
        raise


def write_bytes(target: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to `target` atomically (see :func:`replacing`)."""
    with replacing(target) as temporary, open(temporary, "wb") as file:
        file.write(data)
