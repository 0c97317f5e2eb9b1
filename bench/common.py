"""Shared helpers of the library benchmarks (bench_ingest, bench_search, bench_retrieval_quality).

Each benchmark prints one JSON object on stdout (progress goes to stderr). They run
against the real parts: a fresh data folder, the real Chroma server and worker
(through the Supervisor), the real embedding model.

The large real PDFs come from Debian's R manuals (written by the R Core Team, not
by us): ``apt-get install r-doc-pdf`` puts them in /usr/share/R/doc/manual/ —
``fullrefman.pdf`` (2,415 pages) and ``R-intro.pdf`` (113 pages).
"""
from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

R_MANUALS = Path("/usr/share/R/doc/manual")


def real_pdf(name: str) -> Path:
    """A real manual from r-doc-pdf, or exit with how to get it."""
    path = R_MANUALS / name
    if not path.exists():
        emit({"error": f"{path} is missing", "how": "sudo apt-get install r-doc-pdf  (Debian/Ubuntu; ~10 MB)"})
        sys.exit(2)
    return path


def emit(data: dict[str, Any]) -> None:
    print(json.dumps(data, indent=None, default=str), flush=True)


def say(*parts: Any) -> None:
    print("bench:", *parts, file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def rss_mb(pid: int | None = None) -> float:
    return _status_kb(pid, "VmRSS") / 1024


def peak_rss_mb(pid: int | None = None) -> float:
    return _status_kb(pid, "VmHWM") / 1024


def _status_kb(pid: int | None, key: str) -> float:
    try:
        for line in Path(f"/proc/{pid or 'self'}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return float(line.split()[1])
    except OSError:
        pass
    return 0.0


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


@contextlib.contextmanager
def data_folder(keep: str | None = None) -> Iterator[Any]:
    """A fresh data folder (or ``keep``, reused), with LECTERN_DATA_DIR pointing at it."""
    from desktop.core.storage.config import DATA_DIR_ENV, DataPaths

    if keep:
        root = Path(keep).resolve()
        os.environ[DATA_DIR_ENV] = str(root)
        yield DataPaths(root).ensure()
        return
    with tempfile.TemporaryDirectory(prefix="lectern-bench-") as tmp:
        os.environ[DATA_DIR_ENV] = str(Path(tmp) / "data")
        yield DataPaths(Path(tmp) / "data").ensure()


@contextlib.contextmanager
def services(paths: Any) -> Iterator[Any]:
    """The real supervisor with its Chroma server and worker, for the length of the block."""
    from desktop.core.runtime.services import app_lock
    from desktop.core.runtime.supervisor import Supervisor

    lock = app_lock(paths).acquire()
    sup = Supervisor(paths)
    sup.start()
    try:
        if not sup.wait_healthy(120):
            raise SystemExit(f"services did not start: {sup.status()}")
        yield sup
    finally:
        sup.stop()
        lock.release()


def ingest_in_process(db: Any, paths: Any, document_id: int) -> dict[str, Any]:
    """Run the ingest_document job in this process (same code the worker runs)."""
    from desktop.core.library import ingest
    from desktop.core import jobs

    # Jobs on one target never overlap: let the job the import started in the worker end first.
    earlier = jobs.latest_for_target(db, ingest.job_target(document_id))
    if earlier is not None:
        wait_job(db, earlier.id)
    job_id = jobs.create_job(db, ingest.JOB_KIND, ingest.job_payload(document_id),
                             target=ingest.job_target(document_id))
    db.execute("UPDATE documents SET job_id=? WHERE id=?", (job_id, document_id))
    assert jobs.claim(db, job_id)
    ctx = jobs.JobContext(db, jobs.get_job(db, job_id), paths)
    result = ingest.run(ctx)
    jobs.finish(db, job_id, result)
    return result


def wait_job(db: Any, job_id: int, timeout: float = 7200, on_tick: Any = None, tick_s: float = 1.0) -> Any:
    from desktop.core import jobs

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = jobs.get_job(db, job_id)
        if on_tick:
            on_tick(job)
        if job.finished:
            return job
        time.sleep(tick_s)
    raise SystemExit(f"job {job_id} did not finish in {timeout} s")
