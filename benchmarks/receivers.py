"""The DTMF receivers the decoder benchmarks compare, behind one interface.

Each receiver takes mono int16 audio at 8000 Hz and returns the keys it heard, in order:

- ``dtmfkit``: :func:`dtmfkit.decode`, in this process;
- ``multimon-ng``: Debian's ``multimon-ng -a DTMF``, fed the audio resampled to the 22050 Hz
  it reads raw (a polyphase filter, scipy's ``resample_poly``);
- ``spandsp``: spandsp's ``dtmf_rx`` with its defaults, through ``spandsp_rx.c`` (this
  folder), compiled on first use against ``libspandsp-dev``;
- ``dtmfkit@PATH`` (``--baseline PATH``): another checkout of dtmfkit, such as the version
  before this one, in a worker process that imports it from PATH.

A receiver whose program is missing is reported as such and left out; nothing here is part of
the dtmfkit package.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

import dtmfkit

RATE = 8000
MULTIMON_RATE = 22050
HERE = Path(__file__).resolve().parent
# Built programs live outside the tree: nothing generated is ever committed.
BUILD = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "dtmfkit-benchmarks"
# No receiver may take longer than this on one input.
TIMEOUT_S = 600

Audio = npt.NDArray[np.int16]


Chunks = Iterable[Audio]


@dataclass(frozen=True)
class Receiver:
    """A named receiver: ``stream(chunks)`` gives the keys heard in consecutive chunks of
    8 kHz int16 audio, as if they were one signal; ``decode(audio)`` in one."""

    name: str
    stream: Callable[[Chunks], str]

    def decode(self, audio: Audio) -> str:
        return self.stream([audio])


def dtmfkit_receiver() -> Receiver:
    def stream(chunks: Chunks) -> str:
        detector = dtmfkit.Detector(RATE)
        found = [d.key for chunk in chunks for d in detector.feed(chunk)]
        return "".join(found + [d.key for d in detector.finish()])

    return Receiver("dtmfkit", stream)


def _pipe(command: list[str], chunks: Iterable[bytes]) -> str:
    """Run `command` with `chunks` written to its stdin (from a thread: no deadlock however
    much it writes meanwhile); its stdout."""
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    if process.stdin is None or process.stdout is None:  # pragma: no cover - PIPE given
        raise RuntimeError(f"{command[0]}: no pipes")
    stdin = process.stdin
    failure: list[BaseException] = []

    def write() -> None:
        try:
            for chunk in chunks:
                stdin.write(chunk)
        except BaseException as error:  # reported below
            failure.append(error)
        finally:
            stdin.close()

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    with process.stdout:
        out = process.stdout.read()
    writer.join(TIMEOUT_S)
    if process.wait(TIMEOUT_S) != 0 or failure:
        raise RuntimeError(f"{command[0]} failed: {failure or process.returncode}")
    return out.decode("ascii", "replace")


def _upsampled(chunks: Chunks) -> Iterator[bytes]:
    """8000 Hz chunks resampled to 22050 Hz exactly as one pass of resample_poly over the
    whole would: each piece is cut on a multiple of 160 input samples (441 output samples)
    and resampled with 160 samples of context either side, which the filter (20 input
    samples long) never reaches past."""
    from scipy.signal import resample_poly

    up, down, pad = MULTIMON_RATE // 50, RATE // 50, RATE // 50
    pending = np.zeros(0, dtype=np.float64)
    before = np.zeros(0, dtype=np.float64)  # context preceding `pending`
    for chunk in [*chunks, None]:
        if chunk is not None:
            pending = np.concatenate([pending, chunk.astype(np.float64)])
            ready = (pending.size - pad) // down * down
            if ready <= 0:
                continue
        else:
            ready = pending.size
        piece = np.concatenate([before, pending[: ready + pad]])
        out = resample_poly(piece, up, down)
        first = before.size * up // down
        out = out[first : first + -(-ready * up // down)]
        yield np.clip(np.round(out), -32768, 32767).astype("=i2").tobytes()
        before = pending[max(0, ready - pad) : ready]
        pending = pending[ready:]


def multimon_receiver() -> Receiver | None:
    program = shutil.which("multimon-ng")
    if program is None:
        return None

    def stream(chunks: Chunks) -> str:
        out = _pipe([program, "-q", "-c", "-a", "DTMF", "-t", "raw", "-"], _upsampled(chunks))
        return "".join(line[5:].strip() for line in out.splitlines() if line.startswith("DTMF:"))

    return Receiver("multimon-ng", stream)


def spandsp_program() -> Path | None:
    """``spandsp_rx`` built against libspandsp-dev (once per source change), or None."""
    source = HERE / "spandsp_rx.c"
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        return None
    program = BUILD / f"spandsp_rx-{int(source.stat().st_mtime)}"
    if not program.exists():
        BUILD.mkdir(parents=True, exist_ok=True)
        partial = program.with_suffix(".partial")
        built = subprocess.run(
            [compiler, "-O2", "-o", str(partial), str(source), "-lspandsp", "-lm"],
            capture_output=True,
            timeout=TIMEOUT_S,
        )
        if built.returncode != 0:  # no libspandsp-dev here
            return None
        partial.replace(program)
    return program


def spandsp_receiver() -> Receiver | None:
    program = spandsp_program()
    if program is None:
        return None

    def stream(chunks: Chunks) -> str:
        out = _pipe([str(program)], (chunk.astype("<i2").tobytes() for chunk in chunks))
        return "".join(line[:1] for line in out.splitlines())

    return Receiver("spandsp", stream)


# The worker for --baseline: reads (length, int16 samples) frames, answers one JSON line each.
_WORKER = """
import json, struct, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
import dtmfkit
assert dtmfkit.__file__.startswith(sys.argv[1]), dtmfkit.__file__
source, sink = sys.stdin.buffer, sys.stdout
while header := source.read(8):
    (count,) = struct.unpack("<q", header)
    audio = np.frombuffer(source.read(2 * count), dtype="<i2")
    try:
        keys = dtmfkit.decode(audio, 8000)
    except Exception as error:
        keys = "!" + type(error).__name__
    sink.write(json.dumps(keys) + "\\n")
    sink.flush()
