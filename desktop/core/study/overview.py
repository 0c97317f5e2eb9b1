"""What the Study pane lists for one subject, by id: its subjects, decks with their counts,
the documents that can be studied, the summaries made of them, the cards due now.

Read-only and quick (small indexed queries); the window calls these on its own thread.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from .. import catalog
from . import review, stats, store, summaries
from .weeks import Week

STUDIABLE_STATES = ("ready",)


@dataclass(frozen=True)
class Subject:
    id: int
    name: str
    semester: str

    @property
    def label(self) -> str:
        return f"{self.name} — {self.semester}" if self.semester else self.name


@dataclass(frozen=True)
class DeckRow:
    id: int
    name: str
    active: int
    drafts: int
    due: int


@dataclass(frozen=True)
class SummaryRow:
    id: int
    document_id: int | None     # None for a week's summary
    title: str
    pages: tuple[int, int] | None
    points: int
    created_at: float
    week: Week | None = None

    @property
    def label(self) -> str:
        if self.week is not None:
            return f"Week {self.week.number}, {self.week.days}"
        where = f", pages {self.pages[0]}–{self.pages[1]}" if self.pages else ""
        return f"{self.title}{where}"


def subjects(db: sqlite_utils.Database) -> list[Subject]:
    """Every subject, by semester then name."""
    nodes = {n.id: n for n in catalog.all_nodes(db)}
    out = []
    for n in nodes.values():
        if n.level != "subject":
            continue
        parent = nodes.get(n.parent_id) if n.parent_id is not None else None
        out.append(Subject(n.id, n.name, parent.name if parent is not None else ""))
    return sorted(out, key=lambda s: (s.semester.lower(), s.name.lower()))


def subject_of(db: sqlite_utils.Database, document_id: int) -> int | None:
    """The id of the subject a document is filed under (None when it is filed higher up)."""
    doc = catalog.get_document(db, document_id)
    if doc is None:
        return None
    return stats.subject_ids(db).get(doc.node_id)


def studiable_documents(db: sqlite_utils.Database, subject_id: int) -> list[catalog.Document]:
    """The subject's books and lectures whose text is there to study (ingested or transcribed)."""
    return [d for d in catalog.documents_under(db, subject_id) if d.state in STUDIABLE_STATES]


def _deck_ids(db: sqlite_utils.Database, subject_id: int | None) -> list[int]:
    decks = store.list_decks(db)
    if subject_id is None:
        return [d.id for d in decks]
    subject_of_node = stats.subject_ids(db)
    return [d.id for d in decks if d.node_id is not None and subject_of_node.get(d.node_id) == subject_id]


def decks(db: sqlite_utils.Database, subject_id: int | None, at: float | None = None) -> list[DeckRow]:
    """The subject's decks with how many cards are in them, waiting as drafts and due now."""
    at = time.time() if at is None else at
    ids = _deck_ids(db, subject_id)
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = db.query(
        f"SELECT d.id, d.name, sum(c.status = ?) AS active, sum(c.status = ?) AS drafts,"
        f" sum(c.status = ? AND c.due <= ?) AS due FROM decks d LEFT JOIN cards c ON c.deck_id = d.id"
        f" WHERE d.id IN ({marks}) GROUP BY d.id ORDER BY d.name COLLATE NOCASE",
        [store.ACTIVE, store.DRAFT, store.ACTIVE, at, *ids])
    return [DeckRow(r["id"], r["name"], int(r["active"] or 0), int(r["drafts"] or 0), int(r["due"] or 0))
            for r in rows]


def due_cards(db: sqlite_utils.Database, subject_id: int | None, at: float | None = None) -> list[store.Card]:
    """Accepted cards of the subject due now, the most overdue first."""
    ids = set(_deck_ids(db, subject_id))
    return [c for c in review.due_cards(db, at) if c.deck_id in ids]


def drafts(db: sqlite_utils.Database, subject_id: int | None, job_id: int | None = None) -> list[store.Card]:
    """Generated cards waiting for the student's decision (of one job, or all of the subject)."""
    ids = set(_deck_ids(db, subject_id))
    found = [c for c in store.cards(db, status=store.DRAFT) if c.deck_id in ids or subject_id is None]
    return [c for c in found if job_id is None or c.job_id == job_id]


def summary_rows(db: sqlite_utils.Database, subject_id: int) -> list[SummaryRow]:
    """The summaries made of the subject's documents and of its weeks, newest first."""
    docs = {d.id: d for d in catalog.documents_under(db, subject_id)}
    marks = ",".join("?" * len(docs))
    of_docs = f" OR document_id IN ({marks})" if docs else ""
    rows = db.query(f"SELECT id, document_id, week, page_from, page_to, points, created_at FROM summaries"
                    f" WHERE (node_id = ? AND week IS NOT NULL){of_docs} ORDER BY id DESC", [subject_id, *docs])
    out = []
    for r in rows:
        pages = (r["page_from"], r["page_to"]) if r["page_from"] is not None else None
        week = Week.parse(r["week"]) if r["week"] else None
        title = docs[r["document_id"]].title if r["document_id"] in docs else ""
        out.append(SummaryRow(r["id"], r["document_id"], title, pages, r["points"].count('"text"'),
                              r["created_at"], week))
    return out


def summary(db: sqlite_utils.Database, summary_id: int) -> summaries.Summary:
    return summaries.get_summary(db, summary_id)


def card_counts(db: sqlite_utils.Database, subject_id: int | None) -> dict[str, Any]:
    rows = decks(db, subject_id)
    return {"decks": len(rows), "active": sum(r.active for r in rows), "drafts": sum(r.drafts for r in rows),
            "due": sum(r.due for r in rows)}
