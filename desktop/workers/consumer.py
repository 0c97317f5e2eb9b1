"""``lectern worker``: the Huey consumer, in the foreground of its own process."""
from __future__ import annotations

import logging
import os
import threading

from ..core import jobs
from ..core.storage.config import DataPaths, apply_offline_env
from ..core.storage.db import open_db
from ..core.runtime.instance import InstanceLock
from ..core.runtime.logs import setup_logging
from ..core.runtime.supervisor import worker_heartbeat_file
from .queue import STOPPING, enqueue, huey_for, wait_idle

log = logging.getLogger(__name__)

# On quit, how long running jobs get to reach their next check and stop cleanly. The
# supervisor waits longer than this (15 s) before it kills the worker.
STOP_WAIT_S = 8.0


def _heartbeat(paths: DataPaths, stop: threading.Event) -> None:
    # The content changes with every beat: the supervisor watches for a change, never
    # compares the file's mtime with the wall clock (which jumps on suspend/resume).
    f = worker_heartbeat_file(paths)
    beat = 0
    while not stop.is_set():
        beat += 1
        f.write_text(f"{os.getpid()} {beat}")
        stop.wait(1.0)


def run_consumer(paths: DataPaths, workers: int = 2) -> int:
    apply_offline_env()
    paths.ensure()
    setup_logging(paths.logs, "worker")
    # Only one consumer per data folder: requeueing "running" jobs is only safe then.
    lock = InstanceLock(paths.run / "worker.lock", what="A Lectern worker").acquire()
    db = open_db(paths.db)
    huey = huey_for(paths.queue_db)
    queued = jobs.requeue_interrupted(db)
    for job_id in queued:
        enqueue(paths, job_id)
    log.info("worker %s starting; %d queued job(s)", os.getpid(), len(queued))
    stop = threading.Event()
    threading.Thread(target=_heartbeat, args=(paths, stop), name="heartbeat", daemon=True).start()
    # SIGTERM and SIGINT both end consumer.run() at once (shutdown_timeout bounds Huey's own
    # wait); the running jobs are then stopped below, through their JobContext.
    consumer = huey.create_consumer(workers=workers, worker_type="thread", initial_delay=0.05,
                                    max_delay=0.5, backoff=1.15, periodic=False, shutdown_timeout=0.2)
    try:
        consumer.run()
    finally:
        STOPPING.set()
        if not wait_idle(STOP_WAIT_S):
            log.warning("a job did not stop within %.0f s; it continues at the next start", STOP_WAIT_S)
        put_back = jobs.requeue_stopped(db)   # whatever still runs: its thread ends with the process
        stop.set()
        worker_heartbeat_file(paths).unlink(missing_ok=True)
        lock.release()
        log.info("worker %s stopped%s", os.getpid(), f"; {put_back} job(s) put back" if put_back else "")
    return 0
