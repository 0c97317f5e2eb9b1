"""Review: the cards due today, one at a time. Space shows the answer, 1–4 answer again / hard /
good / easy (the buttons say when the card comes back, as Anki's do); the source link opens
the page or the second the card comes from; a short summary ends the session.
"""
from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget)

from ...core.study import overview, review, store
from ..background import run_in_background, thread_db
from . import card_text, citations
from .answer_keys import AnswerKeys, Key
from .quiz_view import QuizView

GRADES = ((review.AGAIN, "Again", "#dc2626"), (review.HARD, "Hard", "#b45309"),
          (review.GOOD, "Good", "#047857"), (review.EASY, "Easy", "#1d4ed8"))
# An "again" card comes back in this session when it is due again within this many seconds.
SAME_SESSION_S = 20 * 60
CARD_MAX_WIDTH, CARD_MAX_HEIGHT = 900, 560


class ReviewView(QWidget):
    card_answered = Signal(int, int)      # card id, rating
    session_finished = Signal(dict)

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.subject_id: int | None = None
        self.queue: list[store.Card] = []
        self.current: store.Card | None = None
        self.flipped = False
        self.busy = False
        self.shown_at = 0.0
        self.session: dict[str, Any] = {}
        self.setFocusPolicy(Qt.StrongFocus)
        self.stack = QStackedWidget()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 8, 0, 0)
        lay.addWidget(self.stack)
        self._build_start()
        self._build_card()
        self._build_done()
        self.quiz = QuizView(ctx)
        self.quiz.closed.connect(self.refresh)
        self.stack.addWidget(self.quiz)
        names = {rating: name for rating, name, _colour in GRADES}      # ratings are the keys 1-4
        self.keys = AnswerKeys(self, self.grade, lambda n: f"Review: rate the card “{names[n]}”",
                               Key(("Space",), (Qt.Key_Space,), self.flip, "Review: show the answer"))
        # The quiz has its own 1-4: only one set of keys is live at a time.
        self.stack.currentChanged.connect(lambda _i: self.keys.set_enabled(self.stack.currentWidget()
                                                                           is self.card_page))

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802
        if not self.keys.press(event):
            super().keyPressEvent(event)

    # -- pages -------------------------------------------------------------------------------------
    def _build_start(self) -> None:
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.addStretch(1)
        self.due_label = QLabel()
        self.due_label.setObjectName("EmptyTitle")
        self.due_label.setAlignment(Qt.AlignCenter)
        self.start_hint = QLabel()
        self.start_hint.setObjectName("EmptyText")
        self.start_hint.setWordWrap(True)
        self.start_hint.setAlignment(Qt.AlignCenter)
        row = QHBoxLayout()
        row.addStretch(1)
        self.start_button = QPushButton("Start review")
        self.start_button.setObjectName("PrimaryButton")
        self.start_button.clicked.connect(self.start)
        self.quiz_button = QPushButton("Quick quiz")
        self.quiz_button.clicked.connect(self.start_quiz)
        row.addWidget(self.start_button)
        row.addWidget(self.quiz_button)
        row.addStretch(1)
        lay.addWidget(self.due_label)
        lay.addWidget(self.start_hint)
        lay.addSpacing(12)
        lay.addLayout(row)
        lay.addStretch(2)
        self.start_page = page
        self.stack.addWidget(page)

    def _build_card(self) -> None:
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.addStretch(1)
        self.progress_label = QLabel()
        self.progress_label.setObjectName("Hint")
        lay.addWidget(self.progress_label, 0, Qt.AlignHCenter)
        frame = QFrame()
        frame.setObjectName("Card")
        inner = QVBoxLayout(frame)
        inner.setContentsMargins(28, 24, 28, 20)
        self.front = QLabel()
        self.front.setWordWrap(True)
        self.front.setTextFormat(Qt.RichText)
        self.front.setAlignment(Qt.AlignCenter)
        self.front.setStyleSheet("font-size: 15pt;")
        self.rule = QFrame()
        self.rule.setFrameShape(QFrame.HLine)
        self.rule.setStyleSheet("background: #e5e7eb; border: none; max-height: 1px;")
        self.back = QLabel()
        self.back.setWordWrap(True)
        self.back.setTextFormat(Qt.RichText)
        self.back.setAlignment(Qt.AlignCenter)
        self.back.setStyleSheet("font-size: 13pt;")
        self.source = QLabel()
        self.source.setObjectName("Hint")
        self.source.setAlignment(Qt.AlignCenter)
        self.source.linkActivated.connect(self._open_source)
        inner.addStretch(1)
        inner.addWidget(self.front)
        inner.addSpacing(10)
        inner.addWidget(self.rule)
        inner.addSpacing(10)
        inner.addWidget(self.back)
        inner.addStretch(1)
        inner.addWidget(self.source)
        frame.setMaximumSize(CARD_MAX_WIDTH, CARD_MAX_HEIGHT)   # a card, not a wall, on a wide screen
        centred = QHBoxLayout()
        centred.addStretch(1)
        centred.addWidget(frame, 100)
        centred.addStretch(1)
        lay.addLayout(centred, 100)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.show_button = QPushButton("Show answer   (Space)")
        self.show_button.setObjectName("PrimaryButton")
        self.show_button.setMinimumWidth(220)
        self.show_button.clicked.connect(self.flip)
        buttons.addWidget(self.show_button)
        self.grade_buttons: dict[int, QPushButton] = {}
        for grade, name, color in GRADES:
            b = QPushButton(name)
            b.setMinimumWidth(110)
            b.setStyleSheet(f"QPushButton {{ color: {color}; font-weight: 600; }}")
            b.clicked.connect(lambda _=False, g=grade: self.grade(g))
            buttons.addWidget(b)
            self.grade_buttons[grade] = b
        buttons.addStretch(1)
        for b in [self.show_button, *self.grade_buttons.values()]:
            b.setFocusPolicy(Qt.NoFocus)     # Space and 1-4 always reach the review
        lay.addLayout(buttons)
        lay.addStretch(1)
        self.card_page = page
        self.stack.addWidget(page)

    def _build_done(self) -> None:
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.addStretch(1)
        title = QLabel("Session done")
        title.setObjectName("EmptyTitle")
        title.setAlignment(Qt.AlignCenter)
        self.done_text = QLabel()
        self.done_text.setObjectName("EmptyText")
        self.done_text.setAlignment(Qt.AlignCenter)
        self.done_text.setWordWrap(True)
        row = QHBoxLayout()
        row.addStretch(1)
        again = QPushButton("Back to the start")
        again.clicked.connect(self.refresh)
        row.addWidget(again)
        row.addStretch(1)
        lay.addWidget(title)
        lay.addWidget(self.done_text)
        lay.addSpacing(12)
        lay.addLayout(row)
        lay.addStretch(2)
        self.done_page = page
        self.stack.addWidget(page)

    # -- state ---------------------------------------------------------------------------------------
    def set_subject(self, subject_id: int | None) -> None:
        self.subject_id = subject_id
        if not self.in_session():
            self.refresh()

    def in_session(self) -> bool:
        return self.stack.currentWidget() in (self.card_page, self.quiz)

    def due_count(self) -> int:
        return len(overview.due_cards(self.ctx.db, self.subject_id))

    def refresh(self) -> None:
        due = self.due_count()
        counts = overview.card_counts(self.ctx.db, self.subject_id)
        self.start_button.setVisible(due > 0)
        self.quiz_button.setVisible(counts["active"] >= 2)
        if due:
            self.due_label.setText(f"{due} card{'s' if due != 1 else ''} due today")
            self.start_hint.setText("Space shows the answer; 1–4 answer again, hard, good or easy.")
        elif counts["active"]:
            self.due_label.setText("Nothing is due today")
            self.start_hint.setText(f"All {counts['active']} cards of this subject are learnt for now. "
                                    "Come back tomorrow, or take a quick quiz.")
        elif counts["drafts"]:
            self.due_label.setText("Cards are waiting for you")
            self.start_hint.setText(f"{counts['drafts']} new cards wait on the Cards tab: keep the good ones "
                                    "and they come here to review.")
        else:
            self.due_label.setText("No cards yet")
            self.start_hint.setText("Add a book or record a lecture, then choose Make cards… on it in the "
                                    "Library (or on the Cards tab here).")
        self.stack.setCurrentWidget(self.start_page)

    def start(self) -> None:
        self.queue = overview.due_cards(self.ctx.db, self.subject_id)
        if not self.queue:
            self.refresh()
            return
        self.session = {"started": time.time(), "answers": {g: 0 for g, *_ in GRADES}, "cards": set()}
        self.stack.setCurrentWidget(self.card_page)
        self.setFocus()
        self._next()

    def _next(self) -> None:
        if not self.queue:
            self._finish()
            return
        self.current = self.queue.pop(0)
        self.flipped = False
        self.shown_at = time.monotonic()
        c = self.current
        self.front.setText(card_text.question_html(c.kind, c.front))
        self.back.setText("")
        self.rule.hide()
        self.back.hide()
        link = citations.link_html(self.ctx.db, c.document_id, c.page, c.start_s)
        self.source.setText(f"Source: {link}" if link else "")
        done = sum(self.session["answers"].values())
        self.progress_label.setText(f"{done} answered · {len(self.queue) + 1} to go")
        self.show_button.show()
        for b in self.grade_buttons.values():
            b.hide()

    def flip(self) -> None:
        if self.current is None or self.flipped or self.stack.currentWidget() is not self.card_page:
            return
        self.flipped = True
        c = self.current
        self.back.setText(card_text.answer_html(c.kind, c.front, c.back))
        self.rule.show()
        self.back.show()
        self.show_button.hide()
        for grade, seconds in review.next_intervals(c).items():
            name = next(n for g, n, _ in GRADES if g == grade)
            self.grade_buttons[grade].setText(f"{name}  ·  {review.format_interval(seconds)}   ({grade})")
            self.grade_buttons[grade].show()

    def grade(self, rating: int) -> None:
        if self.current is None or not self.flipped or self.busy or self.stack.currentWidget() is not self.card_page:
            return
        self.busy = True
        card = self.current
        took = int((time.monotonic() - self.shown_at) * 1000)
        paths = self.ctx.paths

        def done(after: store.Card) -> None:
            self.busy = False
            self.session["answers"][rating] += 1
            self.session["cards"].add(card.id)
            if after.due is not None and after.due - time.time() < SAME_SESSION_S:
                self.queue.append(after)          # "again": once more before the session ends
            self.card_answered.emit(card.id, rating)
            self._next()

        def failed(exc: BaseException) -> None:
            self.busy = False
            self.progress_label.setText(str(exc))

        run_in_background(lambda: review.review(thread_db(paths), card.id, rating, duration_ms=took),
                          done, failed, writer=True, owner=self, name="review answer")

    def _finish(self) -> None:
        self.current = None
        answers = self.session.get("answers", {})
        total = sum(answers.values())
        minutes = (time.time() - self.session.get("started", time.time())) / 60
        parts = " · ".join(f"{name} {answers.get(g, 0)}" for g, name, _ in GRADES)
        upcoming = [c.due for c in overview.due_cards(self.ctx.db, self.subject_id, at=time.time() + 400 * 86400)
                    if c.due is not None]
        nxt = (f" The next card comes back in {review.format_interval(min(upcoming) - time.time())}."
               if upcoming and min(upcoming) > time.time() else "")
        self.done_text.setText(f"{total} answers on {len(self.session.get('cards', ()))} cards in "
                               f"{max(minutes, 0.1):.1f} min.\n{parts}.{nxt}")
        self.stack.setCurrentWidget(self.done_page)
        self.session_finished.emit({"answers": total, **{name.lower(): answers.get(g, 0) for g, name, _ in GRADES}})

    def start_quiz(self) -> None:
        if self.quiz.start(self.subject_id):
            self.stack.setCurrentWidget(self.quiz)

    def _open_source(self, link: str) -> None:
        text = card_text.plain(self.current.kind, self.current.front) if self.current else ""
        citations.open_link(self.ctx, link, text)
