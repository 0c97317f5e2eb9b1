"""Finding passages: hybrid search over the vector store and SQLite FTS5.

``search`` runs a vector query in Chroma and a BM25 query in FTS5, both narrowed by
the same ``Scope``, and fuses the two rankings by reciprocal rank (RRF). Rows are
always read back from SQLite, which is the record of truth: a vector whose chunk is
gone (or whose scope changed) is dropped. ``text_hits`` is the quick "which pages
mention this" search of the library pane, with a snippet per hit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import sqlite_utils

from .index import Passage
from .scope import Scope
from .vectorstore import VectorStore

MODES = ("hybrid", "vector", "bm25")
RRF_K = 60            # the usual constant: dampens the weight of the very top ranks

# Words that match almost every chunk: they only slow BM25 down and add noise.
STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being below between both
but by can could did do does doing down during each few for from further had has have having he her here hers
him his how i if in into is it its itself just me more most my no nor not now of off on once only or other our
ours out over own same she should so some such than that the their theirs them then there these they this those
through to too under until up very was we were what when where which while who whom why will with would you your
yours
""".split())

_WORD = re.compile(r"\w+", re.UNICODE)


def embeddings_choice(db: sqlite_utils.Database | None) -> str:
    """The embedding model the student chose ("" = the default)."""
    if db is None:
        return ""
    from . import settings

    return settings.load(db).embeddings_model or ""


def store_key(choice: str) -> str:
    """Vectors of different models never share a collection: one per model."""
    import hashlib

    from . import models

    choice = choice or models.DEFAULTS[models.EMBEDDINGS]
    if choice in models.SPECS:
        return choice
    return "custom-" + hashlib.sha256(choice.encode()).hexdigest()[:12]


def open_store(paths: Any, db: sqlite_utils.Database | None = None) -> VectorStore:
    """The vector store collection of the embedding model in use."""
    return VectorStore(paths, store_key(embeddings_choice(db)))


def query_embedder(db: sqlite_utils.Database | None = None) -> Callable[[str], list[float]]:
    from .embeddings import get_embedder

    return get_embedder(embeddings_choice(db) or None).embed_one


def query_words(text: str) -> list[str]:
    """The searchable words of free text, lower-cased, in order, without repeats."""
    seen: dict[str, None] = {}
    for w in _WORD.findall(text.lower()):
        if w not in seen:
            seen[w] = None
    return list(seen)


def fts_query(text: str, prefix_last: bool = False, drop_stopwords: bool = True) -> str | None:
    """A safe FTS5 MATCH expression (quoted terms joined by OR), or None if nothing to search.

    Every word is quoted, so user input such as ``"``, ``AND``, ``NEAR(`` or ``*``
    can never be read as FTS5 syntax.
    """
    words = query_words(text)
    if drop_stopwords:
        kept = [w for w in words if w not in STOPWORDS]
        words = kept or words
    if not words:
        return None
    terms = [f'"{w}"' for w in words[:32]]
    if prefix_last and words:
        terms[-1] = terms[-1] + "*"
    return " OR ".join(terms)


def _scope_sql(scope: Scope) -> tuple[str, list[Any]]:
    return scope.sql_where("c")


_PASSAGE_COLUMNS = ("c.id, c.document_id, c.kind, c.page, c.start_s, c.end_s, c.semester, c.subject, c.book, c.text,"
                    " coalesce(d.title, '') AS title, d.recording_id")


def _passage(row: dict[str, Any], score: float) -> Passage:
    return Passage(chunk_id=row["id"], document_id=row["document_id"], kind=row["kind"], title=row["title"],
                   text=row["text"], score=float(score), page=row["page"], start_s=row["start_s"],
                   end_s=row["end_s"], semester=row["semester"], subject=row["subject"], book=row["book"],
                   recording_id=row["recording_id"])


def _rows_by_id(db: sqlite_utils.Database, ids: list[int], scope: Scope) -> dict[int, dict[str, Any]]:
    """Chunk rows (with their document's title) for ``ids`` that are still inside ``scope``."""
    if not ids:
        return {}
    where, params = _scope_sql(scope)
    sql = (f"SELECT {_PASSAGE_COLUMNS} FROM chunks c LEFT JOIN documents d ON d.id = c.document_id "
           f"WHERE c.id IN ({','.join('?' * len(ids))}) AND {where}")
    return {r["id"]: r for r in db.query(sql, [*ids, *params])}


def bm25_ranking(db: sqlite_utils.Database, query: str, scope: Scope, limit: int) -> list[tuple[int, float]]:
    """[(chunk id, bm25 score)] best first; FTS5's bm25() is negative, so we flip it."""
    match = fts_query(query)
    if match is None:
        return []
    where, params = _scope_sql(scope)
    sql = (f"SELECT c.id AS id, bm25(chunks_fts) AS s FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid "
           f"WHERE chunks_fts MATCH ? AND {where} ORDER BY s LIMIT ?")
    return [(r["id"], -float(r["s"])) for r in db.query(sql, [match, *params, limit])]


