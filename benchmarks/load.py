"""Load: many client threads sending DTMF to the emulator on loopback, all checked.

    python -m benchmarks.load [--threads 50] [--sends 200]

Every thread owns two calls and alternates between them, each send a distinct string, through
one shared :class:`dtmfkit.CatapultClient`. Afterwards every call must have heard exactly its
strings, once each and in order, and its recorded audio must be exactly as long as their
renderings. Prints requests per second (loopback only; bounded: threads × sends requests).
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import dtmfkit
from benchmarks.machine import describe

#: The emulator records at this rate to keep its memory small (above 3266 Hz for 1633 Hz).
RATE = 4000


@dataclass
class LoadResult:
    threads: int
    sends: int
    errors: int
    seconds: float
    mismatched_calls: int
    audio_mismatches: int

    @property
    def per_second(self) -> float:
        return self.sends / self.seconds


def run_load(threads: int = 50, sends_per_thread: int = 200) -> LoadResult:
    """Run the load and check every call; see the module docstring."""
    with dtmfkit.Emulator(rate=RATE) as emulator:
        client = dtmfkit.CatapultClient(
            *emulator.credentials,
            base_url=emulator.base_url,
            timeout=(5.0, 30.0),
            pool_size=threads,
        )
        calls = [[emulator.create_call(), emulator.create_call()] for _ in range(threads)]
        plan = {
            (t, i): (calls[t][i % 2], f"{t * sends_per_thread + i:04d}")
            for t in range(threads)
            for i in range(sends_per_thread)
        }

        def worker(t: int) -> int:
            errors = 0
            for i in range(sends_per_thread):
                call_id, text = plan[(t, i)]
                try:
                    client.send_dtmf(call_id, text)
                except dtmfkit.CatapultError:
                    errors += 1
            return errors

        start = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            errors = sum(pool.map(worker, range(threads)))
        seconds = time.perf_counter() - start
        client.close()

        mismatched = audio_mismatches = 0
        for t in range(threads):
            for k, call_id in enumerate(calls[t]):
                expected = [plan[(t, i)][1] for i in range(k, sends_per_thread, 2)]
                if emulator.heard(call_id) != expected:
                    mismatched += 1
                length = dtmfkit.samples_needed(expected, rate=RATE) if expected else 0
                if emulator.audio(call_id).size != length:
                    audio_mismatches += 1
    return LoadResult(
        threads, threads * sends_per_thread, errors, seconds, mismatched, audio_mismatches
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=50)
    parser.add_argument("--sends", type=int, default=200, help="sends per thread")
    args = parser.parse_args()
    result = run_load(args.threads, args.sends)
    print(f"machine: {describe()}")
    print(
        f"{result.threads} threads x {args.sends} sends = {result.sends} requests in "
        f"{result.seconds:.2f} s: {result.per_second:.0f} requests/s; errors {result.errors}, "
        f"calls with wrong strings {result.mismatched_calls}, "
        f"calls with wrong audio length {result.audio_mismatches}"
    )
    return 0 if not (result.errors or result.mismatched_calls or result.audio_mismatches) else 1


if __name__ == "__main__":
    sys.exit(main())
