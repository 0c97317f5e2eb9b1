"""Cards: the student's edits survive regeneration, FSRS due dates advance, cloze making,
and decks that the official Anki client imports (and re-imports as updates, not copies)."""
from __future__ import annotations

import csv
import io
import os
import time
from collections import Counter

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.import_export_pb2 import ImportCsvRequest

from desktop.core.errors import StudyError
from desktop.core.study import anki_export, cloze, review, store
from desktop.core.study.store import NewCard
from tests.core.test_study_material import add_book, add_lecture

DAY = 86400.0


def _deck_with_cards(db, tmp_path) -> tuple[int, list[int]]:
    book = add_book(db, tmp_path)
    lecture = add_lecture(db)
    deck = store.deck_for_document(db, book)
    ids = store.replace_drafts(db, deck, book, [
        NewCard("qa", "What do mitochondria produce?", "Most of the cell's ATP.", book, page=2),
        NewCard("cloze", "Chloroplasts capture {{c1::light}} energy.", "", book, page=3),
    ], job_id=None)
    ids.append(store.add_card(db, deck, NewCard("qa", "Is replication semi-conservative?", "Yes: one old strand.",
                                                lecture, start_s=65.0)))
    store.accept(db, ids)
    return deck, ids


# -- the student's data --------------------------------------------------------------------------
def test_regenerating_replaces_only_unedited_drafts(db, tmp_path):
    book = add_book(db, tmp_path)
    deck = store.deck_for_document(db, book)
    first = store.replace_drafts(db, deck, book, [NewCard("qa", f"Q{i}?", f"A{i}.", book, page=i)
                                                  for i in range(1, 5)], job_id=1)
    store.edit_card(db, first[0], back="My own answer.")
    store.accept(db, [first[1]])
    store.discard(db, [first[2]])
    second = store.replace_drafts(db, deck, book, [NewCard("qa", "New?", "New.", book, page=1)], job_id=2)
    kept = {c.id: c for c in store.cards(db, deck_id=deck)}
    assert set(kept) == {first[0], first[1], first[2], *second}, "only the untouched draft went"
    assert kept[first[0]].back == "My own answer." and kept[first[0]].edited
    assert kept[first[1]].status == store.ACTIVE and kept[first[2]].status == store.DISCARDED


@pytest.mark.parametrize("kind,front,back", [("qa", "", "x"), ("qa", "Q?", ""), ("cloze", "no gap here", ""),
                                             ("essay", "Q?", "A")])
def test_a_bad_card_gets_a_plain_message(db, tmp_path, kind, front, back):
    deck = store.ensure_deck(db, "Biology")
    with pytest.raises(StudyError):
        store.add_card(db, deck, NewCard(kind, front, back))
    with pytest.raises(StudyError):
        store.get_card(db, 12345)


# -- FSRS ------------------------------------------------------------------------------------------
def test_fsrs_due_dates_advance_with_good_answers_and_fall_back_after_again(db, tmp_path):
    deck, ids = _deck_with_cards(db, tmp_path)
    card = ids[0]
    t = time.time()
    assert card in [c.id for c in review.due_cards(db, t)], "an accepted card is due at once"
    gaps = []
    for _ in range(5):
        c = review.review(db, card, "good", at=t)
        gaps.append(c.due - t)
        t = c.due            # answer when due
    assert all(b > a for a, b in zip(gaps, gaps[1:])), f"intervals grow: {gaps}"
    assert gaps[-1] > 7 * DAY
    assert card not in [c.id for c in review.due_cards(db, t - 1)]
    lapsed = review.review(db, card, 1, at=t)
    assert lapsed.due - t < DAY, "again brings the card back the same day"
    easy = review.review(db, ids[1], "easy", at=t)
    hard = review.review(db, ids[2], "hard", at=t)
    assert easy.due - t > hard.due - t
    assert [r["rating"] for r in review.history(db, card)] == [3, 3, 3, 3, 3, 1]


def test_scheduling_is_the_same_for_the_same_history():
    s1 = review.schedule(review.fsrs.Card(card_id=1, due=review._when(0)), 3, 1000.0)
    s2 = review.schedule(review.fsrs.Card(card_id=1, due=review._when(0)), 3, 1000.0)
    assert s1.due == s2.due and s1.stability == s2.stability


@pytest.mark.parametrize("bad", ["maybe", 0, 5, "7"])
def test_a_rating_outside_again_to_easy_is_refused(bad):
    with pytest.raises(StudyError):
        review.rating_of(bad)
    assert review.rating_of("Easy") == 4 and review.rating_of("2") == 2


def test_a_draft_cannot_be_reviewed(db):
    deck = store.ensure_deck(db, "Drafts")
    draft = store.add_card(db, deck, NewCard("qa", "Q?", "A."), status=store.DRAFT, edited=False)
    with pytest.raises(StudyError, match="Accept the draft"):
        review.review(db, draft, "good")


