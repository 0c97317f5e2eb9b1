"""Finding passages: hybrid search over the vector store and SQLite FTS5.

``search`` runs a vector query in Chroma and a BM25 query in FTS5, both narrowed by
the same ``Scope`` (resolved once per query to document ids: folders are followed
down their subtrees then, so renames and moves count at once), and fuses the two
rankings by reciprocal rank (RRF); documents in scope not in English add a third ranking
from the multilingual space (``multilingual``). Rows are always read back from SQLite, which is
the record of truth: a vector whose chunk is gone (or is out of scope) is dropped. ``text_hits`` is the quick "which pages
mention this" search of the library pane, with a snippet per hit.
"""
from __future__ import annotations

import hashlib
import logging
import json
import re
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import sqlite_utils

from .. import models
from ..models.embeddings import get_embedder, get_multilingual_embedder
from ..storage import settings
from . import language, multilingual
from .index import Passage, vector_id
from .scope import Scope, resolve_document_ids
from .vectorstore import VectorStore

log = logging.getLogger(__name__)

MODES = ("hybrid", "vector", "bm25")
RRF_K = 60            # the usual constant: dampens the weight of the very top ranks
FOREIGN_VECTOR_WEIGHT = 0.5   # weight of the (English) vector ranking for a question in another language
MULTILINGUAL_WEIGHT = 1.0     # weight of the multilingual space's ranking for a question not in English
CROSS_LANGUAGE_WEIGHT = 0.5   # ... and for a question in English (material in other languages)

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
    return settings.load(db).embeddings_model or ""


def store_key(choice: str) -> str:
    """Vectors of different models never share a collection: one per model."""
    choice = choice or models.DEFAULTS[models.EMBEDDINGS]
    if choice in models.SPECS:
        return choice
    return "custom-" + hashlib.sha256(choice.encode()).hexdigest()[:12]


def open_store(paths: Any, db: sqlite_utils.Database | None = None) -> VectorStore:
    """The vector store collection of the embedding model in use."""
    return VectorStore(paths, store_key(embeddings_choice(db)))


def query_embedder(db: sqlite_utils.Database | None = None) -> Callable[[str], list[float]]:
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


def _scope_sql(docs: list[int] | None, column: str = "c.document_id") -> tuple[str, list[Any]]:
    """A WHERE fragment keeping rows whose ``column`` is one of ``docs`` (None = all); one parameter
    whatever the size."""
    if docs is None:
        return "1=1", []
    return f"{column} IN (SELECT value FROM json_each(?))", [json.dumps(docs)]


_PASSAGE_COLUMNS = ("c.id, c.document_id, c.kind, c.page, c.start_s, c.end_s, c.text, c.section, c.heading,"
                    " coalesce(d.title, '') AS title, d.recording_id, d.node_id")


def _passage(row: dict[str, Any], score: float, names: dict[str, str]) -> Passage:
    return Passage(chunk_id=row["id"], document_id=row["document_id"], kind=row["kind"], title=row["title"],
                   text=row["text"], score=float(score), page=row["page"], start_s=row["start_s"],
                   end_s=row["end_s"], semester=names.get("semester", ""), subject=names.get("subject", ""),
                   book=names.get("book", ""), recording_id=row["recording_id"], node_id=row["node_id"],
                   section=row["section"], section_title=row["heading"] or "")


def _rows_by_id(db: sqlite_utils.Database, ids: list[int], docs: list[int] | None) -> dict[int, dict[str, Any]]:
    """Chunk rows (with their document's title and folder) for ``ids`` still inside the scope's ``docs``."""
    if not ids:
        return {}
    where, params = _scope_sql(docs)
    sql = (f"SELECT {_PASSAGE_COLUMNS} FROM chunks c LEFT JOIN documents d ON d.id = c.document_id "
           f"WHERE c.id IN ({','.join('?' * len(ids))}) AND {where}")
    return {r["id"]: r for r in db.query(sql, [*ids, *params])}


def folder_names(db: sqlite_utils.Database, node_ids: Iterable[int | None]) -> dict[int, dict[str, str]]:
    """Today's {'semester', 'subject', 'book'} names of each folder, for display only."""
    out: dict[int, dict[str, str]] = {}
    for node_id in set(n for n in node_ids if n is not None):
        names: dict[str, str] = {}
        current: int | None = node_id
        while current is not None:
            row = db.execute("SELECT parent_id, level, name FROM nodes WHERE id = ?", (current,)).fetchone()
            if row is None:
                break
            names[row[1]] = row[2]
            current = row[0]
        out[node_id] = names
    return out


