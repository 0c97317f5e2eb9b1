"""Run every benchmark in turn; each prints one JSON object, saved in bench/out/.

    python -m bench.run_all             # all, with their default sizes (about an hour on 2 cores)
    python -m bench.run_all --quick     # smaller sizes, to check they run (a few minutes)
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"

FULL = [
    ("bench_startup", []),
    ("bench_search", []),
    ("bench_ui_stall", []),
    ("bench_retrieval_quality", []),
    ("bench_ingest", []),
    ("bench_transcribe", ["--model", "base"]),
    ("bench_wer", []),
    ("bench_recording_soak", ["--minutes", "30"]),
    ("bench_chat", []),
    ("bench_answer_quality", []),
    ("bench_ocr", []),
    ("bench_sync", []),
]
QUICK = {"bench_startup": ["3"], "bench_search": ["--chunks", "10000"], "bench_ingest": ["--pdf", "R-intro.pdf"],
         "bench_transcribe": ["--model", "tiny.en", "--runs", "1"], "bench_recording_soak": ["--minutes", "1"],
         "bench_chat": ["--rounds", "1", "--tokens", "48"],
         "bench_sync": ["--library-mb", "10", "--files", "10", "--big-mb", "64"]}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("only", nargs="*", help="names of benchmarks to run (default: all)")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    failed = 0
    for name, extra in FULL:
        if args.only and name not in args.only:
            continue
        argv = QUICK.get(name, extra) if args.quick else extra
        print(f"== {name} {' '.join(argv)}", file=sys.stderr, flush=True)
        proc = subprocess.run([sys.executable, "-m", f"bench.{name}", *argv], capture_output=True, text=True)
        (OUT / f"{name}.json").write_text(proc.stdout)
        (OUT / f"{name}.err").write_text(proc.stderr)
        if proc.returncode != 0:
            failed += 1
            print(f"{name} failed (exit {proc.returncode}); see {OUT / (name + '.err')}", file=sys.stderr)
        print(proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "{}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
