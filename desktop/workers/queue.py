"""The Huey instance and the single task it runs: ``run_job(job_id)``.

The queue carries job ids only; the jobs table says what each job is and how it
ended. The enqueuing process and the consumer build the instance the same way, so
task names match (``desktop.workers.queue.run_job``).
"""
from __future__ import annotations

import logging
import threading
import traceback
from functools import lru_cache
from pathlib import Path

from huey import SqliteHuey

from ..core import jobs
from ..core.storage.config import DataPaths
from ..core.storage.db import open_db
from ..core.errors import JobCancelled, LecternError

log = logging.getLogger(__name__)
_local = threading.local()


def _db(paths: DataPaths):
    key = str(paths.db)
    cache = getattr(_local, "dbs", None)
    if cache is None:
        cache = _local.dbs = {}
    if key not in cache:
        cache[key] = open_db(paths.db)
    return cache[key]


def execute_job(paths: DataPaths, job_id: int) -> str:
    """Run one job to its end state (claim, handler, done/failed/cancelled). Returns the state."""
    from .handlers import HANDLERS

    db = _db(paths)
    if not jobs.claim(db, job_id):
        return "skipped"  # cancelled, already done, or someone else runs it
    job = jobs.get_job(db, job_id)
    assert job is not None
    handler = HANDLERS.get(job.kind)
    if handler is None:
        jobs.fail(db, job_id, f"Lectern does not know how to run a '{job.kind}' job.")
        return jobs.FAILED
    ctx = jobs.JobContext(db, job, paths)
    try:
        result = handler(ctx)
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
