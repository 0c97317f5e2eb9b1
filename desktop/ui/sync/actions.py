"""What the window's sync controls do, in one place: start a sync or a cloud-view operation
as a background job (the window's context is the JobStarter core is handed)."""
from __future__ import annotations

from typing import Any

from ...core.sync import cloud, remote
from ...core.sync.job import submit_sync


def sync_now(ctx: Any, confirmed: list[str] | None = None) -> int:
    """Queue a sync the student asked for; raises SyncError when sync is not set up."""
    remote.load_config(ctx.db)
    return submit_sync(ctx, confirmed=confirmed, by_hand=True)


def cloud_job(ctx: Any, op: str, **payload: Any) -> int:
    """Queue one operation of the cloud view (see ``core.sync.cloud.submit_cloud``)."""
    remote.load_config(ctx.db)
    return cloud.submit_cloud(ctx, op, **payload)
