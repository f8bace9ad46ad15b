import os
import stat
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import dtmfkit
from dtmfkit import AudioFileError, ParameterError, read, render, render_to_file, schedule, write


def test_wav_pcm16_round_trip_is_exact(tmp_path: Path) -> None:
    path = tmp_path / "pin.wav"
    timeline = render_to_file(path, "1WWW,59#")
    data, rate = sf.read(path, dtype="int16")
    assert rate == 8000
    assert sf.info(path).subtype == "PCM_16"
    assert timeline.length == data.size == 40_800
    assert np.array_equal(data, render("1WWW,59#", dtype="int16"))


def test_render_to_file_writes_exactly_the_timeline(tmp_path: Path) -> None:
    timeline = schedule("1w#", rate=16000, profile="asterisk")
    assert render_to_file(tmp_path / "a.wav", timeline) == timeline
    data, rate = sf.read(tmp_path / "a.wav", dtype="int16")
    assert rate == 16000
    assert np.array_equal(data, render(timeline, dtype="int16"))


def test_write_writes_audio_it_is_given(tmp_path: Path) -> None:
    audio = render("159#", dtype="int16")
    write(tmp_path / "a.wav", audio, rate=8000)
    render_to_file(tmp_path / "b.wav", "159#")
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()


@pytest.mark.parametrize(
    ("name", "subtype", "tolerance"),
    [
        ("a.flac", "PCM_16", 1 / 32767),
        ("a.flac", "PCM_24", 1e-6),
        ("a.wav", "FLOAT", 1e-7),
        ("a.wav", "ULAW", 0.02),
        ("a.wav", "ALAW", 0.02),
    ],
)
def test_formats_and_subtypes(tmp_path: Path, name: str, subtype: str, tolerance: float) -> None:
    path = tmp_path / name
    render_to_file(path, "1Ww2Ww1Ww#", subtype=subtype, rate=16000)
    info = sf.info(path)
    assert (info.format, info.subtype, info.samplerate) == (
        dtmfkit._io.FORMATS[path.suffix],
        subtype,
        16000,
    )
    audio, rate = read(path)
    expected = render("1Ww2Ww1Ww#", rate=16000, dtype="float64")
    assert rate == 16000
    assert np.max(np.abs(audio - expected)) < tolerance
    # A-law has no zero code: its quietest value is 1/4096 of full scale.
    silence = 1 / 4096 if subtype == "ALAW" else 0
    assert np.all(np.abs(audio[expected == 0]) <= silence)


@pytest.mark.parametrize(
    ("name", "subtype", "message"),
    [
        ("a.mp3", "PCM_16", r"cannot tell the audio format of '.*a\.mp3'"),
        ("a.flac", "ULAW", "FLAC cannot hold subtype 'ULAW'"),
        ("a.wav", "PCM_8", "subtype must be one of"),
    ],
)
def test_bad_target_writes_nothing(tmp_path: Path, name: str, subtype: str, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        render_to_file(tmp_path / name, "1", subtype=subtype)
    with pytest.raises(ParameterError, match=message):
        write(tmp_path / name, render("1"), rate=8000, subtype=subtype)
    assert list(tmp_path.iterdir()) == []


def test_bad_text_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="position 2"):
        render_to_file(tmp_path / "a.wav", "1x")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("audio", "kwargs", "error", "message"),
    [
        ([0.0, 0.1], {"rate": 8000}, TypeError, "1-D numpy array"),
        (np.zeros((4, 2)), {"rate": 8000}, TypeError, "1-D numpy array"),
        (np.zeros(4), {"rate": 8000.0}, TypeError, "rate must be an integer"),
        (np.zeros(4), {"rate": 0}, ParameterError, "rate must be from 1"),
    ],
)
def test_write_refuses_bad_audio_and_rates(
    tmp_path: Path, audio: object, kwargs: dict[str, object], error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        write(tmp_path / "a.wav", audio, **kwargs)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_missing_directory_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(AudioFileError, match="No such file or directory") as caught:
        render_to_file(tmp_path / "missing" / "a.wav", "1")
    assert isinstance(caught.value, OSError)


def test_failure_mid_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "keep.wav").write_bytes(b"old")

    def broken_write(self: sf.SoundFile, data: object) -> None:
        raise sf.LibsndfileError(0, "disk on fire")

    monkeypatch.setattr(sf.SoundFile, "write", broken_write)
    with pytest.raises(AudioFileError, match="disk on fire"):
        render_to_file(tmp_path / "keep.wav", "1")
    with pytest.raises(AudioFileError):
        write(tmp_path / "new.wav", render("1"), rate=8000)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.wav"]
    assert (tmp_path / "keep.wav").read_bytes() == b"old"


def test_overwriting_keeps_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "secret.wav"
    target.write_bytes(b"old")
    os.chmod(target, 0o600)
    render_to_file(target, "1")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert read(target)[0].size == 1600


def test_a_name_as_long_as_the_filesystem_allows(tmp_path: Path) -> None:
    name = "p" * (os.pathconf(tmp_path, "PC_NAME_MAX") - 4) + ".wav"
    render_to_file(tmp_path / name, "1")
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_read_errors(tmp_path: Path) -> None:
    (tmp_path / "junk.wav").write_bytes(b"not audio")
    with pytest.raises(AudioFileError, match="cannot read"):
        read(tmp_path / "junk.wav")
    with pytest.raises(AudioFileError, match="cannot read"):
        read(tmp_path / "absent.wav")
    sf.write(tmp_path / "stereo.wav", np.zeros((10, 2)), 8000)
    assert read(tmp_path / "stereo.wav", channel=1)[0].shape == (10,)
    with pytest.raises(AudioFileError, match="has 2 channel"):
        read(tmp_path / "stereo.wav", channel=2)