COMMON_FRACTION = 0.10     # in a big index, words in more than this share of chunks...
COMMON_MIN_CHUNKS = 20_000  # ...are left out of the BM25 query (they barely move BM25, but cost the most)


def _rare_words(db: sqlite_utils.Database, words: list[str]) -> list[str]:
    """In a large index, drop the query words that occur almost everywhere (keeping at least two).

    BM25 gives such words little weight, yet every chunk containing one must be
    scored; on 100k chunks they made a query several times slower.
    """
    if len(words) <= 2:
        return words
    total = db.execute("SELECT count(*) FROM chunks").fetchone()[0]
    if total < COMMON_MIN_CHUNKS:
        return words
    df = {w: db.execute("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?", (f'"{w}"',)).fetchone()[0]
          for w in words}
    rare = [w for w in words if df[w] <= COMMON_FRACTION * total]
    if len(rare) < 2:
        rare = sorted(words, key=lambda w: df[w])[:2]
    return [w for w in words if w in rare]


# BM25 weight of each FTS5 column: the chunk's text, its section title, its stemmed words.
BM25_WEIGHTS = (1.0, 2.0, 1.0)
_BM25 = f"bm25(chunks_fts, {', '.join(str(w) for w in BM25_WEIGHTS)})"


def scope_languages(db: sqlite_utils.Database, docs: list[int] | None,
                    foreign: dict[int, str] | None = None) -> list[str]:
    """The languages other than English that the documents in scope are written in (``foreign``:
    ``foreign_documents(db, docs)`` when the caller has it already)."""
    return sorted(set((foreign if foreign is not None else foreign_documents(db, docs)).values()))


def bm25_terms(db: sqlite_utils.Database, query: str, docs: list[int] | None,
               foreign: dict[int, str] | None = None) -> list[str]:
    """The query's words for BM25: without stop words (English, German, French, Spanish), plus
    their stems in each other language the documents in scope are written in (``foreign``:
    ``foreign_documents(db, docs)`` when the caller has it already)."""
    words = [w for w in query_words(query) if w not in STOPWORDS and w not in language.STOPWORDS] \
        or query_words(query)
    terms = list(words)
    langs = scope_languages(db, docs, foreign) if words else []
    for lang in langs:
        terms += [s for s in language.stem_words(words, lang) if s not in terms]
    return terms


def bm25_ranking(db: sqlite_utils.Database, query: str, docs: list[int] | None,
                 limit: int, foreign: dict[int, str] | None = None) -> list[tuple[int, float]]:
    """[(chunk id, bm25 score)] best first among the chunks of ``docs`` (None = all); FTS5's bm25() is
    negative, so we flip it."""
    words = bm25_terms(db, query, docs, foreign)
    if not words:
        return []
    match = " OR ".join(f'"{w}"' for w in _rare_words(db, words[:40]))
    if docs is None:   # no join: FTS5 ranks its own rows
        sql = f"SELECT rowid AS id, {_BM25} AS s FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY s LIMIT ?"
        return [(r["id"], -float(r["s"])) for r in db.query(sql, [match, limit])]
    if not docs:
        return []
    where, params = _scope_sql(docs)
    sql = (f"SELECT c.id AS id, {_BM25} AS s FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid "
           f"WHERE chunks_fts MATCH ? AND {where} ORDER BY s LIMIT ?")
    return [(r["id"], -float(r["s"])) for r in db.query(sql, [match, *params, limit])]


def scope_documents(db: sqlite_utils.Database, scope: Scope) -> tuple[list[int], float]:
    """(documents inside ``scope``, the share of the library they hold by pages), from the small tables."""
    docs = resolve_document_ids(db, scope)
    weights = {r[0]: float(r[1] or 10) for r in db.execute("SELECT id, pages FROM documents").fetchall()}
    total = sum(weights.values())
    if docs is None:
        return list(weights), 1.0 if total else 0.0
    inside = sum(weights.get(d, 0.0) for d in docs)
    return docs, (inside / total if total else 0.0)


POSTFILTER_SHARE = 0.08     # scopes at least this broad: search everything, keep what is in scope
POSTFILTER_MAX_K = 600
ID_FILTER_MAX = 4000        # narrower scopes of up to this many chunks: search among their ids


def _parse_vector_hits(res: dict[str, Any]) -> list[tuple[int, float]]:
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


