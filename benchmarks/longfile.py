"""A long recording, decoded as a whole process: wall time and peak memory, beside multimon-ng.

    python -m benchmarks.longfile [--hours 2] [--rate 44100] [--every 60] [--json FILE]

The recording is what a call recorder keeps: 16-bit stereo WAV at 44.1 kHz, `hours` long
(2.5 GB for two hours). The left channel is speech (the speech corpus, resampled by sox)
with a string of 12 keys every `every` seconds; the right channel is the same speech alone,
6 dB down. It is built once, in blocks, and cached beside the corpora.

Each decoder runs as its own process on the file, as a user would run it: ``dtmfkit decode
FILE`` and ``multimon-ng -a DTMF -t wav FILE`` (which has sox resample the file to 22050 Hz
mono through a pipe), `repeat` times: the median wall time is shown. Peak memory is the
largest resident set of the program, as GNU time reports it (multimon-ng's without its sox).
Both should hear every key of every string.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

import dtmfkit
from benchmarks.corpus import corpus, folder
from benchmarks.machine import describe

KEYS = "123A456B789C*0#D"


def strings(count: int) -> list[str]:
    """The strings the recording carries: 12 keys each, every key in turn."""
    cycle = KEYS * 12
    return [cycle[(12 * i) % 16 :][:12] for i in range(count)]


def build(hours: float, rate: int, every: float) -> tuple[Path, list[str]]:
    """The recording (built in blocks of one string's period if not cached) and its strings."""
    path = folder() / f"call-{hours:g}h-{rate}-every{every:g}.wav"
    count = int(hours * 3600 // every)
    expected = strings(count)
    if path.exists():
        return path, expected
    speech_path = corpus("speech", min(2.0, max(0.05, hours)), 1)
    period = round(every * rate)
    partial = path.with_suffix(".partial.wav")
    sox = subprocess.Popen(
        [
            "sox",
            "-V1",
            str(speech_path),
            "-t",
            "raw",
            "-e",
            "float",
            "-b",
            "32",
            "-r",
            str(rate),
            "-c",
            "1",
            "-",
            "repeat",
            "-",
        ],
        stdout=subprocess.PIPE,
    )
    assert sox.stdout is not None
    try:
        with sf.SoundFile(partial, "w", rate, 2, "PCM_16", format="WAV") as out:
            for text in expected:
                raw = sox.stdout.read(4 * period)
                speech = np.frombuffer(raw, dtype="<f4").astype(np.float32)
                speech = np.pad(speech, (0, period - speech.size))
                keys = dtmfkit.render(text, rate=rate, dtype="float32")
                left = speech.copy()
                start = period // 4
                left[start : start + keys.size] += keys
                right = speech * 0.5
                out.write(np.clip(np.stack([left, right], axis=1), -1, 1))
    finally:
        sox.kill()
        sox.wait()
    partial.replace(path)
    return path, expected


def measure(command: list[str]) -> dict[str, Any]:
    """Run `command`; its stdout, wall time and peak resident memory (MB). The memory is GNU
    time's figure where /usr/bin/time is, which sees the program alone; else wait4's, which
    also counts what the process inherited from this one before it ran the program."""
    import tempfile

    timer = Path("/usr/bin/time")
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "time"
        wrapped = [str(timer), "-f", "%M", "-o", str(report), *command]
        out_path, err_path = Path(folder) / "out", Path(folder) / "err"
        with out_path.open("wb") as out, err_path.open("wb") as err:
            began = time.perf_counter()
            process = subprocess.Popen(
                wrapped if timer.exists() else command, stdout=out, stderr=err
            )
            _, status, usage = os.wait4(process.pid, 0)
            wall = time.perf_counter() - began
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"{command[0]} failed: {err_path.read_text(errors='replace')}")
        peak_kb = int(report.read_text().split()[-1]) if timer.exists() else usage.ru_maxrss
        return {"stdout": out_path.read_text(), "wall_s": wall, "peak_mb": peak_kb / 1024}


def median_run(command: list[str], repeat: int) -> dict[str, Any]:
    """`measure` `repeat` times: the median wall time, the largest peak memory."""
    runs = [measure(command) for _ in range(repeat)]
    runs.sort(key=lambda run: run["wall_s"])
    middle = dict(runs[len(runs) // 2])
    middle["peak_mb"] = max(run["peak_mb"] for run in runs)
    return middle


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=2.0)
    parser.add_argument("--rate", type=int, default=44100)
    parser.add_argument("--every", type=float, default=60.0, help="seconds between strings")
    parser.add_argument("--repeat", type=int, default=3, help="runs per decoder (median)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    path, expected = build(args.hours, args.rate, args.every)
    size_gb = path.stat().st_size / 1e9
    rows = []
    ours = median_run([sys.executable, "-m", "dtmfkit", "decode", str(path)], args.repeat)
    heard = ours["stdout"].strip()
    rows.append(("dtmfkit decode", ours, heard))
    program = shutil.which("multimon-ng")
    if program:
        theirs = median_run(
            [program, "-q", "-c", "-a", "DTMF", "-t", "wav", str(path)], args.repeat
        )
        keys = "".join(
            line[5:].strip() for line in theirs["stdout"].splitlines() if line.startswith("DTMF:")
        )
        rows.append(("multimon-ng -a DTMF -t wav", theirs, keys))
    else:
        print("multimon-ng not found: install the Debian package multimon-ng", file=sys.stderr)

    want = "".join(expected)
    print(
        f"{args.hours:g} h of {args.rate} Hz 16-bit stereo WAV ({size_gb:.2f} GB): speech, "
        f"and {len(expected)} strings of 12 keys"
    )
    print(f"machine: {describe()}")
    print(f"{'decoder':<30} {'wall s':>8} {'audio s / s':>12} {'peak MB':>8}  keys")
    figures = []
    for name, result, keys in rows:
        verdict = "all heard" if keys == want else f"{len(keys)} heard, {len(want)} sent"
        seconds = args.hours * 3600
        print(
            f"{name:<30} {result['wall_s']:>8.1f} {seconds / result['wall_s']:>12.0f} "
            f"{result['peak_mb']:>8.1f}  {verdict}"
        )
        figures.append(
            {
                "name": name,
                "wall_s": result["wall_s"],
                "peak_mb": result["peak_mb"],
                "exact": keys == want,
                "keys": len(keys),
            }
        )
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": describe(), "rows": figures}, indent=2))
    return 0 if rows[0][2] == want else 1


if __name__ == "__main__":
    sys.exit(main())
