"""Labelled DTMF datasets, rendered in shards on any executor: Dask, locally or on a cluster.

A dataset is N strings — from a text file, or drawn from a seed — each rendered with variation
drawn from the seed and recorded in its labels, so that a detector can be trained or tested on
it and every claim checked against its audio:

- **level** (dBm0, per tone pair) and **twist**;
- **frequency offset** of each tone, inside and beyond Q.24's ±1.5 % (up to ±3.5 %);
- **tone and gap jitter**: every tone and every silence lengthened or shortened on its own;
- **noise** at an SNR (white, against the tones' power), for a share of items;
- a **G.711 round trip** (μ-law or A-law, as a line would carry it), for a share of items;
- the **sample rate**, from a list.

Items are laid in shards of `shard_size`. A shard is a folder holding its audio (one FLAC or WAV
file per item) and its labels (``labels.parquet``: the text, every event's character, start,
stop and frequencies, every setting drawn), written under a temporary name and renamed when
complete: a re-run skips the shards present and never writes one twice, and a shard that was
cut short leaves nothing. Every item's draws come from ``(seed, item index)`` alone, so a
dataset is identical for a seed whatever the executor or the number of workers.

:func:`build_dataset` runs the shards on any :class:`concurrent.futures.Executor`; by default on
Dask (the ``datasets`` extra): a ``LocalCluster`` of `workers` processes, or the cluster at
`scheduler`. Dask runs a shard again when its worker dies; a shard renamed into place once is
kept, so nothing is lost or duplicated, and what a killed worker left half-written is removed
when the run ends. :func:`read_labels` reads the labels of every shard as
one pyarrow table.

Examples
--------
>>> import tempfile, pathlib
>>> from concurrent.futures import ThreadPoolExecutor
>>> folder = pathlib.Path(tempfile.mkdtemp()) / "set"
>>> with ThreadPoolExecutor(2) as pool:
...     report = build_dataset(folder, count=6, seed=1, shard_size=4, executor=pool)
>>> report.items, report.shards, report.skipped
(6, 2, 0)
>>> labels = read_labels(folder)
>>> labels.num_rows, sorted(labels.column_names)[:4]
(6, ['events', 'file', 'g711', 'gap_ms'])
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from dtmfkit._errors import MissingDependencyError, ParameterError
from dtmfkit._keypad import FREQUENCIES
from dtmfkit._limits import FULL_SCALE_DBM0

__all__ = ["DatasetReport", "Variation", "build_dataset", "read_labels", "render_item"]

#: The alphabet of generated strings: Catapult's keys and pauses.
KEYS: Final = "0123456789ABCD*#"
PAUSES: Final = ",wW"
_PAUSE_S: Final = {",": 0.5, "w": 0.5, "W": 1.0}
_SPEC: Final = "dataset.json"
_RAMP_S: Final = 0.005


@dataclass(frozen=True)
class Variation:
    """The ranges each item's settings are drawn from (uniformly), and the shares of items
    that get noise or a G.711 round trip.

    Examples
    --------
    >>> Variation().level_dbm0, Variation().frequency_offset
    ((-25.0, -6.0), 0.035)
    """

    rates: tuple[int, ...] = (8000, 16000, 44100, 48000)
    level_dbm0: tuple[float, float] = (-25.0, -6.0)
    twist_db: tuple[float, float] = (-8.0, 4.0)
    #: Each tone's frequency offset, relative, within ± this.
    frequency_offset: float = 0.035
    tone_ms: tuple[float, float] = (40.0, 250.0)
    gap_ms: tuple[float, float] = (40.0, 400.0)
    #: Every tone and every silence of an item lengthened or shortened by up to this share.
    jitter: float = 0.2
    noise_share: float = 0.5
    snr_db: tuple[float, float] = (0.0, 30.0)
    g711_share: float = 0.3
    #: Generated strings: their length, their keys, and the share of pause characters.
    length: tuple[int, int] = (1, 20)
    alphabet: str = KEYS
    pause_share: float = 0.1

    def __post_init__(self) -> None:
        for name in ("rates",):
            if not self.rates or any(
                r <= 2 * 1633 * (1 + self.frequency_offset) for r in self.rates
            ):
                raise ParameterError(f"{name} must each carry 1633 Hz with its offset")
        for name in ("level_dbm0", "twist_db", "tone_ms", "gap_ms", "snr_db", "length"):
            low, high = getattr(self, name)
            if not low <= high:
                raise ParameterError(f"{name} must be (low, high), got {(low, high)}")
        if not (self.tone_ms[0] > 0.0 and self.gap_ms[0] >= 0.0):
            raise ParameterError("tone_ms must be positive and gap_ms not negative")
        if not 1 <= self.length[0] <= self.length[1] <= 92:
            raise ParameterError(f"length must lie within 1 to 92, got {self.length}")
        if not self.alphabet or not set(self.alphabet) <= set(KEYS):
            raise ParameterError(f"alphabet must be keys of {KEYS!r}, got {self.alphabet!r}")
        for name in ("frequency_offset", "jitter", "noise_share", "g711_share", "pause_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ParameterError(f"{name} must be from 0 to 1, got {getattr(self, name)}")
        low = 10 ** ((self.level_dbm0[1] - FULL_SCALE_DBM0) / 20)
        if low * (1 + 10 ** (self.twist_db[1] / 20)) > 1:
            raise ParameterError(
                f"level_dbm0 up to {self.level_dbm0[1]} with twist_db up to "
                f"{self.twist_db[1]} would clip"
            )


@dataclass(frozen=True)
class DatasetReport:
    """What :func:`build_dataset` did.

    Attributes
    ----------
    path : str
    items, shards : int
        In the whole dataset.
    written, skipped : int
        Shards written by this run, and shards found complete and left as they were.
    seconds_of_audio : float
        Rendered by this run.
    bytes_written : int
        Audio and labels written by this run.

    Examples
    --------
    >>> import tempfile
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> with ThreadPoolExecutor(1) as pool:
    ...     report = build_dataset(tempfile.mkdtemp(), count=3, seed=2, executor=pool)
    >>> report.items, report.written, report.bytes_written > 0
    (3, 1, True)
    """

    path: str
    items: int
    shards: int
    written: int
    skipped: int
    seconds_of_audio: float
    bytes_written: int


@dataclass(frozen=True)
class _Spec:
    """Everything that makes a dataset what it is: a re-run must match it."""

    count: int
    seed: int
    shard_size: int
    format: str
    texts: tuple[str, ...] | None
    variation: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        data = asdict(self)
        data["texts"] = None if self.texts is None else list(self.texts)
        return json.dumps(data, sort_keys=True)


def render_item(
    index: int, seed: int, variation: Variation, text: str | None = None
) -> tuple[npt.NDArray[np.float64], dict[str, Any]]:
    """One item: its audio (float64, full scale 1) and its labels, all drawn from
    ``(seed, index)``: the same whatever runs it.

    Examples
    --------
    >>> audio, labels = render_item(0, seed=3, variation=Variation(noise_share=0, g711_share=0))
    >>> labels["rate"] * labels["seconds"] == audio.size
    True
    >>> [e["char"] for e in labels["events"] if e["char"] in KEYS] == [
    ...     c for c in labels["text"] if c in KEYS]
    True
    """
    rng = np.random.default_rng([seed, index])
    if text is None:
        text = _draw_text(rng, variation)
    rate = int(rng.choice(variation.rates))
    level = float(rng.uniform(*variation.level_dbm0))
    twist = float(rng.uniform(*variation.twist_db))
    tone_ms = float(rng.uniform(*variation.tone_ms))
    gap_ms = float(rng.uniform(*variation.gap_ms))
    offsets = rng.uniform(-variation.frequency_offset, variation.frequency_offset, (len(text), 2))
    jitter = rng.uniform(-variation.jitter, variation.jitter, (len(text), 2))
    noisy = bool(rng.random() < variation.noise_share)
    snr = float(rng.uniform(*variation.snr_db)) if noisy else None
    g711 = str(rng.choice(["ULAW", "ALAW"])) if rng.random() < variation.g711_share else ""
    # The timeline of the text (Catapult's rule: pauses replace the gap), each tone and each
    # silence jittered on its own; every boundary rounded once to the item's sample grid.
    events: list[dict[str, Any]] = []
    tones: list[tuple[int, int, float, float]] = []  # first and stop sample, both frequencies
    at = 0.0
    previous_tone = False
    for position, char in enumerate(text):
        if char in PAUSES:
            length = _PAUSE_S[char] * (1 + jitter[position, 1])
            low_hz = high_hz = 0.0
            previous_tone = False
        else:
            if previous_tone:
                at += gap_ms / 1000 * (1 + jitter[position, 1])
            length = tone_ms / 1000 * (1 + jitter[position, 0])
            low, high = FREQUENCIES[char.upper()]
            low_hz, high_hz = low * (1 + offsets[position, 0]), high * (1 + offsets[position, 1])
            previous_tone = True
        first, last = round(at * rate), round((at + length) * rate)
        events.append(
            {
                "char": char,
                "start": first / rate,
                "stop": last / rate,
                "low_hz": low_hz,
                "high_hz": high_hz,
            }
        )
        if low_hz:
            tones.append((first, last, low_hz, high_hz))
        at += length
    total = max(1, round(at * rate))
    audio = np.zeros(total)
    low_amplitude = 10 ** ((level - FULL_SCALE_DBM0) / 20)
    high_amplitude = 10 ** ((level + twist - FULL_SCALE_DBM0) / 20)
    ramp = max(1, round(_RAMP_S * rate))
    for first, last, low_hz, high_hz in tones:
        n = np.arange(last - first)
        tone = low_amplitude * np.sin(2 * np.pi * low_hz * n / rate)
        tone += high_amplitude * np.sin(2 * np.pi * high_hz * n / rate)
        edge = min(ramp, n.size // 2)
        if edge:
            shape = 0.5 - 0.5 * np.cos(np.pi * (np.arange(edge) + 0.5) / edge)
            tone[:edge] *= shape
            tone[n.size - edge :] *= shape[::-1]
        audio[first:last] = tone
    if snr is not None:
        sounding = np.zeros(total, dtype=bool)
        for first, last, _, _ in tones:
            sounding[first:last] = True
        power = float(np.mean(audio[sounding] ** 2)) if sounding.any() else 0.0
        noise = rng.standard_normal(total)
        audio += noise * math.sqrt(power / 10 ** (snr / 10))
    audio = np.clip(audio, -1.0, 1.0)
    if g711:
        audio = _g711(audio, rate, g711)
    labels = {
        "item": index,
        "text": text,
        "rate": rate,
        "samples": total,
        "seconds": total / rate,
        "level_dbm0": level,
        "twist_db": twist,
        "tone_ms": tone_ms,
        "gap_ms": gap_ms,
        "jitter": variation.jitter,
        "snr_db": snr,
        "g711": g711,
        "seed": seed,
        "events": events,
    }
    return audio, labels


def _draw_text(rng: np.random.Generator, variation: Variation) -> str:
    """A random Catapult string: keys, and pauses at `pause_share`, never only pauses."""
    size = int(rng.integers(variation.length[0], variation.length[1] + 1))
    chars = [
        str(
            rng.choice(list(PAUSES if rng.random() < variation.pause_share else variation.alphabet))
        )
        for _ in range(size)
    ]
    if all(c in PAUSES for c in chars):
        chars[int(rng.integers(size))] = str(rng.choice(list(variation.alphabet)))
    return "".join(chars)


def _g711(audio: npt.NDArray[np.float64], rate: int, subtype: str) -> npt.NDArray[np.float64]:
    """`audio` through a G.711 encoder and decoder (soundfile's), as a line would carry it."""
    import io

    import soundfile as sf

    buffer = io.BytesIO()
    sf.write(buffer, audio, rate, format="RAW", subtype=subtype)
    buffer.seek(0)
    decoded, _ = sf.read(buffer, samplerate=rate, channels=1, format="RAW", subtype=subtype)
    return np.asarray(decoded, dtype=np.float64)


def _shard(
    path: str, shard: int, spec_json: str, variation: dict[str, Any]
) -> tuple[int, float, int, bool]:
    """Write one shard (its audio files and ``labels.parquet``) if it is not there yet:
    under a temporary name, renamed when complete. Returns (shard, seconds, bytes, written)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    import soundfile as sf

    spec = json.loads(spec_json)
    final = os.path.join(path, f"shard-{shard:05d}")
    if os.path.isdir(final):
        return shard, 0.0, 0, False
    temporary = os.path.join(path, f".shard-{shard:05d}-{os.urandom(4).hex()}.tmp")
    os.makedirs(temporary)
    try:
        settings: dict[str, Any] = {
            key: tuple(v) if isinstance(v, list) else v for key, v in variation.items()
        }
        chosen = Variation(**settings)
        first = shard * spec["shard_size"]
        last = min(spec["count"], first + spec["shard_size"])
        texts = spec["texts"]
        rows = []
        seconds = 0.0
        for index in range(first, last):
            audio, labels = render_item(
                index, spec["seed"], chosen, None if texts is None else texts[index]
            )
            name = f"item-{index:09d}.{spec['format']}"
            subtype = "PCM_16"
            sf.write(os.path.join(temporary, name), audio, labels["rate"], subtype=subtype)
            labels["file"] = f"shard-{shard:05d}/{name}"
            labels["shard"] = shard
            rows.append(labels)
            seconds += labels["seconds"]
        table = pa.Table.from_pylist(rows, schema=_SCHEMA())
        pq.write_table(table, os.path.join(temporary, "labels.parquet"))
        written = sum(entry.stat().st_size for entry in os.scandir(temporary))
        try:
            os.rename(temporary, final)
        except OSError:
            if os.path.isdir(final):  # another run of this shard finished first: keep that
                shutil.rmtree(temporary, ignore_errors=True)
                return shard, 0.0, 0, False
            raise
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    return shard, seconds, written, True


def _SCHEMA() -> Any:  # noqa: N802 - a constant, built on first use (pyarrow is optional)
    import pyarrow as pa

    event = pa.struct(
        [
            ("char", pa.string()),
            ("start", pa.float64()),
            ("stop", pa.float64()),
            ("low_hz", pa.float64()),
            ("high_hz", pa.float64()),
        ]
    )
    return pa.schema(
        [
            ("item", pa.int64()),
            ("shard", pa.int64()),
            ("file", pa.string()),
            ("text", pa.string()),
            ("rate", pa.int64()),
            ("samples", pa.int64()),
            ("seconds", pa.float64()),
            ("level_dbm0", pa.float64()),
            ("twist_db", pa.float64()),
            ("tone_ms", pa.float64()),
            ("gap_ms", pa.float64()),
            ("jitter", pa.float64()),
            ("snr_db", pa.float64()),
            ("g711", pa.string()),
            ("seed", pa.int64()),
            ("events", pa.list_(event)),
        ]
    )


def build_dataset(
    path: str | os.PathLike[str],
    *,
    count: int | None = None,
    texts: Iterable[str] | None = None,
    seed: int = 0,
    shard_size: int = 1000,
    format: str = "flac",
    variation: Variation | None = None,
    executor: Executor | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> DatasetReport:
    """Render a labelled dataset into `path`, a shard at a time (see the module's description).

    Parameters
    ----------
    path : str or os.PathLike
        The dataset's folder (created; a re-run with the same settings completes it).
    count : int, optional
        How many strings to draw from `seed` (when `texts` is not given).
    texts : iterable of str, optional
        The strings to render, each a Catapult ``dtmfOut`` string.
    seed : int, default 0
    shard_size : int, default 1000
    format : {"flac", "wav"}, default "flac"
    variation : Variation, optional
    executor : concurrent.futures.Executor, optional
        Runs the shards; by default Dask (``workers`` local processes, or `scheduler`).
    workers : int, optional
        Local Dask worker processes (default: the cores).
    scheduler : str, optional
        ``tcp://host:port`` of a running Dask scheduler.
    progress : callable, optional
        Called with the number of shards just finished.

    Returns
    -------
    DatasetReport

    Raises
    ------
    ParameterError
        Bad settings, a string that is not valid, or a folder holding another dataset.
    MissingDependencyError
        Without pyarrow (or dask, when no executor is given): ``pip install 'dtmfkit[datasets]'``.

    Examples
    --------
    >>> import tempfile
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> folder = tempfile.mkdtemp()
    >>> with ThreadPoolExecutor(2) as pool:
    ...     first = build_dataset(folder, count=5, seed=7, shard_size=2, executor=pool)
    ...     again = build_dataset(folder, count=5, seed=7, shard_size=2, executor=pool)
    >>> (first.written, first.skipped), (again.written, again.skipped)
    ((3, 0), (0, 3))
    """
    from dtmfkit._grammar import parse

    _require("pyarrow")
    variation = variation or Variation()
    if format not in ("flac", "wav"):
        raise ParameterError(f"format must be 'flac' or 'wav', got {format!r}")
    if isinstance(shard_size, bool) or not isinstance(shard_size, int) or shard_size < 1:
        raise ParameterError(f"shard_size must be a positive int, got {shard_size!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ParameterError(f"seed must be a non-negative int, got {seed!r}")
    chosen: tuple[str, ...] | None = None
    if texts is not None:
        if count is not None:
            raise ParameterError("give count or texts, not both")
        chosen = tuple(texts)
        for number, text in enumerate(chosen, start=1):
            try:
                parse(text)
            except ValueError as exc:
                raise ParameterError(f"string {number}: {exc}") from None
        count = len(chosen)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ParameterError(f"count must be a positive int, got {count!r}")
    spec = _Spec(count, seed, shard_size, format, chosen, asdict(variation))
    folder = os.fspath(path)
    os.makedirs(folder, exist_ok=True)
    described = os.path.join(folder, _SPEC)
    if os.path.exists(described):
        with open(described, encoding="utf-8") as file:
            if file.read() != spec.to_json():
                raise ParameterError(
                    f"{folder!r} holds a dataset made with other settings: use another folder"
                )
    else:
        from dtmfkit._atomic import write_bytes

        write_bytes(described, spec.to_json().encode())
    shards = -(-count // shard_size)
    owned = None
    if executor is None:
        owned = _dask_executor(workers, scheduler)
        executor = owned[1]
    try:
        futures = [
            executor.submit(_shard, folder, shard, spec.to_json(), asdict(variation))
            for shard in range(shards)
        ]
        written = skipped = size = 0
        seconds = 0.0
        from concurrent.futures import as_completed

        for future in as_completed(futures):
            _, done_seconds, done_bytes, wrote = future.result()
            written += wrote
            skipped += not wrote
            seconds += done_seconds
            size += done_bytes
            if progress is not None:
                progress(1)
    finally:
        if owned is not None:
            owned[0].close()
            if owned[2] is not None:
                owned[2].close()
    # What workers killed mid-shard left: their shards were run again and renamed into place.
    for entry in os.scandir(folder):
        if entry.name.startswith(".shard-") and entry.name.endswith(".tmp"):
            shutil.rmtree(entry.path, ignore_errors=True)
    return DatasetReport(folder, count, shards, written, skipped, seconds, size)


def _dask_executor(workers: int | None, scheduler: str | None) -> tuple[Any, Executor, Any]:
    """(client, its executor, the LocalCluster it made or None)."""
    _require("distributed")
    import importlib

    distributed: Any = importlib.import_module("distributed")
    if scheduler is not None:
        client = distributed.Client(scheduler)
        return client, client.get_executor(), None
    cluster = distributed.LocalCluster(
        n_workers=workers or os.cpu_count() or 1,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    )
    client = distributed.Client(cluster)
    return client, client.get_executor(), cluster


def read_labels(path: str | os.PathLike[str]) -> Any:
    """The labels of every complete shard of a dataset, as one pyarrow table (by item).

    Examples
    --------
    >>> import tempfile
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> folder = tempfile.mkdtemp()
    >>> with ThreadPoolExecutor(1) as pool:
    ...     _ = build_dataset(folder, texts=["1W2", "#"], executor=pool)
    >>> read_labels(folder).column("text").to_pylist()
    ['1W2', '#']
    """
    _require("pyarrow")
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = os.fspath(path)
    parts = sorted(
        os.path.join(folder, name, "labels.parquet")
        for name in os.listdir(folder)
        if name.startswith("shard-")
    )
    if not parts:
        return _SCHEMA().empty_table()
    return pa.concat_tables([pq.read_table(part) for part in parts]).sort_by("item")


def _require(module: str) -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise MissingDependencyError(f"datasets need {module}: pip install 'dtmfkit[datasets]'")
