"""The bucket as a file manager (the cloud view): what is there for this user, whether it is
only here, only in the cloud or both; download a book, upload a folder, delete from the
bucket, and take the books that are only in the cloud ("Ingest new books only").

Every key is checked by ``keys`` before it names anything here; every write goes through
the same steps as a sync and writes the manifest after each confirmed operation, so the
next sync sees these operations as agreed. They run as the ``sync_cloud`` job, on the
same target as the sync: never two at once.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from ..catalog import get_document
from ..errors import SyncError
from ..jobs import JobContext, JobStarter
from ..library import ensure_path, import_folder
from ..search.retrieval import open_store
from ..storage.config import DataPaths
from . import apply, lectures, manifest, notes, transfer
from .state import CLOUD_JOB_KIND, JOB_TARGET
from .keys import LECTURES, RAW_DATA, RefusedKey, key_problem, parse_key, user_prefix
from .local import local_state
from .plan import DOWNLOAD, UPLOAD, Action, Plan
from .remote import SyncConfig, list_user, load_config, make_client, talking_to
from .run import Meter, Summary, _carry_out, stream_of, sync_lock
from .steps import BOOKS, Run

ONLY_HERE, ONLY_CLOUD, BOTH, REFUSED = "here", "cloud", "both", "refused"
STATE_WORDS = {ONLY_HERE: "Only here", ONLY_CLOUD: "Only in the cloud", BOTH: "Here and in the cloud",
               REFUSED: "Refused"}


@dataclass(frozen=True)
class CloudEntry:
    key: str
    area: str                 # raw_data | lectures | other
    path: tuple[str, ...]     # (semester, subject, book, file) for raw_data and lectures; the rest otherwise
    size: int
    state: str                # here | cloud | both | refused
    synced: bool              # agreed with the bucket before
    document_id: int | None   # the document here, when there is one
    reason: str = ""          # why a key is refused

    @property
    def name(self) -> str:
        return self.path[-1] if self.path else self.key


def listing(db: sqlite_utils.Database, paths: DataPaths, config: SyncConfig, client: Any = None, *,
            prefix: str = "", every_key: bool = False) -> list[CloudEntry]:
    """Everything of this user in the bucket and in the library here, books and lecture audio
    (a lecture's transcript and notes travel with it and are not listed), under
    ``users/<user>/<prefix>``. ``every_key`` (``lectern sync ls``): every key as it is, the
    lectures' transcript and notes files and folder markers too."""
    client = client or make_client(config)
    agreed = manifest.load(db, config.target)
    lect = lectures.lecture_state(db, paths, config.user, agreed)
    mine = local_state(db, paths, config.user, agreed).items + lect.audio.items
    if every_key:
        mine += lect.transcripts.items + lect.notes.items
    here = {i.key: i for i in mine}
    rows: list[CloudEntry] = []
    listed: set[str] = set()
    for obj in list_user(client, config, prefix):
        listed.add(obj.key)
        if not every_key and (lectures.is_attached(obj.key) or (obj.key.endswith("/") and obj.size == 0)):
            continue
        problem = key_problem(obj.key, config.user)
        item = here.get(obj.key)
        parsed = None if problem else parse_key_or_none(obj.key, config.user)
        if problem or (parsed is None and not every_key):
            rows.append(CloudEntry(obj.key, "other", (obj.key[len(user_prefix(config.user)):],), obj.size, REFUSED,
                                   False, None, problem or "it is not semester/subject/book/file"))
            continue
        area, parts = (parsed.area, parsed.parts) if parsed else ("other", (obj.key[len(user_prefix(config.user)):],))
        rows.append(CloudEntry(obj.key, area, parts, obj.size, BOTH if item else ONLY_CLOUD,
                               obj.key in agreed, item.document_id if item else None))
    start = user_prefix(config.user) + prefix
    for key, item in sorted(here.items()):
        if key in listed or not key.startswith(start):
            continue
        parsed = parse_key_or_none(key, config.user)
        if parsed is not None:
            rows.append(CloudEntry(key, parsed.area, parsed.parts, item.size, ONLY_HERE, key in agreed,
                                   item.document_id))
    rows.sort(key=lambda r: (r.area != RAW_DATA, [p.casefold() for p in r.path]))
    return rows


def parse_key_or_none(key: str, user: str) -> Any:
    try:
        parsed = parse_key(key, user)
    except (RefusedKey, SyncError):
        return None
    return parsed if parsed.area in (RAW_DATA, LECTURES) else None


# -- what the student asks for ------------------------------------------------------------------------------
def download(db: sqlite_utils.Database, paths: DataPaths, config: SyncConfig, keys: Iterable[str], *,
             starter: JobStarter | None, client: Any = None, report: Callable[[float, str], None] | None = None,
             check: Callable[[], None] | None = None) -> Summary:
    """Download these books' files (keys only in the cloud) into the library here; each is
    read (ingested) like an imported file. Lecture audio comes with a sync (its transcript
    with it). Keys that are refused, gone, or already here are reported, never written."""
    with sync_lock(paths):
        return _download(db, paths, config, list(keys), starter, client or make_client(config), report, check)


def _download(db: sqlite_utils.Database, paths: DataPaths, config: SyncConfig, keys: list[str],
              starter: JobStarter | None, client: Any, report: Callable[[float, str], None] | None,
              check: Callable[[], None] | None) -> Summary:
    started = time.monotonic()
    agreed = manifest.load(db, config.target)
    books = local_state(db, paths, config.user, agreed)
    here_keys = {i.key for i in books.items}
    here_shas = {i.sha256 for i in books.items}
    summary = Summary(False)
    actions: list[Action] = []
    there = {}
    for key in dict.fromkeys(keys):
        try:
            parse_key(key, config.user)
        except RefusedKey as exc:
            summary.refused.append({"key": key, "reason": str(exc)})
            continue
        if stream_of(key) != BOOKS:
            summary.skipped.append({"key": key, "reason": "lecture recordings come with the next sync"})
            continue
        if key in here_keys or (key in agreed and get_document(db, agreed[key].document_id) is not None):
            summary.skipped.append({"key": key, "reason": "it is already in the library here"})
            continue
        item = transfer.head(client, config, key)
        if item is None:
            summary.skipped.append({"key": key, "reason": "it is not in the bucket any more"})
            continue
        if item.sha256 is not None and item.sha256 in here_shas:
            summary.skipped.append({"key": key, "reason": "the same file is already here"})
            continue
        if key in agreed:              # deleted here since it was synced: asked for again, so it comes back
            manifest.forget(db, config.target, key)
        there[key] = item
        actions.append(Action(DOWNLOAD, key, None, "", item.sha256, item.size, "asked for in the cloud view"))
    plan = Plan(actions)
    run = Run(db, paths, config, client, summary, starter, None, there)
    meter = Meter(report or (lambda _f, _s: None))
    meter.add(plan)
    _carry_out(run, plan, books, BOOKS, meter, check)
    summary.counts = plan.counts()
    summary.actions = [a.as_dict() for a in plan.actions]
    summary.seconds = round(time.monotonic() - started, 3)
    return summary


def new_books(db: sqlite_utils.Database, paths: DataPaths, config: SyncConfig, *, starter: JobStarter | None,
              client: Any = None, report: Callable[[float, str], None] | None = None,
              check: Callable[[], None] | None = None) -> Summary:
    """"Ingest new books only": every book or note file that is in the bucket and not in the
    library here is downloaded and read; nothing is uploaded or deleted."""
    client = client or make_client(config)
    with sync_lock(paths):
        wanted = [e.key for e in listing(db, paths, config, client)
                  if e.area == RAW_DATA and e.state == ONLY_CLOUD and not e.synced]
        return _download(db, paths, config, wanted, starter, client, report, check)


def delete(db: sqlite_utils.Database, paths: DataPaths, config: SyncConfig, keys: Iterable[str], *,
           client: Any = None, store: Any = None) -> dict[str, Any]:
    """Delete these keys from the bucket (a lecture's transcript and notes go with its audio). A file
    that is also in the library here goes to Lectern's trash here too, so no sync brings it
    back; other computers do the same at their next sync. Only keys under this user's
    prefix are touched."""
    client = client or make_client(config)
    prefix = user_prefix(config.user)
    deleted: list[str] = []
    trashed: list[int] = []
    refused: list[dict[str, str]] = []
    with sync_lock(paths):
        agreed = manifest.load(db, config.target)
        lect = lectures.lecture_state(db, paths, config.user, agreed)
        here = {i.key: i.document_id for i in local_state(db, paths, config.user, agreed).items + lect.audio.items}
        for key in dict.fromkeys(keys):
            if not key.startswith(prefix) or "/" not in key[len(prefix):]:
                refused.append({"key": key, "reason": f"it is outside {prefix}"})
                continue
            attached = [key + lectures.SIDECAR, key + notes.SUFFIX] if stream_of(key) == "audio" else []
            for k in [key] + attached:
                transfer.delete(client, config, k)
                if k in agreed:
                    manifest.forget(db, config.target, k)
            deleted.append(key)
            doc_id = here.get(key)       # only a document filed at this very key (what the view showed as "both")
            doc = get_document(db, doc_id) if doc_id is not None else None
            if doc is not None:
                apply.trash_document(db, paths, doc, store)
                trashed.append(doc.id)
    return {"deleted": deleted, "trashed_here": trashed, "refused": refused}


def upload_folder(db: sqlite_utils.Database, paths: DataPaths, config: SyncConfig, folder: Path | str,
                  semester: str, subject: str, book: str, *, starter: JobStarter | None, client: Any = None,
                  report: Callable[[float, str], None] | None = None,
                  check: Callable[[], None] | None = None) -> Summary:
    """Put the course files of ``folder`` (and its subfolders) into the book
    semester/subject/book here and into the bucket. A file already in the library is not
    added twice; a name another file already has in the bucket is left for the next sync
    (which keeps both)."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise SyncError(f"{folder} is not a folder.", "Choose a folder of PDFs, slides or notes.")
    client = client or make_client(config)
    with sync_lock(paths):
        started = time.monotonic()
        node = ensure_path(db, semester, subject, book)
        results = import_folder(db, paths, folder, parent_id=node, starter=starter)
        added = {r.document_id for r in results if r.status == "added" and r.document_id is not None}
        summary = Summary(False)
        summary.skipped += [{"key": r.source, "reason": r.message or r.status} for r in results
                            if r.status != "added"]
        agreed = manifest.load(db, config.target)
        books = local_state(db, paths, config.user, agreed)
        taken = {o.key for o in list_user(client, config, f"{RAW_DATA}/")}
        actions = []
        for item in books.items:
            if item.document_id not in added:
                continue
            if item.key in taken:
                summary.skipped.append({"key": item.key, "reason": "another file has this name in the bucket; "
                                                                   "the next sync keeps both"})
                continue
            actions.append(Action(UPLOAD, item.key, item.document_id, "", item.sha256, item.size,
                                  "uploaded from a folder"))
        plan = Plan(actions)
        run = Run(db, paths, config, client, summary, starter, None, {})
        meter = Meter(report or (lambda _f, _s: None))
        meter.add(plan)
        _carry_out(run, plan, books, BOOKS, meter, check)
        summary.counts = plan.counts()
        summary.actions = [a.as_dict() for a in plan.actions]
        summary.arrived = sorted(added)
        summary.seconds = round(time.monotonic() - started, 3)
        return summary


# -- the job --------------------------------------------------------------------------------------------------
_TITLES = {"download": "Download from the bucket", "new_books": "Ingest new books from the bucket",
           "delete": "Delete from the bucket", "upload_folder": "Upload a folder to the bucket"}


def submit_cloud(starter: JobStarter, op: str, **payload: Any) -> int:
    """Queue one cloud-view operation: ``download`` (keys), ``new_books``, ``delete`` (keys),
    ``upload_folder`` (folder, semester, subject, book)."""
    if op not in _TITLES:
        raise SyncError(f"Unknown cloud operation {op!r}.")
    return starter.submit(CLOUD_JOB_KIND, {"op": op, **payload}, target=JOB_TARGET, title=_TITLES[op])


def run_job(ctx: JobContext, starter: JobStarter) -> dict[str, Any]:
    """Handler of ``sync_cloud``."""
    config = load_config(ctx.db)
    p = ctx.payload
    op = p.get("op")
    report = lambda f, s: ctx.progress(f, s)  # noqa: E731
    with talking_to(config):
        if op == "download":
            summary = download(ctx.db, ctx.paths, config, p.get("keys", []), starter=starter, report=report,
                               check=ctx.check_cancelled)
        elif op == "new_books":
            summary = new_books(ctx.db, ctx.paths, config, starter=starter, report=report, check=ctx.check_cancelled)
        elif op == "upload_folder":
            summary = upload_folder(ctx.db, ctx.paths, config, p["folder"], p["semester"], p["subject"], p["book"],
                                    starter=starter, report=report, check=ctx.check_cancelled)
        elif op == "delete":
            return {"op": op, **delete(ctx.db, ctx.paths, config, p.get("keys", []),
                                       store=open_store(ctx.paths, ctx.db))}
        else:
            raise SyncError(f"Unknown cloud operation {op!r}.")
    if summary.errors:
        first = summary.errors[0]["error"]
        raise SyncError(f"{len(summary.errors)} operation(s) failed; the rest were done. First: {first}",
                        "Try again from the cloud view.")
    return {"op": op, **summary.as_dict()}
