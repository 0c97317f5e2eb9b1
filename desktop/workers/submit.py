"""How the UI and the CLI start background work: record the job, then enqueue it."""
from __future__ import annotations

from typing import Any

from ..core import jobs
from ..core.storage.config import DataPaths
from ..core.storage.db import open_db
from .queue import enqueue


def submit(paths: DataPaths, kind: str, payload: dict[str, Any] | None = None, target: str = "",
           title: str = "", db: Any = None) -> int:
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
