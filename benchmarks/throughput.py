"""Rendering throughput against reference rows measured in the same run.

    python -m benchmarks.throughput [--repeat 5] [--quick] [--json FILE]

Workloads:

- W1: one ``render`` call on a 20-character string with pauses, 8 kHz, the same string again;
- W1n: one ``render`` call per string never rendered before, as most users call it: 5 000
  distinct random 20-digit strings, ``render(s, rate=8000, tone_ms=100, gap_ms=100,
  dtype="int16")`` each;
- W2: 10 000 seeded random 20-digit strings at 8 kHz through ``render_many``;
- W3: 1 000 random 92-digit strings at 48 kHz (100 ms tones and gaps, ~0.9 G samples) through
  ``render_many``, into a fresh output and with ``out=``.

Reference rows, same sizes and dtypes, same run: ``ndarray.copy``, ``np.full`` (a fresh
allocation written once), ``np.copyto`` into a preallocated buffer, a naive per-digit ``np.sin``
renderer, and spandsp's C ``dtmf_tx`` through ctypes when ``libspandsp`` is installed.
Every figure is the median of `--repeat` runs, in output samples per second; ratios compare
rows of one workload. W1 and W1n time each call and its reference copy in the same rounds,
alternating, so that a shared machine's slow spells weigh on both alike. One thread: BLAS and
OpenMP are pinned to one core.
"""

from __future__ import annotations

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse
import ctypes
import ctypes.util
import functools
import gc
import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

import dtmfkit
from benchmarks.machine import describe

W1_TEXT = "121#W91933w4444*0ABC"
DIGITS = "0123456789ABCD*#"


@dataclass
class Row:
    workload: str
    name: str
    dtype: str
    samples: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.samples / self.seconds


def median_time(function: Callable[[], object], repeat: int, number: int = 1) -> float:
    """Median over `repeat` runs of the time of one call (averaged over `number` calls)."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        for _ in range(number):
            function()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def random_texts(count: int, length: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(DIGITS), size=(count, length))
    table = np.array(list(DIGITS))
    return ["".join(row) for row in table[picks]]


def naive_render(text: str, rate: int, tone_ms: int, gap_ms: int) -> npt.NDArray[np.int16]:
    """What most code does: np.sin per digit, then concatenate."""
    pieces = []
    tone = np.arange(round(tone_ms * rate / 1000)) / rate
    gap = np.zeros(round(gap_ms * rate / 1000))
    for index, key in enumerate(text):
        low, high = dtmfkit.FREQUENCIES[key]
        if index:
            pieces.append(gap)
        pieces.append(
            0.22 * np.sin(2 * np.pi * low * tone) + 0.22 * np.sin(2 * np.pi * high * tone)
        )
    return (np.concatenate(pieces) * 32767).astype(np.int16)


class Spandsp:
    """spandsp's dtmf_tx (libspandsp, 8 kHz int16) through ctypes."""

    def __init__(self) -> None:
        name = ctypes.util.find_library("spandsp")
        if name is None:
            raise OSError("libspandsp not found")
        lib = ctypes.CDLL(name)
        lib.dtmf_tx_init.restype = ctypes.c_void_p
        lib.dtmf_tx_init.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        lib.dtmf_tx_put.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        lib.dtmf_tx_set_timing.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
        lib.dtmf_tx.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
        lib.dtmf_tx.restype = ctypes.c_int
        lib.dtmf_tx_free.argtypes = [ctypes.c_void_p]
        self.lib = lib

    def render_all(self, texts: list[str], buffer: npt.NDArray[np.int16]) -> int:
        """Render every text into the reused `buffer`; return the samples made."""
        lib, total = self.lib, 0
        pointer = buffer.ctypes.data
        for text in texts:
            state = lib.dtmf_tx_init(None, None, None)
            lib.dtmf_tx_set_timing(state, 200, 400)
            lib.dtmf_tx_put(state, text.encode(), len(text))
            while made := lib.dtmf_tx(state, pointer, buffer.size):
                total += made
            lib.dtmf_tx_free(state)
        return total


