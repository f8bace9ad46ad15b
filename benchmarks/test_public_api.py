"""pytest-benchmark cases for the public functions.

Run them with ``pytest benchmarks --benchmark-enable``; the test run only smokes them
(``--benchmark-disable`` runs each once, untimed).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import dtmfkit
from benchmarks.throughput import W1_TEXT, random_texts

TEXTS = random_texts(500, 20, seed=2)


def test_parse(benchmark: Any) -> None:
    assert benchmark(dtmfkit.parse, W1_TEXT).text == W1_TEXT


def test_schedule(benchmark: Any) -> None:
    assert benchmark(dtmfkit.schedule, W1_TEXT).length == dtmfkit.samples_needed(W1_TEXT)


@pytest.mark.parametrize("dtype", ["int16", "float32"])
def test_render(benchmark: Any, dtype: str) -> None:
    assert benchmark(dtmfkit.render, W1_TEXT, dtype=dtype).dtype == np.dtype(dtype)


@pytest.mark.parametrize("dtype", ["int16", "float32"])
def test_render_many(benchmark: Any, dtype: str) -> None:
    assert len(benchmark(dtmfkit.render_many, TEXTS, dtype=dtype)) == len(TEXTS)


def test_render_many_into_out(benchmark: Any) -> None:
    buffer = np.zeros(dtmfkit.samples_needed(TEXTS), dtype=np.int16)
    assert benchmark(dtmfkit.render_many, TEXTS, out=buffer).audio.base is not None


def test_decode(benchmark: Any) -> None:
    keys = "".join(TEXTS[:4])  # 80 keys, one string: renderings in a batch abut with no gap
    audio = dtmfkit.render(keys, dtype="int16")
    assert benchmark(dtmfkit.decode, audio, 8000) == keys
