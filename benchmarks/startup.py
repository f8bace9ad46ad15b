"""Start-up: ``dtmfkit render`` as a whole process against a bare ``import numpy, soundfile``.

    python -m benchmarks.startup [--runs 31] [--json FILE]

Users call the command line in shell loops, where each call pays Python's start-up and the
imports. Both processes run from this interpreter's environment, alternately, in the same run;
the figures are medians of wall time (and the fastest run, which a noisy machine disturbs
least). ``sox`` synthesizing the same tone is timed too when it is
installed, as what a shell user compares with.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.machine import describe

TARGET = 1.25


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=31)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        out = str(Path(folder) / "x.wav")
        commands = {
            "import numpy, soundfile": [sys.executable, "-c", "import numpy, soundfile"],
            "dtmfkit render 1 -o x.wav": [
                sys.executable,
                "-c",
                "import sys; from dtmfkit._cli import main; sys.exit(main())",
                "render",
                "1",
                "-o",
                out,
            ],
            "dtmfkit decode x.wav": [
                sys.executable,
                "-c",
                "import sys; from dtmfkit._cli import main; sys.exit(main())",
                "decode",
                out,
            ],
        }
        sox = shutil.which("sox")
        if sox:
            commands["sox -n x.wav synth 0.2 sine 697 sine 1209"] = [
                sox,
                "-n",
                out,
                "synth",
                "0.2",
                "sine",
                "697",
                "sine",
                "1209",
            ]
        for command in commands.values():  # warm the file cache
            wall(command)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                times[name].append(wall(command))
    medians = {name: statistics.median(values) for name, values in times.items()}
    fastest = {name: min(values) for name, values in times.items()}
    reference = medians["import numpy, soundfile"]
    print(f"machine: {describe()}; {args.runs} runs each, alternating")
    print(f"{'process':<45} {'median s':>9} {'ratio':>7} {'fastest s':>10} {'ratio':>7}")
    for name, seconds in medians.items():
        best = fastest[name] / fastest["import numpy, soundfile"]
        print(
            f"{name:<45} {seconds:>9.3f} {seconds / reference:>6.2f}x "
            f"{fastest[name]:>10.3f} {best:>6.2f}x"
        )
    ratio = medians["dtmfkit render 1 -o x.wav"] / reference
    print(f"dtmfkit render / import numpy, soundfile: {ratio:.2f}x (target <= {TARGET}x)")
    if args.json:
        figures = {"machine": describe(), "median_s": medians, "fastest_s": fastest}
        Path(args.json).write_text(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
