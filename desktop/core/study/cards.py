"""Cards made from a lecture or a page range: a background job (progress, cancel).

Each part of the material gives question/answer cards written by the local model and cloze
cards cut from its own sentences (``cloze``). Every card is grounded: it cites the page or
second whose text holds most of its words, and a model card whose words are not there
(small models invent) is dropped. The cards are stored as drafts in the document's deck
for the student to accept, edit or discard; a regeneration replaces only untouched drafts.
"""
from __future__ import annotations

import re
import time
from typing import Any

import sqlite_utils

from ..errors import StudyError
from ..jobs import JobContext, JobStarter
from . import cloze, grounding, material, store
from .material import Piece
from .store import NewCard
from .writer import WINDOW_CHARS, Writer, open_writer

JOB_KIND = "study_cards"
SYSTEM = "You write flashcards for a student. Use only facts stated in the text you are given."
PROMPT = ("Text:\n{text}\n\nWrite {n} flashcards about the most important facts in this text. "
          "Write each flashcard as two lines:\nQ: <question>\nA: <short answer>")
_QA = re.compile(r"^\s*(?:\d+[.)]\s*)?(?:\*\*)?Q(?:uestion)?\s*\d*\s*[:.)]\s*(?:\*\*)?\s*(.+?)\s*\n+\s*(?:\*\*)?A(?:nswer)?\s*\d*"
                 r"\s*[:.)]\s*(?:\*\*)?\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)


def parse_qa(text: str) -> list[tuple[str, str]]:
    """'Q: ...\\nA: ...' pairs from the model's answer (numbering and bold marks tolerated)."""
    out = []
    for q, a in _QA.findall(text):
        q, a = q.strip(" *"), a.strip(" *")
        if len(q.split()) >= 3 and a and (q, a) not in out:
            out.append((q, a))
    return out


def ground(front: str, back: str, pieces: list[Piece], threshold: float) -> tuple[Piece, float] | None:
    """The piece a card cites (most of its words there), or None when no piece holds them."""
    best, score = grounding.best_piece(f"{front} {back}", [p.text for p in pieces])
    return (pieces[best], score) if best >= 0 and score >= threshold else None


def cards_for(writer: Writer | None, window: list[Piece], counts: Any, per_window: int = 3,
              threshold: float = grounding.SUPPORT_THRESHOLD) -> tuple[list[NewCard], int]:
    """The cards of one part of the material, and how many model cards were dropped as ungrounded."""
    out: list[NewCard] = []
    dropped = 0
    if writer is not None:
        text = writer.fit(" ".join(p.text for p in window), 80 * per_window)
        answer = writer.ask(SYSTEM, PROMPT.format(text=text, n=per_window), max_tokens=80 * per_window)
        for q, a in parse_qa(answer)[:per_window]:
            found = ground(q, a, window, threshold)
            if found is None:
                dropped += 1
                continue
            piece, score = found
            out.append(NewCard(store.QA, q, a, piece.document_id, piece.page, piece.start_s, score))
    for piece in window:
        for front in cloze.cloze_candidates(piece.text, counts, limit=1):
            out.append(NewCard(store.CLOZE, front, "", piece.document_id, piece.page, piece.start_s,
                               grounding.support(cloze.reveal(front), piece.text)))
    return out, dropped


def submit(db: sqlite_utils.Database, starter: JobStarter, document_id: int, pages: tuple[int, int] | None = None,
           model: str = "", use_model: bool = True) -> int:
    """Queue the card-making job for a document (checked first, so a bad request fails here)."""
    pieces = material.load(db, document_id, pages)
    store.deck_for_document(db, document_id)
    where = f" pages {pages[0]}–{pages[1]}" if pages else ""
    return starter.submit(JOB_KIND, {"document_id": document_id, "pages": list(pages) if pages else None,
                                     "model": model, "use_model": use_model},
                          target=f"document:{document_id}", title=f"Making cards{where} ({len(pieces)} parts)")


def run(ctx: JobContext) -> dict[str, Any]:
    """The job: cards for each part of the material, then stored at once as drafts."""
    t0 = time.perf_counter()
    p = ctx.payload
    document_id = int(p["document_id"])
    pages = tuple(p["pages"]) if p.get("pages") else None
    pieces = material.load(ctx.db, document_id, pages)  # type: ignore[arg-type]
    windows = material.windows(pieces, WINDOW_CHARS)
    ctx.progress(0.0, "Loading the model", force=True)
    writer = open_writer(ctx.db, p.get("model", ""), ctx.cancelled) if p.get("use_model", True) else None
    counts = cloze.term_counts(x.text for x in pieces)
    made: list[NewCard] = []
    dropped = 0
    for i, window in enumerate(windows):
        ctx.check_cancelled()
        ctx.progress(i / len(windows), f"Making cards: part {i + 1} of {len(windows)}", force=True)
        new, lost = cards_for(writer, window, counts)
        ctx.check_cancelled()   # a cancel during the model's answer: nothing half-made is stored
        made += new
        dropped += lost
    if not made:
        raise StudyError("No cards could be made from this material.",
                         "Try a longer page range, or write cards yourself.")
    deck = store.deck_for_document(ctx.db, document_id)
    ids = store.replace_drafts(ctx.db, deck, document_id, made, ctx.job_id, pages)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - t0
    model_s = writer.model_s if writer else 0.0
    return {"deck_id": deck, "card_ids": ids, "cards": len(ids), "dropped_ungrounded": dropped,
            "parts": len(windows), "elapsed_s": round(elapsed, 2), "model_s": round(model_s, 2),
            "model_share": round(model_s / elapsed, 3) if elapsed else 0.0,
            "model": writer.label if writer else ""}
