"""What the Study pane lists per subject, by id, and where the concept map puts each term."""
from __future__ import annotations

import math
import time

from desktop.core.study import glossary, layout, overview, review, store
from desktop.core.study.store import NewCard
from tests.core.test_study_material import add_book, add_lecture


def test_a_subjects_decks_count_their_cards_drafts_and_due_ones(db, tmp_path):
    book = add_book(db, tmp_path, subject="Biology")
    other = add_lecture(db, subject="Genetics")
    deck = store.deck_for_document(db, book)
    ids = store.replace_drafts(db, deck, book, [NewCard("qa", f"Q{i}?", f"A{i}.", book, page=i)
                                                for i in range(1, 5)], job_id=7)
    store.accept(db, ids[:2])
    review.review(db, ids[0], "easy")
    store.add_card(db, store.deck_for_document(db, other), NewCard("qa", "Genetics?", "Yes.", other, start_s=1.0))
    biology = glossary.subject_node(db, "Biology")
    [row] = overview.decks(db, biology)
    assert (row.id, row.active, row.drafts, row.due) == (deck, 2, 2, 1)
    assert [c.id for c in overview.due_cards(db, biology)] == [ids[1]]
    assert {c.id for c in overview.drafts(db, biology, job_id=7)} == set(ids[2:])
    assert overview.subject_of(db, book) == biology and overview.subject_of(db, 999) is None
    assert [s.name for s in overview.subjects(db)] == ["Biology", "Genetics"]
    assert overview.card_counts(db, None)["active"] == 3


def test_the_concept_map_layout_is_repeatable_keeps_terms_apart_and_linked_ones_near():
    ids = list(range(1, 21))
    edges = [(1, 2), (2, 3), (3, 1), (10, 11), (11, 12)]
    first = layout.force_layout(ids, edges, size=800)
    assert first == layout.force_layout(ids, edges, size=800), "the same glossary gives the same picture"
    assert all(abs(v) <= 400.001 for xy in first.values() for v in xy)
    gaps = [math.dist(first[a], first[b]) for a in ids for b in ids if a < b]
    assert min(gaps) > 20, "no term on top of another"
    linked = sum(math.dist(first[a], first[b]) for a, b in edges) / len(edges)
    assert linked < sum(gaps) / len(gaps), "linked terms sit nearer than terms on average"
    assert layout.force_layout([5], []) == {5: (0.0, 0.0)} and layout.force_layout([], []) == {}


def test_answer_buttons_say_when_the_card_comes_back(db):
    deck = store.ensure_deck(db, "Deck")
    card = store.get_card(db, store.add_card(db, deck, NewCard("qa", "Q?", "A.")))
    after = review.next_intervals(card, at=time.time())
    assert after[review.AGAIN] < after[review.HARD] <= after[review.GOOD] < after[review.EASY]
    assert [review.format_interval(s) for s in (30, 600, 7200, 3 * 86400, 75 * 86400, 800 * 86400)] == \
        ["<1m", "10m", "2h", "3d", "2.5mo", "2.2y"]