def vector_ranking(store: VectorStore, embedding: list[float], scope: Scope, limit: int) -> list[tuple[int, float]]:
    """[(chunk id, cosine similarity)] best first, from the vector store."""
    res = store.query(embedding, limit, where=scope.chroma_where())
    out: list[tuple[int, float]] = []
    ids = (res.get("ids") or [[]])[0]
    metas = (res.get("metadatas") or [[]])[0] or [None] * len(ids)
    dists = (res.get("distances") or [[]])[0] or [0.0] * len(ids)
    for vid, meta, dist in zip(ids, metas, dists):
        cid = (meta or {}).get("chunk_id")
        if cid is None and isinstance(vid, str) and vid.startswith("c"):
            cid = vid[1:]
        try:
            out.append((int(cid), 1.0 - float(dist)))
        except (TypeError, ValueError):
            continue
    return out


def reciprocal_rank_fusion(rankings: Iterable[list[int]], k: int = RRF_K) -> list[tuple[int, float]]:
    """Fuse several best-first id lists: score(id) = sum of 1 / (k + rank)."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, cid in enumerate(ranking, start=1):
            scores[cid] = scores.get(cid, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: kv[1], reverse=True)


def search(db: sqlite_utils.Database, store: VectorStore | None, query: str, scope: Scope = Scope(), k: int = 5,
           mode: str = "hybrid", embed: Callable[[str], list[float]] | None = None) -> list[Passage]:
    """The ``k`` passages that best answer ``query`` inside ``scope``, best first.

    ``mode`` is "hybrid" (vector + BM25 fused by reciprocal rank), "vector" or "bm25".
    ``embed`` turns the query into a vector (default: the default embedding model).
    """
    if mode not in MODES:
        raise ValueError(f"unknown search mode {mode!r}; use one of {', '.join(MODES)}")
    query = (query or "").strip()
    if not query or k <= 0:
        return []
    pool = max(k * 4, 20)   # each ranking contributes more candidates than we return
    rankings: list[list[tuple[int, float]]] = []
    if mode in ("hybrid", "bm25"):
        rankings.append(bm25_ranking(db, query, scope, pool))
    if mode in ("hybrid", "vector") and store is not None:
        if embed is None:
            embed = query_embedder(db)
        rankings.append(vector_ranking(store, embed(query), scope, pool))
    ids = list(dict.fromkeys(cid for r in rankings for cid, _ in r))
    rows = _rows_by_id(db, ids, scope)
    # Drop ids SQLite no longer knows in scope before ranking, so ranks stay dense.
    rankings = [[(cid, s) for cid, s in r if cid in rows] for r in rankings]
    if mode == "hybrid":
        fused = reciprocal_rank_fusion([[cid for cid, _ in r] for r in rankings])
    else:
        fused = rankings[0] if rankings else []
    return [_passage(rows[cid], score) for cid, score in fused[:k]]


@dataclass
class TextHit:
    """A place in the library where the search words occur (for the library pane)."""

    document_id: int
    title: str
    kind: str
    page: int | None
    start_s: float | None
    snippet: str          # with the matched words between [ and ]
    recording_id: int | None = None


def text_hits(db: sqlite_utils.Database, query: str, scope: Scope = Scope(), limit: int = 50) -> list[TextHit]:
    """Full-text hits with a snippet, best first; the last word matches as a prefix (search as you type)."""
    match = fts_query(query, prefix_last=True)
    if match is None:
        return []
    where, params = _scope_sql(scope)
    sql = ("SELECT c.document_id, c.kind, c.page, c.start_s, coalesce(d.title, '') AS title, d.recording_id,"
           " snippet(chunks_fts, 0, '[', ']', '…', 14) AS snip"
           " FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid LEFT JOIN documents d ON d.id = c.document_id"
           f" WHERE chunks_fts MATCH ? AND {where} ORDER BY bm25(chunks_fts) LIMIT ?")
    out: list[TextHit] = []
    seen: set[tuple[int, Any]] = set()
    for r in db.query(sql, [match, *params, limit * 2]):
        key = (r["document_id"], r["page"] if r["page"] is not None else r["start_s"])
        if key in seen:        # overlapping chunks of one page: show the page once
            continue
        seen.add(key)
        snip = " ".join((r["snip"] or "").split())
        out.append(TextHit(r["document_id"], r["title"], r["kind"], r["page"], r["start_s"], snip,
                           r["recording_id"]))
        if len(out) >= limit:
            break
    return out