"""


def baseline_receiver(path: str) -> Receiver:
    """dtmfkit as imported from another checkout at `path`. A crash there counts as keys
    ``"!ErrorName"``: wrong against every expected string, and visible in the tables."""
    root = str(Path(path).resolve())
    worker = subprocess.Popen(
        [sys.executable, "-c", _WORKER, root],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": root},
        cwd=tempfile.gettempdir(),
        text=False,
    )
    if worker.stdin is None or worker.stdout is None:  # pragma: no cover - PIPE given
        raise RuntimeError("the baseline worker has no pipes")
    stdin, stdout = worker.stdin, worker.stdout

    def decode(audio: Audio) -> str:
        stdin.write(struct.pack("<q", audio.size) + audio.astype("<i2").tobytes())
        stdin.flush()
        line = stdout.readline()
        if not line:
            raise RuntimeError(f"the baseline worker for {root} stopped")
        keys: str = json.loads(line)
        return keys

    def stream(chunks: Chunks) -> str:
        # The old decoder holds a whole signal: long material goes in pieces of 10 minutes.
        pieces, size = [], 0
        keys = ""
        for chunk in chunks:
            pieces.append(chunk)
            size += chunk.size
            if size >= 600 * RATE:
                keys += decode(np.concatenate(pieces))
                pieces, size = [], 0
        return keys + (decode(np.concatenate(pieces)) if pieces else "")

    return Receiver(f"dtmfkit@{Path(path).name}", stream)


def receivers(baseline: str | None = None, *, quiet: bool = False) -> list[Receiver]:
    """Every receiver available here, dtmfkit first; missing ones named on stderr."""
    found = [dtmfkit_receiver()]
    for name, make, hint in (
        ("multimon-ng", multimon_receiver, "apt-get install multimon-ng"),
        ("spandsp", spandsp_receiver, "apt-get install libspandsp-dev gcc"),
    ):
        receiver = make()
        if receiver is None:
            if not quiet:
                print(f"{name}: not available here ({hint})", file=sys.stderr)
        else:
            found.append(receiver)
    if baseline:
        found.append(baseline_receiver(baseline))
    return found


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: keys missed, added or changed."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]
