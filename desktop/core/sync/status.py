"""How the last sync went, in words the window shows: "Synced 5 min ago", "Sync failed: …",
the summary of a finished sync, and the question to ask when deletions wait for the student.

Read from the jobs table (the ``sync_storage`` jobs), so the window, the command line and
tests see the same thing."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from .. import jobs
from ..timefmt import format_size
from .state import JOB_KIND, held_record, is_set_up

OFF, NEVER, RUNNING, DONE, FAILED, CANCELLED = "off", "never", "running", "done", "failed", "cancelled"
HELD = "held"                # the last sync went through, and deletions wait for the student's answer


@dataclass(frozen=True)
class SyncStatus:
    state: str               # off | never | running | done | held | failed | cancelled
    text: str                # one short line for the status bar
    detail: str = ""         # the tooltip: what happened, what to do
    job_id: int | None = None
    progress: float = 0.0


def ago(seconds: float) -> str:
    """'just now', '5 min ago', '2 h ago', '3 days ago'."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    return f"{days} day{'s' if days != 1 else ''} ago"


def last_sync_job(db: sqlite_utils.Database) -> jobs.Job | None:
    return next((j for j in jobs.list_jobs(db, limit=200) if j.kind == JOB_KIND), None)


def sync_status(db: sqlite_utils.Database, now: float | None = None) -> SyncStatus:
    now = time.time() if now is None else now
    if not is_set_up(db):
        return SyncStatus(OFF, "Sync off", "Sync with an S3 bucket is off. Turn it on in Settings → Sync.")
    recent = [j for j in jobs.list_jobs(db, limit=200) if j.kind == JOB_KIND]
    if not recent:
        return SyncStatus(NEVER, "Not synced yet", "This library has not been synced yet. Use File → Sync now.")
    job = recent[0]
    if not job.finished:
        stage = job.stage or "Waiting for the worker"
        return SyncStatus(RUNNING, f"Syncing… {int(job.progress * 100)} %", stage, job.id, job.progress)
    last_good = next((j for j in recent if j.state == jobs.DONE), None)
    good = f"Last good sync {ago(now - (last_good.finished_at or now))}." if last_good else "No sync has worked yet."
    when = ago(now - (job.finished_at or now))
    waiting = pending_deletions(db)
    still = f"\n\n{waiting.waiting}" if waiting else ""
    if job.state == jobs.DONE:
        if waiting:
            return SyncStatus(HELD, f"Synced {when}: {waiting.short}", f"{waiting.question}\n\n{waiting.how}",
                              job.id, 1.0)
        detail = describe(job.result)
        return SyncStatus(DONE, f"Synced {when}", detail, job.id, 1.0)
    if job.state == jobs.CANCELLED:
        return SyncStatus(CANCELLED, f"Sync cancelled {when}", f"The sync was cancelled. {good} "
                          f"What was done is kept; the next sync does the rest.{still}", job.id)
    first_line = (job.error or "the sync did not finish").splitlines()[0]
    short = first_line if len(first_line) <= 60 else first_line[:57].rstrip() + "…"
    return SyncStatus(FAILED, f"Sync failed: {short}", f"{job.error}\n{good} Lectern tries again later; "
                      f"you can also use File → Sync now.{still}", job.id)


# -- what a finished sync did -----------------------------------------------------------------------------
_GROUPS = (("uploaded", ("upload",)), ("downloaded", ("download", "update_local")),
           ("moved", ("move_remote", "move_local")), ("conflicts", ("conflict", "merge")),
           ("deleted", ("delete_remote", "delete_local")))


def counts(result: dict[str, Any]) -> dict[str, int]:
    """uploaded / downloaded / moved / conflicts / deleted / skipped / refused / held / failed."""
    c = result.get("counts", {}) or {}
    out = {name: sum(int(c.get(op, 0)) for op in ops) for name, ops in _GROUPS}
    out["skipped"] = len(result.get("skipped", []) or [])
    out["refused"] = len(result.get("refused", []) or [])
    out["held"] = len(result.get("held", []) or [])
    out["failed"] = len(result.get("errors", []) or [])
    return out


