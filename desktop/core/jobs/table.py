"""The jobs table: the source of truth for every background job.

Huey is at-most-once (a task running when its consumer dies is lost), so the queue
only carries "run job N"; what a job is, how far it got and how it ended lives here.
A job moves queued -> running -> done | failed | cancelled. Claiming is atomic, so
a job enqueued twice still runs once at a time and ends ``done`` once.

Jobs on one target ("document:12", "recording:3") never run at the same time: a job
is claimed only when no other job on its target runs and no older one waits, so they
run one after the other in the order they were asked for. The job left waiting is
started again by whoever finishes the job before it (``next_for_target``).

A job left ``running`` by a worker that died is counted (``crashes``) and queued again
at the next start; after ``MAX_CRASHES`` it ends failed instead of stopping the worker
once more. A worker that is asked to quit puts its running jobs back to ``queued``
without counting them (``requeue_stopped``).

Core owns this table and the small ``JobContext`` API a running task uses to report
progress and notice cancellation. It never imports the queue.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterable

import sqlite_utils

from ..storage.config import DataPaths
from ..storage.db import write_transaction
from ..errors import JobCancelled
from .starter import JobStarter

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
TERMINAL = frozenset({DONE, FAILED, CANCELLED})
MAX_CRASHES = 3
WAITING_STAGE = "Waiting for another job on the same item"
STOPPED_STAGE = "Will continue at next start"


class WorkerStopping(BaseException):
    """Raised in a running job when its worker is asked to quit.

    A BaseException on purpose (like KeyboardInterrupt): a handler's ``except Exception``
    clean-up must not run, so what the job stored stays and it resumes from there.
    """


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
    crashes: int = 0

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Job":
        return cls(
            id=row["id"], kind=row["kind"], target=row["target"], title=row["title"],
            payload=json.loads(row["payload"] or "{}"), state=row["state"],
            progress=float(row["progress"] or 0), stage=row["stage"], error=row["error"],
            result=json.loads(row["result"] or "{}"), attempts=row["attempts"],
            cancel_requested=bool(row["cancel_requested"]), created_at=row["created_at"],
            started_at=row["started_at"], finished_at=row["finished_at"], updated_at=row["updated_at"],
            crashes=int(row.get("crashes") or 0),
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


def get_jobs(db: sqlite_utils.Database, job_ids: Iterable[int]) -> dict[int, Job]:
    """Several jobs by id (one query per 500 ids, under SQLite's variable limit)."""
    ids = list(job_ids)
    found: dict[int, Job] = {}
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        for row in db.query(f"SELECT * FROM jobs WHERE id IN ({','.join('?' * len(part))})", part):
            found[row["id"]] = Job.from_row(row)
    return found


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
    """queued -> running, atomically. False if someone else has it, it was cancelled, or
    its target is busy: another job on the same target runs, or an older one waits."""
    now = _now()
    # One statement, so the check of the target and the claim cannot be split by another worker.
    cur = db.execute(
        "UPDATE jobs SET state=?, started_at=?, updated_at=?, attempts=attempts+1, progress=0, "
        "stage='Starting', error='' WHERE id=? AND state=? AND (target = '' OR NOT EXISTS ("
        "  SELECT 1 FROM jobs AS other WHERE other.target = jobs.target AND other.id != jobs.id"
        "  AND (other.state = ? OR (other.state = ? AND other.id < jobs.id))))",
        (RUNNING, now, now, job_id, QUEUED, RUNNING, QUEUED),
    )
    return cur.rowcount == 1


def note_waiting(db: sqlite_utils.Database, job_id: int) -> bool:
    """After a failed ``claim``: say so on a job that is still queued (its target is busy)."""
    cur = db.execute("UPDATE jobs SET stage=?, updated_at=? WHERE id=? AND state=? AND target != ''",
                     (WAITING_STAGE, _now(), job_id, QUEUED))
    return cur.rowcount == 1


def next_for_target(db: sqlite_utils.Database, target: str) -> int | None:
    """The oldest queued job on ``target``: the one to start when the job before it ends."""
    if not target:
        return None
    row = db.execute("SELECT id FROM jobs WHERE target=? AND state=? ORDER BY id LIMIT 1",
                     (target, QUEUED)).fetchone()
    return int(row[0]) if row else None


def _end(db: sqlite_utils.Database, job_id: int, state: str, **fields: Any) -> None:
    # Only a running job ends: one put back to 'queued' by a quitting worker stays queued.
    now = _now()
    sets = ", ".join(f"{k}=?" for k in fields)
    db.execute(
        f"UPDATE jobs SET state=?, finished_at=?, updated_at=?{', ' + sets if sets else ''} WHERE id=? AND state=?",
        (state, now, now, *fields.values(), job_id, RUNNING),
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
    """failed/cancelled -> queued. The caller enqueues it again. The student asked for it:
    crashes count from zero again."""
    now = _now()
    cur = db.execute(
        "UPDATE jobs SET state=?, progress=0, stage='Queued', error='', cancel_requested=0, crashes=0, "
        "started_at=NULL, finished_at=NULL, updated_at=? WHERE id=? AND state IN (?, ?)",
        (QUEUED, now, job_id, FAILED, CANCELLED),
    )
    return cur.rowcount == 1


def crash_message(crashes: int) -> str:
    return f"This job stopped Lectern's worker {crashes} times; it was not run again."


def requeue_interrupted(db: sqlite_utils.Database, max_crashes: int = MAX_CRASHES) -> list[int]:
    """At consumer start: jobs left ``running`` were lost with their worker.

    Each counts one crash; one that has now stopped the worker ``max_crashes`` times ends
    failed with a plain reason, the others are queued again. Only one consumer runs per
    data folder, so every ``running`` job is an orphan here.

    Returns every queued job id, so the caller can (re-)enqueue them all: a job
    enqueued twice is harmless because ``claim`` lets only one run.
    """
    now = _now()
    with write_transaction(db) as conn:
        conn.execute("UPDATE jobs SET crashes=crashes+1 WHERE state=?", (RUNNING,))
        for job_id, crashes in conn.execute("SELECT id, crashes FROM jobs WHERE state=? AND crashes>=?",
                                            (RUNNING, max_crashes)).fetchall():
            conn.execute("UPDATE jobs SET state=?, stage='Failed', error=?, finished_at=?, updated_at=? "
                         "WHERE id=?", (FAILED, crash_message(crashes), now, now, job_id))
        conn.execute("UPDATE jobs SET state=?, stage='Resuming after an interruption', updated_at=? WHERE state=?",
                     (QUEUED, now, RUNNING))
    return [r["id"] for r in db.query("SELECT id FROM jobs WHERE state=? ORDER BY id", [QUEUED])]


def requeue_stopped(db: sqlite_utils.Database, job_id: int | None = None) -> int:
    """A quitting worker puts a running job (or, with no id, all of them) back to ``queued``.

    Not a crash: the job continues at the next start like one whose worker died, from what
    it stored. Returns how many jobs were put back."""
    now = _now()
    sql = "UPDATE jobs SET state=?, stage=?, cancel_requested=0, updated_at=? WHERE state=?"
    args: tuple[Any, ...] = (QUEUED, STOPPED_STAGE, now, RUNNING)
    if job_id is not None:
        sql, args = sql + " AND id=?", (*args, job_id)
    return db.execute(sql, args).rowcount


@dataclass
class JobContext:
    """What a running task sees: its payload, progress reporting, cancellation."""

    db: sqlite_utils.Database
    job: Job
    paths: DataPaths
    min_interval: float = 0.25
    stopping: threading.Event | None = None    # set when the worker is asked to quit
    starter: JobStarter | None = None          # how this job starts follow-up jobs (the worker's queue)
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
        """Raise JobCancelled if the student cancelled the job, WorkerStopping if Lectern quits."""
        if self.stopping is not None and self.stopping.is_set():
            raise WorkerStopping()
        if self.cancelled():
            raise JobCancelled()
