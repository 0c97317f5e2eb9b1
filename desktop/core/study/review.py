"""Spaced repetition with FSRS (the ``fsrs`` package): due cards, a rating, the next due date.

The scheduler's state of each card is kept as ``fsrs.Card`` JSON in ``cards.fsrs`` and every
answer is a row of ``reviews``. Fuzzing is off so that the same history always gives the
same dates (a student comparing two devices, and the tests, see the same schedule).
"""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any

import fsrs
import sqlite_utils

from ..errors import StudyError
from ..storage.db import write_transaction
from .store import ACTIVE, Card, get_card

AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4
RATINGS = {"again": AGAIN, "hard": HARD, "good": GOOD, "easy": EASY}
# Anki calls a card mature once its interval reaches three weeks.
MATURE_DAYS = 21

_scheduler = fsrs.Scheduler(enable_fuzzing=False)


def rating_of(value: int | str) -> int:
    """1-4 or again/hard/good/easy -> 1-4 (StudyError otherwise)."""
    if isinstance(value, str):
        key = value.strip().lower()
        if key in RATINGS:
            return RATINGS[key]
        if key.isdigit():
            value = int(key)
    if isinstance(value, int) and AGAIN <= value <= EASY:
        return value
    raise StudyError(f"'{value}' is not an answer.", "Answer again (1), hard (2), good (3) or easy (4).")


def _when(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=timezone.utc)


def state_of(card: Card) -> fsrs.Card:
    """The scheduler's card: the stored one, or a new one for a card never reviewed."""
    if card.fsrs:
        return fsrs.Card.from_dict(json.loads(card.fsrs))
    return fsrs.Card(card_id=card.id, due=_when(card.due or card.created_at))


def schedule(state: fsrs.Card, rating: int, at: float) -> fsrs.Card:
    """Pure: the card's state after answering ``rating`` at time ``at`` (epoch seconds)."""
    new, _ = _scheduler.review_card(state, fsrs.Rating(rating), _when(at))
    return new


def review(db: sqlite_utils.Database, card_id: int, rating: int | str, at: float | None = None,
           duration_ms: int | None = None) -> Card:
    """Record an answer; returns the card with its next due date."""
    grade = rating_of(rating)
    card = get_card(db, card_id)
    if card.status != ACTIVE:
        raise StudyError("That card is not in a deck yet.", "Accept the draft first, then review it.")
    at = time.time() if at is None else at
    new = schedule(state_of(card), grade, at)
    due = new.due.timestamp()
    with write_transaction(db) as conn:
        conn.execute("UPDATE cards SET fsrs=?, due=?, updated_at=? WHERE id=?",
                     (json.dumps(new.to_dict()), due, at, card_id))
        conn.execute("INSERT INTO reviews (card_id, rating, reviewed_at, due_after, duration_ms) VALUES (?,?,?,?,?)",
                     (card_id, grade, at, due, duration_ms))
    return get_card(db, card_id)


def due_cards(db: sqlite_utils.Database, at: float | None = None, deck_id: int | None = None,
              limit: int = 500) -> list[Card]:
    """Accepted cards due now, the most overdue first."""
    at = time.time() if at is None else at
    sql, args = "SELECT * FROM cards WHERE status = ? AND due <= ?", [ACTIVE, at]
    if deck_id is not None:
        sql, args = sql + " AND deck_id = ?", [*args, deck_id]
    return [Card.from_row(r) for r in db.query(sql + " ORDER BY due, id LIMIT ?", [*args, limit])]


def interval_of(fsrs_json: str, due: float | None) -> float:
    """Days between the last review and the next due date (0 for a card never reviewed)."""
    if not fsrs_json or due is None:
        return 0.0
    last = json.loads(fsrs_json).get("last_review")
    if not last:
        return 0.0
    return (due - datetime.fromisoformat(last).timestamp()) / 86400


def interval_days(card: Card) -> float:
    return interval_of(card.fsrs, card.due)


def is_mature(card: Card) -> bool:
    return interval_days(card) >= MATURE_DAYS


def history(db: sqlite_utils.Database, card_id: int) -> list[dict[str, Any]]:
    return list(db.query("SELECT rating, reviewed_at, due_after FROM reviews WHERE card_id = ? ORDER BY id",
                         [card_id]))


def next_intervals(card: Card, at: float | None = None) -> dict[int, float]:
    """Seconds until the card would be due again after each answer (the buttons show them, as Anki's do)."""
    at = time.time() if at is None else at
    state = state_of(card)
    return {grade: schedule(state, grade, at).due.timestamp() - at for grade in (AGAIN, HARD, GOOD, EASY)}


def format_interval(seconds: float) -> str:
    """'<1m', '10m', '3h', '4d', '2.5mo', '1.2y': short, like the labels of Anki's answer buttons."""
    minutes = seconds / 60
    if minutes < 1:
        return "<1m"
    if minutes < 60:
        return f"{minutes:.0f}m"
    hours = minutes / 60
    if hours < 24:
        return f"{hours:.0f}h"
    days = hours / 24
    if days < 30:
        return f"{days:.0f}d"
    if days < 365:
        return f"{days / 30:.1f}mo".replace(".0mo", "mo")
    return f"{days / 365:.1f}y".replace(".0y", "y")