def describe(result: dict[str, Any]) -> str:
    """One sentence: '3 uploaded, 2 downloaded, 1 conflict (both copies kept), 0 skipped, 0 refused.'"""
    if not result:
        return "Nothing was reported."
    n = counts(result)
    parts = [f"{n['uploaded']} uploaded", f"{n['downloaded']} downloaded"]
    if n["moved"]:
        parts.append(f"{n['moved']} moved")
    parts.append(f"{n['conflicts']} conflict{'s' if n['conflicts'] != 1 else ''}"
                 + (" (both copies kept)" if n["conflicts"] else ""))
    if n["deleted"]:
        parts.append(f"{n['deleted']} deleted (kept in the trash here)")
    parts += [f"{n['skipped']} skipped", f"{n['refused']} refused"]
    if n["held"]:
        parts.append(f"{n['held']} deletion{'s' if n['held'] != 1 else ''} waiting for you")
    moved = int(result.get("bytes_up", 0)) + int(result.get("bytes_down", 0))
    text = ", ".join(parts) + "."
    if moved:
        text += f" {format_size(int(result.get('bytes_up', 0)))} up, {format_size(int(result.get('bytes_down', 0)))} down."
    return text


@dataclass(frozen=True)
class HeldDeletions:
    """Deletions a sync held back for the student's word, and the question to ask."""
    keys: list[str]
    question: str
    delete_label: str
    keep_label: str
    names: list[str] = field(default_factory=list)

    @property
    def short(self) -> str:
        """'2 deletions wait for you' (the status bar)."""
        n = len(self.keys)
        return f"{n} deletion{'s' if n != 1 else ''} wait{'s' if n == 1 else ''} for you"

    @property
    def waiting(self) -> str:
        n = len(self.keys)
        return (f"{n} deletion{'s' if n != 1 else ''} held back by a sync still wait{'s' if n == 1 else ''} "
                "for your answer; nothing has been deleted.")

    @property
    def how(self) -> str:
        return ("Answer from the sync menu in the status bar (Delete or keep…), in Settings → Sync, "
                "or run `lectern sync --yes-delete` to delete them.")


def _name(key: str) -> str:
    parts = key.split("/")
    return " / ".join(parts[3:]) if len(parts) > 3 else key


def held_deletions(result: dict[str, Any]) -> HeldDeletions | None:
    """The question for the deletions a finished sync held back (None when there are none)."""
    held = [a for a in result.get("held", []) or [] if a.get("op") in ("delete_remote", "delete_local")]
    if not held:
        return None
    there = [a for a in held if a["op"] == "delete_remote"]
    here = [a for a in held if a["op"] == "delete_local"]
    lines = []
    if there:
        total = int(result.get("remote_files", 0)) or len(there)
        lines.append(f"This sync would delete {len(there)} of {total} file{'s' if total != 1 else ''} from the bucket: "
                     "you deleted them in this library.")
    if here:
        total = int(result.get("synced_files", 0)) or len(here)
        lines.append(f"This sync would delete {len(here)} of the {total} synced file{'s' if total != 1 else ''} "
                     "from this library (into Lectern's trash): they are gone from the bucket.")
    lines.append("Nothing has been deleted yet.")
    keep = ("Keep them" + (" (they come back to this library)" if there and not here else
                           " (they go back into the bucket)" if here and not there else ""))
    return HeldDeletions([a["key"] for a in held], "\n\n".join(lines), "Delete", keep,
                         [_name(a["key"]) for a in held])


def pending_deletions(db: sqlite_utils.Database) -> HeldDeletions | None:
    """The question a sync left for the student and not yet answered (it outlives a failed
    sync and a restart), for the bucket sync is set up for now."""
    record = held_record(db)
    return held_deletions(record) if record is not None else None
