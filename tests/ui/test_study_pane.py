"""The Study pane: a student reviews due cards with the keyboard, checks new cards before they
enter a deck, exports a deck Anki imports, edits the glossary, clicks the concept map, reads
statistics, and summarises a lecture — with the real database, worker and models."""
from __future__ import annotations

import os
import time

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QMainWindow

from desktop.core import jobs
from desktop.core.storage import settings
from desktop.core.storage.db import open_db
from desktop.core.study import glossary, review, stats, store
from desktop.core.study.store import NewCard
from desktop.ui.context import AppContext
from desktop.ui.study import StudyPane, request_cards
from desktop.ui.study.draft_preview import BACK, FRONT
from desktop.ui.study.glossary_view import CATEGORY, DEFINITION, KNOWN, TERM
from tests.core.test_study_material import add_book, add_lecture

TINY = "smollm2-135m"


def _pane(qtbot, paths, db=None) -> StudyPane:
    ctx = AppContext(paths=paths, db=db or open_db(paths.db))
    pane = StudyPane(ctx)
    ctx.adopt(pane)
    qtbot.addWidget(pane)
    pane.resize(1200, 760)
    pane.show()
    qtbot.waitExposed(pane)
    return pane


@pytest.fixture
def course(db, tmp_path):
    """A Biology subject with a real PDF book and a lecture; three accepted cards due now."""
    book = add_book(db, tmp_path, subject="Biology")
    lecture = add_lecture(db, subject="Biology")
    deck = store.deck_for_document(db, book)
    ids = store.replace_drafts(db, deck, book, [
        NewCard("qa", "What do mitochondria produce?", "Most of the cell's ATP.", book, page=2),
        NewCard("cloze", "Chloroplasts capture {{c1::light}} energy.", "", book, page=3)], job_id=None)
    ids.append(store.add_card(db, deck, NewCard("qa", "Is DNA replication semi-conservative?",
                                                "Yes: one old strand, one new.", lecture, start_s=65.0)))
    store.accept(db, ids)
    return {"book": book, "lecture": lecture, "deck": deck, "cards": ids,
            "subject": glossary.subject_node(db, "Biology")}


def test_space_flips_and_number_keys_grade_until_the_session_summary(qtbot, paths, db, course):
    pane = _pane(qtbot, paths, db)
    view = pane.review
    assert pane.current_section() == "review"
    assert view.due_label.text() == "3 cards due today"
    qtbot.mouseClick(view.start_button, Qt.LeftButton)
    first = view.current
    assert first is not None and view.back.isHidden()
    before = time.time()

    QTest.keyClick(view, Qt.Key_Space)
    assert view.back.isVisible() and view.flipped
    labels = {g: b.text() for g, b in view.grade_buttons.items()}
    assert labels[review.AGAIN].startswith("Again") and "(1)" in labels[review.AGAIN]
    assert "d" in labels[review.EASY].split("·")[1], f"easy shows days: {labels}"

    QTest.keyClick(view, Qt.Key_3)     # good
    qtbot.waitUntil(lambda: view.current is not None and view.current.id != first.id, timeout=5000)
    graded = store.get_card(db, first.id)
    assert graded.due > before + 60, "a good answer moves the card's due date into the future"
    assert [r["rating"] for r in review.history(db, first.id)] == [review.GOOD]

    QTest.keyClick(view, Qt.Key_4)                   # not flipped yet: ignored
    assert view.current.id != first.id and not review.history(db, view.current.id)
    answers = 1
    while view.stack.currentWidget() is not view.done_page:   # easy on all; a card due within minutes comes back
        QTest.keyClick(view, Qt.Key_Space)
        current = view.current.id
        QTest.keyClick(view, Qt.Key_4)
        answers += 1
        qtbot.waitUntil(lambda: view.current is None or view.current.id != current or answers > 6, timeout=5000)
        assert answers <= 6
    assert f"{answers} answers on 3 cards" in view.done_text.text() and "Good 1" in view.done_text.text()
    assert review.due_cards(db) == []
    view.refresh()
    assert view.due_label.text() == "Nothing is due today"