def vector_ranking(store: VectorStore, embedding: list[float], docs: list[int] | None, limit: int,
                   share: float = 1.0, in_scope: Callable[[list[int]], set[int]] | None = None,
                   scope_ids: list[int] | None = None) -> list[tuple[int, float]]:
    """[(chunk id, cosine similarity)] best first, from the vector store.

    Chroma's metadata filter scans its metadata (60-180 ms at 100k chunks). So a
    broad scope (``share`` of the library) searches everything and keeps the hits
    ``in_scope`` says are inside; a narrow one searches among its chunks' ids
    (``scope_ids``); only what falls between uses the metadata filter
    (``document_id $in docs``). ``docs`` None = the whole library.
    """
    include = ("metadatas", "distances")
    if docs is None:
        return _parse_vector_hits(store.query(embedding, limit, include=include))
    if in_scope is not None and share >= POSTFILTER_SHARE:
        k = min(POSTFILTER_MAX_K, int(limit / share * 2) + limit)
        hits = _parse_vector_hits(store.query(embedding, k, include=include))
        keep = in_scope([cid for cid, _ in hits])
        hits = [(cid, s) for cid, s in hits if cid in keep]
        if len(hits) >= limit:
            return hits[:limit]
    if scope_ids is not None:
        if not scope_ids:
            return []
        return _parse_vector_hits(store.query(embedding, min(limit, len(scope_ids)), include=include,
                                              ids=[vector_id(i) for i in scope_ids]))
    if not docs:
        return []
    where = {"document_id": docs[0]} if len(docs) == 1 else {"document_id": {"$in": docs}}
    return _parse_vector_hits(store.query(embedding, limit, where=where, include=include))


def reciprocal_rank_fusion(rankings: Iterable[list[int]], k: int = RRF_K,
                           weights: Iterable[float] | None = None) -> list[tuple[int, float]]:
    """Fuse several best-first id lists: score(id) = sum of weight / (k + rank)."""
    scores: dict[int, float] = {}
    rankings = list(rankings)
    ws = list(weights) if weights is not None else [1.0] * len(rankings)
    for ranking, w in zip(rankings, ws):
        for rank, cid in enumerate(ranking, start=1):
            scores[cid] = scores.get(cid, 0.0) + w / (k + rank)
    return sorted(scores.items(), key=lambda kv: kv[1], reverse=True)


_vector_pool: Any = None


def _pool() -> Any:
    """One helper thread: the vector query (HTTP) runs while SQLite ranks BM25."""
    global _vector_pool
    if _vector_pool is None:
        _vector_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="vector-query")
    return _vector_pool


def search(db: sqlite_utils.Database, store: VectorStore | None, query: str, scope: Scope = Scope(), k: int = 5,
           mode: str = "hybrid", embed: Callable[[str], list[float]] | None = None) -> list[Passage]:
    """The ``k`` passages that best answer ``query`` inside ``scope``, best first.

    ``mode`` is "hybrid" (vector + BM25 fused by reciprocal rank), "vector" or "bm25".
    ``embed`` turns the query into a vector (default: the embedding model in use).
    """
    if mode not in MODES:
        raise ValueError(f"unknown search mode {mode!r}; use one of {', '.join(MODES)}")
    query = (query or "").strip()
    if not query or k <= 0:
        return []
    pool = max(k * 4, 20)   # each ranking contributes more candidates than we return
    docs = resolve_document_ids(db, scope)
    if docs is not None and not docs:
        return []            # a scope whose folders and documents are all gone finds nothing
    asked_in = language.detect_language(query)
    in_other_languages = foreign_documents(db, docs)   # one query for BM25's stems and the multilingual space
    vector_future = foreign = None
    if mode in ("hybrid", "vector") and store is not None:
        foreign = _foreign_ranking(store, query, asked_in, in_other_languages, pool)
        if embed is None:
            embed = query_embedder(db)
        vec = embed(query)
        share, in_scope, scope_ids = 1.0, None, None
        if docs is not None:
            share = _share(db, docs)
            if share >= POSTFILTER_SHARE:
                in_scope = _in_scope_checker(db.conn, docs)
            else:
                where, params = _scope_sql(docs, "document_id")
                found = [r[0] for r in db.execute(f"SELECT id FROM chunks WHERE {where} LIMIT ?",
                                                  (*params, ID_FILTER_MAX + 1))]
                scope_ids = found if len(found) <= ID_FILTER_MAX else None
        vector_future = _pool().submit(vector_ranking, store, vec, docs, pool, share, in_scope, scope_ids)
    rankings: list[list[tuple[int, float]]] = []
    weights: list[float] = []
    try:
        if mode in ("hybrid", "bm25"):
            rankings.append(bm25_ranking(db, query, docs, pool, in_other_languages))
            weights.append(1.0)
    finally:
        if vector_future is not None:
            rankings.append(vector_future.result())
            # The main embedding model knows English: a question in another language leans on
            # its words and on the multilingual space.
            weights.append(1.0 if asked_in == language.ENGLISH else FOREIGN_VECTOR_WEIGHT)
        if foreign is not None:
            rankings.append(_quiet_result(foreign[0]))
            weights.append(foreign[1])
    ids = list(dict.fromkeys(cid for r in rankings for cid, _ in r))
    rows = _rows_by_id(db, ids, docs)
    # Drop ids SQLite no longer knows in scope before ranking, so ranks stay dense.
    rankings = [[(cid, s) for cid, s in r if cid in rows] for r in rankings]
    if foreign is not None and vector_future is not None:
        # Each passage gets one vote by meaning, from the space that knows its language: the
        # main model's vectors of the documents the multilingual space ranks are left out.
        main = len(rankings) - 2
        rankings[main] = [(cid, s) for cid, s in rankings[main] if rows[cid]["document_id"] not in foreign[2]]
    if len(rankings) > 1:
        fused = reciprocal_rank_fusion([[cid for cid, _ in r] for r in rankings], weights=weights)
    else:
        fused = rankings[0] if rankings else []
    top = fused[:k]
    names = folder_names(db, (rows[cid]["node_id"] for cid, _ in top))
    return [_passage(rows[cid], score, names.get(rows[cid]["node_id"], {})) for cid, score in top]


