"""Time from starting `lectern` to a visible main window.

Runs the real entry point (`python -m desktop --startup-probe`) several times on a
fresh data folder; the window reports the age of its process when it is shown, so
interpreter start-up and imports are included. Prints one JSON object.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_once(data_dir: str) -> tuple[float, float, float]:
    env = dict(os.environ, LECTERN_DATA_DIR=data_dir, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    t0 = time.perf_counter()
    spawned = time.time()
    out = subprocess.run([sys.executable, "-m", "desktop", "--startup-probe"], env=env, cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(f"start-up probe failed: {out.stderr[-2000:]}")
    line = [l for l in out.stdout.splitlines() if l.startswith("{")][-1]
    probe = json.loads(line)
    # From the spawn to the first paint on one clock (the process age the window reports rests on
    # the boot time in whole seconds, and reads up to a second long).
    visible = probe["painted_at"] - spawned if "painted_at" in probe else probe["window_visible_s"]
    return visible, wall, probe.get("cpu_s", float("nan"))


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory() as d:
        first, _, _ = run_once(d)  # fresh data folder: creates and migrates app.db
        samples = [run_once(d) for _ in range(runs)]
    visible = [s[0] for s in samples]
    print(json.dumps({
        "benchmark": "startup_to_visible_window",
        "platform": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        "fresh_data_folder_s": round(first, 3),
        "runs": runs,
        "visible_p50_s": round(statistics.median(visible), 3),
        "visible_max_s": round(max(visible), 3),
        "cpu_until_visible_p50_s": round(statistics.median(s[2] for s in samples), 3),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "wall_including_children_stop_p50_s": round(statistics.median(s[1] for s in samples), 3),
    }))


if __name__ == "__main__":
    main()
