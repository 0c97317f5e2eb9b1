"""Decks and cards in app.db: the student's own data.

Cards are identified by id and carry a stable ``guid`` (the Anki note guid), so an export
updates the notes it made before. A generated card is a ``draft`` until the student accepts
it; a card the student wrote or edited is marked ``edited`` and a regeneration never touches
it. Discarding keeps the row (status ``discarded``): nothing the student made is deleted.
"""
from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from .. import catalog
from ..errors import StudyError
from ..storage.db import write_transaction

QA, CLOZE = "qa", "cloze"
DRAFT, ACTIVE, DISCARDED = "draft", "active", "discarded"
MAX_FIELD_CHARS = 4000


@dataclass
class Deck:
    id: int
    name: str
    node_id: int | None
    anki_id: int
    created_at: float


@dataclass
class Card:
    id: int
    deck_id: int
    guid: str
    kind: str
    front: str
    back: str
    document_id: int | None
    page: int | None
    start_s: float | None
    support: float
    status: str
    edited: bool
    fsrs: str
    due: float | None
    job_id: int | None
    created_at: float
    updated_at: float

    @classmethod
    def from_row(cls, r: dict[str, Any]) -> "Card":
        d = {k: r[k] for k in cls.__dataclass_fields__}
        d["edited"] = bool(d["edited"])
        return cls(**d)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "deck_id": self.deck_id, "kind": self.kind, "front": self.front, "back": self.back,
                "status": self.status, "edited": self.edited, "due": self.due, "support": round(self.support, 3),
                "source": {"document_id": self.document_id, "page": self.page, "start_s": self.start_s}}


@dataclass(frozen=True)
class NewCard:
    kind: str
    front: str
    back: str
    document_id: int | None = None
    page: int | None = None
    start_s: float | None = None
    support: float = 0.0


def _clean(text: str, what: str) -> str:
    text = " ".join((text or "").split())
    if len(text) > MAX_FIELD_CHARS:
        raise StudyError(f"The card's {what} is too long ({len(text)} characters).",
                         f"Keep it under {MAX_FIELD_CHARS} characters.")
    return text


def _check(kind: str, front: str, back: str) -> None:
    if kind not in (QA, CLOZE):
        raise StudyError(f"'{kind}' is not a kind of card.", "A card is a question/answer (qa) or a cloze.")
    if not front:
        raise StudyError("A card needs a front.", "Write the question (or the sentence with a gap).")
    if kind == QA and not back:
        raise StudyError("A question card needs an answer on its back.")
    if kind == CLOZE and "{{c1::" not in front:
        raise StudyError("A cloze card needs a gap.", "Mark the hidden words like {{c1::mitochondria}}.")


# -- decks --------------------------------------------------------------------------------------
def ensure_deck(db: sqlite_utils.Database, name: str, node_id: int | None = None) -> int:
    """The deck of that name, created if needed (names are unique)."""
    name = " ".join((name or "").split())
    if not name:
        raise StudyError("A deck needs a name.")
    row = db.execute("SELECT id FROM decks WHERE name = ?", (name,)).fetchone()
    if row:
        return int(row[0])
    # Anki deck ids are 64-bit; a random one chosen once keeps re-exports in the same deck.
    anki_id = random.randrange(1 << 30, 1 << 40)
    cur = db.execute("INSERT INTO decks (name, node_id, anki_id, created_at) VALUES (?,?,?,?)",
                     (name, node_id, anki_id, time.time()))
    return int(cur.lastrowid)


def deck_for_document(db: sqlite_utils.Database, document_id: int) -> int:
    """Each document's cards go to a deck named after it, filed where the document is."""
    doc = catalog.get_document(db, document_id)
    if doc is None:
        raise StudyError(f"There is no document {document_id} in the library.")
    return ensure_deck(db, doc.title or f"Document {document_id}", doc.node_id)


def get_deck(db: sqlite_utils.Database, deck_id: int) -> Deck:
    rows = list(db.query("SELECT * FROM decks WHERE id = ?", [deck_id]))
    if not rows:
        raise StudyError(f"There is no deck {deck_id}.")
    return Deck(**rows[0])


def list_decks(db: sqlite_utils.Database) -> list[Deck]:
    return [Deck(**r) for r in db.query("SELECT * FROM decks ORDER BY name")]


