"""The subject the Study pane shows, chosen by id (names are only shown)."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QWidget

from ...core.study import overview


class SubjectPicker(QComboBox):
    subject_changed = Signal(object)      # the subject's id (int), or None when there is none

    def __init__(self, db: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.setMinimumContentsLength(24)
        self.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.currentIndexChanged.connect(lambda _i: self.subject_changed.emit(self.subject_id()))

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
