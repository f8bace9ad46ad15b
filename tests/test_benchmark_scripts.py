"""The benchmark scripts run (at small sizes); their figures are not asserted."""

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_script(module: str, out: Path, *options: str) -> tuple[str, dict[str, Any]]:
    """Run a benchmark script with --json; return its stdout and its results."""
    done = subprocess.run(
        [sys.executable, "-m", module, *options, "--repeat", "1", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout, json.loads(out.read_text())


def test_throughput_script_runs(tmp_path: Path) -> None:
    stdout, results = run_script("benchmarks.throughput", tmp_path / "t.json", "--quick")
    names = {(row["workload"], row["name"]) for row in results["rows"]}
    assert {("W1", "ndarray.copy"), ("W2", "render_many"), ("W3", "np.full (fresh)")} <= names
    assert "W2 render_many / ndarray.copy" in stdout
    checks = {check["target"]: check for check in results["targets"]}
    assert all(isinstance(check["met"], bool) for check in checks.values())
    # A target bound by the machine shows what the reference rows reach on it.
    spandsp = checks.get("W2 render_many(out=) / spandsp")
    if spandsp is not None:
        assert spandsp["ceiling_of"] == "np.copyto / spandsp"
        assert spandsp["ceiling"] > 0


def test_decode_script_runs(tmp_path: Path) -> None:
    _, results = run_script("benchmarks.decode", tmp_path / "d.json", "--minutes", "0.1")
    assert results["keys"] > 0
    assert results["agree"] in (True, None)


def test_load_script_runs_and_every_call_hears_its_strings() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.load", "--threads", "8", "--sends", "25"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    # The script exits 1 on any error, wrong string or wrong audio length.
    assert done.returncode == 0, done.stdout + done.stderr
    assert "8 threads x 25 sends = 200 requests" in done.stdout
    assert "errors 0, calls with wrong strings 0, calls with wrong audio length 0" in done.stdout


def run_module(module: str, *options: str, env: dict[str, str] | None = None) -> str:
    """Run a benchmark module to the end; its stdout."""
    done = subprocess.run(
        [sys.executable, "-m", module, *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def corpus_env(tmp_path: Path) -> dict[str, str]:
    """The corpora and built programs go to a folder of this test's own."""
    import os

    return {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}


needs_tools = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("espeak-ng", "sox")),
    reason="the corpora need espeak-ng and sox (.ci/run installs them)",
)


@needs_tools
def test_talkoff_script_runs_on_small_corpora(tmp_path: Path) -> None:
    out = run_module(
        "benchmarks.talkoff",
        "--speech-hours",
        "0.01",
        "--music-hours",
        "0.005",
        "--sweep-hours",
        "0.005",
        "--noise-hours",
        "0.005",
        "--seed",
        "11",
        "--json",
        str(tmp_path / "t.json"),
        env=corpus_env(tmp_path),
    )
    assert "false keys (false keys per hour)" in out
    rows = json.loads((tmp_path / "t.json").read_text())["rows"]
    assert [row["corpus"] for row in rows] == ["speech", "music", "sweeps", "noise"]
    assert all("dtmfkit" in row["receivers"] for row in rows)


@needs_tools
def test_snr_script_runs(tmp_path: Path) -> None:
    out = run_module(
        "benchmarks.snr",
        "--strings",
        "3",
        "--snr",
        "20",
        "0",
        "--speech-hours",
        "0.01",
        "--seed",
        "11",
        env=corpus_env(tmp_path),
    )
    assert "exact strings" in out
    assert "digit error rate" in out


def test_conformance_script_runs() -> None:
    out = run_module("benchmarks.conformance", "--noise-bursts", "5")
    assert "decode check (of 160)" in out
    row = next(line for line in out.splitlines() if line.startswith("decode check"))
    assert row.split()[4] == "160"  # dtmfkit hears every key of the decode check


@needs_tools
def test_longfile_script_runs(tmp_path: Path) -> None:
    out = run_module(
        "benchmarks.longfile",
        "--hours",
        "0.01",
        "--every",
        "10",
        "--repeat",
        "1",
        env=corpus_env(tmp_path),
    )
    assert "dtmfkit decode" in out


def test_dataset_script_runs(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    out = run_module(
        "benchmarks.dataset",
        "--count",
        "20",
        "--shard-size",
        "5",
        "--json",
        str(tmp_path / "d.json"),
    )
    rows = [row["row"] for row in json.loads((tmp_path / "d.json").read_text())["rows"]]
    assert rows == [
        "dataset, Dask, 1 worker(s)",
        "dataset, Dask, 2 worker(s)",
        "render_many, 8 kHz, one process",
        "FLAC encoding alone (soundfile), one process",
    ]
    assert "strings/s" in out
