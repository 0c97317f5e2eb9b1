"""Background jobs: the ``jobs`` table (the source of truth) and the API a running job uses.

Core never imports the queue; whoever starts a job hands core a ``JobStarter``."""
from .table import (QUEUED, RUNNING, DONE, FAILED, CANCELLED, TERMINAL, Job, create_job, get_job, list_jobs,
                    changed_since, latest_for_target, claim, finish, fail, mark_cancelled, request_cancel,
                    reset_for_retry, requeue_interrupted, JobContext)
from .starter import JobStarter

__all__ = ["QUEUED", "RUNNING", "DONE", "FAILED", "CANCELLED", "TERMINAL", "Job", "create_job", "get_job", "list_jobs", "changed_since", "latest_for_target", "claim", "finish", "fail", "mark_cancelled", "request_cancel", "reset_for_retry", "requeue_interrupted", "JobContext", "JobStarter"]
