"""Decoder throughput: dtmfkit against multimon-ng on the same audio, one core.

    python -m benchmarks.decode [--minutes 10] [--repeat 5] [--json FILE]

The audio is dense DTMF (100 ms tones, 100 ms gaps, all 16 keys) at 22050 Hz, the rate
multimon-ng reads raw. Figures are seconds of audio decoded per second of wall time (the
median of the repeats). multimon-ng is timed as a whole process on a raw file; dtmfkit both
in-process on the samples and as a whole ``dtmfkit decode`` process on a WAV of the same audio.
Both must find the same keys.
"""

from __future__ import annotations

import os

# One core: BLAS must not spread the frame products over threads.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

import dtmfkit
from benchmarks.machine import describe

RATE = 22050


def median_seconds(function: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    text = "123A456B789C*0#D" * 5
    one = dtmfkit.render(text, rate=RATE, tone_ms=100, gap_ms=100, dtype="int16")
    copies = max(1, round(args.minutes * 60 * RATE / one.size))
    audio = np.tile(np.concatenate([one, np.zeros(RATE // 10, np.int16)]), copies)
    seconds = audio.size / RATE
    expected = text * copies

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        raw = Path(folder) / "audio.raw"
        wav = Path(folder) / "audio.wav"
        audio.astype("<i2").tofile(raw)
        sf.write(wav, audio, RATE, subtype="PCM_16")

        found = dtmfkit.decode(audio, RATE)
        assert found == expected, "dtmfkit missed keys"
        inproc = median_seconds(lambda: dtmfkit.decode(audio, RATE), args.repeat)
        rows.append(("dtmfkit decode() in-process", inproc))
        command = [sys.executable, "-m", "dtmfkit", "decode", str(wav)]
        cli = median_seconds(
            lambda: subprocess.run(command, check=True, capture_output=True), args.repeat
        )
        rows.append(("dtmfkit decode (whole process)", cli))

        multimon = shutil.which("multimon-ng")
        if multimon:
            mm_command = [multimon, "-q", "-c", "-a", "DTMF", "-t", "raw", str(raw)]
            out = subprocess.run(mm_command, check=True, capture_output=True, text=True).stdout
            keys = "".join(
                line.split(":", 1)[1].strip()
                for line in out.splitlines()
                if line.startswith("DTMF:")
            )
            agree = keys == found
            mm = median_seconds(
                lambda: subprocess.run(mm_command, check=True, capture_output=True), args.repeat
            )
            rows.append(("multimon-ng -a DTMF (whole process)", mm))
        else:
            agree = None
            print("multimon-ng not found: install the Debian package multimon-ng", file=sys.stderr)

    print(f"{seconds:.0f} s of audio at {RATE} Hz, {len(found)} keys; median of {args.repeat}")
    print(f"machine: {describe()}")
    print(f"{'decoder':<40} {'wall s':>8} {'audio s / s':>12}")
    for name, wall in rows:
        print(f"{name:<40} {wall:>8.3f} {seconds / wall:>12.0f}")
    if agree is not None:
        print(f"multimon-ng found the same {len(found)} keys: {agree}")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "audio_seconds": seconds,
                    "rate": RATE,
                    "keys": len(found),
                    "agree": agree,
                    "rows": [
                        {"name": n, "wall_s": w, "audio_s_per_s": seconds / w} for n, w in rows
                    ],
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
