"""Retrieval quality: is the page that answers a question found first, or in the top five?

Question sets (``bench/questions/*.json``) over real books nobody here wrote, each
question paraphrased as a student would ask it, with the PDF page(s) that answer it:

- ``r-intro``: "An Introduction to R" (113 pages), 24 questions;
- ``r-faq``: the R FAQ (52 pages), 23 questions;
- ``fullrefman``: the R reference manual (2,415 pages), 33 questions (answers: the pages of a help topic);
- ``debian-reference``: the Debian Reference (261 pages; system administration), 41
  questions, the same book and questions in English, German, French and Spanish
  (answers are outline sections, mapped to pages in each translation).

The library holds distractor books of the same subject beside each book, and every
question is asked in the scope of its book's subject folder (``--scope library``: the
whole library):

- Statistics with R: R-intro, R-FAQ, R-data, R-lang
- R reference: fullrefman, R-exts, R-ints, R-admin
- Debian: the Debian Reference in English, German, French and Spanish

The books are ingested with Lectern's own job (real Chroma server, real embedding
model). Each question is asked in each mode; the figures per book (and language)
are recall@1, recall@5 and MRR (over the first 10) of the answer page in the answer
book, with the search latency:

- ``vector``, ``bm25``: one ranking alone; ``hybrid``: both fused (what the library
  search and the chat use);
- ``rerank``: the chat path's retrieval, the fused short list re-scored by the
  cross-encoder (only when the reranker model is installed).

    python -m bench.bench_retrieval_quality [--sets r-intro,fullrefman] [--langs en,de] [--keep DIR]

``--keep DIR`` reuses a data folder (books already there are not read again); ``--no-titles``
ingests without the section titles of the PDF outline, to show what they add; ``--no-multilingual``
searches without the multilingual space (books not in English), likewise.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from bench.common import data_folder, emit, ingest_in_process, load_average, percentile, say, services

QUESTIONS_DIR = Path(__file__).resolve().parent / "questions"
R_DOC = Path("/usr/share/R/doc/manual")
DEBIAN_REFERENCE = Path("/usr/share/debian-reference")

SUBJECTS: dict[str, list[str]] = {
    "Statistics with R": ["R-intro.pdf", "R-FAQ.pdf", "R-data.pdf", "R-lang.pdf"],
    "R reference": ["fullrefman.pdf", "R-exts.pdf", "R-ints.pdf", "R-admin.pdf"],
    "Debian": [f"debian-reference.{lang}.pdf" for lang in ("en", "de", "fr", "es")],
}
SET_SUBJECT = {"r-intro": "Statistics with R", "r-faq": "Statistics with R", "fullrefman": "R reference",
               "debian-reference": "Debian"}
HOW = {"r-doc-pdf": "apt-get install r-doc-pdf",
       "debian-reference": "apt-get install debian-reference-en debian-reference-de debian-reference-fr "
                           "debian-reference-es"}


def book_path(name: str) -> Path:
    if name.startswith("debian-reference"):
        return DEBIAN_REFERENCE / name
    return R_DOC / name


def outline_pages(pdf: Path) -> list[tuple[str, int]]:
    """The PDF's outline, flattened in order: [(title, first page 1-based)]."""
    import pypdf

    reader = pypdf.PdfReader(str(pdf))
    out: list[tuple[str, int]] = []

    def walk(items: Any) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                out.append((str(item.title), reader.get_destination_page_number(item) + 1))
    walk(reader.outline)
    return out


def load_sets(names: list[str], langs: list[str]) -> list[dict[str, Any]]:
    """[{name, lang, book, questions: [(q, pages)]}] for the chosen sets and languages."""
    out = []
    for name in names:
        data = json.loads((QUESTIONS_DIR / f"{name}.json").read_text())
        if "pages" in data["questions"][0]:
            out.append({"name": name, "lang": "en", "book": data["book"],
                        "questions": [(q["q"], set(q["pages"])) for q in data["questions"]]})
            continue
        # Answers named by outline entry: that entry's pages in the book (in each of its languages).
        english = outline_pages(book_path(data["book"].format(lang="en")))
        titles = [t for t, _ in english]
        for lang in [l for l in langs if l in data.get("languages", ["en"])]:
            book = data["book"].format(lang=lang)
            outline = outline_pages(book_path(book))
            if len(outline) != len(english):
                raise SystemExit(f"{book}: its outline differs from the English one")
            qs = []
            for q in data["questions"]:
                if titles.count(q["section"]) != 1:
                    raise SystemExit(f"section {q['section']!r} is not one outline entry")
                i = titles.index(q["section"])
                first = outline[i][1]
                last = outline[i + 1][1] if i + 1 < len(outline) else first
                text = q["q"][lang] if isinstance(q["q"], dict) else q["q"]
                qs.append((text, set(range(first, max(first, last) + 1))))
            out.append({"name": name, "lang": lang, "book": book, "questions": qs})
    return out


