"""Dataset throughput: strings and bytes per second on Dask with 1 and 2 workers, beside the
single-process rendering and the bare FLAC encoding of the same audio.

    python -m benchmarks.dataset [--count 2000] [--shard-size 100] [--json FILE]

Rows, all in the same run:

- `render_many` (one process, no variation, no files): the core's rate for the same texts;
- FLAC encoding with soundfile of exactly the audio the dataset holds (one process): the cost
  of the files alone;
- the dataset with 1 and 2 local Dask worker processes (the cluster started before timing): the
  whole job — drawing, variation, noise, G.711, FLAC files and Parquet labels, shards renamed
  into place.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import soundfile as sf

import dtmfkit
from benchmarks.machine import describe
from dtmfkit._dataset import Variation, build_dataset, read_labels, render_item


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--shard-size", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    import distributed

    variation = Variation()
    rows = []
    folder = Path(tempfile.mkdtemp())
    try:
        for workers in (1, 2):
            with (
                distributed.LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address="127.0.0.1:0",
                ) as cluster,
                distributed.Client(cluster) as client,
            ):
                target = folder / f"w{workers}"
                start = time.perf_counter()
                report = build_dataset(
                    target,
                    count=args.count,
                    seed=args.seed,
                    shard_size=args.shard_size,
                    variation=variation,
                    executor=client.get_executor(),
                )
                seconds = time.perf_counter() - start
            rows.append((f"dataset, Dask, {workers} worker(s)", seconds, report.bytes_written))
        labels = read_labels(folder / "w1").to_pylist()
        texts = [row["text"] for row in labels]
        start = time.perf_counter()
        batch = dtmfkit.render_many(texts, rate=8000, dtype="int16")
        seconds = time.perf_counter() - start
        rows.append(("render_many, 8 kHz, one process", seconds, batch.audio.nbytes))
        audio = [render_item(row["item"], args.seed, variation)[0] for row in labels]
        start = time.perf_counter()
        encoded = 0
        for samples, row in zip(audio, labels, strict=True):
            buffer = io.BytesIO()
            sf.write(buffer, samples, row["rate"], format="FLAC", subtype="PCM_16")
            encoded += len(buffer.getvalue())
        seconds = time.perf_counter() - start
        rows.append(("FLAC encoding alone (soundfile), one process", seconds, encoded))
        hours = sum(row["seconds"] for row in labels) / 3600
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print(f"machine: {describe()}")
    print(f"{args.count} strings ({hours:.2f} h of audio), shards of {args.shard_size}")
    print(f"{'row':<48} {'seconds':>8} {'strings/s':>10} {'MB/s':>8}")
    figures = []
    for name, seconds, size in rows:
        rate = args.count / seconds
        print(f"{name:<48} {seconds:>8.2f} {rate:>10.0f} {size / seconds / 1e6:>8.2f}")
        figures.append({"row": name, "seconds": seconds, "strings_per_s": rate, "bytes": size})
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": describe(), "rows": figures}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