def test_a_cards_source_opens_its_page_or_its_second(qtbot, paths, db, course):
    pane = _pane(qtbot, paths, db)
    opened_pages, played = [], []
    pane.ctx.events.open_document_requested.connect(lambda *a: opened_pages.append(a))
    pane.ctx.events.open_recording_requested.connect(lambda *a: played.append(a))
    view = pane.review
    view.start()
    seen = set()
    while view.current is not None and view.current.id not in seen:
        seen.add(view.current.id)
        assert "Source:" in view.source.text()
        view.source.linkActivated.emit(view.source.text().split('href="')[1].split('"')[0])
        QTest.keyClick(view, Qt.Key_Space)
        current = view.current.id
        QTest.keyClick(view, Qt.Key_4)
        qtbot.waitUntil(lambda: view.current is None or view.current.id != current, timeout=5000)
    assert (course["book"], 2) in [(d, p) for d, p, _ in opened_pages]
    recording = pane.ctx.db.execute("SELECT recording_id FROM documents WHERE id=?", (course["lecture"],)).fetchone()[0]
    assert played == [(recording, 65.0)]


def test_quick_quiz_asks_with_choices_from_the_subject(qtbot, paths, db, course):
    pane = _pane(qtbot, paths, db)
    view = pane.review
    qtbot.mouseClick(view.quiz_button, Qt.LeftButton)
    quiz = view.quiz
    assert view.stack.currentWidget() is quiz and quiz.questions
    q = quiz.questions[0]
    QTest.keyClick(quiz, Qt.Key_1 + q.answer)
    assert quiz.verdict.text() == "Right!" and quiz.right == 1
    assert review.history(db, q.card_id) == [], "a quiz does not touch the schedule"


def test_the_review_and_the_quiz_take_the_same_answer_keys_and_only_one_set_is_live(qtbot, paths, db, course):
    pane = _pane(qtbot, paths, db)
    view = pane.review
    view.start()
    assert view.keys.enabled
    QTest.keyClick(view, Qt.Key_Space)
    card = view.current
    QTest.keyClick(view, Qt.Key_3, Qt.ControlModifier)           # Ctrl+3 is no answer
    assert view.current is card and review.history(db, card.id) == []
    QTest.keyClick(view, Qt.Key_3, Qt.KeypadModifier)            # the keypad's 3 is
    qtbot.waitUntil(lambda: view.current is not card, timeout=5000)
    assert [r["rating"] for r in review.history(db, card.id)] == [review.GOOD]

    view.start_quiz()
    quiz = view.quiz
    assert not view.keys.enabled and quiz.keys.enabled, "the quiz's 1-4, not the review's"
    q = quiz.questions[0]
    QTest.keyClick(quiz, Qt.Key_1 + q.answer, Qt.AltModifier)
    assert quiz.chosen is None
    QTest.keyClick(quiz, Qt.Key_1 + q.answer, Qt.KeypadModifier)
    assert quiz.chosen == q.answer and quiz.right == 1
    QTest.keyClick(quiz, Qt.Key_Enter, Qt.KeypadModifier)
    assert quiz.index == 1 and quiz.chosen is None
    assert len(review.history(db, q.card_id)) == (q.card_id == card.id), "the quiz does not touch the schedule"


def test_the_review_and_quiz_keys_are_described_in_the_keyboard_shortcuts_sheet(qtbot, paths, db, course):
    from desktop.ui.help_dialogs import shortcuts

    window = QMainWindow()              # the sheet reads a window: its menus, then its panes' keys
    qtbot.addWidget(window)
    window.setCentralWidget(_pane(qtbot, paths, db))
    rows = {(what, keys) for _group, what, keys in shortcuts(window)}
    assert [r for r in rows if r[0] == "(not described)"] == []
    assert {("Review: show the answer", "Space"), ("Review: rate the card “Again”", "1"),
            ("Review: rate the card “Easy”", "4"), ("Quiz: choose answer 2", "2"),
            ("Quiz: next question", "Return")} <= rows, sorted(rows)


