"""Cards from the glossary and from a summary; the multiple-choice quiz."""
from __future__ import annotations

import json
import random
import time

import pytest

from desktop.core.errors import StudyError
from desktop.core.study import cards_from, glossary, quiz, store, summaries
from desktop.core.study.store import NewCard
from tests.core.test_study_material import add_book, add_lecture


def test_a_question_has_the_right_answer_once_among_distinct_choices():
    rng = random.Random(3)
    q = quiz.make_question(1, "What makes ATP?", "Mitochondria", ["Ribosomes", "mitochondria", "Chloroplasts",
                                                                  "Ribosomes", "Nucleus", "Golgi"], rng)
    assert q is not None and len(q.choices) == 4 and q.choices[q.answer] == "Mitochondria"
    assert len(set(c.lower() for c in q.choices)) == 4
    assert quiz.make_question(1, "Q?", "A", ["a"], rng) is None, "no wrong choice: no question"


def test_glossary_terms_and_summary_points_become_cited_drafts(db, tmp_path):
    book = add_book(db, tmp_path, subject="Biology")
    add_lecture(db, subject="Biology")
    node = glossary.subject_node(db, "Biology")
    glossary.build(db, node)
    deck, ids = cards_from.glossary_cards(db, node)
    made = [store.get_card(db, i) for i in ids]
    assert made and all(c.status == store.DRAFT and c.front.startswith("What is ") and c.back for c in made)
    assert all(c.page is not None or c.start_s is not None for c in made)
    assert cards_from.glossary_cards(db, node)[1] == [], "a term gets one card"

    points = [summaries.KeyPoint("Mitochondria produce most of the cell's ATP.", book, 2, None, 1.0).__dict__,
              summaries.KeyPoint("Chloroplasts capture light energy and store it in glucose.", book, 3, None, 1.0)
              .__dict__]
    sid = int(db.execute("INSERT INTO summaries (document_id, points, grounded_share, created_at) VALUES (?,?,?,?)",
                         (book, json.dumps(points), 1.0, time.time())).lastrowid)
    _, cloze_ids = cards_from.summary_cards(db, sid)
    fronts = [store.get_card(db, i) for i in cloze_ids]
    assert len(fronts) == 2 and all("{{c1::" in c.front and c.kind == "cloze" for c in fronts)
    assert [c.page for c in fronts] == [2, 3]


def test_a_quiz_takes_its_wrong_choices_from_the_same_subject(db, tmp_path):
    book = add_book(db, tmp_path, subject="Biology")
    deck = store.deck_for_document(db, book)
    facts = [("What produces ATP?", "Mitochondria"), ("What captures light?", "Chloroplasts"),
             ("What copies DNA?", "DNA polymerase"), ("What lowers activation energy?", "Enzymes")]
    ids = [store.add_card(db, deck, NewCard("qa", q, a, book, page=1)) for q, a in facts]
    other = add_book(db, tmp_path, semester="Fall 2025", subject="History", title="Revolutions", n=1)
    store.add_card(db, store.deck_for_document(db, other), NewCard("qa", "When did 1789 happen?", "In 1789", other,
                                                                   page=1))
    questions = quiz.quiz(db, "Biology", n=10, seed=1)
    assert sorted(q.card_id for q in questions) == sorted(ids)
    for q in questions:
        assert q.choices[q.answer] == dict(facts)[q.question]
        assert "In 1789" not in q.choices and len(q.choices) == 4
    with pytest.raises(StudyError, match="no subject"):
        quiz.quiz(db, "Alchemy")
