"""How core starts background work without knowing the queue.

Core functions that start a job take a ``JobStarter``. The window hands them its
context, the CLI and the worker a starter backed by the worker's queue (``QueueJobs``),
tests whichever they need. Core itself never imports the queue.
"""
from __future__ import annotations

from typing import Any, Protocol


class JobStarter(Protocol):
    def submit(self, kind: str, payload: dict[str, Any] | None = None, target: str = "", title: str = "") -> int:
        """Record a job (state 'queued') and hand it to whoever runs jobs; returns its id."""

    def retry(self, job_id: int) -> bool:
        """Queue a failed or cancelled job again; False when it was not in such a state."""

    def cancel(self, job_id: int) -> str:
        """Ask a job to stop; returns its state afterwards."""
