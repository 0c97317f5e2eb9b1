"""How the UI and the CLI start background work: record the job, then enqueue it.

The code lives beside the queue (``queue.py``), which also hands it to running jobs as
``ctx.starter``; this module is the face the window, the CLI and tests import.
"""
from __future__ import annotations

from .queue import QueueJobs, cancel, retry, submit

__all__ = ["QueueJobs", "cancel", "retry", "submit"]
