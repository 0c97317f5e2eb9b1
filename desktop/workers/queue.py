"""The Huey instance, the single task it runs (``run_job(job_id)``), and starting jobs on it.

The queue carries job ids only; the jobs table says what each job is and how it
ended. The enqueuing process and the consumer build the instance the same way, so
task names match (``desktop.workers.queue.run_job``).

Jobs on one target run one after the other: a job whose target is busy is not claimed
and its queue message is dropped; the job stays ``queued`` in the table, and the job
before it enqueues it again when it ends (no polling). A worker asked to quit sets
``STOPPING``: running jobs stop at their next check and go back to ``queued``.
"""
from __future__ import annotations

import logging
import threading
import traceback
from functools import lru_cache
from pathlib import Path
from typing import Any

from huey import SqliteHuey

from ..core import jobs
from ..core.storage.config import DataPaths
from ..core.storage.db import open_db
from ..core.errors import JobCancelled, LecternError
from .handlers import HANDLERS

log = logging.getLogger(__name__)
_local = threading.local()

# Set by the consumer when it is asked to quit; running jobs see it through their JobContext.
STOPPING = threading.Event()
_in_flight: set[int] = set()
_in_flight_changed = threading.Condition()


def _db(paths: DataPaths):
    key = str(paths.db)
    cache = getattr(_local, "dbs", None)
    if cache is None:
        cache = _local.dbs = {}
    if key not in cache:
        cache[key] = open_db(paths.db)
    return cache[key]


def wait_idle(timeout: float) -> bool:
    """Wait until no job runs in this process (after STOPPING is set). False on timeout."""
    with _in_flight_changed:
        return _in_flight_changed.wait_for(lambda: not _in_flight, timeout)


def execute_job(paths: DataPaths, job_id: int) -> str:
    """Run one job to its end state (claim, handler, done/failed/cancelled). Returns the state."""
    if STOPPING.is_set():
        return "skipped"   # quitting: the job stays queued and is enqueued again at the next start
    db = _db(paths)
    if not jobs.claim(db, job_id):
        if not jobs.note_waiting(db, job_id):
            # Not queued any more (cancelled, done, or running): a job on its target may be
            # waiting for this one, and this message may be the last chance to start it.
            job = jobs.get_job(db, job_id)
            if job is not None:
                _start_following(paths, db, job.target)
        return "skipped"   # cancelled, already done, someone else runs it, or its target is busy
    with _in_flight_changed:
        _in_flight.add(job_id)
    try:
        job = jobs.get_job(db, job_id)
        assert job is not None
        state = _run(db, paths, job)
    finally:
        with _in_flight_changed:
            _in_flight.discard(job_id)
            _in_flight_changed.notify_all()
    if state != jobs.QUEUED:
        _start_following(paths, db, job.target)   # a job on the same target may wait for this one
    return state


def _start_following(paths: DataPaths, db, target: str) -> None:
    following = jobs.next_for_target(db, target)
    if following is not None:
        enqueue(paths, following)


def _run(db, paths: DataPaths, job: jobs.Job) -> str:
    job_id = job.id
    handler = HANDLERS.get(job.kind)
    if handler is None:
        jobs.fail(db, job_id, f"Lectern does not know how to run a '{job.kind}' job.")
        return jobs.FAILED
    ctx = jobs.JobContext(db, job, paths, stopping=STOPPING, starter=QueueJobs(paths, db))
    try:
        result = handler(ctx)
    except jobs.WorkerStopping:
        jobs.requeue_stopped(db, job_id)
        log.info("job %s stopped with its worker; it continues at the next start", job_id)
        return jobs.QUEUED
    except JobCancelled:
        jobs.mark_cancelled(db, job_id)
        return jobs.CANCELLED
    except LecternError as exc:
        jobs.fail(db, job_id, str(exc))
        return jobs.FAILED
    except MemoryError:
        jobs.fail(db, job_id, "The computer ran out of memory for this job. Close other programs and retry.")
        return jobs.FAILED
    except OSError as exc:
        if exc.errno == 28:
            jobs.fail(db, job_id, "The disk is full. Free some space, then retry.")
        else:
            log.error("job %s failed:\n%s", job_id, traceback.format_exc())
            jobs.fail(db, job_id, f"A file could not be read or written: {exc}")
        return jobs.FAILED
    except Exception as exc:
        log.error("job %s failed:\n%s", job_id, traceback.format_exc())
        jobs.fail(db, job_id, f"Unexpected error: {type(exc).__name__}: {exc}")
        return jobs.FAILED
    jobs.finish(db, job_id, result or {})
    return jobs.DONE


@lru_cache(maxsize=None)
def huey_for(queue_db: Path) -> SqliteHuey:
    huey = SqliteHuey("lectern", filename=str(queue_db), fsync=True, results=False)

    @huey.task(name="desktop.workers.queue.run_job")
    def run_job(data_dir: str, job_id: int) -> None:
        execute_job(DataPaths(Path(data_dir)), job_id)

    huey._lectern_run_job = run_job  # type: ignore[attr-defined]
    return huey


def enqueue(paths: DataPaths, job_id: int) -> None:
    huey_for(paths.queue_db)._lectern_run_job(str(paths.root), job_id)  # type: ignore[attr-defined]


# -- starting jobs (``desktop.workers.submit`` is the face the window and the CLI use) --------
def submit(paths: DataPaths, kind: str, payload: dict[str, Any] | None = None, target: str = "",
           title: str = "", db: Any = None) -> int:
    """Record a job, then enqueue it."""
    db = db or open_db(paths.db)
    job_id = jobs.create_job(db, kind, payload, target=target, title=title)
    enqueue(paths, job_id)
    return job_id


def retry(paths: DataPaths, job_id: int, db: Any = None) -> bool:
    db = db or open_db(paths.db)
    if jobs.reset_for_retry(db, job_id):
        enqueue(paths, job_id)
        return True
    return False


def cancel(paths: DataPaths, job_id: int, db: Any = None) -> str:
    return jobs.request_cancel(db or open_db(paths.db), job_id)


class QueueJobs:
    """A ``core.jobs.JobStarter`` backed by the Huey queue of one data folder."""

    def __init__(self, paths: DataPaths, db: Any = None) -> None:
        self.paths = paths
        self.db = db or open_db(paths.db)

    def submit(self, kind: str, payload: dict[str, Any] | None = None, target: str = "", title: str = "") -> int:
        return submit(self.paths, kind, payload, target=target, title=title, db=self.db)

    def retry(self, job_id: int) -> bool:
        return retry(self.paths, job_id, db=self.db)

    def cancel(self, job_id: int) -> str:
        return cancel(self.paths, job_id, db=self.db)
