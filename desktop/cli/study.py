"""summarize, cards, review, stats: the study tools from the command line.

Summaries and cards are background jobs; the command records the job and runs it here
(progress on stderr, Ctrl+C cancels it), so no window or worker needs to be running.
With ``--json`` the result is one JSON document on stdout.
"""
from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

from ..core import jobs
from ..core.errors import LecternError, StudyError
from ..core.runtime.services import JobsForTheNextWorker
from ..core.storage.config import DataPaths
from ..core.storage.db import open_db
from ..core.study import anki_export, cards, glossary, material, quiz, review, stats, store, summaries, weeks
from ..workers.queue import execute_job
from .common import emit, fail


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("summarize", help="key points of a lecture, a page range or a subject's week, each with "
                                         "its citation")
    p.add_argument("document_id", type=int, metavar="DOC_ID", nargs="?", help="the lecture or book to summarise")
    p.add_argument("--pages", default="", help="a page range such as 12-30 (books only)")
    p.add_argument("--subject", type=int, metavar="SUBJECT_ID",
                   help="summarise all this subject's lectures of one week (instead of DOC_ID)")
    p.add_argument("--week", default="", help="the ISO week, like 2026-W48 (default: this week); with --subject")
    p.add_argument("--model", default="", help="a chat model id (see `lectern models`) or a GGUF file")
    p.add_argument("--markdown", default="", metavar="FILE", help="also write the summary as Markdown")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_summarize)

    p = sub.add_parser("cards", help="make flashcards from a lecture or a page range, and export them")
    p.add_argument("document_id", type=int, metavar="DOC_ID")
    p.add_argument("--pages", default="", help="a page range such as 12-30 (books only)")
    p.add_argument("--model", default="", help="a chat model id or a GGUF file")
    p.add_argument("--existing", action="store_true", help="make no new cards: list (and export) the deck's")
    p.add_argument("--accept", action="store_true", help="accept the new drafts into the deck")
    p.add_argument("--export", default="", metavar="DECK_FILE", help="write the deck as .apkg, .csv or .tsv")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_cards)

    p = sub.add_parser("card", help="show, edit, accept or discard one card")
    p.add_argument("card_id", type=int, metavar="CARD_ID")
    p.add_argument("--front", help="new front (your edit is kept through any regeneration)")
    p.add_argument("--back", help="new back")
    p.add_argument("--accept", action="store_true", help="a draft enters its deck")
    p.add_argument("--discard", action="store_true", help="set the card aside (kept, not deleted)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_card)

    p = sub.add_parser("review", help="cards due for review, or record an answer")
    p.add_argument("--due", action="store_true", help="list the cards due now (the default)")
    p.add_argument("--card", type=int, help="the card answered")
    p.add_argument("--answer", default="", help="again, hard, good or easy (1-4)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("glossary", help="the course glossary: key terms with a definition and its source")
    p.add_argument("--subject", default="", help="a subject's name or id (default: every subject)")
    p.add_argument("--build", action="store_true", help="find the subject's terms in its material first")
    p.add_argument("--unknown", action="store_true", help="leave out the terms marked known")
    p.add_argument("--map", action="store_true", help="the concept map: terms and the links between them")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_glossary)

    p = sub.add_parser("quiz", help="multiple-choice questions from your accepted cards")
    p.add_argument("--subject", default="", help="a subject's name or id (default: every subject)")
    p.add_argument("-n", type=int, default=10, help="how many questions (default 10)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_quiz)

    p = sub.add_parser("stats", help="study statistics: hours, pages, questions, cards; per subject and week")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stats)


def run_job(paths: DataPaths, db: Any, submit: Callable[[JobsForTheNextWorker], int]) -> jobs.Job:
    """Record a job and run it in this process, showing its progress on stderr.

    When another job on the same document runs in Lectern's worker (an ingestion), this one
    waits for it: the worker starts it when that job ends, and this command follows it."""
    job_id = submit(JobsForTheNextWorker(db))
    runner = threading.Thread(target=execute_job, args=(paths, job_id), daemon=True)
    runner.start()
    shown = ""
    try:
        while True:
            job = jobs.get_job(db, job_id)
            if job is None or (job.finished and not runner.is_alive()):
                break
            line = f"{job.stage} ({job.progress * 100:.0f}%)"
            if line != shown:
                print(f"\rlectern: {line}   ", end="", file=sys.stderr, flush=True)
                shown = line
            if runner.is_alive():
                runner.join(0.2)
            else:                    # the worker runs it after the job before it
                time.sleep(0.2)
    except KeyboardInterrupt:
        jobs.request_cancel(db, job_id)
        print("\nlectern: cancelling…", file=sys.stderr, flush=True)
        runner.join()
    print(file=sys.stderr)
    job = jobs.get_job(db, job_id)
    assert job is not None
    if job.state != jobs.DONE:
        raise LecternError(job.error or f"The job was {job.state}.")
    return job


def _figures(job: jobs.Job) -> dict[str, Any]:
    keep = ("parts", "reduce_rounds", "model_calls", "elapsed_s", "model_s", "model_share", "model",
            "dropped_ungrounded")
    return {"job_id": job.id, **{k: job.result[k] for k in keep if k in job.result}}


def cmd_summarize(args: argparse.Namespace, paths: DataPaths) -> int:
    paths.ensure()
    db = open_db(paths.db)
    try:
        if (args.document_id is None) == (args.subject is None):
            raise StudyError("Say what to summarise: a document's id, or --subject with a subject's id.",
                             "lectern summarize 12, or lectern summarize --subject 3 --week 2026-W48")
        if args.subject is not None:
            if args.pages:
                raise StudyError("A week of lectures has no pages.", "Leave out --pages with --subject.")
            week = weeks.Week.parse(args.week) if args.week else weeks.Week.this()
            job = run_job(paths, db, lambda s: summaries.submit_week(db, s, args.subject, week, args.model))
        else:
            if args.week:
                raise StudyError("--week goes with --subject.", "lectern summarize --subject 3 --week 2026-W48")
            pages = material.parse_pages(args.pages)
            job = run_job(paths, db, lambda s: summaries.submit(db, s, args.document_id, pages, args.model))
        summary = summaries.get_summary(db, int(job.result["summary_id"]))
        markdown = summaries.to_markdown(db, summary)
        if args.markdown:
            summaries.write_markdown(db, summary, Path(args.markdown))
    except (LecternError, OSError) as exc:
        return fail(exc if isinstance(exc, LecternError) else StudyError(f"Could not write the file: {exc}"), args.json)
    emit({**summary.as_dict(), **_figures(job)}, args.json, markdown)
    return 0


def cmd_cards(args: argparse.Namespace, paths: DataPaths) -> int:
    paths.ensure()
    db = open_db(paths.db)
    try:
        pages = material.parse_pages(args.pages)
        deck = store.deck_for_document(db, args.document_id)
        figures: dict[str, Any] = {}
        if args.existing:
            chosen = [c for c in store.cards(db, document_id=args.document_id) if c.status != store.DISCARDED]
        else:
            job = run_job(paths, db, lambda s: cards.submit(db, s, args.document_id, pages, args.model))
            figures = _figures(job)
            new_ids = [int(i) for i in job.result["card_ids"]]
            if args.accept:
                store.accept(db, new_ids)
            chosen = [store.get_card(db, i) for i in new_ids]
        exported = anki_export.export(db, deck, Path(args.export)) if args.export else None
    except LecternError as exc:
        if args.export and "no accepted cards" in exc.message:
            exc = StudyError(exc.message, "Add --accept to accept the new cards, then export.")
        return fail(exc, args.json)
    if pages is not None:
        chosen = [c for c in chosen if c.page is None or pages[0] <= c.page <= pages[1]]
    out = {"deck_id": deck, "deck": store.get_deck(db, deck).name, "cards": [c.as_dict() for c in chosen],
           "exported": {"file": args.export, "notes": exported} if args.export else None, **figures}
    text = "\n".join(f"[{c.status}] {c.front}  ->  {c.back}  ({_where(c)})" for c in chosen)
    emit(out, args.json, text or "No cards.")
    return 0


def _where(card: store.Card) -> str:
    return material.Piece(card.document_id or 0, "", card.page, card.start_s).where


def cmd_card(args: argparse.Namespace, paths: DataPaths) -> int:
    paths.ensure()
    db = open_db(paths.db)
    try:
        if args.accept and args.discard:
            raise StudyError("A card cannot be accepted and discarded at once.")
        card = store.get_card(db, args.card_id)
        if args.front is not None or args.back is not None:
            card = store.edit_card(db, card.id, args.front, args.back)
        if args.accept:
            store.accept(db, [card.id])
        if args.discard:
            store.discard(db, [card.id])
        card = store.get_card(db, card.id)
    except LecternError as exc:
        return fail(exc, args.json)
    emit(card.as_dict(), args.json, f"[{card.status}] {card.front}  ->  {card.back}  ({_where(card)})")
    return 0


def cmd_review(args: argparse.Namespace, paths: DataPaths) -> int:
    paths.ensure()
    db = open_db(paths.db)
    try:
        if args.card is not None or args.answer:
            if args.card is None or not args.answer:
                raise StudyError("Give both the card and the answer.", "For example: --card 12 --answer good")
            card = review.review(db, args.card, args.answer)
            emit(card.as_dict(), args.json, f"card {card.id}: next review {time.ctime(card.due or 0)}")
            return 0
    except LecternError as exc:
        return fail(exc, args.json)
    due = review.due_cards(db)
    emit({"due": len(due), "cards": [c.as_dict() for c in due]}, args.json,
         "\n".join(f"{c.id}: {c.front}" for c in due) or "Nothing is due. Well done!")
    return 0


def cmd_glossary(args: argparse.Namespace, paths: DataPaths) -> int:
    paths.ensure()
    db = open_db(paths.db)
    try:
        node = glossary.subject_node(db, args.subject) if args.subject else None
        built: dict[str, Any] = {}
        if args.build:
            if node is None:
                raise StudyError("Building a glossary needs a subject.", "Add --subject NAME.")
            job = run_job(paths, db, lambda s: glossary.submit(db, s, node))
            built = {"built": job.result}
    except LecternError as exc:
        return fail(exc, args.json)
    found = glossary.terms(db, node, include_known=not args.unknown)
    text = "\n".join(f"{t.term}: {t.definition}" for t in found) or \
        "No glossary yet. Build one with: lectern glossary --subject NAME --build"
    listed = [{**t.as_dict(), "appears_in": glossary.occurrences(db, t.id, 5)} for t in found]
    graph = {"map": glossary.concept_map(db, node)} if args.map and node is not None else {}
    emit({"subject_id": node, "terms": listed, **graph, **built}, args.json, text)
    return 0


def cmd_quiz(args: argparse.Namespace, paths: DataPaths) -> int:
    paths.ensure()
    db = open_db(paths.db)
    try:
        questions = quiz.quiz(db, args.subject or None, max(1, args.n))
    except LecternError as exc:
        return fail(exc, args.json)
    text = "\n\n".join(q.question + "".join(f"\n  {'abcd'[i]}) {c}" for i, c in enumerate(q.choices))
                         for q in questions)
    emit({"questions": [q.as_dict() for q in questions]}, args.json, text)
    return 0


def cmd_stats(args: argparse.Namespace, paths: DataPaths) -> int:
    paths.ensure()
    db = open_db(paths.db)
    s = stats.collect(db)
    text = (f"{s['hours_recorded']} h recorded, {s['hours_transcribed']} h transcribed; {s['pages_indexed']} pages "
            f"and {s['lectures_indexed']} lectures indexed; {s['questions_asked']} questions asked; "
            f"{s['cards_reviewed']} reviews, {s['cards_due']} cards due, {s['cards_mature']} mature; "
            f"streak {s['streak_days']} days")
    emit(s, args.json, text)
    return 0
