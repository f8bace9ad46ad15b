"""The benchmark scripts run (at small sizes); their figures are not asserted."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

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
