"""The subject the Study pane shows, chosen by id (names are only shown)."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import QComboBox, QWidget

from ...core.study import overview


NARROWEST = 16     # characters the box keeps on a small screen ("Thermodynamics —")
WIDEST = 56        # characters it grows to for a long "Subject — Semester" when there is room


class SubjectPicker(QComboBox):
    """As wide as its longest subject when the pane has room (up to ``WIDEST`` characters), never
    narrower than ``NARROWEST``; the whole name is in its tooltip."""

    subject_changed = Signal(object)      # the subject's id (int), or None when there is none

    def __init__(self, db: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.setMinimumContentsLength(NARROWEST)
        self.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.currentIndexChanged.connect(lambda _i: self.setToolTip(self.currentText()))
        self.currentIndexChanged.connect(lambda _i: self.subject_changed.emit(self.subject_id()))

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        """The minimum (``NARROWEST`` characters) widened to the longest subject, up to ``WIDEST``."""
        hint = super().sizeHint()
        fm = self.fontMetrics()
        longest = max((fm.horizontalAdvance(self.itemText(i)) for i in range(self.count())), default=0)
        base = NARROWEST * fm.horizontalAdvance("X")      # what Qt's minimum holds for the text
        extra = min(longest, WIDEST * fm.averageCharWidth()) - base
        return QSize(hint.width() + max(0, extra), hint.height())

    def subject_id(self) -> int | None:
        value = self.currentData()
        return int(value) if value is not None else None

    def reload(self) -> list[overview.Subject]:
        """Read the subjects again, keeping the one chosen (by id) when it is still there."""
        keep = self.subject_id()
        found = overview.subjects(self.db)
        self.blockSignals(True)
        self.clear()
        for s in found:
            self.addItem(s.label, s.id)
        index = self.findData(keep) if keep is not None else -1
        self.setCurrentIndex(index if index >= 0 else (0 if found else -1))
        self.blockSignals(False)
        self.setToolTip(self.currentText())
        self.updateGeometry()       # the longest subject may have changed
        if self.subject_id() != keep:
            self.subject_changed.emit(self.subject_id())
        return found

    def choose(self, subject_id: int | None) -> None:
        if subject_id is None:
            return
        index = self.findData(subject_id)
        if index < 0:
            self.reload()
            index = self.findData(subject_id)
        if index >= 0 and index != self.currentIndex():
            self.setCurrentIndex(index)
