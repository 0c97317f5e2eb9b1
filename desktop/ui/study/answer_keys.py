"""The keys of a card being answered, shared by the review and the quiz: 1–4 pick an answer
(a grade in the review, a choice in the quiz) and one more key moves on (Space shows the
answer in the review, Enter goes to the next question in the quiz).

Each key is a shortcut of the view and its children, described for Help → Keyboard shortcuts;
the same keys also reach the view through ``press`` from its ``keyPressEvent``, for when the
window's shortcuts do not see them (the focus inside the view itself).

    self.keys = AnswerKeys(self, self.grade, lambda n: f"Review: rate {n}",
                           Key(("Space",), (Qt.Key_Space,), self.flip, "Review: show the answer"))
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

ANSWERS = 4


@dataclass(frozen=True)
class Key:
    names: tuple[str, ...]         # as QKeySequence reads them: ("Return", "Enter")
    codes: tuple[int, ...]         # the Qt.Key values a key press carries
    act: Callable[[], Any]
    what: str                      # the line in Help → Keyboard shortcuts


class AnswerKeys:
    def __init__(self, owner: QWidget, answer: Callable[[int], Any], describe: Callable[[int], str], more: Key,
                 answers: int = ANSWERS) -> None:
        """``answer(n)`` for the keys 1..``answers``; ``more`` for the other key."""
        self.keys = [Key((str(n),), (Qt.Key_0 + n,), lambda n=n: answer(n), describe(n))
                     for n in range(1, answers + 1)] + [more]
        self.enabled = True
        self.shortcuts: list[QShortcut] = []
        for key in self.keys:
            for name in key.names:
                sc = QShortcut(QKeySequence(name), owner, activated=key.act, context=Qt.WidgetWithChildrenShortcut)
                sc.setWhatsThis(key.what)
                self.shortcuts.append(sc)

    def set_enabled(self, on: bool) -> None:
        """Only one view's keys are live at a time (the quiz sits inside the review)."""
        self.enabled = on
        for sc in self.shortcuts:
            sc.setEnabled(on)

    def press(self, event: Any) -> bool:
        """Act on a key press that is one of these keys (no modifier but the keypad's); True when it was."""
        if not self.enabled or event.modifiers() & ~Qt.KeypadModifier:
            return False
        key = next((k for k in self.keys if event.key() in k.codes), None)
        if key is None:
            return False
        key.act()
        return True
