"""Spectrogram pictures: pixels where the tones are, labels where the keys are."""

from pathlib import Path

import numpy as np
import pytest

from dtmfkit import schedule

pytest.importorskip("matplotlib")


def pixel_brightness(image: np.ndarray, axes: object, t: float, hz: float) -> float:
    x, y = axes.transData.transform((t, hz))  # type: ignore[attr-defined]
    row, column = round(image.shape[0] - y), round(x)
    return float(image[row - 1 : row + 2, column - 1 : column + 2, :3].mean())


def test_spectrogram_png_has_the_tone_bands_where_they_belong(tmp_path: Path) -> None:
    from matplotlib.image import imread

    from dtmfkit.plot import DPI, spectrogram

    figure = spectrogram("5W9")
    target = tmp_path / "pin.png"
    figure.savefig(target, dpi=DPI)
    image = imread(target)
    width, height = figure.get_size_inches() * DPI
    assert image.shape[:2] == (round(height), round(width))
    assert target.stat().st_size > 10_000
    axes = figure.axes[0]
    timeline = schedule("5W9")
    five, pause, _nine = timeline.entries
    middle = (five.start + five.stop) / 2 / 8000
    quiet = (pause.start + pause.stop) / 2 / 8000
    for hz in (770, 1336):
        assert pixel_brightness(image, axes, middle, hz) > 0.6
        assert pixel_brightness(image, axes, quiet, hz) < 0.35
    for hz in (697, 852, 1050, 1209, 1477):  # not the 5's frequencies
        assert (
            pixel_brightness(image, axes, middle, hz)
            < pixel_brightness(image, axes, middle, 770) - 0.3
        )
    labels = [t.get_text() for t in axes.texts]
    assert labels == ["5", "W", "9"]


def mesh_levels(figure: object) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """The levels drawn (frequency rows, time columns), their axes, and the darkest level."""
    axes = figure.axes[0]  # type: ignore[attr-defined]
    mesh = axes.collections[0]
    coordinates = mesh.get_coordinates()  # 'nearest': cell corners around the centres
    rows, columns = coordinates.shape[0] - 1, coordinates.shape[1] - 1
    levels = np.asarray(mesh.get_array()).reshape(rows, columns)
    hz = (coordinates[1:, 0, 1] + coordinates[:-1, 0, 1]) / 2
    t = (coordinates[0, 1:, 0] + coordinates[0, :-1, 0]) / 2
    return levels, hz, t, float(mesh.norm.vmin)


@pytest.mark.parametrize("text", ["1", "12", "1WWW,59#", "D" * 30])
def test_every_key_has_a_label_inside_the_picture(text: str) -> None:
    from dtmfkit.plot import spectrogram

    figure = spectrogram(text)
    figure.canvas.draw()
    axes = figure.axes[0]
    box = axes.get_window_extent()
    labels = [t for t in axes.texts if t.get_text() in "0123456789ABCD*#"]
    assert [t.get_text() for t in labels] == [c for c in text if c not in ",wW"]
    for label in labels:
        extent = label.get_window_extent()
        inside = box.x0 <= extent.x0 <= extent.x1 <= box.x1
        assert inside, label.get_text()
        inside = box.y0 <= extent.y0 <= extent.y1 <= box.y1
        assert inside, label.get_text()


def test_a_colour_bar_gives_levels_in_dbm0_that_read_true() -> None:
    from dtmfkit.plot import spectrogram

    figure = spectrogram("1", level_dbm0=-16, twist_db=3)
    bar = figure.axes[1]
    assert "dBm0" in bar.get_ylabel()
    levels, hz, t, _ = mesh_levels(figure)
    middle = int(np.argmin(np.abs(t - 0.1)))
    for frequency, level in ((697, -16), (1209, -13)):
        row = int(np.argmin(np.abs(hz - frequency)))
        assert levels[row - 2 : row + 3, middle].max() == pytest.approx(level, abs=0.3)


def test_nothing_is_drawn_below_100_hz_and_697_is_apart_from_770() -> None:
    from dtmfkit.plot import spectrogram

    figure = spectrogram("1W2")
    levels, hz, t, darkest = mesh_levels(figure)
    assert hz[0] == 0
    assert np.all(levels[hz < 100] <= darkest)
    middle = int(np.argmin(np.abs(t - 0.1)))  # within the 1: 697 Hz, not 770
    at = {f: levels[int(np.argmin(np.abs(hz - f))), middle] for f in (697, 733.5, 770)}
    assert at[733.5] <= darkest < at[697] - 40
    assert at[770] <= darkest
    ticks = list(figure.axes[0].get_yticks())
    assert ticks[0] == 0
    assert ticks[-1] == 2000
    assert {697, 770, 852, 941, 1209, 1336, 1477, 1633} <= set(ticks)


def test_pauses_are_bounded_one_by_one_and_skipped_characters_are_drawn() -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Polygon, Rectangle

    from dtmfkit.plot import spectrogram

    figure = spectrogram("1,2w3", profile="asterisk")
    axes = figure.axes[0]
    spans = [p for p in axes.patches if isinstance(p, Polygon | Rectangle)]
    timeline = schedule("1,2w3", profile="asterisk")
    pauses = [e for e in timeline.entries if e.event.__class__.__name__ == "Pause"]
    assert len(spans) == len(pauses) == 1
    skipped = [line for line in axes.lines if isinstance(line, Line2D)]
    assert len(skipped) == 1
    assert skipped[0].get_xdata()[0] == pytest.approx(timeline.entries[1].start / 8000)
    legend = [t.get_text() for t in axes.get_legend().get_texts()]
    assert sorted(legend) == ["pause", "skipped by the profile"]
    three = spectrogram("1WWW")
    assert len(three.axes[0].patches) == 3  # each W its own span


@pytest.mark.parametrize(
    ("suffix", "magic"), [(".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF")]
)
def test_the_file_type_follows_the_suffix(tmp_path: Path, suffix: str, magic: bytes) -> None:
    from dtmfkit.plot import save_spectrogram

    target = tmp_path / f"pin{suffix.upper()}"
    save_spectrogram(target, "1W2")
    assert target.read_bytes().startswith(magic)


def test_another_suffix_is_a_clear_error_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dtmfkit import ParameterError
    from dtmfkit._cli import main
    from dtmfkit.plot import save_spectrogram

    with pytest.raises(ParameterError, match=r"use a \.png, \.svg or \.pdf suffix"):
        save_spectrogram(tmp_path / "pin.jpg", "1")
    assert main(["preview", "1", "--plot", str(tmp_path / "pin.jpg")]) == 2
    assert "cannot tell the picture format of" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_figure_shows_itself_in_a_notebook() -> None:
    from dtmfkit.plot import spectrogram

    assert spectrogram("1")._repr_png_().startswith(b"\x89PNG")