# -- cloze ------------------------------------------------------------------------------------------
def test_cloze_hides_a_repeated_term_of_the_sentence():
    text = ("Mitochondria produce most of the cell's ATP through oxidative phosphorylation. "
            "They have their own circular DNA, inherited from the mother. "
            "The inner membrane of mitochondria folds into cristae.")
    fronts = cloze.cloze_candidates(text, cloze.term_counts([text]), limit=2)
    assert fronts and all("{{c1::" in f for f in fronts)
    assert any(cloze.answer_of(f).lower() == "mitochondria" for f in fronts)
    for f in fronts:
        assert cloze.reveal(f) in text
    assert cloze.make_cloze("ATP is energy.", "glucose") == ""
    assert cloze.make_cloze("Enzymes and coenzymes.", "enzymes") == "{{c1::Enzymes}} and coenzymes."


# -- Anki -------------------------------------------------------------------------------------------
def _import(collection: Collection, package) -> list:
    collection.import_anki_package(ImportAnkiPackageRequest(package_path=os.path.abspath(package),
                                                            options=ImportAnkiPackageOptions()))
    return [collection.get_note(i) for i in collection.find_notes("")]


def test_apkg_opens_in_anki_and_a_re_export_updates_the_notes(db, tmp_path):
    deck, ids = _deck_with_cards(db, tmp_path)
    package = tmp_path / "deck.apkg"
    assert anki_export.export(db, deck, package) == 3
    (tmp_path / "anki").mkdir()
    col = Collection(str(tmp_path / "anki" / "collection.anki2"))
    try:
        notes = _import(col, package)
        assert len(notes) == 3
        by_front = {n.fields[0]: n for n in notes}
        qa = by_front["What do mitochondria produce?"]
        assert qa.fields[1] == "Most of the cell's ATP." and len(qa.fields) == 3
        assert "page 2" in qa.fields[2] and "lectern://document/" in qa.fields[2]
        assert set(qa.tags) == {"lectern", "semester::Fall_2025", "subject::Biology"}
        lecture = by_front["Is replication semi-conservative?"]
        assert "1:05" in lecture.fields[2] and "subject::Genetics" in lecture.tags
        cloze_note = by_front["Chloroplasts capture {{c1::light}} energy."]
        assert cloze_note.note_type()["name"] == "Lectern Cloze"
        assert col.card_count() == 3

        store.edit_card(db, ids[0], back="ATP, by oxidative phosphorylation.")
        anki_export.export(db, deck, package, at=time.time() + 60)   # a later export
        again = _import(col, package)
        assert len(again) == 3, "re-importing updated the notes, no copies"
        assert {n.fields[0]: n for n in again}["What do mitochondria produce?"].fields[1] == \
            "ATP, by oxidative phosphorylation."
    finally:
        col.close()


def test_csv_and_tsv_carry_ankis_header_lines(db, tmp_path):
    deck, _ = _deck_with_cards(db, tmp_path)
    assert anki_export.export(db, deck, tmp_path / "deck.tsv") == 3
    text = (tmp_path / "deck.tsv").read_text(encoding="utf-8")
    headers = [line for line in text.splitlines() if line.startswith("#")]
    assert headers[:2] == ["#separator:tab", "#html:true"]
    assert "#guid column:1" in headers and "#tags column:6" in headers
    rows = list(csv.reader(io.StringIO("\n".join(l for l in text.splitlines() if not l.startswith("#"))),
                           delimiter="\t"))
    assert Counter(r[1] for r in rows) == {"Basic": 2, "Cloze": 1} and all(len(r) == 6 for r in rows)
    guids = {c.guid for c in store.cards(db, deck_id=deck)}
    assert {r[0] for r in rows} == guids
    assert anki_export.export(db, deck, tmp_path / "deck.csv") == 3
    assert (tmp_path / "deck.csv").read_text().startswith("#separator:comma\n")
    with pytest.raises(StudyError, match="cannot export"):
        anki_export.export(db, deck, tmp_path / "deck.pdf")


def test_an_empty_deck_is_not_exported(db, tmp_path):
    deck = store.ensure_deck(db, "Empty")
    with pytest.raises(StudyError, match="no accepted cards"):
        anki_export.export(db, deck, tmp_path / "deck.apkg")
    assert not (tmp_path / "deck.apkg").exists()


@pytest.mark.parametrize("name", ["deck.tsv", "deck.csv"])
def test_csv_and_tsv_import_into_anki_by_their_header_lines(db, tmp_path, name):
    deck, _ = _deck_with_cards(db, tmp_path)
    target = tmp_path / name
    anki_export.export(db, deck, target)
    (tmp_path / "anki").mkdir()
    col = Collection(str(tmp_path / "anki" / "collection.anki2"))
    try:
        for _ in range(2):   # the second import matches the guids: no copies
            metadata = col.get_csv_metadata(str(target), None)   # read from the file's header lines
            col.import_csv(ImportCsvRequest(path=str(target), metadata=metadata))
        notes = [col.get_note(i) for i in col.find_notes("")]
        assert len(notes) == 3
        assert Counter(n.note_type()["name"] for n in notes) == {"Basic": 2, "Cloze": 1}
        qa = next(n for n in notes if n.fields[0] == "What do mitochondria produce?")
        assert qa.fields[1].startswith("Most of the cell's ATP.") and "page 2" in qa.fields[1]
        assert "subject::Biology" in qa.tags
    finally:
        col.close()
