"""Settings: one dialog, one tab per area. Each tab module provides a QWidget with
``title`` and ``apply()``; ``apply`` saves through core.settings and raises
LecternError with a plain message when a choice cannot be used."""
from __future__ import annotations

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFrame, QMessageBox, QScrollArea, QTabWidget, QVBoxLayout,
                               QWidget)

from ..core.errors import LecternError
from .settings_chat import ChatSettingsTab
from .settings_documents import DocumentsSettingsTab
from .settings_transcription import TranscriptionSettingsTab
from .sync.settings_page import SyncSettingsTab

TABS = (TranscriptionSettingsTab, ChatSettingsTab, DocumentsSettingsTab, SyncSettingsTab)  # in the order shown


class SettingsDialog(QDialog):
    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Settings")
        self.resize(680, 520)
        self.tabs = QTabWidget()
        self.pages: list[QWidget] = []
        for tab in TABS:
            page = tab(ctx)
            self.pages.append(page)
            # A page taller than a small screen scrolls instead of being squeezed.
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.NoFrame)
            scroll.setWidget(page)
            self.tabs.addTab(scroll, page.title)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.tabs)
        lay.addWidget(buttons)

    def accept(self) -> None:
        for page in self.pages:
            try:
                page.apply()
            except LecternError as exc:
                self.tabs.setCurrentIndex(self.pages.index(page))
                QMessageBox.warning(self, "This setting cannot be used", str(exc))
                return
        super().accept()
