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
from .state import JOB_KIND, JOB_TARGET, RETRY_FIRST_S, next_sync_at  # noqa: F401  (this module's face too)


def submit_sync(starter: JobStarter, yes_delete: bool = False, confirmed: list[str] | None = None,
                by_hand: bool = False) -> int:
    """Queue a sync. ``confirmed``: keys whose deletion the student confirmed after a sync held
    them back (only those are deleted). ``by_hand``: the student asked for it (the window
    then shows its summary; an automatic one only updates the status bar)."""
    payload: dict[str, Any] = {"yes_delete": bool(yes_delete), "by_hand": bool(by_hand)}
    if confirmed is not None:
        payload["confirmed"] = list(confirmed)
    title = "Sync with the bucket" + (" (confirmed deletions)" if confirmed else "")
    return starter.submit(JOB_KIND, payload, target=JOB_TARGET, title=title)


def run_job(ctx: JobContext, starter: JobStarter) -> dict[str, Any]:
    """Handler of ``sync_storage`` (payload ``{"yes_delete": bool}``); ``starter`` queues the
    ingestion of what arrives."""
    config = load_config(ctx.db)
    confirmed = ctx.payload.get("confirmed")
    summary = sync(ctx.db, ctx.paths, config, yes_delete=bool(ctx.payload.get("yes_delete")), starter=starter,
                   store=open_store(ctx.paths, ctx.db), report=lambda f, s: ctx.progress(f, s),
                   check=ctx.check_cancelled, confirmed=None if confirmed is None else list(confirmed))
    if summary.errors:
        first = summary.errors[0]["error"]
        raise SyncError(f"{len(summary.errors)} sync operation(s) failed; the rest were done. First: {first}",
                        "Sync again to retry them.")
    return summary.as_dict()
