"""Getting chat ready before the first question: the embedder loaded, the vector store's
client opened, the reranker loaded (when installed), and the chat model loaded with its
fixed prompt prefix already evaluated.

``warm_up`` blocks; run it on a background thread when the Chat pane is first shown or
the window has been idle a while. It is safe beside a question being answered: the
model host loads a model once, so a question that needs the model meanwhile waits for
that same load, and the prefix is evaluated once under the model's lock.
"""
from __future__ import annotations

import logging
import time
from typing import Any

import sqlite_utils

from ..errors import LecternError
from ..models import llm
from ..models.embeddings import get_embedder
from ..search.reranking import retrieve_ranked
from ..search.retrieval import embeddings_choice
from ..storage import settings as settings_mod
from .prompts import OPENING, PREFIX

log = logging.getLogger(__name__)


def model_choice(db: sqlite_utils.Database, model: str | None = None, n_ctx: int | None = None,
                 n_threads: int | None = None) -> llm.ModelChoice:
    """The chat model the settings (or ``model``) ask for. Raises ModelMissing."""
    s = settings_mod.load(db)
    return llm.choose(s.chat_model if model is None else model, int(n_ctx or s.chat_context),
                      int(s.chat_threads if n_threads is None else n_threads))


def is_warm(choice: llm.ModelChoice) -> bool:
    """Would a question answer at once (model loaded, prefix evaluated)?"""
    ready = llm.host().ready(choice)
    return ready is not None and ready.is_warm(PREFIX)


def load_model(choice: llm.ModelChoice) -> llm.ChatModel:
    """The loaded and warmed model for ``choice`` (waits for a load already under way)."""
    model = llm.host().get(choice)
    model.warm_up(PREFIX, OPENING)
    return model


def warm_up(db: sqlite_utils.Database, store: Any = None, model: str | None = None) -> dict[str, Any]:
    """Load what the first answer needs; never raises for a missing or broken model.

    Returns what was done and how long each part took (seconds), with ``error`` when
    the chat model could not be loaded (the answer then says why, in passages-only mode).
    """
    out: dict[str, Any] = {}
    t0 = time.perf_counter()
    try:
        get_embedder(embeddings_choice(db) or None).embed(["warm up"])
    except LecternError as exc:
        out["embedder_error"] = str(exc)
    out["embedder_s"] = round(time.perf_counter() - t0, 3)
    if store is not None:
        t1 = time.perf_counter()
        try:   # opens the vector store's client (its import alone is over a second) and loads the reranker
            retrieve_ranked(db, store, "warm up", k=1)
        except LecternError as exc:
            out["search_error"] = str(exc)
        out["search_s"] = round(time.perf_counter() - t1, 3)
    t2 = time.perf_counter()
    try:
        choice = model_choice(db, model)
        already = is_warm(choice)
        loaded = load_model(choice)
        out.update(model=loaded.label, model_was_warm=already, model_load_s=round(loaded.load_s, 3))
    except LecternError as exc:
        out["error"] = str(exc)
        log.info("chat model not warmed: %s", exc)
    out["model_s"] = round(time.perf_counter() - t2, 3)
    out["total_s"] = round(time.perf_counter() - t0, 3)
    return out
