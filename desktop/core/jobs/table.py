"""The jobs table: the source of truth for every background job.

Huey is at-most-once (a task running when its consumer dies is lost), so the queue
only carries "run job N"; what a job is, how far it got and how it ended lives here.
A job moves queued -> running -> done | failed | cancelled. Claiming is atomic, so
a job enqueued twice still runs once at a time and ends ``done`` once.

Core owns this table and the small ``JobContext`` API a running task uses to report
progress and notice cancellation. It never imports the queue.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Iterable

import sqlite_utils

from ..storage.config import DataPaths
from ..errors import JobCancelled

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
TERMINAL = frozenset({DONE, FAILED, CANCELLED})


@dataclass
class Job:
    id: int
    kind: str
    target: str
    title: str
    payload: dict[str, Any]
    state: str
    progress: float
    stage: str
    error: str
    result: dict[str, Any]
    attempts: int
    cancel_requested: bool
    created_at: float
    started_at: float | None
    finished_at: float | None
    updated_at: float

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Job":
        return cls(
            id=row["id"], kind=row["kind"], target=row["target"], title=row["title"],
            payload=json.loads(row["payload"] or "{}"), state=row["state"],
            progress=float(row["progress"] or 0), stage=row["stage"], error=row["error"],
            result=json.loads(row["result"] or "{}"), attempts=row["attempts"],
            cancel_requested=bool(row["cancel_requested"]), created_at=row["created_at"],
            started_at=row["started_at"], finished_at=row["finished_at"], updated_at=row["updated_at"],
        )

    @property
    def finished(self) -> bool:
        return self.state in TERMINAL

    @property
    def elapsed_s(self) -> float:
        if not self.started_at:
            return 0.0
        return (self.finished_at or time.time()) - self.started_at

    @property
    def eta_s(self) -> float | None:
        """Linear estimate from progress so far; None until there is something to go on."""
        if self.state != RUNNING or self.progress < 0.02 or not self.started_at:
            return None
        return self.elapsed_s * (1 - self.progress) / self.progress

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["elapsed_s"] = round(self.elapsed_s, 3)
        return d


def _now() -> float:
    return time.time()


def create_job(db: sqlite_utils.Database, kind: str, payload: dict[str, Any] | None = None,
               target: str = "", title: str = "") -> int:
    now = _now()
    cur = db.execute(
        "INSERT INTO jobs (kind, target, title, payload, state, created_at, updated_at) VALUES (?,?,?,?,?,?,?)",
        (kind, target, title or kind, json.dumps(payload or {}), QUEUED, now, now),
    )
    return int(cur.lastrowid)


def get_job(db: sqlite_utils.Database, job_id: int) -> Job | None:
    rows = list(db.query("SELECT * FROM jobs WHERE id = ?", [job_id]))
    return Job.from_row(rows[0]) if rows else None


def list_jobs(db: sqlite_utils.Database, states: Iterable[str] | None = None, limit: int = 200) -> list[Job]:
    if states:
        st = list(states)
        sql = f"SELECT * FROM jobs WHERE state IN ({','.join('?' * len(st))}) ORDER BY id DESC LIMIT ?"
        rows = db.query(sql, [*st, limit])
    else:
        rows = db.query("SELECT * FROM jobs ORDER BY id DESC LIMIT ?", [limit])
    return [Job.from_row(r) for r in rows]


def changed_since(db: sqlite_utils.Database, since: float) -> list[Job]:
    """Jobs touched after ``since`` (uses the updated_at index: cheap to poll)."""
    return [Job.from_row(r) for r in db.query(
        "SELECT * FROM jobs WHERE updated_at > ? ORDER BY updated_at", [since])]


def latest_for_target(db: sqlite_utils.Database, target: str) -> Job | None:
    rows = list(db.query("SELECT * FROM jobs WHERE target = ? ORDER BY id DESC LIMIT 1", [target]))
    return Job.from_row(rows[0]) if rows else None


def claim(db: sqlite_utils.Database, job_id: int) -> bool:
    """queued -> running, atomically. False if someone else has it or it was cancelled."""
    now = _now()
    cur = db.execute(
        "UPDATE jobs SET state=?, started_at=?, updated_at=?, attempts=attempts+1, progress=0, "
        "stage='Starting', error='' WHERE id=? AND state=?",
        (RUNNING, now, now, job_id, QUEUED),
    )
    return cur.rowcount == 1


def _end(db: sqlite_utils.Database, job_id: int, state: str, **fields: Any) -> None:
    now = _now()
    sets = ", ".join(f"{k}=?" for k in fields)
    db.execute(
        f"UPDATE jobs SET state=?, finished_at=?, updated_at=?{', ' + sets if sets else ''} WHERE id=?",
        (state, now, now, *fields.values(), job_id),
    )


def finish(db: sqlite_utils.Database, job_id: int, result: dict[str, Any] | None = None) -> None:
    _end(db, job_id, DONE, progress=1.0, stage="Done", result=json.dumps(result or {}))


def fail(db: sqlite_utils.Database, job_id: int, error: str) -> None:
    _end(db, job_id, FAILED, error=error, stage="Failed")


def mark_cancelled(db: sqlite_utils.Database, job_id: int) -> None:
    _end(db, job_id, CANCELLED, stage="Cancelled")


def request_cancel(db: sqlite_utils.Database, job_id: int) -> str:
    """Ask a job to stop. A queued job is cancelled at once; a running one at its next check."""
    now = _now()
    db.execute("UPDATE jobs SET state=?, stage='Cancelled', finished_at=?, updated_at=?, cancel_requested=1 "
               "WHERE id=? AND state=?", (CANCELLED, now, now, job_id, QUEUED))
    db.execute("UPDATE jobs SET cancel_requested=1, stage='Cancelling…', updated_at=? WHERE id=? AND state=?",
               (now, job_id, RUNNING))
    job = get_job(db, job_id)
    return job.state if job else ""


def reset_for_retry(db: sqlite_utils.Database, job_id: int) -> bool:
    """failed/cancelled -> queued. The caller enqueues it again."""
    now = _now()
    cur = db.execute(
        "UPDATE jobs SET state=?, progress=0, stage='Queued', error='', cancel_requested=0, "
        "started_at=NULL, finished_at=NULL, updated_at=? WHERE id=? AND state IN (?, ?)",
        (QUEUED, now, job_id, FAILED, CANCELLED),
    )
    return cur.rowcount == 1


def requeue_interrupted(db: sqlite_utils.Database) -> list[int]:
    """At consumer start: jobs left ``running`` were lost with their worker; queue them again.

    Returns every queued job id, so the caller can (re-)enqueue them all: a job
    enqueued twice is harmless because ``claim`` lets only one run.
    """
    now = _now()
    db.execute("UPDATE jobs SET state=?, stage='Resuming after an interruption', updated_at=? WHERE state=?",
               (QUEUED, now, RUNNING))
    return [r["id"] for r in db.query("SELECT id FROM jobs WHERE state=? ORDER BY id", [QUEUED])]


@dataclass
class JobContext:
    """What a running task sees: its payload, progress reporting, cancellation."""

    db: sqlite_utils.Database
    job: Job
    paths: DataPaths
    min_interval: float = 0.25
    _last_write: float = field(default=0.0, init=False)
    _last_cancel_check: float = field(default=0.0, init=False)
    _cancelled: bool = field(default=False, init=False)

    @property
    def payload(self) -> dict[str, Any]:
        return self.job.payload

    @property
    def job_id(self) -> int:
        return self.job.id

    def progress(self, fraction: float, stage: str | None = None, force: bool = False) -> None:
        """Record progress; throttled to a few writes a second unless ``force``."""
        now = time.monotonic()
        if not force and now - self._last_write < self.min_interval:
            return
        self._last_write = now
        fraction = max(0.0, min(1.0, float(fraction)))
        if stage is None:
            self.db.execute("UPDATE jobs SET progress=?, updated_at=? WHERE id=? AND state=?",
                            (fraction, _now(), self.job.id, RUNNING))
        else:
            self.db.execute("UPDATE jobs SET progress=?, stage=?, updated_at=? WHERE id=? AND state=?",
                            (fraction, stage, _now(), self.job.id, RUNNING))

    def cancelled(self) -> bool:
        now = time.monotonic()
        if not self._cancelled and now - self._last_cancel_check >= 0.2:
            self._last_cancel_check = now
            row = self.db.execute("SELECT cancel_requested FROM jobs WHERE id=?", (self.job.id,)).fetchone()
            self._cancelled = bool(row and row[0])
        return self._cancelled

    def check_cancelled(self) -> None:
        if self.cancelled():
            raise JobCancelled()
