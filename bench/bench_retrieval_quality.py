"""Retrieval quality: recall@5 of the right page, hybrid vs vector-only vs BM25-only.

24 questions written for this benchmark over "An Introduction to R" (R-intro.pdf,
113 pages, by the R Core Team; from Debian's r-doc-pdf), each with the PDF page(s)
(1-based, as the viewer numbers them) that answer it. The questions paraphrase the
manual rather than quote it. The book is ingested with Lectern's own job (real
Chroma server, real embedding model), then every question is asked in each mode.

    python -m bench.bench_retrieval_quality [--k 5] [--embed-tokens N] [--target-chars N]

``--embed-tokens`` / ``--target-chars`` try other ingestion settings (experiments).
"""
from __future__ import annotations
from desktop.workers.submit import QueueJobs

import argparse
import time

from bench.common import data_folder, emit, ingest_in_process, real_pdf, say, services

QUESTIONS: list[tuple[str, list[int]]] = [
    ("How can I create a sequence of numbers that goes up in steps of a given size?", [16]),
    ("How do I join strings together with a separator, to get labels like X1, Y2, X3?", [18]),
    ("What is the best way to solve a system of linear equations Ax = b?", [31]),
    ("How do I compute the eigenvalues and eigenvectors of a symmetric matrix?", [31]),
    ("How can I read a whole data frame from an external text file?", [39, 40]),
    ("How do I load a dataset that comes with another package?", [41]),
    ("How can I test whether two samples come from the same continuous distribution?", [48]),
    ("How do I write my own function?", [51]),
    ("How are free variables inside a function resolved? What scoping rules apply?", [56]),
    ("How do I switch to Helmert contrasts for unordered factors, as S-Plus uses?", [64]),
    ("In a generalized linear model, what is the linear predictor?", [67]),
    ("How do I fit a nonlinear regression model by minimising the sum of squares?", [71]),
    ("How do I draw a histogram and choose how many bins it has?", [76]),
    ("How can I put graphics parameters back after changing them inside a function?", [81]),
    ("How do I calculate the standard error of the mean for each group of a factor?", [24]),
    ("How do I use a matrix of indices to pick out irregular elements of an array?", [27]),
    ("How can I check whether data look normally distributed with a quantile plot?", [45]),
    ("How do I make a vector longer by assigning a value beyond its current end?", [21]),
    ("How can I make the columns of a data frame available as ordinary variables?", [37]),
    ("How do I install and load add-on packages?", [89]),
    ("How do I run a two-sample t-test comparing two means?", [46]),
    ("How do I run commands stored in a file, and divert the output to a file?", [12]),
    ("How do for loops over a sequence work?", [49]),
    ("How do I compare two nested fitted models with an analysis of variance table?", [66]),
]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--embed-tokens", type=int, default=None, help="override ingest.EMBED_TOKENS")
    ap.add_argument("--target-chars", type=int, default=None, help="override chunking.TARGET_CHARS")
    ap.add_argument("--keep", help="reuse this data folder (skips ingestion when the book is there)")
    args = ap.parse_args()
    pdf = real_pdf("R-intro.pdf")

    from desktop.core.library import chunking
    from desktop.core.library import ingest
    from desktop.core import library
    from desktop.core.search import retrieval
    from desktop.core.storage.db import open_db
    from desktop.core.models.embeddings import get_embedder

    if args.embed_tokens is not None:
        ingest.EMBED_TOKENS = args.embed_tokens
    if args.target_chars is not None:
        chunking.TARGET_CHARS = args.target_chars
        chunking.MAX_CHARS = int(args.target_chars * 1.35)

    with data_folder(args.keep) as paths, services(paths):
        db = open_db(paths.db)
        book = library.ensure_path(db, "Bench", "Statistics", "R manuals")
        r = library.import_file(db, paths, book, pdf, starter=QueueJobs(paths, db))
        t0 = time.monotonic()
        info = ingest_in_process(db, paths, r.document_id) if r.added else {}
        ingest_s = time.monotonic() - t0
        say(f"ingested in {ingest_s:.1f} s: {info}")
        store = retrieval.open_store(paths, db)
        embed = get_embedder().embed_one
        out: dict = {"benchmark": "retrieval_quality", "pdf": pdf.name, "questions": len(QUESTIONS), "k": args.k,
                     "chunks": info.get("chunks"), "ingest_s": round(ingest_s, 1),
                     "settings": {"embed_tokens": ingest.EMBED_TOKENS, "target_chars": chunking.TARGET_CHARS,
                                  "overlap_chars": chunking.OVERLAP_CHARS}}
        misses: dict[str, list[str]] = {}
        for mode in retrieval.MODES:
            found, mrr, latencies = 0, 0.0, []
            for question, pages in QUESTIONS:
                t = time.perf_counter()
                hits = retrieval.search(db, store, question, k=args.k, mode=mode, embed=embed)
                latencies.append((time.perf_counter() - t) * 1000)
                ranks = [i for i, h in enumerate(hits, start=1) if h.page in pages]
                if ranks:
                    found += 1
                    mrr += 1 / ranks[0]
                else:
                    misses.setdefault(mode, []).append(f"{question} (want {pages}, got {[h.page for h in hits]})")
            out[f"recall@{args.k}_{mode}"] = round(found / len(QUESTIONS), 3)
            out[f"mrr_{mode}"] = round(mrr / len(QUESTIONS), 3)
            out[f"mean_ms_{mode}"] = round(sum(latencies) / len(latencies), 1)
        for mode, items in misses.items():
            for m in items:
                say(f"miss [{mode}]: {m}")
        emit(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
