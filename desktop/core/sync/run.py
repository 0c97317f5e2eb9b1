"""One sync: list, plan, carry out, writing the manifest after each confirmed operation.

Used by the ``sync_storage`` job and by ``lectern sync``. An action that fails is
reported and the others go on; an interrupted sync (cancel, a killed process, a lost
connection) leaves the manifest true, so the next one completes it.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils
from filelock import FileLock, Timeout

from ..catalog import MEDIA_EXTENSIONS, kind_for
from ..errors import JobCancelled, LecternError, SyncError
from ..jobs import JobStarter
from ..storage.config import DataPaths
from ..timefmt import format_size
from . import apply, lectures, manifest, multipart, notes, state, steps, transfer
from .keys import LECTURES, RAW_DATA, RefusedKey, parse_key
from .local import SYNCED_KINDS, LocalState, local_state
from .manifest import Entry
from .plan import (ADOPT, CONFLICT, DELETE_LOCAL, DELETE_REMOTE, DOWNLOAD, FORGET, MOVE_LOCAL, MOVE_REMOTE, ORDER,
                   SKIP, UPDATE_LOCAL, UPLOAD, Action, Plan, RemoteItem, make_plan)
from .remote import SyncConfig, explain, list_user, make_client
from .steps import AUDIO, BOOKS, NOTES, TRANSCRIPTS, machine_name

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
    remote_files: int = 0          # files of this user in the bucket when the sync began
    synced_files: int = 0          # files agreed with this bucket when the sync began
    trash_cleaned: int = 0         # files the sync had kept in the trash over 30 days, removed

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Remote:
    items: list[RemoteItem]
    refused: list[dict[str, str]]
    skipped: list[dict[str, str]]


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
    """books | audio | transcripts | notes for a key this version syncs, else None."""
    parsed = parsed or _parsed(key)
    if parsed is None:
        return None
    if parsed.area == RAW_DATA:
        return BOOKS if kind_for(Path(parsed.filename)) in SYNCED_KINDS else None
    if parsed.area == LECTURES:
        if lectures.is_sidecar(key):
            return TRANSCRIPTS if lectures.audio_ext(parsed.filename[:-len(lectures.SIDECAR)]) in MEDIA_EXTENSIONS \
                else None
        if notes.is_notes(key):
            return NOTES if lectures.audio_ext(parsed.filename[:-len(notes.SUFFIX)]) in MEDIA_EXTENSIONS else None
        return AUDIO if lectures.is_audio(parsed) else None
    return None


def _parsed(key: str) -> Any:
    user = key.split("/")[1] if key.count("/") > 2 else ""
    try:
        return parse_key(key, user)
    except (RefusedKey, SyncError):
        return None


@contextmanager
def sync_lock(paths: DataPaths) -> Iterator[None]:
    """One sync (or bucket operation of the cloud view) at a time per data folder: the job,
    the command line and the cloud view share this lock file."""
    paths.run.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(paths.run / "sync.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout as exc:
        raise SyncError("A sync of this library is already running.", "Wait for it to finish.") from exc
    try:
        yield
    finally:
        lock.release()


def sync(db: sqlite_utils.Database, paths: DataPaths, config: SyncConfig, *, client: Any = None,
         dry_run: bool = False, yes_delete: bool = False, starter: JobStarter | None = None, store: Any = None,
         report: Report | None = None, check: Callable[[], None] | None = None,
         confirmed: Iterable[str] | None = None) -> Summary:
    """Bring this library and the bucket into agreement (see ``plan`` for the rules).

    ``confirmed``: the keys whose deletion the student confirmed after an earlier sync held
    them back; only those are deleted (other deletions are held again and asked about)."""
    with sync_lock(paths):
        return _sync(db, paths, config, client=client, dry_run=dry_run, yes_delete=yes_delete, starter=starter,
                     store=store, report=report, check=check,
                     confirmed=None if confirmed is None else frozenset(confirmed))


def keep_held(db: sqlite_utils.Database, paths: DataPaths, config: SyncConfig, keys: Iterable[str]) -> int:
    """The student keeps files a sync would have deleted: their agreement is forgotten, so the
    next sync treats them as new on the side that still has them and copies them back to the
    other (nothing is deleted). Returns how many were forgotten."""
    keys = list(keys)
    with sync_lock(paths):
        agreed = manifest.load(db, config.target)
        for key in keys:
            if key in agreed:
                manifest.forget(db, config.target, key)
        state.answered(db, config.target, keys)
    return sum(1 for k in keys if k in agreed)


def _only_confirmed(plan: Plan, confirmed: frozenset[str]) -> Plan:
    """Deletions not among the ones the student confirmed are held again."""
    again = [a for a in plan.actions if a.op in (DELETE_LOCAL, DELETE_REMOTE) and a.key not in confirmed]
    if again:
        ids = {id(a) for a in again}
        plan.held.extend(again)
        plan.actions[:] = [a for a in plan.actions if id(a) not in ids]
        plan.notices.append(f"{len(again)} other deletion(s) appeared since you confirmed; they wait for you.")
    return plan


def _sync(db: sqlite_utils.Database, paths: DataPaths, config: SyncConfig, *, client: Any, dry_run: bool,
          yes_delete: bool, starter: JobStarter | None, store: Any, report: Report | None,
          check: Callable[[], None] | None, confirmed: frozenset[str] | None = None) -> Summary:
    started = time.monotonic()
    client = client or make_client(config)
    say = report or (lambda _f, _s: None)
    say(0.0, "Reading the bucket")
    cleaned = [] if dry_run else apply.clean_trash(paths)
    agreed = manifest.load(db, config.target)
    remote = read_remote(client, config, agreed)
    summary = Summary(dry_run, refused=remote.refused, skipped=remote.skipped, remote_files=len(remote.items),
                      synced_files=len(agreed), trash_cleaned=len(cleaned))
    meter = Meter(say)
    if confirmed is not None:
        yes_delete = True
    if remote.refused:
        summary.notices.append(f"{len(remote.refused)} key(s) in the bucket were refused and not written here.")
    run = steps.Run(db, paths, config, client, summary, starter, store, {r.key: r for r in remote.items})
    day, machine = time.strftime("%Y-%m-%d"), machine_name()

    def planned(stream: str, local: list[Any], agreed_now: dict[str, Entry], keep: Callable[[str], bool] = bool
                ) -> Plan:
        plan = make_plan([i for i in local if keep(i.key)], [r for r in remote.items if _in(r.key, stream, keep)],
                         {k: e for k, e in agreed_now.items() if _in(k, stream, keep)}, machine=machine, day=day,
                         yes_delete=yes_delete)
        return plan if confirmed is None else _only_confirmed(plan, confirmed)

    books = local_state(db, paths, config.user, {k: e for k, e in agreed.items() if stream_of(k) == BOOKS})
    lect = lectures.lecture_state(db, paths, config.user, agreed)
    for doc in books.missing + lect.audio.missing:
        summary.skipped.append({"document_id": str(doc.id), "reason": f"the file of '{doc.title}' is missing here"})
    plans = [(BOOKS, planned(BOOKS, books.items, agreed), books),
             (AUDIO, _keep_noted(planned(AUDIO, lect.audio.items, agreed), lect, agreed), lect.audio)]
    if not dry_run:
        # The question is kept before anything is carried out: a sync that fails or is
        # stopped from here on still leaves it for the student.
        _remember_held(db, config, [p for _, p, _ in plans], summary)
        apply.clear_stale_staging(paths, {apply.resume_folder(paths, a.key, run.there[a.key].etag)
                                          for _, plan, _ in plans for a in plan.actions
                                          if a.op in (DOWNLOAD, UPDATE_LOCAL) and a.key in run.there})
        for _, plan, _ in plans:
            meter.add(plan)
        for stream, plan, here in plans:
            _carry_out(run, plan, here, stream, meter, check)
        # Transcripts are planned once the audio is in place (a new lecture has its id now).
        agreed = manifest.load(db, config.target)
        lect = lectures.lecture_state(db, paths, config.user, agreed)
    keep = _transcript_filter(lect, agreed)
    attached = [(TRANSCRIPTS, _merges(planned(TRANSCRIPTS, lect.transcripts.items, agreed, keep)), lect.transcripts),
                (NOTES, _merges(planned(NOTES, lect.notes.items, agreed, _notes_filter(lect, agreed))), lect.notes)]
    if not dry_run:
        for _, plan, _ in attached:
            meter.add(plan)
        for stream, plan, here in attached:
            _carry_out(run, plan, here, stream, meter, check)
        _abort_stale_uploads(db, config, client, [p for _, p, _ in plans + attached])
    for _, plan, _ in plans + attached:
        for op, n in plan.counts().items():
            summary.counts[op] = summary.counts.get(op, 0) + n
        summary.actions += [a.as_dict() for a in plan.actions]
        summary.held += [a.as_dict() for a in plan.held]
        summary.notices += plan.notices
    if not dry_run:
        _remember_held(db, config, [p for _, p, _ in plans + attached], summary)
    summary.seconds = round(time.monotonic() - started, 3)
    say(1.0, "Done")
    return summary


def _remember_held(db: sqlite_utils.Database, config: SyncConfig, plans: list[Plan], summary: Summary) -> None:
    """The deletions this sync holds back are the question that waits for the student (none:
    an earlier question is answered or moot)."""
    state.remember_held(db, config.target, [a.as_dict() for plan in plans for a in plan.held],
                        summary.remote_files, summary.synced_files)


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


def _keep_noted(plan: Plan, lect: lectures.LectureState, agreed: dict[str, Entry]) -> Plan:
    """A lecture deleted in the bucket whose notes changed here since is kept and sent again
    (its notes follow), as a book changed here since is: deleting it would lose what the
    student typed."""
    agreed_notes = {e.document_id: e.sha256 for k, e in agreed.items() if stream_of(k) == NOTES}
    changed = {i.document_id for i in lect.notes.items if agreed_notes.get(i.document_id) != i.sha256}
    audio = {i.document_id: i for i in lect.audio.items}

    def noted(a: Action) -> bool:
        return a.op == DELETE_LOCAL and a.document_id in changed and a.document_id in audio
    kept = [a for a in plan.actions + plan.held if noted(a)]
    if not kept:
        return plan
    plan.held[:] = [a for a in plan.held if not noted(a)]
    plan.actions[:] = [a for a in plan.actions if not noted(a)] + [
        Action(UPLOAD, a.key, a.document_id, "", audio[a.document_id].sha256, audio[a.document_id].size,
               "deleted in the bucket, but your notes in it changed here since: kept") for a in kept]
    plan.actions.sort(key=lambda a: (ORDER.index(a.op), a.key))
    return plan


def _notes_filter(lect: lectures.LectureState, agreed: dict[str, Entry]) -> Callable[[str], bool]:
    """A lecture whose audio file is missing here keeps its notes file out of this sync (its
    absence must not read as the notes being deleted)."""
    missing = {d.id for d in lect.audio.missing}
    owner_of = {k: e.document_id for k, e in agreed.items() if stream_of(k) == NOTES}

    def keep(key: str) -> bool:
        return owner_of.get(key) not in missing
    return keep


def _merges(plan: Plan) -> Plan:
    """A transcript (or notes file) changed on both sides is merged at its own key: no
    conflict copy, and its download is part of the merge."""
    merged = {a.source_key for a in plan.actions if a.op == CONFLICT}
    plan.actions[:] = [Action(steps.MERGE, a.source_key, a.document_id, reason="changed on both sides: merged")
                       if a.op == CONFLICT else a
                       for a in plan.actions if not (a.op == DOWNLOAD and a.key in merged)]
    return plan


_MOVING = (UPLOAD, CONFLICT, DOWNLOAD, UPDATE_LOCAL)
_VERBS = {UPLOAD: "Uploading", CONFLICT: "Keeping both copies of", DOWNLOAD: "Downloading",
          UPDATE_LOCAL: "Downloading the new version of", MOVE_REMOTE: "Moving in the bucket",
          MOVE_LOCAL: "Moving here", ADOPT: "Noting", steps.MERGE: "Merging both sides of",
          DELETE_REMOTE: "Deleting from the bucket", DELETE_LOCAL: "Moving to the trash", FORGET: "Forgetting",
          SKIP: "Skipping"}


class Meter:
    """Progress of one sync in files and bytes, over all its streams, as (fraction, stage text):
    "Uploading Reader.pdf: file 3 of 12, 45.0 MB of 120.0 MB"."""

    def __init__(self, say: Report) -> None:
        self.say = say
        self.files = self.files_done = 0
        self.bytes = self.bytes_done = 0
        self.label = ""
        # boto3 calls back from its transfer threads; the database connection is used by one at a time.
        self.guard = threading.Lock()

    def add(self, plan: Plan) -> None:
        self.files += sum(1 for a in plan.actions if a.op != SKIP)
        self.bytes += sum(a.size for a in plan.actions if a.op in _MOVING)

    def fraction(self) -> float:
        files = self.files_done / self.files if self.files else 0.0
        if not self.bytes:
            return min(0.99, files)
        return min(0.99, 0.2 * files + 0.8 * min(1.0, self.bytes_done / self.bytes))

    def stage(self) -> str:
        text = f"{self.label}: file {min(self.files_done + 1, self.files)} of {self.files}"
        if self.bytes:
            text += f", {format_size(min(self.bytes_done, self.bytes))} of {format_size(self.bytes)}"
        return text

    def start(self, action: Action) -> None:
        self.label = f"{_VERBS.get(action.op, action.op)} {action.key.rsplit('/', 1)[-1]}"
        self.say(self.fraction(), self.stage())

    def moved(self, n: int) -> None:
        self.bytes_done += n
        self.say(self.fraction(), self.stage())

    def finished(self, action: Action) -> None:
        self.files_done += 1


def _carry_out(run: steps.Run, plan: Plan, here: LocalState, stream: str, meter: Meter,
               check: Callable[[], None] | None) -> None:
    failed_conflicts: set[str] = set()
    guard = meter.guard

    def progress(n: int) -> None:
        with guard:
            meter.moved(n)

    def guarded_check() -> None:
        if check is not None:
            with guard:
                check()

    run.progress, run.check = progress, guarded_check
    for action in plan.actions:
        guarded_check()
        if action.op != SKIP:
            meter.start(action)
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
        finally:
            if action.op != SKIP:
                meter.finished(action)


def _abort_stale_uploads(db: sqlite_utils.Database, config: SyncConfig, client: Any, plans: list[Plan]) -> None:
    """Unfinished uploads no plan of this sync still needs (the file was deleted, renamed or
    sent whole) are given up, so their parts do not linger in the bucket."""
    writing = {a.key for plan in plans for a in plan.actions if a.op in (UPLOAD, CONFLICT, MOVE_REMOTE)}
    pending = manifest.PendingUploads(db, config.target)
    for key, record in pending.all().items():
        if key not in writing:
            multipart.abort(client, config, record, pending)
