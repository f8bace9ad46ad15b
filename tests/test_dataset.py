"""Datasets: the same for a seed whatever runs them, complete or absent shard by shard, a killed
worker's shard run again without loss or duplicate, and every label checked against its audio
by the decoder."""

import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import dtmfkit
from dtmfkit import ParameterError
from dtmfkit._cli import main
from dtmfkit._dataset import Variation, build_dataset, read_labels, render_item

pytest.importorskip("pyarrow")

CLEAN = Variation(
    twist_db=(-6.0, 3.0),
    frequency_offset=0.012,
    tone_ms=(60.0, 250.0),
    gap_ms=(60.0, 400.0),
    jitter=0.1,
    noise_share=0.5,
    snr_db=(15.0, 30.0),
    g711_share=0.5,
)


def audio_of(folder: Path, labels: list[dict[str, object]]) -> list[np.ndarray]:
    return [sf.read(folder / str(row["file"]))[0] for row in labels]


def test_the_same_seed_gives_the_same_dataset_on_one_thread_or_two_processes(
    tmp_path: Path,
) -> None:
    pytest.importorskip("distributed")
    with ThreadPoolExecutor(1) as pool:
        build_dataset(tmp_path / "a", count=30, seed=11, shard_size=7, executor=pool)
    report = build_dataset(tmp_path / "b", count=30, seed=11, shard_size=7, workers=2)
    assert (report.items, report.shards, report.written) == (30, 5, 5)
    one, two = read_labels(tmp_path / "a"), read_labels(tmp_path / "b")
    assert one.equals(two)
    rows = one.to_pylist()
    assert [r["item"] for r in rows] == list(range(30))
    for x, y in zip(audio_of(tmp_path / "a", rows), audio_of(tmp_path / "b", rows), strict=True):
        assert np.array_equal(x, y)


def test_a_rerun_skips_finished_shards_and_a_cut_shard_leaves_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "set"
    with ThreadPoolExecutor(2) as pool:
        first = build_dataset(folder, count=20, seed=2, shard_size=5, executor=pool)
        (folder / ".shard-00009-dead.tmp").mkdir()  # what a killed run leaves
        again = build_dataset(folder, count=20, seed=2, shard_size=5, executor=pool)
    assert (first.written, first.skipped, again.written, again.skipped) == (4, 0, 0, 4)
    shards = sorted(p.name for p in folder.iterdir() if p.name.startswith("shard-"))
    assert shards == [f"shard-{i:05d}" for i in range(4)]
    assert read_labels(folder).num_rows == 20
    with pytest.raises(ParameterError, match="holds a dataset made with other settings"):
        build_dataset(folder, count=21, seed=2, shard_size=5, executor=ThreadPoolExecutor(1))


def test_a_failing_shard_leaves_no_partial_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dtmfkit._dataset as module

    real = module.render_item

    def failing(index: int, *args: object, **kwargs: object) -> object:
        if index == 7:
            raise OSError("disk full")
        return real(index, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "render_item", failing)
    folder = tmp_path / "set"
    with ThreadPoolExecutor(1) as pool, pytest.raises(OSError, match="disk full"):
        build_dataset(folder, count=10, seed=1, shard_size=5, executor=pool)
    names = sorted(p.name for p in folder.iterdir())
    assert "shard-00001" not in names
    assert not [n for n in names if n.endswith(".tmp")]


def test_a_killed_worker_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    folder = tmp_path / "set"
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        pids = list(client.run(os.getpid).values())
        killed: list[int] = []

        def kill_one_when_work_has_begun() -> None:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not killed:
                if any(p.name.startswith(("shard-", ".shard-")) for p in folder.iterdir()):
                    os.kill(pids[0], signal.SIGKILL)
                    killed.append(pids[0])
                time.sleep(0.01)

        folder.mkdir()
        killer = threading.Thread(target=kill_one_when_work_has_begun)
        killer.start()
        report = build_dataset(
            folder,
            count=48,
            seed=4,
            shard_size=2,
            variation=Variation(length=(10, 20)),
            executor=client.get_executor(),
        )
        killer.join()
    assert killed
    assert report.written + report.skipped == 24
    labels = read_labels(folder)
    assert labels.column("item").to_pylist() == list(range(48))
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    with ThreadPoolExecutor(2) as pool:
        build_dataset(
            tmp_path / "calm",
            count=48,
            seed=4,
            shard_size=2,
            variation=Variation(length=(10, 20)),
            executor=pool,
        )
    assert read_labels(tmp_path / "calm").equals(labels)


