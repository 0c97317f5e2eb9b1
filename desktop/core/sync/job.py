"""The ``sync_storage`` job: one sync in the background, with progress and cancel.

Its target is "sync", so two syncs never run at once. A failed sync leaves the
manifest true; the job can simply be run again (the interval timer or "Sync now")."""
from __future__ import annotations

from typing import Any

from ..errors import SyncError
from ..jobs import JobContext, JobStarter
from ..search.retrieval import open_store
from .remote import load_config
from .run import sync

JOB_KIND = "sync_storage"
JOB_TARGET = "sync"


def submit_sync(starter: JobStarter, yes_delete: bool = False) -> int:
    return starter.submit(JOB_KIND, {"yes_delete": bool(yes_delete)}, target=JOB_TARGET, title="Sync with the bucket")


def run_job(ctx: JobContext, starter: JobStarter) -> dict[str, Any]:
    """Handler of ``sync_storage`` (payload ``{"yes_delete": bool}``); ``starter`` queues the
    ingestion of what arrives."""
    config = load_config(ctx.db)
    summary = sync(ctx.db, ctx.paths, config, yes_delete=bool(ctx.payload.get("yes_delete")), starter=starter,
                   store=open_store(ctx.paths, ctx.db), report=lambda f, s: ctx.progress(f, s),
                   check=ctx.check_cancelled)
    if summary.errors:
        first = summary.errors[0]["error"]
        raise SyncError(f"{len(summary.errors)} sync operation(s) failed; the rest were done. First: {first}",
                        "Sync again to retry them.")
    return summary.as_dict()