def peak_memory(function: Callable[[], object]) -> int:
    """Peak bytes allocated through Python and numpy while `function` runs."""
    gc.collect()
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def interleaved(
    first: Callable[[], object], second: Callable[[], object], repeat: int, number: int
) -> tuple[float, float]:
    """Median time of one call of each, measured in alternating rounds."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for function, found in zip((first, second), times, strict=True):
            gc.collect()
            start = time.perf_counter()
            for _ in range(number):
                function()
            found.append((time.perf_counter() - start) / number)
    return statistics.median(times[0]), statistics.median(times[1])


def workload_w1(rows: list[Row], repeat: int, count: int) -> None:
    for dtype in ("int16", "float32"):
        size = dtmfkit.samples_needed(W1_TEXT)
        source = np.ones(size, dtype=dtype)
        one, copy = interleaved(
            lambda d=dtype: dtmfkit.render(W1_TEXT, dtype=d),  # type: ignore[misc]
            source.copy,
            max(repeat, 7),
            2000,
        )
        rows.append(Row("W1", "render (one call)", dtype, size, one))
        rows.append(Row("W1", "ndarray.copy", dtype, size, copy))
    # A string never rendered before, each call: the loop most users write.
    texts = random_texts(count, 20, seed=11)
    options: dict[str, Any] = {"rate": 8000, "tone_ms": 100, "gap_ms": 100, "dtype": "int16"}
    size = dtmfkit.samples_needed(texts[0], tone_ms=100, gap_ms=100)
    source = np.ones(size, dtype=np.int16)
    render = dtmfkit.render

    def loop() -> None:
        for text in texts:
            render(text, **options)

    def copies() -> None:
        for _ in texts:
            source.copy()

    fresh, copy = interleaved(loop, copies, max(repeat, 7), 1)
    rows.append(Row("W1n", "render (a new string each call)", "int16", size, fresh / count))
    rows.append(Row("W1n", "ndarray.copy", "int16", size, copy / count))


def workload_w2(rows: list[Row], repeat: int, count: int, spandsp: Spandsp | None) -> None:
    texts = random_texts(count, 20, seed=2)
    size = dtmfkit.samples_needed(texts)
    for dtype in ("int16", "float32"):
        source = np.ones(size, dtype=dtype)
        buffer = np.empty(size, dtype=dtype)
        buffer.fill(0)  # fault its pages in once, as a reused buffer would be
        rows += [
            Row(
                "W2",
                "render_many",
                dtype,
                size,
                median_time(lambda d=dtype: dtmfkit.render_many(texts, dtype=d), repeat),
            ),  # type: ignore[misc]
            Row(
                "W2",
                "render_many(out=)",
                dtype,
                size,
                median_time(functools.partial(dtmfkit.render_many, texts, out=buffer), repeat),
            ),
            Row("W2", "ndarray.copy", dtype, size, median_time(source.copy, repeat)),
            Row(
                "W2",
                "np.full (fresh)",
                dtype,
                size,
                median_time(lambda d=dtype: np.full(size, 1, dtype=d), repeat),
            ),  # type: ignore[misc]
            Row(
                "W2",
                "np.copyto (preallocated)",
                dtype,
                size,
                median_time(functools.partial(np.copyto, buffer, source), repeat),
            ),
            Row(
                "W2",
                "ndarray.fill (preallocated)",
                dtype,
                size,
                median_time(functools.partial(buffer.fill, 1), repeat),
            ),
        ]
        del source, buffer
    subset = texts[: max(1, count // 20)]
    naive_size = sum(naive_render(t, 8000, 200, 400).size for t in subset[:1]) * len(subset)
    rows.append(
        Row(
            "W2",
            "naive np.sin per digit",
            "int16",
            naive_size,
            median_time(
                lambda: [naive_render(t, 8000, 200, 400) for t in subset], max(1, repeat // 2)
            ),
        )
    )
    if spandsp is not None:
        reused = np.empty(8000, dtype=np.int16)
        made = spandsp.render_all(texts[:1], reused) * len(subset)
        rows.append(
            Row(
                "W2",
                "spandsp dtmf_tx (C, ctypes)",
                "int16",
                made,
                median_time(lambda: spandsp.render_all(subset, reused), max(1, repeat // 2)),
            )
        )


def workload_w3(rows: list[Row], repeat: int, count: int) -> dict[str, float]:
    texts = random_texts(count, 92, seed=3)
    options: dict[str, Any] = {"rate": 48000, "tone_ms": 100, "gap_ms": 100}
    size = dtmfkit.samples_needed(texts, **options)
    memory = {}
    for dtype in ("int16", "float32"):
        itemsize = np.dtype(dtype).itemsize
        memory[dtype] = peak_memory(
            lambda d=dtype: dtmfkit.render_many(texts, dtype=d, **options)  # type: ignore[misc]
        ) / (size * itemsize)
        rows += [
            Row(
                "W3",
                "render_many",
                dtype,
                size,
                median_time(lambda d=dtype: dtmfkit.render_many(texts, dtype=d, **options), repeat),
            ),  # type: ignore[misc]
            Row(
                "W3",
                "np.full (fresh)",
                dtype,
                size,
                median_time(lambda d=dtype: np.full(size, 1, dtype=d), repeat),
            ),  # type: ignore[misc]
        ]
        buffer = np.empty(size, dtype=dtype)
        buffer.fill(0)
        source = np.ones(size, dtype=dtype)
        rows += [
            Row(
                "W3",
                "render_many(out=)",
                dtype,
                size,
                median_time(
                    functools.partial(dtmfkit.render_many, texts, out=buffer, **options), repeat
                ),
            ),
            Row(
                "W3",
                "np.copyto (preallocated)",
                dtype,
                size,
                median_time(functools.partial(np.copyto, buffer, source), repeat),
            ),
            Row(
                "W3",
                "ndarray.fill (preallocated)",
                dtype,
                size,
                median_time(functools.partial(buffer.fill, 1), repeat),
            ),
        ]
        del buffer, source
    return memory


def find(rows: list[Row], workload: str, name: str, dtype: str = "int16") -> Row | None:
    return next((r for r in rows if (r.workload, r.name, r.dtype) == (workload, name, dtype)), None)


class Check(NamedTuple):
    """A target: the measured ratio, the ratio required, and where the target is bound by the
    machine, the same ratio for the reference rows themselves (the ceiling of any writer)."""

    label: str
    value: float
    need: float
    ceiling: float | None = None
    ceiling_label: str = ""

    @property
    def at_most(self) -> bool:
        return "at most" in self.label

    @property
    def met(self) -> bool:
        return self.value <= self.need if self.at_most else self.value >= self.need


def targets(rows: list[Row], memory: dict[str, float]) -> list[Check]:
    """Every target, measured."""
    checks: list[Check] = []

    def ratio(workload: str, a: str, b: str, dtype: str = "int16") -> float | None:
        first, second = find(rows, workload, a, dtype), find(rows, workload, b, dtype)
        return None if first is None or second is None else first.rate / second.rate

    def check(
        label: str, value: float | None, need: float, ceiling: tuple[str, float | None] = ("", None)
    ) -> None:
        """Add a target if it was measured, with its ceiling on this machine, if any: a label
        and the same ratio for the reference rows."""
        if value is not None:
            name, bound = ceiling
            checks.append(Check(label, value, need, bound, name if bound is not None else ""))

    copyto, spandsp = "np.copyto (preallocated)", "spandsp dtmf_tx (C, ctypes)"
    # A large copyto streams past the cache without reading what it overwrites; any writer of
    # small pieces uses ordinary stores, as `fill` does: the ceiling of `out=`.
    fill = "ndarray.fill (preallocated)"
    check("W2 render_many / ndarray.copy", ratio("W2", "render_many", "ndarray.copy"), 0.7)
    out, bound = ratio("W2", "render_many(out=)", copyto), ratio("W2", fill, copyto)
    check("W2 render_many(out=) / np.copyto", out, 0.7, ("ndarray.fill / np.copyto", bound))
    check("W3 render_many / np.full", ratio("W3", "render_many", "np.full (fresh)"), 0.9)
    out, bound = ratio("W3", "render_many(out=)", copyto), ratio("W3", fill, copyto)
    check("W3 render_many(out=) / np.copyto", out, 0.8, ("ndarray.fill / np.copyto", bound))
    check("W1 render / ndarray.copy", ratio("W1", "render (one call)", "ndarray.copy"), 0.3)
    fresh = ratio("W1n", "render (a new string each call)", "ndarray.copy")
    check("W1n render of new strings / ndarray.copy", fresh, 0.3)
    # No writer of the same output outruns a memory copy into it.
    out, bound = ratio("W2", "render_many(out=)", spandsp), ratio("W2", copyto, spandsp)
    check("W2 render_many(out=) / spandsp", out, 10.0, ("np.copyto / spandsp", bound))
    for workload, name in (("W2", "render_many"), ("W3", "render_many")):
        f32, i16 = find(rows, workload, name, "float32"), find(rows, workload, name, "int16")
        reference = "ndarray.copy" if workload == "W2" else "np.full (fresh)"
        r32, r16 = (
            find(rows, workload, reference, "float32"),
            find(rows, workload, reference, "int16"),
        )
        if f32 and i16:
            # float32 moves twice the bytes; "within 2x" compares the time per sample.
            checks.append(
                Check(
                    f"{workload} float32 / int16 samples per s",
                    f32.rate / i16.rate,
                    0.5,
                    r32.rate / r16.rate if r32 and r16 else None,
                    f"{reference} float32 / int16",
                )
            )
    for dtype, peak in memory.items():
        checks.append(Check(f"W3 peak memory / output size ({dtype}), at most", peak, 1.2))
    return checks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    w1_count, w2_count, w3_count = (200, 200, 10) if args.quick else (5_000, 10_000, 1_000)
    try:
        spandsp: Spandsp | None = Spandsp()
    except OSError:
        spandsp = None

    rows: list[Row] = []
    workload_w1(rows, args.repeat, w1_count)
    workload_w2(rows, args.repeat, w2_count, spandsp)
    memory = workload_w3(rows, args.repeat, w3_count)

    print(f"machine: {describe()}; median of {args.repeat}")
    print(f"{'work':<4} {'row':<30} {'dtype':<8} {'samples':>13} {'G samples/s':>12}")
    for row in rows:
        print(
            f"{row.workload:<4} {row.name:<30} {row.dtype:<8} {row.samples:>13,} "
            f"{row.rate / 1e9:>12.3f}"
        )
    checks = targets(rows, memory)
    print()
    for check in checks:
        line = (
            f"{check.label:<48} {check.value:>8.2f}  "
            f"(target {'<=' if check.at_most else '>='} {check.need}) "
            f"{'met' if check.met else 'MISSED'}"
        )
        if check.ceiling is not None:
            line += f"; here {check.ceiling_label} = {check.ceiling:.2f}"
        print(line)
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "machine": describe(),
                    "repeat": args.repeat,
                    "rows": [asdict(r) | {"samples_per_s": r.rate} for r in rows],
                    "targets": [
                        {
                            "target": c.label,
                            "value": c.value,
                            "need": c.need,
                            "met": c.met,
                            "ceiling": c.ceiling,
                            "ceiling_of": c.ceiling_label or None,
                        }
                        for c in checks
                    ],
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