def foreign_documents(db: sqlite_utils.Database, docs: list[int] | None) -> dict[int, str]:
    """{document id: language} of the documents in scope written in a language other than English."""
    where, params = _scope_sql(docs, "id")
    return {r[0]: r[1] for r in db.execute(f"SELECT id, language FROM documents WHERE {where} "
                                           "AND language NOT IN ('', ?)", [*params, language.ENGLISH]).fetchall()}


def _foreign_ranking(store: VectorStore, query: str, asked_in: str, foreign: dict[int, str],
                     limit: int) -> tuple[Any, float, set[int]] | None:
    """(future of the multilingual space's ranking, its weight, the documents it ranks) over the
    documents in scope not in English, or None when there are none or the model is not installed.

    Material in the question's own language comes first: a question in German ranks the German
    documents in scope (when there are some) by meaning, with the full weight; a question in
    English reaches across languages at a lower weight, so English passages that match stay ahead
    of their translations while a German book alone in scope is still found.

    ``foreign``: ``foreign_documents`` of the scope."""
    if not foreign or getattr(store, "paths", None) is None:
        return None
    embedder = get_multilingual_embedder()
    if embedder is None:
        return None
    same = [d for d, lang in foreign.items() if lang == asked_in]
    targets = same or list(foreign)
    weight = CROSS_LANGUAGE_WEIGHT if asked_in == language.ENGLISH else MULTILINGUAL_WEIGHT
    vec = embedder.embed_one(query)
    return _pool().submit(vector_ranking, multilingual.open_store(store.paths), vec, targets, limit), weight, \
        set(targets)


def _quiet_result(future: Any) -> list[tuple[int, float]]:
    """A ranking that may fail without failing the search (the others still answer)."""
    try:
        return future.result()
    except Exception:
        log.warning("the multilingual ranking failed; searching without it", exc_info=True)
        return []


def _share(db: sqlite_utils.Database, docs: list[int]) -> float:
    """The share of the library (by pages) these documents hold."""
    where, params = _scope_sql(docs, "d.id")
    row = db.execute(f"SELECT coalesce(sum(coalesce(d.pages, 10)), 0), "
                     f"(SELECT coalesce(sum(coalesce(pages, 10)), 0) FROM documents) FROM documents d WHERE {where}",
                     params).fetchone()
    return float(row[0]) / float(row[1]) if row[1] else 0.0


def _in_scope_checker(conn: Any, docs: list[int]) -> Callable[[list[int]], set[int]]:
    """A function for the vector thread: which of these chunk ids belong to ``docs``.

    It gets its own read connection: the caller's is busy with BM25 at the same time.
    """
    path = conn.execute("PRAGMA database_list").fetchone()[2]
    where, params = _scope_sql(docs)

    def check(ids: list[int]) -> set[int]:
        if not ids:
            return set()
        own = sqlite3.connect(path, timeout=30)
        try:
            rows = own.execute(f"SELECT c.id FROM chunks c WHERE c.id IN ({','.join('?' * len(ids))}) AND {where}",
                               [*ids, *params]).fetchall()
        finally:
            own.close()
        return {r[0] for r in rows}
    return check


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
    docs = resolve_document_ids(db, scope)
    if docs is not None and not docs:
        return []
    where, params = _scope_sql(docs)
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