def test_a_long_subject_name_is_shown_whole_in_a_1024x600_window_and_the_box_can_still_narrow(qtbot, paths, db,
                                                                                                tmp_path):
    from PySide6.QtWidgets import QStyle, QStyleOptionComboBox

    add_book(db, tmp_path, subject="Introduction to Computer Science")
    pane = _pane(qtbot, paths, db)
    pane.resize(924, 522)                # what the Study pane gets in a 1024x600 window
    picker = pane.picker
    assert picker.currentText().startswith("Introduction to Computer Science — ")
    qtbot.waitUntil(lambda: picker.width() == picker.sizeHint().width())
    opt = QStyleOptionComboBox()
    picker.initStyleOption(opt)
    field = picker.style().subControlRect(QStyle.CC_ComboBox, opt, QStyle.SC_ComboBoxEditField, picker)
    assert field.width() >= picker.fontMetrics().horizontalAdvance(picker.currentText()), "not cut to “Fall 2…”"
    assert picker.minimumSizeHint().width() < picker.sizeHint().width(), "on a narrow pane it gives way first"
    assert picker.toolTip() == picker.currentText()


def test_made_cards_are_checked_edited_or_discarded_before_they_enter_the_deck(qtbot, paths, db, services, tmp_path):
    book = add_book(db, tmp_path, subject="Biology")
    pane = _pane(qtbot, paths, db)
    pane.show_section("cards")
    maker = pane.cards.maker
    maker.choose_document(book)
    maker.pages.setText("1-4")
    maker.use_model.setChecked(False)      # gap cards only: no model, quick
    qtbot.mouseClick(maker.make_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: maker.strip.job_id is not None, timeout=5000)
    job_id = maker.strip.job_id
    preview = pane.cards.preview
    qtbot.waitUntil(lambda: len(preview.cards) >= 3, timeout=120000)
    assert jobs.get_job(db, job_id).state == jobs.DONE
    assert all(c.status == store.DRAFT and 1 <= c.page <= 4 for c in preview.cards)
    assert store.cards(db, status=store.ACTIVE) == [], "nothing enters the deck before the student decides"

    first, second = preview.cards[0], preview.cards[1]
    edited = "The cell {{c1::membrane}} is a phospholipid bilayer (my words)."
    preview.edit(0, FRONT, edited)
    preview.edit(0, BACK, "It controls what enters the cell.")
    assert store.get_card(db, first.id).front == edited and store.get_card(db, first.id).edited
    preview.edit(1, FRONT, "no gap any more")          # refused: a gap card needs a gap
    assert "needs a gap" in pane.cards.notice.text() and preview.table.item(1, FRONT).text() == second.front

    for row in range(1, len(preview.cards)):
        preview.set_checked(row, False)
    qtbot.mouseClick(preview.accept_button, Qt.LeftButton)
    assert store.get_card(db, first.id).status == store.ACTIVE
    assert [c.id for c in preview.cards][0] == second.id, "the unchecked cards still wait"
    preview.set_checked(0, True)
    for row in range(1, len(preview.cards)):
        preview.set_checked(row, False)
    qtbot.mouseClick(preview.discard_button, Qt.LeftButton)
    assert store.get_card(db, second.id).status == store.DISCARDED
    deck = pane.cards.decks.rows[0]
    assert (deck.active, deck.drafts) == (1, len(preview.cards))
    assert pane.cards.decks.table.item(0, 1).text() == "1"


def test_export_writes_an_apkg_that_anki_imports_and_a_re_export_updates_it(qtbot, paths, db, course, tmp_path,
                                                                             monkeypatch):
    out = tmp_path / "exports"
    out.mkdir()
    asked = []

    def choose(_parent, _title, start, _filters):
        asked.append(start)
        return str(out / "biology"), "Anki package (*.apkg)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(choose))
    pane = _pane(qtbot, paths, db)
    pane.show_section("cards")
    decks = pane.cards.decks
    assert decks.selected_deck() == course["deck"] and decks.export_button.isEnabled()
    qtbot.mouseClick(decks.export_button, Qt.LeftButton)
    package = out / "biology.apkg"
    qtbot.waitUntil(lambda: "3 cards written" in decks.status.text(), timeout=20000)
    (tmp_path / "anki").mkdir()
    col = Collection(str(tmp_path / "anki" / "collection.anki2"))
    try:
        def imported() -> list:
            col.import_anki_package(ImportAnkiPackageRequest(package_path=os.path.abspath(package),
                                                             options=ImportAnkiPackageOptions()))
            return [col.get_note(i) for i in col.find_notes("")]

        notes = imported()
        assert len(notes) == 3 and {"lectern", "subject::Biology"} <= set(notes[0].tags)
        store.edit_card(db, course["cards"][0], back="ATP, made by oxidative phosphorylation.")
        time.sleep(1.1)   # Anki compares modification times in whole seconds
        qtbot.mouseClick(decks.export_button, Qt.LeftButton)
        qtbot.waitUntil(lambda: decks.export_button.isEnabled(), timeout=20000)
        again = imported()
        assert len(again) == 3, "the re-export updated the notes instead of adding copies"
        assert "ATP, made by oxidative phosphorylation." in {n.fields[1] for n in again}
    finally:
        col.close()
    assert asked[1].startswith(str(out)), "the dialog opens in the folder chosen last time"


