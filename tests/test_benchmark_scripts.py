"""The benchmark scripts run (at small sizes); their figures are not asserted."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_throughput_script_runs(tmp_path: Path) -> None:
    out = tmp_path / "throughput.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.throughput",
            "--quick",
            "--repeat",
            "1",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(out.read_text())
    names = {(row["workload"], row["name"]) for row in results["rows"]}
    assert {("W1", "ndarray.copy"), ("W2", "render_many"), ("W3", "np.full (fresh)")} <= names
    assert "W2 render_many / ndarray.copy" in done.stdout


def test_decode_script_runs(tmp_path: Path) -> None:
    out = tmp_path / "decode.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.decode",
            "--minutes",
            "0.1",
            "--repeat",
            "1",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(out.read_text())
    assert results["keys"] > 0
    assert results["agree"] in (True, None)
