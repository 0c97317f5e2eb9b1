"""The ``sync_storage`` job: one sync in the background, with progress and cancel.

Its target is "sync", so two syncs never run at once. A failed sync leaves the
manifest true; the job can simply be run again (the interval timer or "Sync now")."""
from __future__ import annotations

import time
from typing import Any

from ..errors import SyncError
from .. import jobs
from ..jobs import JobContext, JobStarter
from ..search.retrieval import open_store
from .remote import load_config
from .run import sync

JOB_KIND = "sync_storage"
JOB_TARGET = "sync"


def submit_sync(starter: JobStarter, yes_delete: bool = False, confirmed: list[str] | None = None) -> int:
    """Queue a sync. ``confirmed``: keys whose deletion the student confirmed after a sync held
    them back (only those are deleted)."""
    payload: dict[str, Any] = {"yes_delete": bool(yes_delete)}
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


RETRY_FIRST_S = 60.0           # after a failed sync (offline, server down): 1, 2, 4... minutes


def next_sync_at(db: Any, interval_s: float, now: float | None = None) -> float | None:
    """When an automatic sync is due (epoch seconds), for the window's interval timer.

    None when syncing only on demand (``interval_s`` 0); infinity while one is queued or
    running. After failures it retries sooner than the interval, backing off (1, 2, 4...
    minutes, never later than the interval), so an offline laptop catches up soon after it
    is back without knocking every few seconds."""
    if interval_s <= 0:
        return None
    now = time.time() if now is None else now
    recent = [j for j in jobs.list_jobs(db, limit=200) if j.kind == JOB_KIND][:20]
    if not recent:
        return now
    if not recent[0].finished:
        return float("inf")
    failures = 0
    for j in recent:
        if j.state != jobs.FAILED:
            break
        failures += 1
    last = recent[0].finished_at or now
    if failures:
        return last + min(interval_s, RETRY_FIRST_S * 2 ** (failures - 1))
    return last + interval_s
