"""What the window's sync controls do, in one place: start a sync or a cloud-view operation
as a background job (the window's context is the JobStarter core is handed), answer the
question about held deletions (the status bar's and Settings → Sync's), and ask the bucket
something in the background (the cloud view's listing, Settings' "Test connection")."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject

from ...core.errors import LecternError
from ...core.sync import cloud, remote
from ...core.sync.job import submit_sync
from ..background import LONG, Task, run_in_background, thread_db

T = TypeVar("T")


def sync_now(ctx: Any, confirmed: list[str] | None = None) -> int:
    """Queue a sync the student asked for; raises SyncError when sync is not set up."""
    remote.load_config(ctx.db)
    return submit_sync(ctx, confirmed=confirmed, by_hand=True)


def cloud_job(ctx: Any, op: str, **payload: Any) -> int:
    """Queue one operation of the cloud view (see ``core.sync.cloud.submit_cloud``)."""
    remote.load_config(ctx.db)
    return cloud.submit_cloud(ctx, op, **payload)


def ask_bucket(owner: QObject, question: Callable[[], T], answered: Callable[[T], None],
               failed: Callable[[str], None], name: str, failure: str = "") -> Task:
    """Ask the bucket (or wait on the sync's lock) off the UI thread: a slow or unreachable store
    takes seconds. The answer,
    or what went wrong in plain words, comes back on the UI thread while ``owner`` lives.
    ``failure`` starts the message of an unexpected error ("The test failed: ")."""
    def explain(exc: BaseException) -> None:
        failed(str(exc) if isinstance(exc, LecternError) else f"{failure}{type(exc).__name__}: {exc}")
    return run_in_background(question, answered, explain, lane=LONG, owner=owner, name=name)


def confirm_deletions(ctx: Any, keys: list[str]) -> int:
    """The student confirmed the deletions a sync held back: a sync that deletes only those."""
    return sync_now(ctx, confirmed=list(keys))


def keep_files(ctx: Any, owner: QObject, keys: list[str], kept: Callable[[int], None],
               failed: Callable[[str], None]) -> Task:
    """The student keeps what a sync would have deleted: their agreement is forgotten in the
    background (the next sync copies them back where they are missing); raises SyncError when
    sync is not set up."""
    from ...core.sync import keep_held

    config = remote.load_config(ctx.db)
    paths = ctx.paths
    return ask_bucket(owner, lambda: keep_held(thread_db(paths), paths, config, keys), kept, failed,
                      name="sync-keep")
