"""Sensitivity: exact strings and digit errors against SNR, for every receiver.

    python -m benchmarks.snr [--strings 100] [--snr 30 20 15 10 5 0] [--seed 2]
                             [--baseline PATH] [--json FILE]

Each trial is a string of 8 random keys (all 16 are drawn) rendered by dtmfkit at 8000 Hz,
its tone and gap lengths drawn per string from 60 to 150 ms, between 300 ms of background
before and after. Two backgrounds: white Gaussian noise, and speech (a stretch of the speech
corpus with another seed than the talk-off benchmark's, where speech is active most of the
time). SNR is the DTMF signal's mean power while a tone sounds over the background's mean
power over the whole trial. A string is exact when a receiver hears exactly its keys; the
digit error rate is the edit distance (keys missed, added or changed) over the keys sent.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

import dtmfkit
from benchmarks.corpus import corpus, load
from benchmarks.machine import describe
from benchmarks.receivers import RATE, edit_distance, receivers

KEYS = "123A456B789C*0#D"
LEAD_S = 0.3


Trial = tuple[str, npt.NDArray[np.float64], npt.NDArray[np.bool_]]


def trials(count: int, seed: int) -> list[Trial]:
    """`count` strings, each with its audio (float, full scale 1) and where its tones sound."""
    rng = np.random.default_rng(seed)
    found = []
    for _ in range(count):
        text = "".join(rng.choice(list(KEYS), 8))
        tone, gap = (int(x) for x in rng.integers(60, 151, 2))
        audio = dtmfkit.render(text, rate=RATE, tone_ms=tone, gap_ms=gap, dtype="float64")
        lead = np.zeros(round(LEAD_S * RATE))
        audio = np.concatenate([lead, audio, lead])
        sounding = np.zeros(audio.size, dtype=bool)
        for entry in dtmfkit.schedule(text, rate=RATE, tone_ms=tone, gap_ms=gap).tones:
            sounding[lead.size + entry.start : lead.size + entry.stop] = True
        found.append((text, audio, sounding))
    return found


def speech_stretch(
    speech: npt.NDArray[np.int16], size: int, rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    """A stretch of `size` samples where speech is active (above −45 dBFS) in at least 70 % of
    its 20 ms frames."""
    frame = RATE // 50
    for _ in range(1000):
        first = int(rng.integers(0, speech.size - size))
        piece = speech[first : first + size].astype(np.float64) / 32768
        frames = piece[: piece.size // frame * frame].reshape(-1, frame)
        active = np.mean(np.mean(frames**2, axis=1) > 10 ** (-45 / 10))
        if active >= 0.7:
            return piece
    raise RuntimeError("the speech corpus has no stretch active enough")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strings", type=int, default=100)
    parser.add_argument("--snr", type=float, nargs="+", default=[30, 20, 15, 10, 5, 0])
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--speech-hours", type=float, default=0.5)
    parser.add_argument("--backgrounds", nargs="+", default=["white", "speech"])
    parser.add_argument("--baseline", help="another dtmfkit checkout to measure beside")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    chosen = receivers(args.baseline)
    strings = trials(args.strings, args.seed)
    speech = None
    if "speech" in args.backgrounds:
        speech = load(corpus("speech", args.speech_hours, args.seed))
    rows: list[dict[str, Any]] = []
    for background in args.backgrounds:
        for snr in args.snr:
            rng = np.random.default_rng([args.seed, int(snr * 10), len(background)])
            row: dict[str, Any] = {"background": background, "snr_db": snr, "receivers": {}}
            results = {r.name: [0, 0] for r in chosen}  # exact strings, key errors
            for text, audio, sounding in strings:
                if background == "white":
                    noise = rng.standard_normal(audio.size)
                else:
                    assert speech is not None
                    noise = speech_stretch(speech, audio.size, rng)
                signal_power = np.mean(audio[sounding] ** 2)
                noise *= np.sqrt(signal_power / 10 ** (snr / 10) / np.mean(noise**2))
                mixed = audio + noise
                # As a line would carry it: 16-bit, clipped at full scale.
                pcm = np.clip(np.round(mixed * 32767), -32768, 32767).astype(np.int16)
                for receiver in chosen:
                    heard = receiver.decode(pcm)
                    results[receiver.name][0] += heard == text
                    results[receiver.name][1] += edit_distance(text, heard)
            for name, (exact, errors) in results.items():
                row["receivers"][name] = {
                    "exact": exact / len(strings),
                    "digit_error_rate": errors / (8 * len(strings)),
                }
            rows.append(row)
            print(
                f"{background:<7} {snr:>5g} dB  "
                + "  ".join(
                    f"{n}: {v['exact']:6.1%} exact, {v['digit_error_rate']:6.1%} DER"
                    for n, v in row["receivers"].items()
                ),
                flush=True,
            )

    names = [r.name for r in chosen]
    print(f"\nmachine: {describe()}; {len(strings)} strings of 8 keys per row")
    for measure, label in (("exact", "exact strings"), ("digit_error_rate", "digit error rate")):
        print(f"\n{label}")
        print(f"{'background':<10} {'SNR dB':>6}  " + "  ".join(f"{n:>16}" for n in names))
        for row in rows:
            cells = [f"{row['receivers'][n][measure]:>16.1%}" for n in names]
            print(f"{row['background']:<10} {row['snr_db']:>6g}  " + "  ".join(cells))
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": describe(), "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