# -- cards --------------------------------------------------------------------------------------
def get_card(db: sqlite_utils.Database, card_id: int) -> Card:
    rows = list(db.query("SELECT * FROM cards WHERE id = ?", [card_id]))
    if not rows:
        raise StudyError(f"There is no card {card_id}.")
    return Card.from_row(rows[0])


def cards(db: sqlite_utils.Database, deck_id: int | None = None, status: str | None = None,
          document_id: int | None = None) -> list[Card]:
    sql, args = "SELECT * FROM cards WHERE 1=1", []
    for column, value in (("deck_id", deck_id), ("status", status), ("document_id", document_id)):
        if value is not None:
            sql += f" AND {column} = ?"
            args.append(value)
    return [Card.from_row(r) for r in db.query(sql + " ORDER BY id", args)]


def add_card(db: sqlite_utils.Database, deck_id: int, card: NewCard, status: str = ACTIVE,
             edited: bool = True, job_id: int | None = None) -> int:
    """A card the student writes (``edited``) or a generated one (drafts, not edited)."""
    front, back = _clean(card.front, "front"), _clean(card.back, "back")
    _check(card.kind, front, back)
    now = time.time()
    cur = db.execute(
        "INSERT INTO cards (deck_id, guid, kind, front, back, document_id, page, start_s, support, status, edited,"
        " due, job_id, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (deck_id, uuid.uuid4().hex, card.kind, front, back, card.document_id, card.page, card.start_s,
         card.support, status, int(edited), now if status == ACTIVE else None, job_id, now, now))
    return int(cur.lastrowid)


def replace_drafts(db: sqlite_utils.Database, deck_id: int, document_id: int, new: list[NewCard],
                   job_id: int | None, pages: tuple[int, int] | None = None) -> list[int]:
    """A regeneration: the unedited drafts from this document (and page range) give way to the
    new ones, in one transaction. Accepted, edited and discarded cards stay as they are."""
    sql = "DELETE FROM cards WHERE deck_id = ? AND document_id = ? AND status = ? AND edited = 0"
    args: list[Any] = [deck_id, document_id, DRAFT]
    if pages is not None:
        sql += " AND page BETWEEN ? AND ?"
        args += list(pages)
    for c in new:
        _check(c.kind, _clean(c.front, "front"), _clean(c.back, "back"))
    ids: list[int] = []
    with write_transaction(db) as conn:
        conn.execute(sql, args)
        now = time.time()
        for c in new:
            cur = conn.execute(
                "INSERT INTO cards (deck_id, guid, kind, front, back, document_id, page, start_s, support, status,"
                " edited, job_id, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,0,?,?,?)",
                (deck_id, uuid.uuid4().hex, c.kind, _clean(c.front, "front"), _clean(c.back, "back"),
                 c.document_id, c.page, c.start_s, c.support, DRAFT, job_id, now, now))
            ids.append(int(cur.lastrowid))
    return ids


def edit_card(db: sqlite_utils.Database, card_id: int, front: str | None = None, back: str | None = None) -> Card:
    """The student's edit: kept through any regeneration (``edited``)."""
    card = get_card(db, card_id)
    new_front = _clean(card.front if front is None else front, "front")
    new_back = _clean(card.back if back is None else back, "back")
    _check(card.kind, new_front, new_back)
    db.execute("UPDATE cards SET front=?, back=?, edited=1, updated_at=? WHERE id=?",
               (new_front, new_back, time.time(), card_id))
    return get_card(db, card_id)


def accept(db: sqlite_utils.Database, card_ids: list[int]) -> int:
    """Drafts enter their deck: due now, for a first review. Returns how many were accepted."""
    now = time.time()
    n = 0
    with write_transaction(db) as conn:
        for card_id in card_ids:
            n += conn.execute("UPDATE cards SET status=?, due=coalesce(due, ?), updated_at=? WHERE id=? AND status=?",
                              (ACTIVE, now, now, card_id, DRAFT)).rowcount
    return n


def discard(db: sqlite_utils.Database, card_ids: list[int]) -> int:
    """Set cards aside (kept, so an undo is a status change)."""
    now = time.time()
    with write_transaction(db) as conn:
        return sum(conn.execute("UPDATE cards SET status=?, updated_at=? WHERE id=? AND status != ?",
                                (DISCARDED, now, card_id, DISCARDED)).rowcount for card_id in card_ids)
