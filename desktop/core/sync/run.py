"""One sync: list, plan, carry out, writing the manifest after each confirmed operation.

Used by the ``sync_storage`` job and by ``lectern sync``. An action that fails is
reported and the others go on; an interrupted sync (cancel, a killed process, a lost
connection) leaves the manifest true, so the next one completes it.
"""
from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils
from filelock import FileLock, Timeout

from ..catalog import MEDIA_EXTENSIONS, kind_for
from ..errors import JobCancelled, LecternError, SyncError
from ..jobs import JobStarter
from ..storage.config import DataPaths
from . import apply, lectures, manifest, multipart, steps, transfer
from .keys import LECTURES, RAW_DATA, RefusedKey, parse_key, segment
from .local import SYNCED_KINDS, LocalState, local_state
from .manifest import Entry
from .plan import CONFLICT, DOWNLOAD, MOVE_REMOTE, UPDATE_LOCAL, UPLOAD, Action, Plan, RemoteItem, make_plan
from .remote import SyncConfig, explain, list_user, make_client
from .steps import AUDIO, BOOKS, TRANSCRIPTS

log = logging.getLogger(__name__)
Report = Callable[[float, str], None]        # (fraction done, what is happening)


@dataclass
class Summary:
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)
    actions: list[dict[str, Any]] = field(default_factory=list)
    held: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    arrived: list[int] = field(default_factory=list)   # documents downloaded or updated here (to ingest)
    bytes_up: int = 0
    bytes_down: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Remote:
    items: list[RemoteItem]
    refused: list[dict[str, str]]
    skipped: list[dict[str, str]]


def machine_name() -> str:
    return segment(socket.gethostname().split(".")[0], "another computer")


def read_remote(client: Any, config: SyncConfig, agreed: dict[str, Entry]) -> Remote:
    """The bucket's side: every key checked; the sha256 of each object from the manifest
    when its ETag is the agreed one, else from its metadata (one HEAD)."""
    items: list[RemoteItem] = []
    refused: list[dict[str, str]] = []
    skipped: list[dict[str, str]] = []
    for obj in list_user(client, config):
        if obj.key.endswith("/") and obj.size == 0:     # a "folder" made by a bucket browser: nothing to sync
            skipped.append({"key": obj.key, "reason": "an empty folder marker"})
            continue
        try:
            parsed = parse_key(obj.key, config.user)
        except RefusedKey as exc:
            log.warning("refused bucket key %r: %s", obj.key, exc)
            refused.append({"key": obj.key, "reason": str(exc)})
            continue
        if stream_of(obj.key, parsed) is None:
            skipped.append({"key": obj.key, "reason": "not synced by this version of Lectern"})
            continue
        m = agreed.get(obj.key)
        if m is not None and m.etag == obj.etag and m.size == obj.size:
            items.append(RemoteItem(obj.key, obj.size, obj.etag, m.sha256, m.mtime))
            continue
        there = transfer.head(client, config, obj.key)
        if there is not None:
            items.append(there)
    return Remote(items, refused, skipped)


def stream_of(key: str, parsed: Any = None) -> str | None:
    """books | audio | transcripts for a key this version syncs, else None."""
    parsed = parsed or _parsed(key)
    if parsed is None:
        return None
    if parsed.area == RAW_DATA:
        return BOOKS if kind_for(Path(parsed.filename)) in SYNCED_KINDS else None
    if parsed.area == LECTURES:
        if lectures.is_sidecar(key):
            return TRANSCRIPTS if lectures.audio_ext(parsed.filename[:-len(lectures.SIDECAR)]) in MEDIA_EXTENSIONS \
                else None
        return AUDIO if lectures.is_audio(parsed) else None
    return None


def _parsed(key: str) -> Any:
    user = key.split("/")[1] if key.count("/") > 2 else ""
    try:
        return parse_key(key, user)
    except (RefusedKey, SyncError):
        return None