def test_every_label_agrees_with_its_audio(tmp_path: Path) -> None:
    """Decoded by dtmfkit: the keys, their starts and lengths, and their frequencies (with the
    offsets drawn) are those the labels give."""
    with ThreadPoolExecutor(2) as pool:
        build_dataset(tmp_path, count=60, seed=21, shard_size=20, variation=CLEAN, executor=pool)
    rows = read_labels(tmp_path).to_pylist()
    for row, audio in zip(rows, audio_of(tmp_path, rows), strict=True):
        assert audio.size == row["samples"]
        keys = [e for e in row["events"] if e["low_hz"]]
        found = dtmfkit.detect(audio, row["rate"])
        assert [d.key for d in found] == [e["char"].upper() for e in keys], row["text"]
        for heard, meant in zip(found, keys, strict=True):
            assert heard.start == pytest.approx(meant["start"], abs=0.015)
            assert heard.stop == pytest.approx(meant["stop"], abs=0.015)
            assert heard.low_hz == pytest.approx(meant["low_hz"], rel=0.004)
            assert heard.high_hz == pytest.approx(meant["high_hz"], rel=0.004)


def test_the_full_variation_gives_no_false_key(tmp_path: Path) -> None:
    with ThreadPoolExecutor(2) as pool:
        build_dataset(tmp_path, count=60, seed=5, shard_size=30, executor=pool)
    rows = read_labels(tmp_path).to_pylist()
    for row, audio in zip(rows, audio_of(tmp_path, rows), strict=True):
        events = [e for e in row["events"] if e["low_hz"]]
        for heard in dtmfkit.detect(audio, row["rate"]):
            assert any(
                e["char"].upper() == heard.key and e["start"] - 0.02 < heard.start < e["stop"]
                for e in events
            ), (row["text"], heard)


def test_items_record_every_draw() -> None:
    audio, labels = render_item(3, 9, Variation(noise_share=1.0, g711_share=1.0))
    assert labels["snr_db"] is not None
    assert labels["g711"] in ("ULAW", "ALAW")
    assert labels["rate"] in (8000, 16000, 44100, 48000)
    assert audio.size == labels["samples"]
    again, same = render_item(3, 9, Variation(noise_share=1.0, g711_share=1.0))
    assert np.array_equal(audio, again)
    assert same == labels


def test_bad_settings_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="string 2: invalid DTMF character 'x'"):
        build_dataset(tmp_path, texts=["12", "1x"], executor=ThreadPoolExecutor(1))
    with pytest.raises(ParameterError, match="give count or texts"):
        build_dataset(tmp_path, texts=["1"], count=1, executor=ThreadPoolExecutor(1))
    with pytest.raises(ParameterError, match="would clip"):
        Variation(level_dbm0=(-20.0, 0.0))
    with pytest.raises(ParameterError, match="rates must each carry"):
        Variation(rates=(3000,))


def test_the_command_renders_lines_on_dask(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("distributed")
    lines = tmp_path / "pins.txt"
    lines.write_text("1234\n5W6\n#*0\n")
    out = tmp_path / "set"
    argv = ["dataset", str(out), "--from", str(lines), "--shard-size", "2", "--workers", "1"]
    assert main([*argv, "--format", "wav", "--json"]) == 0
    report = __import__("json").loads(capsys.readouterr().out)
    assert (report["items"], report["shards"], report["written"]) == (3, 2, 2)
    assert read_labels(out).column("text").to_pylist() == ["1234", "5W6", "#*0"]
    assert main(["dataset", str(out), "--count", "3"]) == 2  # another dataset's folder


def test_the_command_runs_on_an_existing_scheduler_with_drawn_strings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    ) as cluster:
        argv = ["dataset", str(tmp_path / "set"), "--count", "6", "--seed", "3"]
        argv += ["--scheduler", cluster.scheduler_address, "--length", "4,4"]
        argv += ["--alphabet", "159", "--pause-share", "0", "--rates", "8000", "-q"]
        assert main(argv) == 0
    assert capsys.readouterr().out == ""
    labels = read_labels(tmp_path / "set").to_pylist()
    assert [len(row["text"]) for row in labels] == [4] * 6
    assert set("".join(row["text"] for row in labels)) <= set("159")
    assert {row["rate"] for row in labels} == {8000}
