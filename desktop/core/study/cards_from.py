"""Cards made from what the study tools already hold: the glossary and a summary.

No model is needed: a glossary term becomes "What is X?" with its definition, a key point of a
summary becomes a cloze card. Both keep their citation and go in as drafts; a term or point
that already has a card in the deck gets no second one.
"""
from __future__ import annotations

import sqlite_utils

from .. import catalog
from ..errors import StudyError
from . import cloze, glossary, store, summaries
from .store import NewCard


def _fronts(db: sqlite_utils.Database, deck_id: int) -> set[str]:
    return {c.front for c in store.cards(db, deck_id=deck_id)}


def glossary_cards(db: sqlite_utils.Database, node_id: int) -> tuple[int, list[int]]:
    """Drafts for the subject's glossary terms (known ones left out) in the subject's key-terms deck."""
    found = [t for t in glossary.terms(db, node_id, include_known=False) if t.definition]
    if not found:
        raise StudyError("This subject's glossary has no terms to learn yet.", "Build the glossary first.")
    deck = store.ensure_deck(db, f"{catalog.get_node(db, node_id).name} – key terms", node_id)
    have = _fronts(db, deck)
    ids = []
    for t in found:
        front = f"What is {t.term}?"
        if front in have:
            continue
        ids.append(store.add_card(db, deck, NewCard(store.QA, front, t.definition, t.document_id, t.page, t.start_s,
                                                    t.support), status=store.DRAFT, edited=False))
    return deck, ids


def summary_cards(db: sqlite_utils.Database, summary_id: int) -> tuple[int, list[int]]:
    """Cloze drafts from a summary's key points, each citing the point's source, in the document's
    deck (a week's points each in the deck of the lecture they cite). Returns the first deck
    and the new cards."""
    summary = summaries.get_summary(db, summary_id)
    counts = cloze.term_counts(p.text for p in summary.points)
    decks: dict[int, int] = {}
    have: dict[int, set[str]] = {}
    if summary.document_id is not None:
        decks[summary.document_id] = store.deck_for_document(db, summary.document_id)
        have[summary.document_id] = _fronts(db, decks[summary.document_id])
    ids = []
    for p in summary.points:
        source = summary.document_id if summary.document_id is not None else p.document_id
        if source not in decks:
            decks[source] = store.deck_for_document(db, source)
            have[source] = _fronts(db, decks[source])
        term = cloze.pick_term(p.text, counts)
        front = cloze.make_cloze(p.text, term) if term else ""
        if not front or front in have[source]:
            continue
        have[source].add(front)
        ids.append(store.add_card(db, decks[source], NewCard(store.CLOZE, front, "", p.document_id, p.page,
                                                             p.start_s, p.support), status=store.DRAFT, edited=False))
    return next(iter(decks.values())), ids