def test_glossary_edits_are_kept(qtbot, paths, db, course):
    glossary.build(db, course["subject"])
    pane = _pane(qtbot, paths, db)
    pane.show_section("glossary")
    view = pane.glossary
    assert view.table.rowCount() >= 5
    row = view.row_of(next(t.id for t in view.terms if t.term == "membrane"))
    term_id = view.term_at(row).id
    view.table.item(row, DEFINITION).setText("My own words: the skin of the cell.")
    qtbot.waitUntil(lambda: glossary.get_term(db, term_id).definition == "My own words: the skin of the cell.")
    view.table.item(view.row_of(term_id), CATEGORY).setText("Cells")
    view.table.item(view.row_of(term_id), KNOWN).setCheckState(Qt.Checked)
    qtbot.waitUntil(lambda: glossary.get_term(db, term_id).known)
    view.table.item(view.row_of(term_id), TERM).setText("cell membrane")
    qtbot.waitUntil(lambda: glossary.get_term(db, term_id).term == "cell membrane")
    saved = glossary.get_term(db, term_id)
    assert saved.edited and saved.category == "Cells"
    glossary.build(db, course["subject"])          # finding terms again keeps all of it
    assert glossary.get_term(db, term_id).definition == "My own words: the skin of the cell."

    view.hide_known.setChecked(True)
    assert term_id not in [view.term_at(r).id for r in range(view.table.rowCount())]
    view.hide_known.setChecked(False)
    victim = view.term_at(0).id if view.term_at(0).id != term_id else view.term_at(1).id
    view.table.selectRow(view.row_of(victim))
    view.delete_selected(confirm=False)
    assert victim not in [t.id for t in glossary.terms(db, course["subject"])]


def test_clicking_a_term_on_the_concept_map_shows_its_definition(qtbot, paths, db, course):
    glossary.build(db, course["subject"])
    pane = _pane(qtbot, paths, db)
    pane.show_section("map")
    canvas = pane.map.canvas
    qtbot.waitUntil(lambda: len(canvas.items_by_id) >= 5, timeout=10000)
    dna = next(t for t in glossary.terms(db, course["subject"]) if t.term == "DNA")
    item = canvas.items_by_id[dna.id]
    canvas.centerOn(item)
    QTest.mouseClick(canvas.viewport(), Qt.LeftButton, pos=canvas.mapFromScene(item.scenePos()))
    qtbot.waitUntil(lambda: pane.map.selected == dna.id)
    text = pane.map.details.toPlainText()
    assert dna.definition[:40] in text and "Source:" in text
    before = canvas.transform().m11()
    QTest.keyClick(canvas, Qt.Key_Equal, Qt.ControlModifier)
    assert canvas.transform().m11() > before


def test_statistics_show_the_numbers_of_the_real_rows(qtbot, paths, db, course):
    review.review(db, course["cards"][0], "good")
    db.execute("INSERT INTO chats (title, created_at, updated_at) VALUES ('c', ?, ?)", (time.time(), time.time()))
    pane = _pane(qtbot, paths, db)
    pane.show_section("stats")
    view = pane.stats
    qtbot.waitUntil(lambda: bool(view.data), timeout=10000)
    expected = stats.collect(db)
    assert view.tiles["cards_reviewed"].value.text() == "1" == str(expected["cards_reviewed"])
    assert view.tiles["cards_due"].value.text() == "2"
    assert view.tiles["pages_indexed"].value.text() == str(expected["pages_indexed"]) == "6"
    assert view.tiles["lectures_indexed"].value.text() == "0"   # the test lecture has no chunks
    assert view.tiles["streak_days"].value.text() == "1"
    assert "Biology:" in view.subject_line.text()
    per_subject = view.subject_chart.chart_data
    assert per_subject["series"]["Cards"][per_subject["categories"].index("Biology")] == 3


