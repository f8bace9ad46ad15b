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
