"""``lectern worker``: the Huey consumer, in the foreground of its own process."""
from __future__ import annotations

import logging
import os
import threading
import time

from ..core import jobs
from ..core.storage.config import DataPaths, apply_offline_env
from ..core.storage.db import open_db
from ..core.runtime.instance import InstanceLock
from ..core.runtime.logs import setup_logging
from ..core.runtime.supervisor import worker_heartbeat_file
from .queue import enqueue, huey_for

log = logging.getLogger(__name__)


def _heartbeat(paths: DataPaths, stop: threading.Event) -> None:
    f = worker_heartbeat_file(paths)
    while not stop.is_set():
        f.write_text(str(os.getpid()))
        stop.wait(1.0)


def run_consumer(paths: DataPaths, workers: int = 2) -> int:
    apply_offline_env()
    paths.ensure()
    setup_logging(paths.logs, "worker")
    # Only one consumer per data folder: requeueing "running" jobs is only safe then.
    lock = InstanceLock(paths.run / "worker.lock", what="A Lectern worker").acquire()
    db = open_db(paths.db)
    huey = huey_for(paths.queue_db)
    resumed = jobs.requeue_interrupted(db)
    for job_id in resumed:
        enqueue(paths, job_id)
    log.info("worker %s starting; %d queued job(s)", os.getpid(), len(resumed))
    stop = threading.Event()
    threading.Thread(target=_heartbeat, args=(paths, stop), daemon=True).start()
    consumer = huey.create_consumer(workers=workers, worker_type="thread", initial_delay=0.05,
                                    max_delay=0.5, backoff=1.15, periodic=False)
    try:
        consumer.run()  # returns on SIGINT/SIGTERM after running tasks finish
    finally:
        stop.set()
        worker_heartbeat_file(paths).unlink(missing_ok=True)
        lock.release()
        log.info("worker %s stopped at %s", os.getpid(), time.strftime("%X"))
    return 0