def test_make_cards_from_the_library_opens_the_study_pane_on_that_lecture(qtbot, paths, db, course):
    pane = _pane(qtbot, paths, db)
    asked = []
    pane.ctx.events.pane_requested.connect(asked.append)
    job_id = request_cards(pane.ctx, pane, course["lecture"])
    assert asked == ["study"] and job_id is not None
    assert pane.current_section() == "cards" and pane.subject_id() == course["subject"]
    maker = pane.cards.maker
    assert maker.strip.job_id == job_id and maker.strip.isVisible()
    assert maker.source.currentData()[1] == course["lecture"]


def test_a_lecture_summary_is_made_and_its_key_points_open_their_second(qtbot, paths, db, services, tmp_path):
    settings.update(db, chat_model=TINY)
    lecture = add_lecture(db, subject="Genetics")
    pane = _pane(qtbot, paths, db)
    played = []
    pane.ctx.events.open_recording_requested.connect(lambda *a: played.append(a))
    pane.show_section("summaries")
    view = pane.summaries
    assert "No summary yet" in view.details.toPlainText()
    view.choose_document(lecture)
    qtbot.mouseClick(view.run_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: view.summary is not None, timeout=300000)
    points = view.summary.points
    assert points and all(p.start_s is not None for p in points)
    html = view.details.toHtml()
    link = html.split('href="')[1].split('"')[0]
    assert link.startswith(f"cite:{lecture}:t:")
    view.details.anchorClicked.emit(__import__("PySide6.QtCore", fromlist=["QUrl"]).QUrl(link))
    assert played and played[0][1] == points[0].start_s
    target = tmp_path / "summary.md"
    view.export(target)
    assert target.read_text().startswith("# Genetics lecture 3") and "lectern://document/" in target.read_text()


def test_summarise_in_the_library_asks_for_pages_and_opens_the_study_pane_following_the_job(
        qtbot, paths, db, course, monkeypatch):
    from PySide6.QtWidgets import QInputDialog, QMenu

    from desktop.core import catalog
    from desktop.ui.library import LibraryPane, document_actions

    study = _pane(qtbot, paths, db)
    library_pane = LibraryPane(study.ctx)
    qtbot.addWidget(library_pane)
    library_pane.show()
    asked = []
    study.ctx.events.pane_requested.connect(asked.append)
    library_pane.tree.select_node(catalog.get_document(db, course["book"]).node_id)
    qtbot.waitUntil(lambda: course["book"] in [d.id for d in library_pane.table.model_.docs])
    library_pane.table.select_document(course["book"])
    shown: list[str] = []

    class StudentMenu(QMenu):
        """The document's menu as the student sees it; they choose Summarise…."""

        def exec(self, *_args):
            shown.extend(a.text() for a in self.actions())
            next(a for a in self.actions() if a.text() == "Summarise…").trigger()

    monkeypatch.setattr(document_actions, "QMenu", StudentMenu)
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *_a, **_k: ("2-4", True)))
    library_pane._table_menu(library_pane.table.rect().center())
    assert {"Summarise…", "Make cards…"} <= set(shown)
    assert asked == ["study"]
    job = jobs.get_job(db, study.summaries.strip.job_id)
    assert job.kind == "study_summary" and job.payload["document_id"] == course["book"]
    assert job.payload["pages"] == [2, 4]
    assert study.current_section() == "summaries" and study.summaries.document.currentData()[0] == course["book"]


