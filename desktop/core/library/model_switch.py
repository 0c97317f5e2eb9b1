"""Changing the embedding model: the whole library embedded again, the old index serving meanwhile.

Each embedding model has its own collection in the vector store (``retrieval.store_key``).
The ``switch_embeddings`` job embeds every passage with the new model into that model's
collection, batch by batch, then — only when the collection holds every passage — makes the
new model the one searches and indexing use (one settings write). Until then searches,
ingestion and lectures go on with the old model and its collection, untouched.

Cancelled or failed, the job leaves the setting as it was; run again, it embeds only the
passages the new collection still lacks (a passage added meanwhile included), so nothing is
done twice. Switching back later works the same way: the old collection was kept, and gets
the passages added since, and loses the vectors of passages deleted since.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlite_utils

from .. import jobs, models
from ..errors import LecternError
from ..jobs import JobStarter
from ..jobs.table import JobContext
from ..models.embeddings import get_embedder
from ..search.index import chunk_metadata, embed_text, remove_orphan_vectors, vector_id
from ..search.retrieval import embeddings_choice, store_key
from ..search.vectorstore import shared_store
from ..storage import settings
from .ingest import embedder_for_kind

SWITCH_JOB = "switch_embeddings"
SWITCH_TARGET = "library:embedding-model"
BATCH = 64


def model_label(choice: str) -> str:
    """The model's name as the student reads it ("" = the default)."""
    spec = models.SPECS.get(choice or models.DEFAULTS[models.EMBEDDINGS])
    return spec.label if spec is not None else Path(choice).name


def check_model(choice: str) -> None:
    """LecternError in plain words unless ``choice`` loads and embeds text (loads the model: run
    it off the window's thread)."""
    models.resolve(models.EMBEDDINGS, choice or None)      # a missing model says so here
    try:                                                    # and one that cannot embed, here
        vector = get_embedder(choice or None).embed(["Lectern checks that this model embeds text."])[0]
        if not float(abs(vector).sum()) > 0:
            raise ValueError("it gave an empty vector")
    except Exception as exc:
        raise LecternError(f"{model_label(choice)} cannot be used to search ({exc}).",
                           "Choose a folder holding a sentence-embedding model: model.onnx and tokenizer.json, "
                           "384-dimensional vectors like the default.") from exc


def start_switch(db: sqlite_utils.Database, starter: JobStarter, choice: str, checked: bool = False) -> int:
    """Queue the switch to ``choice`` (a model id, a model folder, or "" for the default); the
    job already queued or running for it if there is one. LecternError in plain words when the
    model cannot be used, is the one in use, or another switch is under way. ``checked``: the
    caller ran ``check_model`` already."""
    default = models.DEFAULTS[models.EMBEDDINGS]
    choice = "" if choice in ("", default) else choice
    if choice == embeddings_choice(db):
        raise LecternError(f"{model_label(choice)} is the embedding model in use already.")
    if not checked:
        check_model(choice)
    latest = jobs.latest_for_target(db, SWITCH_TARGET)
    if latest is not None and latest.state not in jobs.TERMINAL:
        if latest.payload.get("choice", "") == choice:
            return latest.id
        raise LecternError("Lectern is already re-indexing your library for another embedding model.",
                           "Wait for it to finish, or cancel it in Jobs (Ctrl+J), then choose again.")
    return starter.submit(SWITCH_JOB, {"choice": choice}, target=SWITCH_TARGET,
                          title=f"Re-indexing your library for {model_label(choice)}")


def switch_in_progress(db: sqlite_utils.Database) -> str | None:
    """The model a queued or running switch moves to ("" = the default), or None."""
    latest = jobs.latest_for_target(db, SWITCH_TARGET)
    if latest is None or latest.state in jobs.TERMINAL:
        return None
    return str(latest.payload.get("choice", ""))


def _missing(db: sqlite_utils.Database, store: Any) -> list[int]:
    """The ids of the chunks whose vector the collection lacks, in order."""
    have = set(store.all_ids())
    return [cid for (cid,) in db.execute("SELECT id FROM chunks ORDER BY id") if vector_id(cid) not in have]


def _rows(db: sqlite_utils.Database, ids: list[int]) -> list[dict[str, Any]]:
    """Those chunks' rows (one batch: the texts of a whole library are not held at once)."""
    marks = ",".join("?" * len(ids))
    return list(db.query(f"SELECT id, document_id, kind, page, start_s, end_s, text, heading FROM chunks "
                         f"WHERE id IN ({marks}) ORDER BY id", ids))


def run(ctx: JobContext) -> dict[str, Any]:
    """Handler of ``switch_embeddings``."""
    db = ctx.db
    choice = str(ctx.payload.get("choice", ""))
    before = embeddings_choice(db)
    store = shared_store(ctx.paths, store_key(choice))
    embedder = get_embedder(choice or None)
    total = int(db.execute("SELECT count(*) FROM chunks").fetchone()[0])
    embedded = rounds = 0
    ctx.progress(0.0, f"Re-indexing for {model_label(choice)}", force=True)
    # Passages added while this runs (an import, a lecture) are picked up by the next round.
    missing = _missing(db, store)
    while missing and rounds < 5:
        rounds += 1
        for i in range(0, len(missing), BATCH):
            ctx.check_cancelled()
            batch = _rows(db, missing[i:i + BATCH])      # a chunk deleted meanwhile is simply not there
            if not batch:
                continue
            texts = [embed_text(r["text"], r["heading"]) for r in batch]
            vectors: dict[int, Any] = {}
            for kind in {r["kind"] for r in batch}:
                group = [j for j, r in enumerate(batch) if r["kind"] == kind]
                vectors.update(zip(group, embedder_for_kind(embedder, kind)([texts[j] for j in group])))
            store.upsert([vector_id(r["id"]) for r in batch], [list(map(float, vectors[j])) for j in range(len(batch))],
                         [r["text"] for r in batch],
                         [chunk_metadata(r["document_id"], r["id"], r["kind"], r["page"], r["start_s"], r["end_s"])
                          for r in batch])
            embedded += len(batch)
            done = total - len(missing) + i + BATCH
            ctx.progress(min(done / max(total, 1), 0.99),
                         f"Re-indexing for {model_label(choice)} ({min(done, total)} of {total} passages)")
        missing = _missing(db, store)
    if missing:
        raise LecternError("Passages kept arriving faster than they could be re-indexed.",
                           "Run the re-index again once the imports have finished.")
    orphans = remove_orphan_vectors(db, store)     # passages deleted since this collection was last in use
    ctx.check_cancelled()
    settings.update(db, embeddings_model=choice)
    ctx.progress(1.0, f"Searching with {model_label(choice)}", force=True)
    return {"model": choice or models.DEFAULTS[models.EMBEDDINGS], "previous": before or models.DEFAULTS[models.EMBEDDINGS],
            "passages": total, "embedded": embedded, "orphans_removed": orphans}
