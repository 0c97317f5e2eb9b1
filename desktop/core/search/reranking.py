"""Retrieval for answers: the hybrid short list, re-scored by the cross-encoder.

``search`` (vectors + BM25, fused) is fast and finds the right passage among its first
dozen almost always, but not always first. The cross-encoder reads the question with
each of those passages; its order is fused with the search's (each alone puts a wrong
passage first where the other is right: ``fused_order``). It costs about 25 ms per
short passage on 2 cores, so it sees only the ``candidates`` best fused passages, each cut
to the window around the question's words (``models.reranker.window``) with its
section title in front.

The cross-encoder was trained on English: a question in another language keeps the
fused order. Without the reranker model (not installed, or damaged) ``retrieve`` is
plain hybrid search: nothing fails, the order is only less sharp.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

import sqlite_utils

from .. import models
from ..models.reranker import WINDOW_WORDS, get_reranker, reranker_ready, window
from . import language
from .index import Passage
from .retrieval import search
from .scope import Scope
from .vectorstore import VectorStore

log = logging.getLogger(__name__)

# Fused passages the cross-encoder re-scores, and words of each it reads (models.reranker.WINDOW_WORDS).
# Measured on R-intro, R FAQ and the Debian Reference (88 questions): 12 × 110 words gave recall@1
# 0.761, p95 2.6 s (load 10); 8 × 80 words 0.773, p95 0.96 s (load 6.6); 8 × 64 words 0.773,
# p50 0.21 s / p95 0.39 s (load 4.7).
CANDIDATES = 8
JUDGED_RRF_K = 1    # reciprocal-rank constant when the cross-encoder's order is fused with the search's


def available() -> bool:
    """Is the reranker installed? (cheap; loading happens on first use)"""
    return reranker_ready()


def rerank_text(query: str, p: Passage, words: int = WINDOW_WORDS) -> str:
    """What the cross-encoder reads of a passage: its section title, then the window around the question's words."""
    body = window(query, p.text, words)
    title = (p.section_title or "").strip()
    return f"{title}. {body}" if title else body


def rerank_passages(query: str, passages: list[Passage], words: int = WINDOW_WORDS) -> list[Passage] | None:
    """``passages`` re-ordered by the cross-encoder (its logit as ``score``); None when it cannot judge
    (no reranker, or a question not in English)."""
    if not passages or language.detect_language(query) != language.ENGLISH:
        return None
    model = get_reranker()
    if model is None:
        return None
    scores = model.score(query, [rerank_text(query, p, words) for p in passages])
    out = []
    for i in fused_order(scores):
        p = passages[i]
        p.score = scores[i]
        out.append(p)
    return out


def fused_order(scores: list[float], k: int = JUDGED_RRF_K) -> list[int]:
    """Indexes of passages listed in search order, in the order that fuses that order with the
    cross-encoder's (``scores``) by reciprocal rank; a tie goes to the search order.

    Either order alone is wrong where the other is right: over the English question sets
    (121 questions, bench_retrieval_quality) the cross-encoder alone put the answer page first
    for 0.67-0.69 of questions, hybrid search alone for 0.74, the two fused for 0.75-0.76
    (k of 1; 3, 10 and 30 gave 0.72-0.75)."""
    judged = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    place = {i: r for r, i in enumerate(judged)}
    return sorted(range(len(scores)), key=lambda i: (-(1 / (k + i + 1) + 1 / (k + place[i] + 1)), i))


def retrieve_ranked(db: sqlite_utils.Database, store: VectorStore | None, query: str, scope: Scope = Scope(),
                    k: int = 5, embed: Callable[[str], list[float]] | None = None, mode: str = "hybrid",
                    candidates: int = CANDIDATES, words: int = WINDOW_WORDS) -> tuple[list[Passage], bool]:
    """(the ``k`` passages that best answer ``query``, whether the cross-encoder ordered them):
    hybrid search, then the reranker on the short list."""
    pool = search(db, store, query, scope=scope, k=max(k, candidates), mode=mode, embed=embed)
    ranked = rerank_passages(query, pool[:candidates], words)
    if ranked is None:
        return pool[:k], False
    return (ranked + pool[candidates:])[:k], True


def retrieve(db: sqlite_utils.Database, store: VectorStore | None, query: str, scope: Scope = Scope(), k: int = 5,
             embed: Callable[[str], list[float]] | None = None, mode: str = "hybrid",
             candidates: int = CANDIDATES, words: int = WINDOW_WORDS) -> list[Passage]:
    """The ``k`` passages that best answer ``query`` (see ``retrieve_ranked``)."""
    return retrieve_ranked(db, store, query, scope, k, embed, mode, candidates, words)[0]


def describe() -> dict[str, Any]:
    """Which reranker is in use (for doctor and settings)."""
    model_id = models.DEFAULTS[models.RERANK]
    return {"id": model_id, "label": models.SPECS[model_id].label, "installed": available()}
