"""Make sure the worker and the vector store run, for headless commands.

If a Lectern window (or another command) already supervises this data folder, use
its children. Otherwise become the supervisor for the duration of the command.
"""
from __future__ import annotations

import contextlib
from typing import Any, Iterator

import sqlite_utils

from .. import jobs
from ..jobs import JobStarter
from ..library import upgrade
from ..storage.config import DataPaths
from ..storage.db import open_db
from ..errors import ServiceUnavailable
from .instance import InstanceLock
from .supervisor import HeartbeatWatch, Supervisor, wait_until, worker_heartbeat_file
from ..search import vectorstore


class JobsForTheNextWorker:
    """A ``JobStarter`` for the moment before this command starts the worker: it records the
    job as queued, and the worker queues every queued job when it starts."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def submit(self, kind: str, payload: dict[str, Any] | None = None, target: str = "", title: str = "") -> int:
        return jobs.create_job(self.db, kind, payload, target=target, title=title)

    def retry(self, job_id: int) -> bool:
        return jobs.reset_for_retry(self.db, job_id)

    def cancel(self, job_id: int) -> str:
        return jobs.request_cancel(self.db, job_id)


def _finish_upgrade(paths: DataPaths, starter: JobStarter | None) -> None:
    """Move an older release's files into place and start the re-index job, before the worker starts."""
    db = open_db(paths.db)
    try:
        upgrade.upgrade_data_folder(db, paths, starter or JobsForTheNextWorker(db))
    finally:
        db.conn.close()


def app_lock(paths: DataPaths) -> InstanceLock:
    return InstanceLock(paths.run / "lectern.lock")


@contextlib.contextmanager
def ensure_services(paths: DataPaths, timeout: float = 90.0,
                    starter: JobStarter | None = None) -> Iterator[Supervisor | None]:
    paths.ensure()
    lock = app_lock(paths)
    if lock.held_elsewhere():
        worker = HeartbeatWatch(worker_heartbeat_file(paths))

        def answering() -> bool:
            port = vectorstore.read_port(paths)
            # Both are checked every time: the heartbeat watch must see the file change.
            alive = worker.alive()
            return bool(port and vectorstore.heartbeat(port)) and alive

        if not wait_until(answering, timeout):
            raise ServiceUnavailable("Lectern is open but its worker or vector store is not answering.",
                                     "Check the status bar of the open window, or restart Lectern.")
        yield None
        return
    lock.acquire()
    try:
        _finish_upgrade(paths, starter)
    except BaseException:
        lock.release()
        raise
    sup = Supervisor(paths)
    try:
        sup.start()
        if not sup.wait_healthy(timeout):
            states = {n: f"{s.state} {s.detail}".strip() for n, s in sup.status().items()}
            raise ServiceUnavailable(f"Lectern's background services did not start: {states}.",
                                     f"See the logs in {paths.logs}.")
        yield sup
    finally:
        sup.stop()
        lock.release()
