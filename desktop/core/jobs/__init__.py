"""Background jobs: the ``jobs`` table (the source of truth) and the API a running job uses.

Core never imports the queue; whoever starts a job hands core a ``JobStarter``."""
from .table import (QUEUED, RUNNING, DONE, FAILED, CANCELLED, TERMINAL, MAX_CRASHES, WAITING_STAGE, STOPPED_STAGE,
                    Job, JobContext, WorkerStopping, create_job, get_job, get_jobs, list_jobs, changed_since,
                    latest_for_target, claim, note_waiting, next_for_target, finish, fail, mark_cancelled,
                    request_cancel, reset_for_retry, crash_message, requeue_interrupted, requeue_stopped)
from .starter import JobStarter

__all__ = ["QUEUED", "RUNNING", "DONE", "FAILED", "CANCELLED", "TERMINAL", "MAX_CRASHES", "WAITING_STAGE",
           "STOPPED_STAGE", "Job", "JobContext", "WorkerStopping", "create_job", "get_job", "get_jobs", "list_jobs",
           "changed_since", "latest_for_target", "claim", "note_waiting", "next_for_target", "finish", "fail",
           "mark_cancelled", "request_cancel", "reset_for_retry", "crash_message", "requeue_interrupted",
           "requeue_stopped", "JobStarter"]
