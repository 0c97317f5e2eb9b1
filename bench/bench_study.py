"""Study tools on a real book: time to summarise a page range and to make its cards with the
default model, the share of that time spent in the model, and how many citations hold their
claim's words (summary key points, cards, glossary definitions).

    python -m bench.bench_study [--pdf R-intro.pdf] [--pages 10-19] [--model qwen2.5-0.5b] [--threads 2]
    python -m bench.bench_study --lecture [--faq-page 7]
    python -m bench.bench_study --hour                       # a one-hour lecture's transcript
    python -m bench.bench_study --pages 10-109 --summary-only  # a 100-page chapter

With ``--lecture``, a page of the R FAQ (prose not written by us) is spoken by espeak-ng and
transcribed by the default Whisper model, with and without the subject's glossary terms (found
in the FAQ's first chapters) as hotwords: word error rate overall and on the course terms; then
the transcript is summarised and the seconds its key points cite are checked.

The book is a Debian R manual (r-doc-pdf; written by the R Core Team, not by us), read and
chunked by Lectern's own code into a fresh data folder (no vector store is needed: the study
tools read SQLite). Prints one JSON object; progress goes to stderr.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import emit, real_pdf, say  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pdf", default="R-intro.pdf")
    ap.add_argument("--pages", default="10-19")
    ap.add_argument("--model", default="")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--lecture", action="store_true")
    ap.add_argument("--faq-page", type=int, default=7)
    ap.add_argument("--summary-only", action="store_true", help="time the summary only (no cards, no glossary)")
    ap.add_argument("--hour", action="store_true",
                    help="summarise a one-hour lecture: an hour of the book's prose at 150 words a minute as the "
                         "transcript's segments")
    args = ap.parse_args()
    if args.lecture:
        return lecture(args)
    if args.hour:
        return hour_lecture(args)

    import tempfile

    from desktop.core import catalog
    from desktop.core.library.chunking import chunk_pages
    from desktop.core.library.pdftext import read_pages
    from desktop.core.storage import settings
    from desktop.core.storage.db import open_db
    from desktop.core.study import cards, glossary, grounding, material, summaries
    from desktop.core.study.writer import open_writer

    pdf = real_pdf(args.pdf)
    db = open_db(Path(tempfile.mkdtemp(prefix="bench-study-")) / "app.db")
    settings.update(db, chat_threads=args.threads)
    node = catalog.ensure_path(db, "Bench", "Statistics", pdf.stem)
    doc = catalog.add_document(db, node, "pdf", pdf.stem, pdf.name, f"files/1/{pdf.name}", "sha", 1, state="ready")
    t0 = time.perf_counter()
    pages, _ = read_pages(pdf)
    for i, chunk in enumerate(chunk_pages(pages)):
        db.execute("INSERT INTO chunks (document_id, ordinal, kind, page, text) VALUES (?,?,?,?,?)",
                   (doc, i, "pdf", chunk.page, chunk.text))
    say(f"read {len(pages)} pages in {time.perf_counter() - t0:.1f} s")
    rng = material.parse_pages(args.pages)
    pieces = material.load(db, doc, rng)

    t_load = time.perf_counter()
    writer = open_writer(db, args.model)
    load_s = time.perf_counter() - t_load
    say(f"model {writer.label} loaded in {load_s:.1f} s; summarising pages {args.pages}")

    t1 = time.perf_counter()
    summary, stats = summaries.summarise(db, writer, doc, rng, progress=lambda f, s: say(s))
    summary_s = time.perf_counter() - t1
    summary_model_s = writer.model_s
    for p in summary.points:
        say(f"  - {p.text}  (page {p.page}, support {p.support:.2f})")
    summary_figures = {"seconds": round(summary_s, 1), "model_s": round(summary_model_s, 1),
                       "model_share": round(summary_model_s / summary_s, 3), **stats,
                       "key_points": len(summary.points),
                       "model_points_supported": round(1 - stats["points_unsupported_left_out"]
                                                       / max(1, stats["points_written"]), 3),
                       "grounded": grounding.report([p.support for p in summary.points]).as_dict()}
    if args.summary_only:
        emit({"book": pdf.name, "pages": args.pages, "pieces": len(pieces), "model": writer.label,
              "threads": args.threads, "model_load_s": round(load_s, 2), "summary": summary_figures})
        return

    t2 = time.perf_counter()
    before = writer.model_s
    counts = cards.cloze.term_counts(p.text for p in pieces)
    made, dropped = [], 0
    for window in material.windows(pieces, summaries.WINDOW_CHARS):
        new, lost = cards.cards_for(writer, window, counts)
        made += new
        dropped += lost
    cards_s = time.perf_counter() - t2
    cards_model_s = writer.model_s - before
    by_page = {p.page: p.text for p in pieces}
    card_support = [grounding.support(f"{cards.cloze.reveal(c.front)} {c.back}", by_page[c.page]) for c in made]
    qa = [c for c in made if c.kind == "qa"]

    t3 = time.perf_counter()
    gl = glossary.build(db, glossary.subject_node(db, "Statistics"))
    glossary_s = time.perf_counter() - t3

    emit({
        "book": pdf.name, "pages": args.pages, "pieces": len(pieces), "model": writer.label, "threads": args.threads,
        "model_load_s": round(load_s, 2),
        "summary": summary_figures,
        "cards": {"seconds": round(cards_s, 1), "model_s": round(cards_model_s, 1),
                  "model_share": round(cards_model_s / cards_s, 3) if cards_s else 0,
                  "qa": len(qa), "cloze": len(made) - len(qa), "qa_dropped_ungrounded": dropped,
                  "grounded": grounding.report(card_support).as_dict()},
        "glossary": {"seconds": round(glossary_s, 2), "terms": gl["terms"], "grounded": gl["grounding"]},
    })


def hour_lecture(args: argparse.Namespace) -> None:
    """A one-hour lecture's transcript (9,000 words of the book's prose in 10-second segments,
    as a lecturer at 150 words a minute would give) summarised by the default model."""
    import tempfile

    from desktop.core import catalog
    from desktop.core.library.pdftext import read_pages
    from desktop.core.storage import settings
    from desktop.core.storage.db import open_db
    from desktop.core.study import grounding, summaries
    from desktop.core.study.writer import open_writer

    pdf = real_pdf(args.pdf)
    words = " ".join(p.text for p in read_pages(pdf)[0][10:]).split()[:9000]
    db = open_db(Path(tempfile.mkdtemp(prefix="bench-study-hour-")) / "app.db")
    settings.update(db, chat_threads=args.threads)
    node = catalog.ensure_path(db, "Bench", "Statistics")
    rec = int(db.execute("INSERT INTO recordings (title, node_id, path, state, duration_s, created_at)"
                         " VALUES (?,?,?,?,?,?)", ("An hour on R", node, "recordings/1.wav", "ready", 3600.0,
                                                   time.time())).lastrowid)
    per = 25                                     # words in 10 s at 150 words a minute
    for i in range(0, len(words), per):
        db.execute("INSERT INTO segments (recording_id, idx, start_s, end_s, text) VALUES (?,?,?,?,?)",
                   (rec, i // per, i / per * 10.0, i / per * 10.0 + 10.0, " ".join(words[i:i + per])))
    doc = catalog.add_document(db, node, "lecture", "An hour on R", "1.wav", "recordings/1.wav", "sha-hour", 1,
                               recording_id=rec, state="ready")
    db.execute("UPDATE recordings SET document_id = ? WHERE id = ?", (doc, rec))
    writer = open_writer(db, args.model)
    t0 = time.perf_counter()
    summary, stats = summaries.summarise(db, writer, doc, progress=lambda f, s: say(s))
    seconds = time.perf_counter() - t0
    for p in summary.points:
        say(f"  - {p.text}  ({p.start_s:.0f} s, support {p.support:.2f})")
    emit({"lecture": f"one hour ({len(words)} words of {pdf.name}, 10-s segments)", "model": writer.label,
          "threads": args.threads,
          "summary": {"seconds": round(seconds, 1), "model_s": round(writer.model_s, 1),
                      "model_share": round(writer.model_s / seconds, 3), **stats, "key_points": len(summary.points),
                      "grounded": grounding.report([p.support for p in summary.points]).as_dict()}})


def _book(db, pdf: Path, subject: str) -> int:
    from desktop.core import catalog
    from desktop.core.library.chunking import chunk_pages
    from desktop.core.library.pdftext import read_pages

    node = catalog.ensure_path(db, "Bench", subject, pdf.stem)
    doc = catalog.add_document(db, node, "pdf", pdf.stem, pdf.name, f"files/1/{pdf.name}", f"sha-{pdf.name}", 1,
                               state="ready")
    pages, _ = read_pages(pdf)
    for i, chunk in enumerate(chunk_pages(pages)):
        db.execute("INSERT INTO chunks (document_id, ordinal, kind, page, text) VALUES (?,?,?,?,?)",
                   (doc, i, "pdf", chunk.page, chunk.text))
    return doc


def lecture(args: argparse.Namespace) -> None:
    import tempfile

    from bench.bench_wer import normalise, wer
    from desktop.core import catalog, models
    from desktop.core.library.pdftext import read_pages
    from desktop.core.lectures.transcribe import BEAM_SIZE, decode, load_whisper, transcribe_array
    from desktop.core.storage import settings
    from desktop.core.storage.db import open_db
    from desktop.core.study import glossary, grounding, summaries
    from desktop.core.study.writer import open_writer
    from tests.audio import speech_wav

    faq = real_pdf("R-FAQ.pdf")
    tmp = Path(tempfile.mkdtemp(prefix="bench-study-lecture-"))
    db = open_db(tmp / "app.db")
    settings.update(db, chat_threads=args.threads)
    _book(db, faq, "R")
    subject = glossary.subject_node(db, "R")
    glossary.build(db, subject)
    hotwords = glossary.hotwords(db, subject)
    say(f"hotwords: {hotwords}")

    page = next(p for p in read_pages(faq)[0] if p.number == args.faq_page)
    spoken = " ".join(" ".join(page.text.splitlines()[1:]).split())   # without the running header
    audio = decode(speech_wav(spoken, tmp / "lecture.wav"))
    say(f"lecture: {len(spoken.split())} words, {len(audio) / 16000:.0f} s of speech")
    model = load_whisper(models.resolve(models.TRANSCRIPTION, None))
    reference = normalise(spoken)
    terms = [t.term for t in glossary.terms(db, subject)]
    term_words = {w for t in terms for w in normalise(t)}

    def measure(hot: str | None, how: str = "hotwords") -> tuple[list, dict]:
        t0 = time.perf_counter()
        if hot:
            raw, _ = model.transcribe(audio, beam_size=BEAM_SIZE, vad_filter=True, **{how: hot})
            segs = [(s.start, s.end, s.text.strip()) for s in raw if s.text.strip()]
        else:
            segs = [(s.start, s.end, s.text) for s in transcribe_array(model, audio, None)[0]]
        hyp = normalise(" ".join(t for _, _, t in segs))
        rate = wer(reference, hyp)[0]
        ref_terms = [w for w in reference if w in term_words]
        term_rate = wer(ref_terms, [w for w in hyp if w in term_words])[0] if ref_terms else 0.0
        return segs, {"wer": round(rate, 4), "term_words": len(ref_terms), "term_wer": round(term_rate, 4),
                      "seconds": round(time.perf_counter() - t0, 1)}

    segs, plain = measure(None)
    _, hot = measure(hotwords)
    _, prompted = measure(f"Glossary: {hotwords}.", "initial_prompt")
    say(f"WER without hotwords {plain}, with {hot}, as initial prompt {prompted}")

    node = catalog.ensure_path(db, "Bench", "R")
    rec = int(db.execute("INSERT INTO recordings (title, node_id, path, state, duration_s, created_at)"
                         " VALUES (?,?,?,?,?,?)", ("What is R?", node, "recordings/1.wav", "ready",
                                                   len(audio) / 16000, time.time())).lastrowid)
    for i, (a, b, text) in enumerate(segs):
        db.execute("INSERT INTO segments (recording_id, idx, start_s, end_s, text) VALUES (?,?,?,?,?)",
                   (rec, i, a, b, text))
    doc = catalog.add_document(db, node, "lecture", "What is R?", "1.wav", "recordings/1.wav", "sha-lecture", 1,
                               recording_id=rec, state="ready")
    db.execute("UPDATE recordings SET document_id = ? WHERE id = ?", (doc, rec))
    writer = open_writer(db, args.model)
    t1 = time.perf_counter()
    summary, stats = summaries.summarise(db, writer, doc)
    summary_s = time.perf_counter() - t1
    for p in summary.points:
        say(f"  - {p.text}  ({p.start_s:.0f} s, support {p.support:.2f})")
    emit({"lecture_source": f"R-FAQ.pdf page {args.faq_page}", "audio_s": round(len(audio) / 16000, 1),
          "segments": len(segs), "whisper_without_hotwords": plain, "whisper_with_hotwords": hot,
          "whisper_with_terms_as_initial_prompt": prompted,
          "hotwords": hotwords,
          "summary": {"seconds": round(summary_s, 1), "model_s": round(writer.model_s, 1),
                      "model_share": round(writer.model_s / summary_s, 3), **stats, "key_points": len(summary.points),
                      "grounded": grounding.report([p.support for p in summary.points]).as_dict()},
          "model": writer.label})


if __name__ == "__main__":
    main()