def sync(db: sqlite_utils.Database, paths: DataPaths, config: SyncConfig, *, client: Any = None,
         dry_run: bool = False, yes_delete: bool = False, starter: JobStarter | None = None, store: Any = None,
         report: Report | None = None, check: Callable[[], None] | None = None) -> Summary:
    """Bring this library and the bucket into agreement (see ``plan`` for the rules).

    One sync at a time per data folder (the job and the command line share a lock file)."""
    paths.run.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(paths.run / "sync.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout as exc:
        raise SyncError("A sync of this library is already running.", "Wait for it to finish.") from exc
    try:
        return _sync(db, paths, config, client=client, dry_run=dry_run, yes_delete=yes_delete, starter=starter,
                     store=store, report=report, check=check)
    finally:
        lock.release()


def _sync(db: sqlite_utils.Database, paths: DataPaths, config: SyncConfig, *, client: Any, dry_run: bool,
          yes_delete: bool, starter: JobStarter | None, store: Any, report: Report | None,
          check: Callable[[], None] | None) -> Summary:
    started = time.monotonic()
    client = client or make_client(config)
    say = report or (lambda _f, _s: None)
    say(0.0, "Reading the bucket")
    agreed = manifest.load(db, config.target)
    remote = read_remote(client, config, agreed)
    summary = Summary(dry_run, refused=remote.refused, skipped=remote.skipped)
    if remote.refused:
        summary.notices.append(f"{len(remote.refused)} key(s) in the bucket were refused and not written here.")
    run = steps.Run(db, paths, config, client, summary, starter, store, {r.key: r for r in remote.items})
    day, machine = time.strftime("%Y-%m-%d"), machine_name()

    def planned(stream: str, local: list[Any], agreed_now: dict[str, Entry], keep: Callable[[str], bool] = bool
                ) -> Plan:
        return make_plan([i for i in local if keep(i.key)], [r for r in remote.items if _in(r.key, stream, keep)],
                         {k: e for k, e in agreed_now.items() if _in(k, stream, keep)}, machine=machine, day=day,
                         yes_delete=yes_delete)

    books = local_state(db, paths, config.user, {k: e for k, e in agreed.items() if stream_of(k) == BOOKS})
    lect = lectures.lecture_state(db, paths, config.user, agreed)
    for doc in books.missing + lect.audio.missing:
        summary.skipped.append({"document_id": str(doc.id), "reason": f"the file of '{doc.title}' is missing here"})
    plans = [(BOOKS, planned(BOOKS, books.items, agreed), books),
             (AUDIO, planned(AUDIO, lect.audio.items, agreed), lect.audio)]
    if not dry_run:
        apply.clear_stale_staging(paths, {apply.resume_folder(paths, a.key, run.there[a.key].etag)
                                          for _, plan, _ in plans for a in plan.actions
                                          if a.op in (DOWNLOAD, UPDATE_LOCAL) and a.key in run.there})
        for stream, plan, here in plans:
            _carry_out(run, plan, here, stream, say, check)
        # Transcripts are planned once the audio is in place (a new lecture has its id now).
        agreed = manifest.load(db, config.target)
        lect = lectures.lecture_state(db, paths, config.user, agreed)
    keep = _transcript_filter(lect, agreed)
    transcripts = (TRANSCRIPTS, _merges(planned(TRANSCRIPTS, lect.transcripts.items, agreed, keep)), lect.transcripts)
    if not dry_run:
        _carry_out(run, transcripts[1], transcripts[2], TRANSCRIPTS, say, check)
        _abort_stale_uploads(db, config, client, [p for _, p, _ in plans] + [transcripts[1]])
    for _, plan, _ in plans + [transcripts]:
        for op, n in plan.counts().items():
            summary.counts[op] = summary.counts.get(op, 0) + n
        summary.actions += [a.as_dict() for a in plan.actions]
        summary.held += [a.as_dict() for a in plan.held]
        summary.notices += plan.notices
    summary.seconds = round(time.monotonic() - started, 3)
    say(1.0, "Done")
    return summary


def _in(key: str, stream: str, keep: Callable[[str], bool]) -> bool:
    return stream_of(key) == stream and keep(key)


def _transcript_filter(lect: lectures.LectureState, agreed: dict[str, Entry]) -> Callable[[str], bool]:
    """Which transcripts take part in this sync. One waits while its lecture is being recorded
    or transcribed here, and while a synced one has no finished transcript here (a failed or
    cancelled re-transcription): it must not read as deleted. A lecture that never had one
    here takes the bucket's."""
    owner = {i.key: i.document_id for i in lect.audio.items}
    owner.update({k: e.document_id for k, e in agreed.items() if stream_of(k) == AUDIO})

    def keep(key: str) -> bool:
        doc = owner.get(lectures.audio_key_of(key))
        return doc not in lect.busy and not (doc in lect.untranscribed and key in agreed)
    return keep


def _merges(plan: Plan) -> Plan:
    """A transcript changed on both sides is merged at its own key: no conflict copy, and
    its download is part of the merge."""
    merged = {a.source_key for a in plan.actions if a.op == CONFLICT}
    plan.actions[:] = [Action(steps.MERGE, a.source_key, a.document_id, reason="changed on both sides: merged")
                       if a.op == CONFLICT else a
                       for a in plan.actions if not (a.op == DOWNLOAD and a.key in merged)]
    return plan


def _carry_out(run: steps.Run, plan: Plan, here: LocalState, stream: str, say: Report,
               check: Callable[[], None] | None) -> None:
    total = sum(a.size for a in plan.actions if a.op in (UPLOAD, CONFLICT, DOWNLOAD, UPDATE_LOCAL)) or 1
    moved = 0
    stage = ""
    failed_conflicts: set[str] = set()
    # boto3 calls back from its transfer threads; the database connection is used by one at a time.
    guard = threading.Lock()

    def progress(n: int) -> None:
        nonlocal moved
        with guard:
            moved += n
            say(min(0.99, moved / total), stage)

    def guarded_check() -> None:
        if check is not None:
            with guard:
                check()

    run.progress, run.check = progress, guarded_check
    for i, action in enumerate(plan.actions):
        guarded_check()
        stage = f"{action.op.replace('_', ' ')} {action.key.rsplit('/', 1)[-1]} ({i + 1} of {len(plan.actions)})"
        say(min(0.99, moved / total), stage)
        if action.op == DOWNLOAD and action.key in failed_conflicts:
            run.summary.skipped.append({"key": action.key, "reason": "its conflict copy could not be kept first; "
                                                                     "it is tried again at the next sync"})
            continue
        try:
            steps.one(run, action, here, stream)
        except JobCancelled:
            raise
        except (LecternError, OSError) as exc:     # this one action failed; the others go on
            error = exc if isinstance(exc, LecternError) else explain(exc, run.config)
            log.warning("sync %s %s failed: %s", action.op, action.key, error)
            run.summary.errors.append({"op": action.op, "key": action.key, "error": str(error)})
            if action.op == CONFLICT:
                failed_conflicts.add(action.source_key)


def _abort_stale_uploads(db: sqlite_utils.Database, config: SyncConfig, client: Any, plans: list[Plan]) -> None:
    """Unfinished uploads no plan of this sync still needs (the file was deleted, renamed or
    sent whole) are given up, so their parts do not linger in the bucket."""
    writing = {a.key for plan in plans for a in plan.actions if a.op in (UPLOAD, CONFLICT, MOVE_REMOTE)}
    pending = manifest.PendingUploads(db, config.target)
    for key, record in pending.all().items():
        if key not in writing:
            multipart.abort(client, config, record, pending)
