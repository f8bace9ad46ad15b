"""The notebooks are stored without outputs (pytest --nbmake runs them)."""

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_three_notebooks() -> None:
    assert [p.name for p in NOTEBOOKS] == [
        "01_render_and_preview.ipynb",
        "02_send_through_the_emulator.ipynb",
        "03_throughput_chart.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_without_outputs(path: Path) -> None:
    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == []
            assert cell["execution_count"] is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_use_only_the_public_api(path: Path) -> None:
    source = "".join("".join(cell["source"]) for cell in json.loads(path.read_text())["cells"])
    assert "dtmfkit._" not in source
    for module in ("grammar", "timing", "synth", "catapult", "emulator", "detect"):
        assert f"dtmfkit.{module}" not in source
