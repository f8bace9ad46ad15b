"""Talk-off: false keys per hour in speech, music, sweeps and noise, for every receiver.

    python -m benchmarks.talkoff [--speech-hours 2] [--music-hours 0.5] [--seed 1]
                                [--baseline PATH] [--details] [--json FILE]

The corpora (see ``benchmarks/corpus.py``) hold no DTMF at all, so every key a receiver
reports in them is false. Each receiver hears each corpus as one stream, in blocks of 2**20
samples. ``--details`` lists dtmfkit's false keys with what it measured and the clip they came
from; ``--baseline PATH`` adds another checkout of dtmfkit (the version before this one).
"""

from __future__ import annotations

import argparse
import bisect
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import soundfile as sf

import dtmfkit
from benchmarks.corpus import add_corpus_arguments, chosen_corpora, clips, corpus
from benchmarks.machine import describe
from benchmarks.receivers import RATE, Audio, receivers

BLOCK = 2**20


def blocks(path: Path) -> Iterator[Audio]:
    with sf.SoundFile(path) as file:
        if file.samplerate != RATE or file.channels != 1:
            raise ValueError(f"{path}: not mono at {RATE} Hz")
        while True:
            block = file.read(BLOCK, dtype="int16")
            if not block.size:
                return
            yield block


def details(path: Path) -> list[dict[str, Any]]:
    """dtmfkit's false keys in `path`, each with its measurements and its clip."""
    manifest = list(clips(path))
    starts = [clip["start_s"] for clip in manifest]
    detector = dtmfkit.Detector(RATE)
    found = [d for block in blocks(path) for d in detector.feed(block)] + detector.finish()
    rows = []
    for detection in found:
        clip = manifest[max(0, bisect.bisect_right(starts, detection.start) - 1)]
        rows.append({**detection.to_dict(), "clip": clip})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_corpus_arguments(parser)
    parser.add_argument("--baseline", help="another dtmfkit checkout to measure beside")
    parser.add_argument("--details", action="store_true", help="list dtmfkit's false keys")
    parser.add_argument("--only", help="only this receiver (dtmfkit, multimon-ng, spandsp)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    chosen = [r for r in receivers(args.baseline) if args.only in (None, r.name)]
    rows = []
    for kind, hours in chosen_corpora(args):
        if hours <= 0:
            continue
        path = corpus(kind, hours, args.seed)
        seconds = sf.info(path).frames / RATE
        row: dict[str, Any] = {"corpus": kind, "hours": seconds / 3600, "receivers": {}}
        for receiver in chosen:
            began = time.perf_counter()
            keys = receiver.stream(blocks(path))
            row["receivers"][receiver.name] = {
                "false_keys": len(keys),
                "per_hour": len(keys) / (seconds / 3600),
                "keys": keys,
                "wall_s": time.perf_counter() - began,
            }
        rows.append(row)
        if args.details:
            for found in details(path):
                clip = {k: v for k, v in found.pop("clip").items() if k not in ("seed",)}
                print(f"  {kind}: {json.dumps(found)}  from {json.dumps(clip)}")

    names = [r.name for r in chosen]
    print(f"machine: {describe()}")
    print(f"{'corpus':<8} {'hours':>6}  " + "  ".join(f"{n:>22}" for n in names))
    for row in rows:
        cells = []
        for name in names:
            figure = row["receivers"][name]
            cells.append(f"{figure['false_keys']:>6} ({figure['per_hour']:>6.2f}/h)".rjust(22))
        print(f"{row['corpus']:<8} {row['hours']:>6.2f}  " + "  ".join(cells))
    print("false keys (false keys per hour); every corpus is free of DTMF")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": describe(), "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
