"""A quick quiz: multiple-choice questions from the student's accepted cards, the wrong
choices taken from other cards and glossary terms of the same subject (plausible, never
invented). Nothing is stored: a quiz does not change the review schedule.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from ..errors import StudyError
from . import cloze, glossary, stats, store

CHOICES = 4


@dataclass(frozen=True)
class Question:
    card_id: int
    question: str
    choices: tuple[str, ...]
    answer: int                 # index of the right choice

    def as_dict(self) -> dict[str, Any]:
        return {"card_id": self.card_id, "question": self.question, "choices": list(self.choices),
                "answer": self.answer}


def _asked_and_right(card: store.Card) -> tuple[str, str]:
    if card.kind == store.CLOZE:
        return card.front.split("{{c1::")[0] + "____" + card.front.split("}}", 1)[-1], cloze.answer_of(card.front)
    return card.front, card.back


def make_question(card_id: int, asked: str, right: str, pool: list[str], rng: random.Random) -> Question | None:
    """Pure: a question with ``right`` among up to CHOICES-1 distinct wrong choices from ``pool``."""
    wrong = list(dict.fromkeys(w for w in pool if w.strip() and w.strip().lower() != right.strip().lower()))
    if not wrong or not right:
        return None
    choices = rng.sample(wrong, min(CHOICES - 1, len(wrong))) + [right]
    rng.shuffle(choices)
    return Question(card_id, asked, tuple(choices), choices.index(right))


def quiz(db: sqlite_utils.Database, subject: str | int | None = None, n: int = 10, seed: int | None = None
         ) -> list[Question]:
    """Up to ``n`` questions from accepted cards (of one subject, or all)."""
    rng = random.Random(seed)
    node = glossary.subject_node(db, subject) if subject not in (None, "") else None
    subject_of = stats.subject_ids(db)
    cards = [c for c in store.cards(db, status=store.ACTIVE)
             if node is None or subject_of.get(_node_of(db, c)) == node]
    if not cards:
        raise StudyError("There are no accepted cards to quiz you on yet.", "Make cards and accept them first.")
    asked = {c.id: _asked_and_right(c) for c in cards}
    kind = {c.id: c.kind for c in cards}
    terms = glossary.terms(db, node) if node is not None else []
    questions: list[Question] = []
    for c in rng.sample(cards, len(cards)):
        question, right = asked[c.id]
        same_kind = [a[1] for i, a in asked.items() if i != c.id and kind[i] == c.kind]
        pool = same_kind + ([t.term for t in terms] if c.kind == store.CLOZE else [t.definition for t in terms])
        q = make_question(c.id, question, right, pool, rng)
        if q is not None:
            questions.append(q)
        if len(questions) >= n:
            break
    if not questions:
        raise StudyError("A quiz needs a few more cards in this subject (the wrong choices come from them).")
    return questions


def _node_of(db: sqlite_utils.Database, card: store.Card) -> int | None:
    if card.document_id is None:
        return store.get_deck(db, card.deck_id).node_id
    row = db.execute("SELECT node_id FROM documents WHERE id = ?", (card.document_id,)).fetchone()
    return int(row[0]) if row else None
