"""Chat pane: conversations with the student's own material, with citations.

Left: the chats (``ChatList``). Right: the scope, the transcript (``ChatView``) and the
question box (``ComposerBox``). An answer is produced by ``core.chat.Answerer`` on the
``chat`` lane (llama.cpp is slow and blocking); its events come back to the UI thread,
so tokens appear as they are written and the window never freezes.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QApplication, QHBoxLayout, QInputDialog, QLabel, QMessageBox, QSplitter,
                               QStackedWidget, QVBoxLayout, QWidget)

from ...core import chat
from ...core import library
from ...core.chat import ChatMessage, Finished, Retrieved, Source, Status, Token
from ...core.errors import LecternError
from ...core.search.scope import Scope
from ..background import CHAT, Task, run_in_background, thread_db
from ..scope_picker import ScopeButton
from ..widgets import EmptyState
from .answer_card import AnswerWidget
from .chat_list import ChatList
from .composer import ComposerBox
from .model_banner import ModelBanner, configured_model_state
from .style import STYLE
from .transcript import ChatView
from .warmup import ChatWarmer

log = logging.getLogger(__name__)
REGENERATE_TEMPERATURE = 0.7   # "write it again" should read differently


class ChatPane(QWidget):
    answer_finished = Signal(object)   # ChatMessage

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.chat_id: int | None = None
        self.scope = Scope()
        self.busy = False
        self._cancel: threading.Event | None = None
        self._task: asyncio.Future | None = None
        self._store: Any = None
        self._answering: Task | None = None           # the answer being written, on the chat lane
        self._ended: asyncio.Future | None = None
        self.current_answer: AnswerWidget | None = None

        # -- left: conversations -------------------------------------------------------------
        self.chats = ChatList()
        self.chats.new_requested.connect(self.new_chat)
        self.chats.chat_chosen.connect(self._on_chat_chosen)
        self.chats.rename_requested.connect(self.rename_current)
        self.chats.delete_requested.connect(self.delete_current)
        self.chats.search_changed.connect(self.refresh_chats)
        self.chat_list, self.search = self.chats.view, self.chats.search
        self.new_button, self.rename_button, self.delete_button = (
            self.chats.new_button, self.chats.rename_button, self.chats.delete_button)

        # -- right: the conversation ------------------------------------------------------------
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(8, 0, 0, 0)
        top = QHBoxLayout()
        self.title_label = QLabel("New chat")
        self.title_label.setObjectName("ChatTitle")
        self.scope_button = ScopeButton(ctx.db)
        self.scope_button.scope_chosen.connect(self.set_scope)
        top.addWidget(self.title_label, 1)
        top.addWidget(self.scope_button)
        rl.addLayout(top)
        self.model_banner = ModelBanner()
        self.model_banner.how_to_requested.connect(self.show_how_to_add_model)
        self.model_banner_text = self.model_banner.text
        rl.addWidget(self.model_banner)

        self.stack = QStackedWidget()
        self.empty = EmptyState(
            "Ask your course material",
            "Answers come only from your own books and lectures, and every statement cites its source: "
            "click [1] to open the page, or to play the lecture from that second. "
            "Choose what to look at with “Looking at” above.",
            icon="chat")
        self.view = ChatView()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.view)
        rl.addWidget(self.stack, 1)

        self.composer = ComposerBox()
        self.composer.send_requested.connect(self.send)
        self.composer.stop_requested.connect(self.stop)
        self.input, self.send_button, self.stop_button = (
            self.composer.input, self.composer.send_button, self.composer.stop_button)
        rl.addWidget(self.composer)
        self.model_label = QLabel()
        self.model_label.setObjectName("HintText")
        rl.addWidget(self.model_label)

        split = QSplitter()
        split.addWidget(self.chats)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([250, 750])
        split.setChildrenCollapsible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)

        for keys, fn, what in (("Ctrl+N", self.new_chat, "New chat"), ("Escape", self.stop, "Stop writing"),
                               ("Ctrl+R", self.regenerate, "Write the last answer again"),
                               ("F2", self.rename_current, "Rename the chat"),
                               ("Ctrl+L", self.input.setFocus, "Go to the question box")):
            sc = QShortcut(QKeySequence(keys), self)
            sc.setWhatsThis(what)            # listed in Help → Keyboard shortcuts
            sc.setContext(Qt.WidgetWithChildrenShortcut)
            sc.activated.connect(fn)

        self.setStyleSheet(STYLE)
        # The chat model loads before the first question: when this pane is first shown,
        # or once the window has been left alone for a few seconds.
        self.warmer = ChatWarmer(ctx, self._vector_store, self)
        self.warmer.warmed.connect(self._on_warmed)
        self.warmer.watch_idle()
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self.refresh_model_state()
        self.refresh_chats()
        self._show_chat(None)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        self.warmer.start("shown")

    # -- chats --------------------------------------------------------------------------------
    def refresh_chats(self, select: int | None = None) -> None:
        select = self.chat_id if select is None else select
        self.chats.fill(chat.list_chats(self.ctx.db, self.chats.query()), select, self.chat_id is not None)

    def chat_titles(self) -> list[str]:
        return self.chats.titles()

    def _on_chat_chosen(self, chat_id: int) -> None:
        if not self.busy:
            self.open_chat(chat_id)

    def open_chat(self, chat_id: int) -> None:
        self._show_chat(chat_id)
        self.refresh_chats(select=chat_id)

    def _show_chat(self, chat_id: int | None) -> None:
        self.view.clear()
        self.chat_id = chat_id
        if chat_id is None:
            self.title_label.setText("New chat")
            self.scope_button.set_scope(self.scope)
            self.stack.setCurrentWidget(self.empty)
            return
        c = chat.get_chat(self.ctx.db, chat_id)
        self.title_label.setText(c.title)
        self.scope = c.scope
        self.scope_button.set_scope(c.scope)
        msgs = chat.messages(self.ctx.db, chat_id)
        for m in msgs:
            if m.role == chat.USER:
                self.view.add_user(m.content)
            else:
                self._wire(self.view.add_answer()).show_message(m)
        self._mark_last_answer()
        self.stack.setCurrentWidget(self.view if msgs else self.empty)
        self.view.scroll_to_bottom()

    def new_chat(self) -> None:
        if self.busy:
            return
        self.chats.clear_selection()
        self.scope = Scope()
        self._show_chat(None)
        self.refresh_chats()
        self.input.setFocus()

    def rename_chat(self, chat_id: int, title: str) -> None:
        chat.rename_chat(self.ctx.db, chat_id, title)
        if chat_id == self.chat_id:
            self.title_label.setText(chat.get_chat(self.ctx.db, chat_id).title)
        self.refresh_chats()

    def rename_current(self) -> None:
        if self.chat_id is None:
            return
        current = chat.get_chat(self.ctx.db, self.chat_id).title
        title, ok = QInputDialog.getText(self, "Rename chat", "Name:", text=current)
        if ok:
            try:
                self.rename_chat(self.chat_id, title)
            except LecternError as exc:
                QMessageBox.warning(self, "Cannot rename", str(exc))

    def delete_chat(self, chat_id: int) -> None:
        if self.busy and chat_id == self.chat_id:
            return
        chat.delete_chat(self.ctx.db, chat_id)
        if chat_id == self.chat_id:
            self.scope = Scope()
            self._show_chat(None)
        self.refresh_chats()

    def delete_current(self) -> None:
        if self.chat_id is None:
            return
        title = chat.get_chat(self.ctx.db, self.chat_id).title
        answer = QMessageBox.question(self, "Delete chat", f"Delete the chat “{title}” and all its messages?",
                                      QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        if answer == QMessageBox.Yes:
            self.delete_chat(self.chat_id)

    # -- scope and model ------------------------------------------------------------------------
    def set_scope(self, scope: Scope) -> None:
        self.scope = scope
        self.scope_button.set_scope(scope)
        if self.chat_id is not None:
            chat.set_scope(self.ctx.db, self.chat_id, scope)

    def refresh_model_state(self, passages_reason: str = "") -> None:
        label, ready = configured_model_state(self.ctx.db)
        if passages_reason:
            ready = False
        self.model_label.setText(f"Chat model: {label}" if ready else "Chat model: none (passages only)")
        self.model_banner.show_state(label, ready, passages_reason)

    def _on_warmed(self, result: dict) -> None:
        if result.get("model") and not self.model_banner.isVisible():
            self.model_label.setText(f"Chat model: {result['model']} · ready")

    def show_how_to_add_model(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle("Add a chat model")
        box.setIcon(QMessageBox.Information)
        box.setText(chat.HOW_TO_ADD_MODEL)
        open_settings = box.addButton("Open Settings…", QMessageBox.AcceptRole)
        box.addButton(QMessageBox.Close)
        box.exec()
        if box.clickedButton() is open_settings:
            self.open_chat_settings()

    def open_chat_settings(self) -> None:
        from ..settings_dialog import SettingsDialog

        dlg = SettingsDialog(self.ctx, self)
        for i, page in enumerate(dlg.pages):
            if getattr(page, "title", "") == "Chat":
                dlg.tabs.setCurrentIndex(i)
        dlg.exec()
        self.refresh_model_state()
        self.warmer.again("settings")   # the model just chosen is ready before the next question

    # -- citations --------------------------------------------------------------------------------
    def open_source(self, source: Source) -> None:
        """A PDF opens at its page; a lecture plays from its second."""
        events = self.ctx.events
        if source.kind == "lecture" or source.start_s is not None:
            rec = source.recording_id
            if rec is None:
                doc = library.get_document(self.ctx.db, source.document_id)
                rec = doc.recording_id if doc is not None else None
            if rec is None:
                return
            events.open_recording_requested.emit(int(rec), float(source.start_s or 0.0))
        else:
            highlight = " ".join(source.text.split()[:12])
            events.open_document_requested.emit(int(source.document_id), int(source.page or 1), highlight)

    # -- asking -------------------------------------------------------------------------------------
    def _wire(self, answer: AnswerWidget) -> AnswerWidget:
        answer.citation_activated.connect(self.open_source)
        answer.widen_requested.connect(self.search_everything)
        answer.regenerate_requested.connect(self.regenerate)
        answer.how_to_requested.connect(self.show_how_to_add_model)
        return answer

    def _mark_last_answer(self) -> None:
        answers = self.view.answers()
        for a in answers:
            a.regenerate.setVisible(False)
        if answers and not self.busy and answers[-1].message is not None:
            answers[-1].regenerate.setVisible(True)

    def send(self) -> None:
        text = self.input.toPlainText().strip()
        if not text or self.busy:
            return
        self.input.clear()
        self._launch(text, regenerate=False)

    def regenerate(self) -> None:
        if self.busy or self.chat_id is None or chat.last_question(self.ctx.db, self.chat_id) is None:
            return
        self._launch("", regenerate=True, temperature=REGENERATE_TEMPERATURE)

    def search_everything(self) -> None:
        if self.busy:
            return
        self.set_scope(Scope())
        self._launch("", regenerate=True)

    def _launch(self, question: str, regenerate: bool, temperature: float = 0.0) -> None:
        job = self._begin(question, regenerate)
        if job is not None:
            job["temperature"] = temperature
            self._task = asyncio.ensure_future(self._run(job))

    def stop(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            if self.current_answer is not None:
                self.current_answer.set_status("Stopping…")

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.composer.set_busy(busy)
        self.new_button.setEnabled(not busy)
        self.chat_list.setEnabled(not busy)
        self.scope_button.setEnabled(not busy)
        if not busy:
            self._mark_last_answer()
        else:
            for a in self.view.answers():
                a.regenerate.setVisible(False)

    def _vector_store(self) -> Any:
        if self._store is None:
            from ...core.search.retrieval import open_store

            self._store = open_store(self.ctx.paths, self.ctx.db)
        return self._store

    async def ask(self, question: str, regenerate: bool = False) -> ChatMessage | None:
        """Ask (or answer again) in the current chat; resolves to the stored answer."""
        job = self._begin(question, regenerate)
        return await self._run(job) if job is not None else None

    def _begin(self, question: str, regenerate: bool) -> dict[str, Any] | None:
        """Show the question and an empty answer at once; the answer is written by ``_run``."""
        if self.busy:
            return None
        if self.chat_id is None:
            if regenerate:
                return None
            self.chat_id = chat.create_chat(self.ctx.db, scope=self.scope)
            self.refresh_chats(select=self.chat_id)
        self.stack.setCurrentWidget(self.view)
        if regenerate:
            answers = self.view.answers()
            if answers and self.view.items and self.view.items[-1] is answers[-1]:
                self.view.remove(answers[-1])
        else:
            self.view.add_user(question)
        answer = self._wire(self.view.add_answer())
        answer.start()
        self.current_answer = answer
        self._cancel = threading.Event()
        self._set_busy(True)
        return {"chat_id": self.chat_id, "scope": self.scope, "question": question, "regenerate": regenerate,
                "answer": answer, "cancel": self._cancel}

    def _prime_next(self, chat_id: int) -> None:
        """While the student reads the answer, have the model read the conversation the next
        question will follow (on the chat lane, so a question asked meanwhile comes after it)."""
        paths, store = self.ctx.paths, self._vector_store()
        run_in_background(lambda: chat.Answerer(thread_db(paths), store).prime_next(chat_id), lane=CHAT,
                          owner=self, name="chat-prime",
                          on_error=lambda exc: log.info("next question not primed: %s", exc))

    async def _run(self, job: dict[str, Any]) -> ChatMessage | None:
        """Write the answer on the ``chat`` lane; its events are shown as they arrive."""
        chat_id, scope, question, regenerate = job["chat_id"], job["scope"], job["question"], job["regenerate"]
        answer: AnswerWidget = job["answer"]
        cancel: threading.Event = job["cancel"]
        paths, store = self.ctx.paths, self._vector_store()
        ended: asyncio.Future = asyncio.get_running_loop().create_future()
        self._ended = ended
        outcome: dict[str, ChatMessage] = {}

        def work(report: Any) -> None:
            answerer = chat.Answerer(thread_db(paths), store)
            for ev in answerer.ask(chat_id, question, cancel=cancel, regenerate=regenerate, scope=scope,
                                   temperature=job.get("temperature", 0.0)):
                report(ev)

        def show(ev: Any) -> None:
            if isinstance(ev, Token):
                answer.append(ev.text)
            elif isinstance(ev, Status):
                answer.set_status(ev.text, ev.stage)
            elif isinstance(ev, Retrieved):
                answer.set_sources(ev.sources)
            elif isinstance(ev, Finished):
                outcome["message"] = ev.message
                answer.show_message(ev.message)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, LecternError):
                answer.show_error(str(exc))
            else:  # never leave the pane waiting, and keep the cause
                log.error("answer failed", exc_info=exc)
                answer.show_error(f"Something went wrong: {exc}")
            end()

        def end(_result: Any = None) -> None:
            if not ended.done():
                ended.set_result(None)

        self._answering = run_in_background(work, end, failed, lane=CHAT, owner=self, on_progress=show,
                                            name="chat-answer")
        try:
            await ended
        finally:
            self._cancel = None
            self.current_answer = None
            self._set_busy(False)
            self._answering = None
        result = outcome.get("message")
        if result is not None:
            if result.mode == chat.PASSAGES:
                self.refresh_model_state(str(result.meta.get("reason", "")))
            elif result.mode == chat.ANSWER:
                self.model_banner.hide()
                self._prime_next(chat_id)
            self.title_label.setText(chat.get_chat(self.ctx.db, chat_id).title)
            self.scope_button.set_scope(chat.get_chat(self.ctx.db, chat_id).scope)
            self.refresh_chats(select=chat_id)
            self.answer_finished.emit(result)
        return result

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self, timeout_s: float = 10.0) -> None:
        """Stop any answer and let the chat thread end (on quit, or when the pane closes)."""
        self.warmer.shutdown()
        if self._cancel is not None:
            self._cancel.set()
        if self._answering is not None:
            self._answering.wait(timeout_s)   # the model stops at its next token
        if self._ended is not None and not self._ended.done():
            self._ended.set_result(None)