def test_a_week_of_a_subjects_lectures_is_summarised_and_an_empty_week_says_so(qtbot, paths, db, services, tmp_path):
    from datetime import datetime, timedelta

    from desktop.core import catalog
    from desktop.core.study import summaries
    from desktop.core.study.weeks import Week
    from tests.core.test_study_week_summary import lecture_on

    settings.update(db, chat_model=TINY)
    this = Week.this()
    earlier = this.previous().previous()

    def at(week: Week, day: int, hour: int) -> datetime:
        return datetime.fromtimestamp(week.start) + timedelta(days=day, hours=hour)

    monday = lecture_on(db, at(this, 0, 9), "Genetics, Monday", [5], subject="Genetics")
    tuesday = lecture_on(db, at(this, 1, 11), "Genetics, Tuesday", [3], subject="Genetics")
    lecture_on(db, at(earlier, 2, 10), "Genetics, two weeks ago", [0], subject="Genetics")
    subject = catalog.get_document(db, monday).node_id
    pane = _pane(qtbot, paths, db)
    played = []
    pane.ctx.events.open_recording_requested.connect(lambda *a: played.append(a))
    pane.picker.choose(subject)
    pane.show_section("summaries")
    view = pane.summaries
    assert view.chosen_week() == this, "this week is the default"
    assert view.week.currentText().startswith("This week") and view.week.currentText().endswith("2 lectures")
    assert view.week_button.isEnabled() and view.week_hint.isHidden()

    view.choose_week(this.previous())                        # a week with no lecture says so
    assert view.week.currentText().endswith("no lectures") and not view.week_button.isEnabled()
    assert view.week_hint.isVisible() and f"no lectures of this subject in week {this.previous().number}" \
        in view.week_hint.text()
    view.choose_week(earlier)
    assert view.week.currentText().endswith("1 lecture") and view.week_button.isEnabled()
    lecture_on(db, at(earlier, 4, 10), "Genetics, two weeks ago, Friday", [1], subject="Genetics")
    pane.ctx.events.library_changed.emit()                   # a lecture came in: the counts follow, the week stays
    assert view.chosen_week() == earlier and view.week.currentText().endswith("2 lectures")

    view.choose_week(this)
    qtbot.mouseClick(view.week_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: view.strip.job_id is not None, timeout=5000)
    job = jobs.get_job(db, view.strip.job_id)
    assert job.payload["node_id"] == subject and job.payload["week"] == str(this)
    assert not view.week_button.isEnabled() and not view.run_button.isEnabled(), "one summary at a time"
    qtbot.waitUntil(lambda: view.summary is not None, timeout=300000)
    summary = view.summary
    assert summary.week == this and summary.id == summaries.latest_week(db, subject, this).id
    assert {p.document_id for p in summary.points} <= {monday, tuesday} and all(p.start_s is not None
                                                                                for p in summary.points)
    assert view.list.currentItem().text().startswith(f"Week {this.number}, ")
    assert f"Genetics — week {this.number}" in view.details.toPlainText()
    link = view.details.toHtml().split('href="')[1].split('"')[0]
    view.details.anchorClicked.emit(__import__("PySide6.QtCore", fromlist=["QUrl"]).QUrl(link))
    first = summary.points[0]
    assert played == [(catalog.get_document(db, first.document_id).recording_id, first.start_s)]
    target = tmp_path / "week.md"
    view.export(target)
    text = target.read_text()
    assert text.startswith(f"# Genetics — week {this.number}") and text.count("lectern://document/") == len(
        summary.points)
    assert view.week_button.isEnabled(), "the week can be summarised again"


def test_finding_terms_again_takes_out_the_old_generated_ones_and_says_so(qtbot, paths, db, course, services):
    glossary.build(db, course["subject"])
    junk = db.execute("INSERT INTO glossary_terms (node_id, term, key, definition, frequency, created_at, updated_at)"
                      " VALUES (?, 'https', 'https', 'An address an older build took for a term.', 9, 0, 0)",
                      (course["subject"],)).lastrowid
    pane = _pane(qtbot, paths, db)
    pane.show_section("glossary")
    view = pane.glossary
    assert junk in [t.id for t in view.terms] and view.build_button.text() == "Find more terms"
    mine = next(t for t in view.terms if t.term == "membrane").id
    glossary.set_known(db, mine)
    qtbot.mouseClick(view.build_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: view.notice.isVisible(), timeout=60000)
    assert "1 term(s) found before and no longer in the material were taken out" in view.notice.text()
    assert junk not in [t.id for t in view.terms] and mine in [t.id for t in view.terms]
