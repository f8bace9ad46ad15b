"""Receiver conformance in the manner of spandsp's ``dtmf_rx_tests`` (the Mitel CM7291 tape).

    python -m benchmarks.conformance [--noise-bursts 200] [--json FILE]

Every receiver hears the same synthesized sequences at 8000 Hz, 16-bit: each burst a pair of
sines (closed form) for 50 ms, then 50 ms of silence, levels in dBm0 (0 dBm0 3.17 dB below
full scale). As spandsp's test program does, each section is one stream and a receiver's
score is the number of keys it reports in it:

1. *decode check*: all 16 keys, 10 times each, at −4 dBm0 per tone (160 expected);
2. *bandwidth*: keys 1, 5, 9, D; one tone shifted by 0.1 % steps up to ±6 %, the other
   exact, at −17 dBm0: the acceptance band is (keys heard at − offsets)/10 % below to
   (keys heard at + offsets)/10 % above, per tone (Q.24: ±1.5 % accepted, ±3.5 % rejected);
3. *twist*: keys 1, 5, 9, D; the high tone (normal twist) or the low tone (reverse) lowered
   from −3 dBm0 in 0.1 dB steps to −23 dBm0: the twist accepted is (keys heard)/10 dB
   (spandsp's pass marks: 8 dB normal, 4 dB reverse);
4. *dynamic range*: key 1 with both tones from +3 dBm0 down to −50 dBm0 in 1 dB steps: the
   range is the number heard (spandsp's pass mark: 35 dB);
5. *guard time*: key 1 at −3 dBm0 for 49 ms down to 10 ms in 0.1 ms steps: the shortest
   tone heard is (491 − keys heard)/10 ms, when those heard are the longest (Q.24: 40 ms
   must be heard, 23 ms need not);
6. *break*: key 1 at −3 dBm0, 60 ms on, a break, 60 ms on, 100 ms off, for breaks of 40 ms
   down to 1 ms in 0.5 ms steps: a receiver that splits the key hears two, else one; the
   shortest break that splits is 40 − (splits − 1)/2 ms, when those split are the longest
   (Q.24: a 10 ms break must not split a key, a 40 ms pause must);
7. *signal to noise*: key 1 at −4 dBm0 per tone, `noise-bursts` times, in white Gaussian
   noise from −13 dBm0 down in 1 dB steps: the acceptable S/N is the lowest at which every
   burst is heard, one key each (spandsp's pass mark: 26 dB at most);
8. *dial tone*: all 16 keys at −15 dBm0 under dial tone (350 + 440 Hz) rising from −30 dBm0
   in 1 dB steps: the highest dial tone level under which all 16 are still heard, 10 times.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks.machine import describe
from benchmarks.receivers import RATE, Receiver, receivers

KEYS = "123A456B789C*0#D"
LOW = [697.0, 770.0, 852.0, 941.0]
HIGH = [1209.0, 1336.0, 1477.0, 1633.0]
FULL_SCALE_DBM0 = 3.17


def amplitude(dbm0: float) -> float:
    return float(32767 * 10 ** ((dbm0 - FULL_SCALE_DBM0) / 20))


def burst(
    key: str,
    *,
    low_shift: float = 0.0,
    high_shift: float = 0.0,
    low_dbm0: float = -4.0,
    high_dbm0: float = -4.0,
    on_ms: float = 50.0,
    off_ms: float = 50.0,
) -> npt.NDArray[np.float64]:
    """One key: two sines in closed form, then silence."""
    index = KEYS.index(key)
    t = np.arange(round(on_ms * RATE / 1000)) / RATE
    tone = amplitude(low_dbm0) * np.sin(2 * np.pi * LOW[index // 4] * (1 + low_shift) * t)
    tone += amplitude(high_dbm0) * np.sin(2 * np.pi * HIGH[index % 4] * (1 + high_shift) * t)
    return np.concatenate([tone, np.zeros(round(off_ms * RATE / 1000))])


def pcm(audio: npt.NDArray[np.float64]) -> npt.NDArray[np.int16]:
    return np.clip(np.round(audio), -32768, 32767).astype(np.int16)


def heard(receiver: Receiver, bursts: list[npt.NDArray[np.float64]]) -> int:
    return len(receiver.decode(pcm(np.concatenate(bursts))))


def section(receiver: Receiver, noise_bursts: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    results["decode check (of 160)"] = heard(receiver, [burst(k) for k in KEYS for _ in range(10)])
    for key in "159D":
        for tone in ("low", "high"):
            counts = []
            for sign in (-1, 1):
                bursts = [
                    burst(key, low_dbm0=-17, high_dbm0=-17, **{f"{tone}_shift": sign * i / 1000})
                    for i in range(1, 61)
                ]
                counts.append(heard(receiver, bursts))
            results[f"bandwidth {key} {tone} (%)"] = (
                f"-{counts[0] / 10:.1f} / +{counts[1] / 10:.1f}"
            )
    for key in "159D":
        normal = [burst(key, low_dbm0=-3, high_dbm0=-i / 10) for i in range(30, 231)]
        reverse = [burst(key, low_dbm0=-i / 10, high_dbm0=-3) for i in range(30, 231)]
        results[f"twist {key} normal / reverse (dB)"] = (
            f"{heard(receiver, normal) / 10:.1f} / {heard(receiver, reverse) / 10:.1f}"
        )
    results["dynamic range (dB)"] = heard(
        receiver, [burst("1", low_dbm0=i, high_dbm0=i) for i in range(3, -51, -1)]
    )
    guard = heard(
        receiver, [burst("1", low_dbm0=-3, high_dbm0=-3, on_ms=i / 10) for i in range(490, 99, -1)]
    )
    # Bursts of 49.0, 48.9, ... 10.0 ms: if those heard are the longest, the shortest of
    # them lasts (491 - heard) / 10 ms.
    results["shortest tone heard (ms)"] = round((491 - guard) / 10, 1)
    breaks = [i / 2 for i in range(80, 1, -1)]  # 40.0, 39.5, ... 1.0 ms
    pairs = [
        np.concatenate(
            [
                burst("1", low_dbm0=-3, high_dbm0=-3, on_ms=60, off_ms=b),
                burst("1", on_ms=60, low_dbm0=-3, high_dbm0=-3, off_ms=100),
            ]
        )
        for b in breaks
    ]
    splits = heard(receiver, pairs) - len(breaks)
    results["shortest break that splits (ms)"] = 40 - (splits - 1) / 2 if splits > 0 else None
    rng = np.random.default_rng(1234567)
    one = burst("1")
    signal_db = -4.0 + 3.01  # two tones at -4 dBm0
    acceptable = None
    for noise_dbm0 in range(-13, -50, -1):
        audio = np.concatenate([one] * noise_bursts)
        sigma = amplitude(noise_dbm0) / np.sqrt(2)  # a sine's rms is its amplitude / sqrt 2
        if heard_exactly(receiver, audio + rng.normal(0, sigma, audio.size), "1" * noise_bursts):
            acceptable = round(signal_db - noise_dbm0)
            break
    results["acceptable S/N (dB)"] = acceptable
    t = np.arange(round(1.6 * RATE)) / RATE
    keys = np.concatenate([burst(k, low_dbm0=-15, high_dbm0=-15) for k in KEYS])
    highest = None
    for dial_dbm0 in range(-30, -2):
        dial = amplitude(dial_dbm0) * (np.sin(2 * np.pi * 350 * t) + np.sin(2 * np.pi * 440 * t))
        audio = np.concatenate([keys + dial[: keys.size]] * 10)
        if not heard_exactly(receiver, audio, KEYS * 10):
            break
        highest = dial_dbm0
    results["dial tone tolerated (dBm0)"] = highest
    return results


def heard_exactly(receiver: Receiver, audio: npt.NDArray[np.float64], expected: str) -> bool:
    return receiver.decode(pcm(audio)) == expected


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--noise-bursts", type=int, default=200)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    chosen = receivers()
    table = {r.name: section(r, args.noise_bursts) for r in chosen}
    names = list(table)
    rows = list(table[names[0]])
    print(f"machine: {describe()}; receivers as in benchmarks/receivers.py")
    print(f"{'test':<36}" + "".join(f"{n:>16}" for n in names))
    for row in rows:
        print(f"{row:<36}" + "".join(f"{table[n][row]!s:>16}" for n in names))
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": describe(), "table": table}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