def score(ranked_pages: list[tuple[int, int | None]], doc_id: int, pages: set[int], k: int) -> tuple[bool, bool, float]:
    """(hit@1, hit@k, reciprocal rank over the list) of the answer page in the answer book."""
    ranks = [i for i, (d, p) in enumerate(ranked_pages, start=1) if d == doc_id and p in pages]
    first = ranks[0] if ranks else None
    return first == 1, first is not None and first <= k, (1.0 / first) if first else 0.0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default="r-intro,r-faq,fullrefman,debian-reference")
    ap.add_argument("--langs", default="en,de,fr,es", help="languages of the multilingual sets")
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--scope", choices=("subject", "library"), default="subject")
    ap.add_argument("--modes", default="vector,bm25,hybrid,rerank")
    ap.add_argument("--keep", help="reuse this data folder (books already there are not read again)")
    ap.add_argument("--misses", action="store_true", help="list the questions each mode misses (stderr)")
    ap.add_argument("--rerank-candidates", type=int, default=None, help="fused passages the reranker re-scores")
    ap.add_argument("--rerank-words", type=int, default=None, help="words of each passage the reranker reads")
    ap.add_argument("--no-titles", action="store_true",
                    help="ingest without section titles from the PDF outline (to see what they add)")
    ap.add_argument("--no-multilingual", action="store_true",
                    help="search without the multilingual space (to see what it adds for material not in English)")
    args = ap.parse_args()
    names = [s for s in args.sets.split(",") if s]
    sets = load_sets(names, [l for l in args.langs.split(",") if l])
    subjects = {SET_SUBJECT[n] for n in names}
    for subject in subjects:
        for book in SUBJECTS[subject]:
            if not book_path(book).exists():
                pkg = "debian-reference" if book.startswith("debian") else "r-doc-pdf"
                emit({"error": f"{book_path(book)} is missing", "how": HOW[pkg]})
                return 2

    from desktop.core import library
    from desktop.core.library import chunking, ingest
    from desktop.core.models.embeddings import get_embedder
    from desktop.core.search import retrieval
    from desktop.core.search.scope import Scope
    from desktop.core.storage.db import open_db

    if args.no_multilingual:   # the vectors are still made; the searches leave that space out
        retrieval.get_multilingual_embedder = lambda: None   # type: ignore[assignment]
    if args.no_titles:
        ingest.outlined = lambda pages, _path: pages   # type: ignore[assignment]
    t_bench = time.monotonic()
    with data_folder(args.keep) as paths, services(paths):
        db = open_db(paths.db)
        doc_ids: dict[str, int] = {}
        subject_nodes: dict[str, int] = {}
        ingested: dict[str, Any] = {}
        for subject in sorted(subjects):
            subject_nodes[subject] = library.ensure_path(db, "Bench", subject)
            for book in SUBJECTS[subject]:
                node = library.ensure_path(db, "Bench", subject, Path(book).stem)
                r = library.import_file(db, paths, node, book_path(book), starter=None)
                doc_ids[book] = r.document_id
                ready = db.execute("SELECT state FROM documents WHERE id=?", (r.document_id,)).fetchone()[0]
                if ready != ingest.READY:
                    t0, c0 = time.monotonic(), time.process_time()
                    info = ingest_in_process(db, paths, r.document_id)
                    ingested[book] = {"pages": info.get("pages"), "chunks": info.get("chunks"),
                                      "wall_s": round(time.monotonic() - t0, 1),
                                      "cpu_s": round(time.process_time() - c0, 1)}
                    say(f"ingested {book}: {ingested[book]}")
        store = retrieval.open_store(paths, db)
        embedder = get_embedder()
        embed = embedder.embed_one
        embed("warm up")
        modes = [m for m in args.modes.split(",") if m]
        reranker = None
        if "rerank" in modes:
            reranker = _reranker(args.rerank_candidates, args.rerank_words)
            if reranker is None:
                modes.remove("rerank")
                say("no reranker installed: the rerank mode is left out")
        per_set: list[dict[str, Any]] = []
        latencies: dict[str, list[float]] = {m: [] for m in modes}
        misses: list[str] = []
        for s in sets:
            doc_id = doc_ids[s["book"]]
            scope = Scope() if args.scope == "library" else Scope(node_ids=(subject_nodes[SET_SUBJECT[s["name"]]],))
            row: dict[str, Any] = {"set": s["name"], "lang": s["lang"], "book": s["book"],
                                   "questions": len(s["questions"])}
            for mode in modes:
                at1 = atk = 0
                rr = 0.0
                for question, pages in s["questions"]:
                    t = time.perf_counter()
                    if mode == "rerank":
                        hits = reranker(db, store, question, scope, embed)
                    else:
                        hits = retrieval.search(db, store, question, scope=scope, k=10, mode=mode, embed=embed)
                    latencies[mode].append((time.perf_counter() - t) * 1000)
                    h1, hk, r = score([(h.document_id, h.page) for h in hits], doc_id, pages, args.k)
                    at1 += h1
                    atk += hk
                    rr += r
                    if not hk:
                        misses.append(f"[{s['name']}/{s['lang']} {mode}] {question} want {sorted(pages)[:4]}, got "
                                      f"{[(h.document_id, h.page) for h in hits[:5]]}")
                n = len(s["questions"])
                row[mode] = {"recall@1": round(at1 / n, 3), f"recall@{args.k}": round(atk / n, 3),
                             "mrr": round(rr / n, 3)}
            per_set.append(row)
            say(json.dumps(row))
        if args.misses:
            for m in misses:
                say("miss", m)
        out: dict[str, Any] = {
            "benchmark": "retrieval_quality", "scope": args.scope, "k": args.k, "section_titles": not args.no_titles,
            "multilingual": not args.no_multilingual,
            "rerank": getattr(reranker, "options", None),
            "settings": {"embed_tokens": ingest.EMBED_TOKENS, "target_chars": chunking.TARGET_CHARS,
                         "overlap_chars": chunking.OVERLAP_CHARS},
            "books": per_set,
            "overall": _overall(per_set, modes, args.k),
            "latency_ms": {m: {"p50": round(percentile(v, 50), 1), "p95": round(percentile(v, 95), 1)}
                           for m, v in latencies.items() if v},
            "chunks": db.execute("SELECT count(*) FROM chunks").fetchone()[0],
            "ingested": ingested, "load_average": load_average(),
            "bench_s": round(time.monotonic() - t_bench, 1),
        }
        emit(out)
    return 0


