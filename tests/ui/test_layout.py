"""Every pane and dialog, at the sizes and scales students' screens have, light and dark.

One data folder is made once, through the real command line and worker: a book read
from the sample PDF, a lecture transcribed from the sample recording, and a chat whose
answer cites them. Then, for each scale factor, one process opens the real window on it
(Qt takes the scale once per process) and looks at each pane at 1024x600 ... 2560x1440,
the jobs drawer, the settings pages and the dialogs (tests/ui/layout_probe.py). Any
fault fails with its list; the screenshots stay in the folder printed below.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import REPO, lectern

SCALES = ("1", "1.25", "1.5", "2")
SHOTS = Path(os.environ.get("LECTERN_LAYOUT_SHOTS", Path(tempfile.gettempdir()) / "lectern-layout"))
SAMPLE = REPO / "resources" / "sample"
QUESTION = "Where does the Calvin cycle take place, and which enzyme fixes carbon dioxide?"


@pytest.fixture(scope="module")
def library_folder(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("layout") / "data"
    steps = [
        ["ingest", str(SAMPLE / "cell-biology-primer.pdf"), "--semester", "Fall 2026", "--subject",
         "Biology 101: Cells and Energy", "--book", "Cell biology primer", "--wait"],
        ["transcribe", str(SAMPLE / "lecture-photosynthesis.ogg"), "--semester", "Fall 2026", "--subject",
         "Biology 101: Cells and Energy", "--title", "Lecture 1: Photosynthesis", "--model", "tiny.en", "--wait"],
        ["ask", QUESTION, "--passages-only", "--json"],
    ]
    from desktop.core.runtime.services import app_lock
    from desktop.core.runtime.supervisor import Supervisor
    from desktop.core.storage.config import DataPaths

    # One worker and vector store for the three commands (each would otherwise start its own).
    paths = DataPaths(data).ensure()
    lock = app_lock(paths).acquire()
    sup = Supervisor(paths)
    try:
        sup.start()
        assert sup.wait_healthy(90), sup.status()
        for args in steps:
            out = lectern(*args, data_dir=data, timeout=300)
            assert out.returncode == 0, (args, out.stderr[-2000:])
        # The probes look at the window; loading the chat model meanwhile only costs CPU.
        from desktop.core.storage import settings
        from desktop.core.storage.db import open_db

        settings.update(open_db(paths.db), chat_preload=False)
    finally:
        sup.stop()
        lock.release()
    return data


SMALL = "1.5 on a 1024x600 screen"      # a 13" laptop at 150 %: the viewers and dialogs open on it


def _probe(folder: Path, run: str) -> subprocess.CompletedProcess:
    small = run == SMALL
    scale = "1.5" if small else run
    shots = SHOTS / ("small-screen" if small else f"scale-{scale}")
    shots.mkdir(parents=True, exist_ok=True)
    # A screen as large as the largest window at this scale (offscreen's own is 800x800 pixels,
    # and Qt keeps dialogs within two thirds of the screen), or a small laptop's.
    w, h = (1024, 600) if small else (2560, 1440)
    screen = shots / "screen.json"
    screen.write_text(json.dumps({"screens": [{"name": "Screen", "x": 0, "y": 0, "width": round(w * float(scale)),
                                               "height": round(h * float(scale)), "logicalDpi": 96,
                                               "logicalBaseDpi": 96, "dpr": 1}]}))
    extra = ["--sizes", "1024x600", "--themes", "light"] if small else []
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={screen}", QT_SCALE_FACTOR=scale,
               LECTERN_DATA_DIR=str(folder))
    env.pop("LECTERN_THEME", None)
    cmd = [sys.executable, "-X", "faulthandler", "-m", "tests.ui.layout_probe", "--data-dir", str(folder),
           "--out", str(shots), *extra]
    out = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=400)
    if out.returncode < 0:
        # Seen once in CI, at load: the probe died by a signal in Qt's event loop as a viewer
        # closed (no Python frame of ours). A second run says whether it is the layout or the
        # moment; both results are printed.
        print(f"layout probe at {run} died by signal {-out.returncode}; looking again. "
              f"stderr: {out.stderr[-1500:]}")
        out = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=400)
    if out.returncode == 0 and '{"views"' not in out.stdout:
        # Seen once in a loaded run: the probe ended with status 0 and no report (no traceback,
        # no fault). Look once more, and say so.
        print(f"layout probe at {run} ended without its report; looking again. stderr: {out.stderr[-500:]}")
        out = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=400)
    return out


@pytest.fixture(scope="module")
def probes(library_folder) -> dict[str, subprocess.CompletedProcess]:
    """One process per scale, two at a time (the probes only read the data folder)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = (*SCALES, SMALL)
        done = dict(zip(runs, pool.map(lambda run: _probe(library_folder, run), runs)))
    return done


@pytest.mark.parametrize("scale", (*SCALES, SMALL))
def test_every_pane_and_dialog_fits_and_reads_well(probes, scale):
    out = probes[scale]
    assert out.returncode == 0, out.stderr[-3000:]
    # The report is the last line; a library's log may have written to stdout without ending its line.
    assert '{"views"' in out.stdout, (out.stdout[-2000:], out.stderr[-2000:])
    report = json.loads(out.stdout[out.stdout.rindex('{"views"'):].splitlines()[0])
    print(f"scale {scale}: {report['views']} views in {report['seconds']} s; screenshots in {report['shots']}")
    # every pane at every size, the dialogs and the two viewers
    assert report["views"] >= (5 + 6 + 2 if scale == SMALL else 5 * 4 + 6 + 2), report["views"]
    faults = report["faults"]
    assert not faults, f"{len(faults)} layout faults at scale {scale}:\n" + "\n".join(faults[:80])
