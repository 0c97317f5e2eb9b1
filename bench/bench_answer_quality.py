"""Answer quality over a real PDF we did not write: does the answer cite the page that
holds the answer?

    python -m bench.bench_answer_quality [--model qwen2.5-0.5b] [--keep DIR]

The PDF is the R FAQ (Kurt Hornik and the R Core Team), from Debian's r-doc-pdf:
/usr/share/R/doc/manual/R-FAQ.pdf, 52 pages. It is ingested by the real ingest job
into a fresh data folder. Each question is phrased as a student would ask it (not
the FAQ's own heading) and comes with the PDF page(s) that hold its answer, found by
reading the PDF. A few questions the FAQ does not answer check the "not in your
material" gate. Prints one JSON object.
"""
from __future__ import annotations
from desktop.workers.submit import QueueJobs

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import data_folder, emit, ingest_in_process, load_average, real_pdf, say, services  # noqa: E402

# (question, pages of the PDF that hold the answer)
QUESTIONS: list[tuple[str, set[int]]] = [
    ("Where does the name R come from?", {14}),
    ("Is it allowed to use R in a business?", {14}),
    ("What is the R Foundation?", {14}),
    ("Who was the principal designer of the S language?", {16}),
    ("Which company sells S-Plus?", {16}),
    ("What does CRAN stand for?", {13}),
    ("Which Emacs package gives an interface to R?", {30}),
    ("How do I set one element of a list to NULL without removing it?", {32}),
    ("Which function saves all my objects to the .RData file?", {32}),
    ("How do I remove every object from my workspace?", {32}),
    ("How do I turn a factor back into numbers?", {34}),
    ("How should I write a Windows file path with backslashes in R?", {34}),
    ("Which package provides Trellis graphics in R?", {34}),
    ("What counts as a syntactically valid name in R?", {36}),
    ("Which packages can fit generalized additive models?", {36}),
    ("How do I rotate the x axis labels of a plot?", {40}),
    ("How do I make read.table faster on a big file?", {40}),
    ("What is the difference between a package and a library?", {40, 41}),
    ("How can I see the code of a hidden S3 method?", {40}),
    ("Why is sqrt(2) squared not exactly equal to 2?", {41}),
    ("How can a long simulation keep running when one fit throws an error?", {42}),
    ("Why does -2^2 give -4 in R?", {42}),
    ("How do I save each loop iteration's result in its own file?", {42}),
]
OUT_OF_SCOPE = [
    "Who painted the Mona Lisa?",
    "What is the boiling point of water at sea level?",
    "How many players are on a football team?",
    "What is the capital of Australia?",
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="", help="registry id or GGUF path (default: the default chat model)")
    ap.add_argument("--keep", help="reuse this data folder")
    args = ap.parse_args()

    from desktop.core import chat
    from desktop.core import library
    from desktop.core.storage import settings
    from desktop.core.storage.db import open_db
    from desktop.core.search.retrieval import open_store

    t0 = time.perf_counter()
    pdf = real_pdf("R-FAQ.pdf")
    with data_folder(args.keep) as paths, services(paths):
        db = open_db(paths.db)
        if not db.execute("SELECT count(*) FROM chunks").fetchone()[0]:
            say("ingesting R-FAQ.pdf…")
            node = library.ensure_path(db, "Bench", "Statistics", "R FAQ")
            doc = library.import_files(db, paths, node, [pdf], starter=QueueJobs(paths, db))[0].document_id
            ingest_in_process(db, paths, doc)
        settings.update(db, chat_model=args.model)
        answerer = chat.Answerer(db, open_store(paths, db))
        if answerer.model().model is None:
            emit({"error": answerer.model().reason})
            return
        rows = []
        for q, pages in QUESTIONS:
            done = chat.run_to_end(answerer.ask(chat.create_chat(db), q))
            m = done.message
            cited = [s.page for s in m.cited]
            given = [s.page for s in m.sources]
            row = {"q": q, "want": sorted(pages), "cited": cited, "given": given, "mode": m.mode,
                   "first_cited_ok": bool(cited) and cited[0] in pages,
                   "any_cited_ok": any(p in pages for p in cited),
                   "given_ok": any(p in pages for p in given),
                   "attributed": m.meta.get("attributed", []), "repointed": m.meta.get("repointed", []),
                   "invented": m.meta.get("invented", []),
                   "first_token_s": done.stats.get("first_token_s"), "answer": m.content[:300]}
            rows.append(row)
            say(f"{'OK ' if row['first_cited_ok'] else 'MISS'} {q} → cited {cited} (want {sorted(pages)}), "
                f"given {given}: {m.content[:120]!r}")
        refusals = []
        for q in OUT_OF_SCOPE:
            done = chat.run_to_end(answerer.ask(chat.create_chat(db), q))
            refusals.append({"q": q, "mode": done.message.mode, "answer": done.message.content[:160]})
            say(f"out of scope: {q} → {done.message.mode}")
        n = len(rows)
        ttft = [r["first_token_s"] for r in rows if r["first_token_s"] is not None]
        emit({
            "pdf": str(pdf), "pdf_pages": 52, "questions": n, "model": answerer.model().model.label,
            "cited_page_is_answer_page": round(sum(r["first_cited_ok"] for r in rows) / n, 3),
            "answer_page_among_cited": round(sum(r["any_cited_ok"] for r in rows) / n, 3),
            "answer_page_among_given_sources": round(sum(r["given_ok"] for r in rows) / n, 3),
            "answered_without_citation": sum(1 for r in rows if r["mode"] == chat.ANSWER and not r["cited"]),
            "wrongly_not_found": sum(1 for r in rows if r["mode"] == chat.NOT_FOUND),
            "invented_numbers_dropped": sum(len(r["invented"]) for r in rows),
            "citations_added_by_attribution": sum(len(r["attributed"]) for r in rows),
            "citations_repointed": sum(len(r["repointed"]) for r in rows),
            "out_of_scope_refused": f"{sum(1 for r in refusals if r['mode'] == chat.NOT_FOUND)}/{len(refusals)}",
            "first_token_s_median": round(statistics.median(ttft), 3) if ttft else None,
            "load_average": load_average(), "bench_s": round(time.perf_counter() - t0, 1),
            "rows": rows, "out_of_scope": refusals,
        })


if __name__ == "__main__":
    main()
