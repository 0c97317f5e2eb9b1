"""Search latency with 100k chunks in the index (hybrid, vector-only, BM25-only, scoped).

100 documents of 1,000 chunks each are written straight through ``index.add_chunks``
(SQLite + FTS5 + the real Chroma server) across 4 semesters x 5 subjects x 5 books.
Chunk texts are random 60-120-word passages over a real vocabulary (the words of
R-intro.pdf when r-doc-pdf is installed, else of the sample course); vectors are
random unit vectors, so building the index takes minutes instead of the hours real
embedding would. Queries are real questions, embedded by the real model inside the
timing: latency is what ``retrieval.search`` costs the chat, end to end.

    python -m bench.bench_search [--chunks 100000] [--queries 60]
"""
from __future__ import annotations

import argparse
import re
import time

import numpy as np

from bench.common import R_MANUALS, data_folder, emit, load_average, percentile, say, services


def vocabulary() -> list[str]:
    from desktop.core import library
    from desktop.core.library import pdftext

    source = R_MANUALS / "R-intro.pdf"
    if not source.exists():
        source = library.sample_files()[0]
    words: list[str] = []
    for page in pdftext.iter_pages(source):
        words.extend(w for w in re.findall(r"[A-Za-z][A-Za-z.]{1,20}", page.text))
    return words


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunks", type=int, default=100_000)
    ap.add_argument("--per-doc", type=int, default=1000)
    ap.add_argument("--queries", type=int, default=60)
    ap.add_argument("--keep", help="build the index in this folder once and reuse it on later runs")
    args = ap.parse_args()

    from bench.bench_retrieval_quality import load_sets
    from desktop.core.search import index
    from desktop.core import library
    from desktop.core.search import retrieval
    from desktop.core.storage.db import open_db
    from desktop.core.models.embeddings import DIMENSIONS, get_embedder
    from desktop.core.search.scope import Scope, scope_from_names

    rng = np.random.default_rng(7)
    words = np.array(vocabulary())
    say(f"vocabulary: {len(words)} words")
    with data_folder(args.keep) as paths, services(paths):
        db = open_db(paths.db)
        store = retrieval.open_store(paths, db)
        t0 = time.monotonic()
        n_docs = args.chunks // args.per_doc
        have = db.execute("SELECT count(DISTINCT document_id) FROM chunks").fetchone()[0]
        for d in range(have, n_docs):
            sem, sub, book = f"Semester {d % 4 + 1}", f"Subject {d // 4 % 5 + 1}", f"Book {d % 25 + 1}"
            node = library.ensure_path(db, sem, sub, book)
            doc_id = library.add_document(db, node, "pdf", f"Synthetic book {d + 1}", f"s{d}.pdf",
                                          f"library/s{d}.pdf", f"{d:064x}", 1, state="ready")
            chunks = []
            for i in range(args.per_doc):
                n = int(rng.integers(60, 120))
                start = int(rng.integers(0, len(words) - n))
                chunks.append(index.ChunkIn(" ".join(words[start:start + n]), page=i // 4 + 1))
            vecs = rng.normal(size=(len(chunks), DIMENSIONS)).astype(np.float32)
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            scope = index.DocumentScope(doc_id, "pdf")
            index.add_chunks(db, store, scope, chunks, 0, lambda _t, v=vecs: v)
            if (d + 1) % 10 == 0:
                say(f"{(d + 1) * args.per_doc} chunks written ({time.monotonic() - t0:.0f} s)")
        build_s = time.monotonic() - t0
        total = db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        say(f"index built: {total} chunks in {build_s:.0f} s; vectors: {store.count()}")

        embed = get_embedder().embed_one
        questions = [q for q, _ in load_sets(["r-intro"], ["en"])[0]["questions"]]
        questions = (questions * (args.queries // len(questions) + 1))[:args.queries]
        for q in questions[:5]:                      # warm-up: model, connections, caches
            retrieval.search(db, store, q, k=5, embed=embed)
        out = {"benchmark": "search", "chunks": total, "vectors": store.count(), "build_s": round(build_s, 1),
               "queries": len(questions), "k": 5, "load_average_start": load_average()}
        cases = {"hybrid": ("hybrid", Scope()), "vector": ("vector", Scope()), "bm25": ("bm25", Scope()),
                 "hybrid_scoped_semester": ("hybrid", scope_from_names(db, "Semester 2")),
                 "hybrid_scoped_book": ("hybrid", scope_from_names(db, "Semester 2", books=("Book 6",)))}
        for name, (mode, scope) in cases.items():
            times = []
            for q in questions:
                t = time.perf_counter()
                hits = retrieval.search(db, store, q, scope, k=5, mode=mode, embed=embed)
                times.append((time.perf_counter() - t) * 1000)
                assert hits, (name, q)
            out[f"{name}_p50_ms"] = round(percentile(times, 50), 1)
            out[f"{name}_p95_ms"] = round(percentile(times, 95), 1)
            out[f"{name}_max_ms"] = round(max(times), 1)
        emb_times = []
        for q in questions:
            t = time.perf_counter()
            embed(q)
            emb_times.append((time.perf_counter() - t) * 1000)
        out["query_embedding_p50_ms"] = round(percentile(emb_times, 50), 1)
        out["load_average_end"] = load_average()
        emit(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
