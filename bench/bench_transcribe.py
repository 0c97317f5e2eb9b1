"""Transcription through Lectern's job vs raw faster-whisper, same file, model and settings.

Both sides start cold in a fresh process: raw faster-whisper loads the model and
transcribes (beam 5, VAD on, language detected) in a child process; Lectern's side
imports the file and runs the ``transcribe_recording`` job in a freshly started real
worker (model load, decode, transcription, storing segments, chunking, embedding and
indexing), timed from the job's start to its end. Runs alternate; the best of each
is compared. Prints one JSON object.

    python -m bench.bench_transcribe [--model base] [--runs 2]
"""
from __future__ import annotations
from desktop.workers.submit import QueueJobs

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.lecture_text import LECTURE  # noqa: E402

RAW = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from faster_whisper import WhisperModel
import os
model = WhisperModel(sys.argv[1], device="cpu", compute_type="int8", cpu_threads=os.cpu_count() or 2)
segments, info = model.transcribe(sys.argv[2], beam_size=5, vad_filter=True)
n = sum(1 for _ in segments)
print(json.dumps({"wall_s": time.perf_counter() - t0, "segments": n,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def raw_run(model_path: str, wav: Path) -> dict:
    env = dict(os.environ, HF_HUB_OFFLINE="1", ORT_DISABLE_TELEMETRY="1")
    out = subprocess.run([sys.executable, "-c", RAW, model_path, str(wav)], capture_output=True, text=True,
                         env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def lectern_run(model: str, wav: Path, tmp: Path, n: int) -> dict:
    from desktop.core import jobs
    from desktop.core import lectures
    from desktop.core.storage import settings
    from desktop.core.storage.config import DataPaths
    from desktop.core.storage.db import open_db
    from desktop.core.runtime.services import app_lock
    from desktop.core.runtime.supervisor import WORKER, Supervisor

    paths = DataPaths(tmp / f"data{n}").ensure()
    db = open_db(paths.db)
    settings.update(db, transcription_model=model)
    lock = app_lock(paths).acquire()
    sup = Supervisor(paths)
    sup.start()
    try:
        assert sup.wait_healthy(120), sup.status()
        rec_id = lectures.import_media(db, paths, wav, None, "Bench lecture", starter=QueueJobs(paths, db))
        job_id = jobs.latest_for_target(db, lectures.job_target(rec_id)).id
        job = jobs.get_job(db, job_id)
        while not job.finished:
            time.sleep(0.05)
            job = jobs.get_job(db, job_id)
        if job.state != jobs.DONE:
            raise SystemExit(f"the job ended {job.state}: {job.error}")
        rss = peak_rss_mb(sup.pid(WORKER))
        return {"wall_s": job.finished_at - job.started_at, "segments": job.result["segments"],
                "transcribe_s": job.result["transcribe_s"], "chunks": job.result["chunks"],
                "phases": {k: job.result.get(k) for k in ("load_s", "decode_s", "transcribe_s", "index_s")},
                "worker_peak_rss_mb": rss}
    finally:
        sup.stop()
        lock.release()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="base")
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args()

    from desktop.core import models
    from desktop.core.lectures.transcribe import model_choice_from
    from tests.audio import speech_wav

    choice = model_choice_from(args.model)
    resolved = models.resolve(models.TRANSCRIPTION, choice)
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        wav = speech_wav(" ".join(LECTURE.split()), tmp / "lecture.wav")
        audio_s = float(subprocess.run(["soxi", "-D", str(wav)], capture_output=True, text=True).stdout)
        raws, ours = [], []
        for i in range(args.runs):
            raws.append(raw_run(str(resolved.path), wav))
            ours.append(lectern_run(choice or "", wav, tmp, i))
    best_raw = min(r["wall_s"] for r in raws)
    best_ours = min(r["wall_s"] for r in ours)
    print(json.dumps({
        "benchmark": "transcription_job_vs_raw_faster_whisper",
        "model": resolved.id, "audio_s": round(audio_s, 2), "runs": args.runs,
        "raw_wall_s": [round(r["wall_s"], 2) for r in raws],
        "lectern_job_wall_s": [round(r["wall_s"], 2) for r in ours],
        "ratio_best": round(best_ours / best_raw, 3),
        "raw_rtf": round(best_raw / audio_s, 3), "lectern_rtf": round(best_ours / audio_s, 3),
        "raw_speed_x_realtime": round(audio_s / best_raw, 2),
        "lectern_speed_x_realtime": round(audio_s / best_ours, 2),
        "raw_peak_rss_mb": round(max(r["peak_rss_mb"] for r in raws), 1),
        "lectern_worker_peak_rss_mb": round(max(r["worker_peak_rss_mb"] for r in ours), 1),
        "segments_raw": raws[0]["segments"], "segments_lectern": ours[0]["segments"],
        "lectern_phases_s": [r["phases"] for r in ours],
    }))


if __name__ == "__main__":
    main()
