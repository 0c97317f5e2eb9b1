"""A quick quiz: multiple-choice questions made from the subject's accepted cards (core ``quiz``),
answered with a click or 1–4. It does not change the review schedule.
"""
from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ...core.errors import LecternError
from ...core.study import quiz
from .answer_keys import AnswerKeys, Key

QUESTIONS = 10
CHOICE_CHARS = 90           # a longer choice is cut (its whole text in the tooltip)
CARD_MAX_WIDTH, CARD_MAX_HEIGHT = 900, 620


class QuizView(QWidget):
    closed = Signal()
    answered = Signal(bool)          # right?

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.questions: list[quiz.Question] = []
        self.index = 0
        self.right = 0
        self.chosen: int | None = None
        self.setFocusPolicy(Qt.StrongFocus)
        lay = QVBoxLayout(self)
        lay.addStretch(1)
        self.progress = QLabel()
        self.progress.setObjectName("Hint")
        lay.addWidget(self.progress, 0, Qt.AlignHCenter)
        frame = QFrame()
        frame.setObjectName("Card")
        inner = QVBoxLayout(frame)
        inner.setContentsMargins(28, 22, 28, 22)
        self.question = QLabel()
        self.question.setWordWrap(True)
        self.question.setAlignment(Qt.AlignCenter)
        self.question.setStyleSheet("font-size: 14pt;")
        inner.addWidget(self.question)
        inner.addSpacing(14)
        self.choices: list[QPushButton] = []
        for i in range(quiz.CHOICES):
            b = QPushButton()
            b.setFocusPolicy(Qt.NoFocus)
            b.setStyleSheet("text-align: left; padding: 10px 14px;")
            b.clicked.connect(lambda _=False, n=i: self.choose(n))
            inner.addWidget(b)
            self.choices.append(b)
        self.verdict = QLabel()
        self.verdict.setAlignment(Qt.AlignCenter)
        inner.addWidget(self.verdict)
        frame.setMaximumSize(CARD_MAX_WIDTH, CARD_MAX_HEIGHT)   # a card, not a wall, on a wide screen
        centred = QHBoxLayout()
        centred.addStretch(1)
        centred.addWidget(frame, 100)
        centred.addStretch(1)
        lay.addLayout(centred, 100)
        row = QHBoxLayout()
        row.addStretch(1)
        self.next_button = QPushButton("Next question   (Enter)")
        self.next_button.setObjectName("PrimaryButton")
        self.next_button.setFocusPolicy(Qt.NoFocus)
        self.next_button.clicked.connect(self.next)
        stop = QPushButton("End the quiz")
        stop.setFocusPolicy(Qt.NoFocus)
        stop.clicked.connect(self.closed.emit)
        row.addWidget(self.next_button)
        row.addWidget(stop)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addStretch(1)
        self.keys = AnswerKeys(self, lambda n: self.choose(n - 1), lambda n: f"Quiz: choose answer {n}",
                               Key(("Return", "Enter"), (Qt.Key_Return, Qt.Key_Enter), self.next,
                                   "Quiz: next question"), answers=quiz.CHOICES)

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802
        if not self.keys.press(event):
            super().keyPressEvent(event)

    def start(self, subject_id: int | None) -> bool:
        try:
            self.questions = quiz.quiz(self.ctx.db, subject_id, QUESTIONS)
        except LecternError as exc:
            self.questions = []
            self.question.setText(html.escape(str(exc)))
            for b in self.choices:
                b.hide()
            self.next_button.hide()
            self.verdict.setText("")
            self.progress.setText("")
            return True
        self.index = self.right = 0
        self._show()
        self.setFocus()
        return True

    def _show(self) -> None:
        q = self.questions[self.index]
        self.chosen = None
        self.progress.setText(f"Question {self.index + 1} of {len(self.questions)} · {self.right} right so far")
        self.question.setText(html.escape(q.question))
        for i, b in enumerate(self.choices):
            if i < len(q.choices):
                text = q.choices[i] if len(q.choices[i]) <= CHOICE_CHARS else q.choices[i][:CHOICE_CHARS - 1] + "…"
                b.setText(f"{i + 1}.  {text}")
                b.setToolTip(q.choices[i])
                b.setStyleSheet("text-align: left; padding: 10px 14px;")
                b.setEnabled(True)
                b.show()
            else:
                b.hide()
        self.verdict.setText("")
        self.next_button.hide()

    def choose(self, n: int) -> None:
        if not self.questions or self.chosen is not None or n >= len(self.questions[self.index].choices):
            return
        q = self.questions[self.index]
        self.chosen = n
        ok = n == q.answer
        self.right += ok
        self.choices[q.answer].setStyleSheet("text-align: left; padding: 10px 14px; background: #dcfce7;"
                                             " border-color: #16a34a;")
        if not ok:
            self.choices[n].setStyleSheet("text-align: left; padding: 10px 14px; background: #fee2e2;"
                                          " border-color: #dc2626;")
        self.verdict.setText("Right!" if ok else f"Not quite: the answer is “{q.choices[q.answer]}”.")
        last = self.index + 1 >= len(self.questions)
        self.next_button.setText("See the score   (Enter)" if last else "Next question   (Enter)")
        self.next_button.show()
        self.answered.emit(ok)

    def next(self) -> None:
        if self.chosen is None:
            return
        self.index += 1
        if self.index < len(self.questions):
            self._show()
            return
        self.progress.setText("")
        self.question.setText(f"You got {self.right} of {len(self.questions)} right.")
        for b in self.choices:
            b.hide()
        self.verdict.setText("The quiz does not change when your cards are due.")
        self.next_button.hide()
        self.chosen = None