def _overall(rows: list[dict[str, Any]], modes: list[str], k: int) -> dict[str, Any]:
    """Question-weighted means over the English sets, and per language over the multilingual ones."""
    out: dict[str, Any] = {}
    groups: dict[str, list[dict[str, Any]]] = {"english": [r for r in rows if r["lang"] == "en"]}
    for r in rows:
        if r["set"] == "debian-reference":
            groups.setdefault(f"debian-reference.{r['lang']}", []).append(r)
    for name, rs in groups.items():
        n = sum(r["questions"] for r in rs)
        if not n:
            continue
        out[name] = {m: {key: round(sum(r[m][key] * r["questions"] for r in rs) / n, 3)
                         for key in ("recall@1", f"recall@{k}", "mrr")} for m in modes}
    return out


def _reranker(candidates: int | None = None, words: int | None = None) -> Any:
    """The chat path's retrieval (fused short list re-scored by the cross-encoder), or None."""
    try:
        from desktop.core.search import reranking
    except ImportError:
        return None
    if not reranking.available():
        return None

    options = {"candidates": candidates or reranking.CANDIDATES, "words": words or reranking.WINDOW_WORDS}

    def run(db: Any, store: Any, question: str, scope: Any, embed: Any) -> list[Any]:
        return reranking.retrieve(db, store, question, scope=scope, k=10, embed=embed, **options)
    run.options = options  # type: ignore[attr-defined]
    return run


if __name__ == "__main__":
    raise SystemExit(main())
