"""How the UI and the CLI start background work: record the job, then enqueue it."""
from __future__ import annotations

from typing import Any

from ..core import jobs
from ..core.config import DataPaths
from ..core.db import open_db
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
