"""The notebooks run from a fresh kernel without an error, show the pictures they are meant to
show (cells tagged ``picture`` must give an image/png output), and are stored without outputs."""

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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_runs_and_shows_its_pictures(path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": path.parent}}
    )
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    pictures = [c for c in notebook.cells if "picture" in c.get("metadata", {}).get("tags", [])]
    for cell in pictures:
        kinds = {kind for output in cell.outputs for kind in output.get("data", {})}
        assert "image/png" in kinds, f"{path.name}: no picture from {cell.source[:60]!r}"
    if path.name != "02_send_through_the_emulator.ipynb":
        assert pictures, f"{path.name} shows a picture: tag its cell 'picture'"
