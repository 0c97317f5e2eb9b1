"""A long lecture through the virtual microphone: dropped frames and live-caption lag.

Plays a synthetic lecture (espeak-ng, repeated to the length asked) into a private
PulseAudio null sink whose monitor is the default input, records it with Lectern's
Recorder while LiveCaptioner captions it, and prints one JSON object:

    python -m bench.bench_recording_soak --minutes 30

Goal: 0 dropped frames (PortAudio overflow flags) and recorded length = wall time.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.lecture_text import LECTURE  # noqa: E402
from tests.audio import silence_padded, speech_wav, virtual_microphone  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--no-captions", action="store_true")
    args = ap.parse_args()
    seconds = args.minutes * 60

    from desktop.core.lectures.captions import LiveCaptioner
    from desktop.core.storage.config import DataPaths
    from desktop.core.lectures.recorder import Recorder

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        one = silence_padded(speech_wav(LECTURE, d / "one.wav"), d / "lecture.wav", 0.5, 1.5)
        one_s = float(subprocess.run(["soxi", "-D", str(one)], capture_output=True, text=True).stdout)
        repeats = max(0, int(seconds // one_s))
        long = d / "long.wav"
        subprocess.run(["sox", str(one), str(long), "repeat", str(repeats)], check=True)
        paths = DataPaths(d / "data").ensure()
        lags_at: list[tuple[float, float]] = []
        with virtual_microphone() as mic:
            captioner = None
            if not args.no_captions:
                captioner = LiveCaptioner(16000, lambda c: lags_at.append((c.end_s, c.lag_s)) if c.text else None)
                captioner.start()
                captioner.ready.wait(60)
            rec = Recorder(paths, title="Soak", on_block=captioner.feed if captioner else None)
            rec.start()
            while rec.frames_written == 0:
                time.sleep(0.01)
            t0 = time.monotonic()
            first_frames = rec.frames_written
            player = mic.play(long)
            cpu0 = time.process_time()
            while time.monotonic() - t0 < seconds and rec.running:
                time.sleep(0.5)
            wall = time.monotonic() - t0
            frames_at_wall = rec.frames_written - first_frames
            cpu = time.process_time() - cpu0
            result = rec.stop()
            player.kill()
            if captioner is not None:
                captioner.stop()
        expected = wall * 16000
        out = {
            "benchmark": "recording_soak",
            "minutes": round(wall / 60, 2),
            "recorded_s": round(result.duration_s, 2),
            "dropped_frames": result.overflows,       # PortAudio input-overflow flags
            "frames_missing_vs_wall_clock": int(round(expected - frames_at_wall)),
            "frames_missing_pct": round(100 * (expected - frames_at_wall) / expected, 4),
            "recorder_error": str(result.error) if result.error else "",
            "process_cpu_pct_of_one_core": round(100 * cpu / wall, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
        if captioner is not None:
            out["captions"] = captioner.stats.summary()
            # Does the lag grow over the lecture? Compare the first and the last tenth.
            if len(lags_at) >= 20:
                k = max(1, len(lags_at) // 10)
                out["captions"]["lag_first_tenth_mean_s"] = round(sum(l for _, l in lags_at[:k]) / k, 3)
                out["captions"]["lag_last_tenth_mean_s"] = round(sum(l for _, l in lags_at[-k:]) / k, 3)
        print(json.dumps(out))


if __name__ == "__main__":
    main()
