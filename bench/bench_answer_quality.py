"""Answer quality over a real PDF we did not write: does the answer cite the page that
holds the answer?

    python -m bench.bench_answer_quality [--model qwen2.5-0.5b] [--keep DIR]

The PDF is the R FAQ (Kurt Hornik and the R Core Team), from Debian's r-doc-pdf:
/usr/share/R/doc/manual/R-FAQ.pdf, 52 pages. It is ingested by the real ingest job
into a fresh data folder. Each question is phrased as a student would ask it (not
the FAQ's own heading) and comes with the PDF page(s) that hold its answer, found by
reading the PDF. A few questions the FAQ does not answer check the "not in your
material" gate. Prints one JSON object.

Citation accuracy per claim: each sentence of an answer that cites [n] is checked against
the whole PDF page that source n is on (all its passages): the page holds the claim when
at least half of the claim's key words are on it, or when a passage of it means the same
(MiniLM cosine ≥ 0.6). ``claims_hold_answers`` is the share of answers whose every cited
claim holds (goal ≥ 0.85); a claim Lectern flagged as not in the sources counts as not
holding only if it still cites something.
"""
from __future__ import annotations
from desktop.workers.submit import QueueJobs

import argparse
import re
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


_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_CITED = re.compile(r"\[(\d+)\]")


def claims(text: str) -> list[tuple[str, list[int]]]:
    """(claim without its citations, cited numbers) for each sentence that cites a source."""
    out = []
    for sentence in _SENTENCE.split(text):
        nums = [int(n) for n in _CITED.findall(sentence)]
        if nums:
            out.append((_CITED.sub("", sentence).strip(), nums))
    return out


def page_holds(db, embedder, claim: str, source) -> bool:
    """Does the page (or lecture minute) a source is on hold ``claim``?"""
    from desktop.core.chat import content_words

    if source.page is not None:
        rows = db.execute("SELECT text FROM chunks WHERE document_id = ? AND page = ?",
                          [source.document_id, source.page]).fetchall()
    else:
        rows = db.execute("SELECT text FROM chunks WHERE document_id = ? AND start_s <= ? AND end_s >= ?",
                          [source.document_id, (source.start_s or 0) + 30, (source.start_s or 0) - 30]).fetchall()
    texts = [r[0] for r in rows] or [source.text]
    words = content_words(claim)
    if not words:
        return True
    page_words = set(content_words(" ".join(texts)))
    if sum(1 for w in words if w in page_words) / len(words) >= 0.5:
        return True
    vecs = embedder.embed([claim] + texts)
    return float(max(vecs[1:] @ vecs[0])) >= 0.6


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
        from desktop.core.models.embeddings import get_embedder

        embedder = get_embedder()
        rows = []
        for q, pages in QUESTIONS:
            done = chat.run_to_end(answerer.ask(chat.create_chat(db), q))
            m = done.message
            cited = [s.page for s in m.cited]
            given = [s.page for s in m.sources]
            by_n = {s.n: s for s in m.sources}
            checked = [(c, n, page_holds(db, embedder, c, by_n[n])) for c, nums in claims(m.content)
                       for n in nums if n in by_n]
            row = {"q": q, "want": sorted(pages), "cited": cited, "given": given, "mode": m.mode,
                   "first_cited_ok": bool(cited) and cited[0] in pages,
                   "any_cited_ok": any(p in pages for p in cited),
                   "given_ok": any(p in pages for p in given),
                   "attributed": m.meta.get("attributed", []), "repointed": m.meta.get("repointed", []),
                   "invented": m.meta.get("invented", []),
                   "cited_claims": len(checked), "cited_claims_holding": sum(1 for *_x, ok in checked if ok),
                   "claims_hold": bool(checked) and all(ok for *_x, ok in checked),
                   "claims_not_holding": [(c, n) for c, n, ok in checked if not ok],
                   "unsupported_flagged": m.meta.get("unsupported", []), "coverage": m.meta.get("coverage"),
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
        with_claims = [r for r in rows if r["cited_claims"]]
        emit({
            "pdf": str(pdf), "pdf_pages": 52, "questions": n, "model": answerer.model().model.label,
            "claims_hold_answers": round(sum(r["claims_hold"] for r in with_claims) / len(with_claims), 3)
            if with_claims else None,
            "claims_hold_all_questions": round(sum(r["claims_hold"] for r in rows) / n, 3),
            "cited_claims_holding": f"{sum(r['cited_claims_holding'] for r in rows)}/"
                                    f"{sum(r['cited_claims'] for r in rows)}",
            "answers_with_cited_claims": len(with_claims),
            "claims_flagged_unsupported": sum(len(r["unsupported_flagged"]) for r in rows),
            "answers_partly_covered": sum(1 for r in rows if r["coverage"] == "partial"),
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
