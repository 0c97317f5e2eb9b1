"""What the window's sync controls do, in one place: start a sync or a cloud-view operation
as a background job (the window's context is the JobStarter core is handed), and ask the
bucket something in the background (the cloud view's listing, Settings' "Test connection")."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject

from ...core.errors import LecternError
from ...core.sync import cloud, remote
from ...core.sync.job import submit_sync
from ..background import LONG, Task, run_in_background

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
    """Ask the bucket off the UI thread (a slow or unreachable store takes seconds); the answer,
    or what went wrong in plain words, comes back on the UI thread while ``owner`` lives.
    ``failure`` starts the message of an unexpected error ("The test failed: ")."""
    def explain(exc: BaseException) -> None:
        failed(str(exc) if isinstance(exc, LecternError) else f"{failure}{type(exc).__name__}: {exc}")
    return run_in_background(question, answered, explain, lane=LONG, owner=owner, name=name)
