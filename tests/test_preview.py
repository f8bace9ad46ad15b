import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from dtmfkit import preview, render, schedule
from dtmfkit._cli import main


def codes(text: str, **options: object) -> list[str]:
    return [w.code for w in preview(text, **options).warnings]  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["9193334444", "1WWW,59#", "1Ww2Ww1Ww#"])
def test_documentation_examples_warn_of_nothing(text: str) -> None:
    assert codes(text) == []


@pytest.mark.parametrize(
    ("text", "options", "warned"),
    [
        ("12", {"tone_ms": 39}, True),
        ("12", {"tone_ms": 40}, False),
        ("12", {"gap_ms": 39}, True),
        ("12", {"gap_ms": 40}, False),
        ("1W2", {"gap_ms": 10}, False),  # the pause replaces the short gap
        ("1", {"gap_ms": 10}, False),  # no two keys: no gap sounds
    ],
)
def test_short_tone_and_gap(text: str, options: dict[str, object], warned: bool) -> None:
    found = codes(text, **options)
    assert (("short-tone" in found) or ("short-gap" in found)) == warned


@pytest.mark.parametrize(
    ("text", "gap", "warned"),
    [
        ("11", 99, True),
        ("11", 100, False),
        ("12", 50, False),
        ("1w1", 10, False),
        ("919", 50, False),
    ],
)
def test_repeated_key(text: str, gap: int, warned: bool) -> None:
    assert ("repeated-key" in codes(text, gap_ms=gap)) == warned


@pytest.mark.parametrize(
    ("twist", "warned"), [(4.5, True), (4.0, False), (-8.5, True), (-8.0, False), (0.0, False)]
)
def test_twist(twist: float, warned: bool) -> None:
    assert ("twist" in codes("5", twist_db=twist, level_dbm0=-12)) == warned


@pytest.mark.parametrize(
    ("level", "twist", "warned"),
    [
        (-26.0, 0.0, True),
        (-25.0, 0.0, False),
        (-3.0, 4.0, True),
        (-4.0, 4.0, False),
        (0.5, 0, True),
    ],
)
def test_level(level: float, twist: float, warned: bool) -> None:
    assert ("level" in codes("5", level_dbm0=level, twist_db=twist)) == warned


@pytest.mark.parametrize(("rate", "warned"), [(3000, True), (3266, True), (3267, False)])
def test_rate_too_low_for_1633_hz(rate: int, warned: bool) -> None:
    assert ("rate" in codes("D", rate=rate)) == warned


def test_asterisk_skipped_comma() -> None:
    found = preview("1,2", profile="asterisk").warnings
    assert [w.code for w in found] == ["skipped"]
    assert "position 2" in found[0].message
    assert codes("12", profile="asterisk") == []


def test_preview_text_and_data() -> None:
    shown = preview("1WWW,59#")
    text = shown.format()
    assert "total 5.100 s" in text
    assert "timing (catapult): tone 200 ms, gap 400 ms, pauses replace the gap" in text
    assert "sources: grammar, 92-character limit" in text
    assert text.splitlines()[-1] == "warnings: none"
    data = json.loads(shown.to_json())
    assert data["duration_s"] == 5.1
    assert data["warnings"] == []
    assert data["events"][5]["low_hz"] == 770
    assert "'1WWW,59#'" in repr(shown.timeline)


def test_timeline_repr_is_readable() -> None:
    assert repr(schedule("1w2")) == (
        "Timeline('1w2', profile='catapult', rate=8000, events=3, length=7200, duration=0.9)"
    )


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_preview_writes_plot_and_wav(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")
    png, wav = tmp_path / "p.png", tmp_path / "p.wav"
    status, out, err = run(
        capsys, "preview", "1w2", "--profile", "asterisk", "--plot", str(png), "--wav", str(wav)
    )
    assert status == 0
    assert "total 1.300 s" in out  # 100 lead + 100 + 250 + 500 + 100 + 250
    assert png.read_bytes()[:4] == b"\x89PNG"
    data, _ = sf.read(wav, dtype="int16")
    assert np.array_equal(data, render("1w2", profile="asterisk", dtype="int16"))
    assert f"wrote {png}" in err


def test_cli_preview_json_and_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "preview", "11", "--gap-ms", "30", "--json")
    assert status == 0
    assert [w["code"] for w in json.loads(out)["warnings"]] == ["short-gap", "repeated-key"]


def test_cli_preview_low_rate_warns_and_refuses_to_render(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(
        capsys, "preview", "1", "--rate", "3000", "--wav", str(tmp_path / "a.wav")
    )
    assert "rate=3000 Hz cannot carry 1633 Hz" in out
    assert status == 2
    assert "too low" in err
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []
