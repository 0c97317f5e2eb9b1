"""Bringing a data folder made by an older release up to date, keeping everything.

Three steps, each safe to interrupt at any point (kill -9 included) and to run again:

1. The schema migration (``storage.db.migrate``, on every ``open_db``): app.db is
   backed up to ``app.db.bak-v<N>`` first; chunks lose their name copies; chats'
   scopes name folders by id; ``file_moves`` records one planned move per file kept
   under ``library/<semester>/<subject>/<book>/``.
2. ``move_managed_files``: each planned file goes to ``files/<document id>/<name>``.
   A move is a rename (or a verified copy when the folder spans two disks), then one
   short transaction updating ``documents.path``, the lecture's ``recordings.path``
   and the plan's row. A rerun finds each file where the last run left it. Folders
   under ``library/`` are left where they are: nothing is deleted.
3. The ``reindex_vectors`` job: the vector store follows SQLite again (metadata by id,
   missing vectors embedded, orphans removed), with progress in the jobs drawer.

``upgrade_data_folder`` runs 2 and starts 3; the window and the command line call it
when they open a data folder, before the worker starts.
"""
from __future__ import annotations

import errno
import logging
import os
import shutil
import time
from pathlib import Path
from typing import Any

import sqlite_utils

from .. import jobs
from ..catalog import sha256_file
from ..jobs import JobStarter
from ..jobs.table import JobContext
from ..models.embeddings import get_embedder, get_multilingual_embedder
from ..search import multilingual
from ..search.index import pending_vectors, remove_orphan_vectors, repair_vectors
from ..search.retrieval import embeddings_choice, open_store
from ..storage.config import DataPaths
from ..storage.db import write_transaction
from .ingest import embedder_for_kind

log = logging.getLogger(__name__)

REINDEX_JOB = "reindex_vectors"
REINDEX_TARGET = "library:vectors"
# Test hook for the interrupted-upgrade test: after this many moves, announce it
# (``<file>.reached``) and wait for ``<file>`` to appear before going on.
PAUSE_AFTER_ENV = "LECTERN_UPGRADE_PAUSE_AFTER"
PAUSE_FILE_ENV = "LECTERN_UPGRADE_PAUSE_FILE"


def planned_moves(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    if "file_moves" not in db.table_names():
        return []
    return list(db.query("SELECT * FROM file_moves WHERE state = 'planned' ORDER BY document_id"))


def move_managed_files(db: sqlite_utils.Database, paths: DataPaths) -> dict[str, int]:
    """Carry out the planned moves; returns {"moved", "missing", "gone", "failed"} counts of this run.

    A file that cannot be moved now (permissions, a full disk) stays where it is, still
    found through its row, and is tried again at the next start; the others go on.
    """
    counts = {"moved": 0, "missing": 0, "gone": 0, "failed": 0}
    for n, plan in enumerate(planned_moves(db), start=1):
        try:
            counts[_move_one(db, paths, plan)] += 1
        except OSError as exc:
            log.warning("document %s: could not move %s (%s); will try again at next start",
                        plan["document_id"], plan["old_path"], exc)
            counts["failed"] += 1
        _pause_for_test(n)
    if any(counts.values()):
        log.info("managed files moved to files/<id>/: %s", counts)
    return counts


def _move_one(db: sqlite_utils.Database, paths: DataPaths, plan: dict[str, Any]) -> str:
    doc_id, old_rel, new_rel = plan["document_id"], plan["old_path"], plan["new_path"]
    old, new = paths.root / old_rel, paths.root / new_rel
    row = db.execute("SELECT path FROM documents WHERE id = ?", (doc_id,)).fetchone()
    if row is None or row[0] != old_rel:
        # Deleted (or re-filed by the new release) since the plan was made: leave its file alone.
        _record(db, doc_id, "gone")
        return "gone"
    if old.exists():
        new.parent.mkdir(parents=True, exist_ok=True)
        if new.exists():
            # Both there: a verified copy finished just before an interruption (or a clash).
            if sha256_file(new) != sha256_file(old):
                new = _free_name(new)
                new_rel = str(new.relative_to(paths.root))
                _relocate(old, new)
        else:
            _relocate(old, new)
    elif not new.exists():
        log.warning("document %s: its file %s is missing; left as it is", doc_id, old_rel)
        _record(db, doc_id, "missing")
        return "missing"
    with write_transaction(db) as conn:
        conn.execute("UPDATE documents SET path = ? WHERE id = ? AND path = ?", (new_rel, doc_id, old_rel))
        conn.execute("UPDATE recordings SET path = ? WHERE path = ?", (new_rel, old_rel))
        conn.execute("UPDATE file_moves SET state = 'done', new_path = ?, updated_at = ? WHERE document_id = ?",
                     (new_rel, time.time(), doc_id))
    if old.exists() and new.exists() and sha256_file(old) == sha256_file(new):
        old.unlink()      # the verified second copy of a file now recorded at ``new``
    return "moved"


def _relocate(old: Path, new: Path) -> None:
    """Rename; across disks, copy to a unique temporary name, check, rename, then remove the original."""
    try:
        os.rename(old, new)
        return
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    tmp = new.with_name(f".lectern-{os.getpid()}-{time.monotonic_ns()}.part")
    shutil.copy2(old, tmp)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    if sha256_file(tmp) != sha256_file(old):
        tmp.unlink()
        raise OSError(errno.EIO, f"the copy of {old.name} does not match the original")
    os.replace(tmp, new)
    old.unlink()


def _free_name(target: Path) -> Path:
    n = 2
    candidate = target
    while candidate.exists():
        candidate = target.with_name(f"{target.stem} ({n}){target.suffix}")
        n += 1
    return candidate


def _record(db: sqlite_utils.Database, doc_id: int, state: str) -> None:
    with write_transaction(db) as conn:
        conn.execute("UPDATE file_moves SET state = ?, updated_at = ? WHERE document_id = ?",
                     (state, time.time(), doc_id))


def _pause_for_test(moved: int) -> None:
    after, flag = os.environ.get(PAUSE_AFTER_ENV), os.environ.get(PAUSE_FILE_ENV)
    if not (after and flag) or moved != int(after):
        return
    Path(flag + ".reached").write_text(str(os.getpid()))
    while not Path(flag).exists():
        time.sleep(0.05)


def reindex_needed(db: sqlite_utils.Database) -> bool:
    return pending_vectors(db) > 0 or multilingual.needs_catch_up(db)


def start_reindex(db: sqlite_utils.Database, starter: JobStarter) -> int | None:
    """Start the ``reindex_vectors`` job unless one is already waiting or running."""
    latest = jobs.latest_for_target(db, REINDEX_TARGET)
    if latest is not None and latest.state not in jobs.TERMINAL:
        return latest.id
    return starter.submit(REINDEX_JOB, {}, target=REINDEX_TARGET, title="Updating the search index")


def upgrade_data_folder(db: sqlite_utils.Database, paths: DataPaths,
                        starter: JobStarter | None = None) -> dict[str, Any]:
    """Finish what the schema migration planned: move files, then start the re-index job if needed."""
    moved = move_managed_files(db, paths)
    job_id = start_reindex(db, starter) if starter is not None and reindex_needed(db) else None
    return {"files": moved, "reindex_job": job_id}


def run_reindex(ctx: JobContext) -> dict[str, Any]:
    """Handler of ``reindex_vectors``: make the vector store agree with SQLite, document by document."""
    db = ctx.db
    store = open_store(ctx.paths, db)
    embedder = get_embedder(embeddings_choice(db) or None)
    documents = [(r[0], r[1]) for r in db.execute(
        "SELECT DISTINCT c.document_id, c.kind FROM chunks c WHERE c.vector_state <> 1 ORDER BY c.document_id")]
    total = max(pending_vectors(db), 1)
    done = 0
    totals = {"documents": len(documents), "chunks": 0, "embedded": 0, "metadata_updated": 0, "orphans_removed": 0}
    ctx.progress(0.0, "Updating the search index", force=True)
    for doc_id, kind in documents:
        embed = embedder_for_kind(embedder, kind)

        def step(n: int, _of: int) -> None:
            ctx.progress(min((done + n) / total, 0.99), f"Updating the search index ({done + n} of {total} passages)")

        got = repair_vectors(db, store, embed, document_id=doc_id, progress=step, check=ctx.check_cancelled)
        done += got["chunks"]
        for k in ("chunks", "embedded", "metadata_updated", "orphans_removed"):
            totals[k] += got[k]
    totals["orphans_removed"] += remove_orphan_vectors(db, store)
    totals["multilingual_embedded"] = _catch_up_multilingual(ctx)
    ctx.progress(1.0, "Search index up to date", force=True)
    return totals


def _catch_up_multilingual(ctx: JobContext) -> int:
    """Give each document not in English the multilingual vectors it lacks (older release, crash)."""
    db = ctx.db
    store = multilingual.open_store(ctx.paths)
    lagging = multilingual.lagging_documents(db, store)   # no store call when no document is foreign
    embedder = get_multilingual_embedder() if lagging else None
    if lagging and embedder is None:
        return 0          # not installed: such documents are found by their words and the main index
    embedded = 0
    for i, doc_id in enumerate(lagging):
        ctx.progress(0.99, f"Indexing for questions in any language ({i + 1} of {len(lagging)} documents)")
        embedded += multilingual.refresh_document(db, store, embedder.embed, doc_id, check=ctx.check_cancelled)
    multilingual.set_caught_up(db, True)
    return embedded
