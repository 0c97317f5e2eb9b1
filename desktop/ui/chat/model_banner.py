"""The banner over the transcript when no chat model can write answers (passages only)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from ...core import models
from ...core.storage import settings as settings_mod


def configured_model_state(db: Any) -> tuple[str, bool]:
    """(label, ready) of the chat model in the settings, without loading or assembling it."""
    choice = settings_mod.load(db).chat_model or models.DEFAULTS[models.CHAT]
    if choice in models.SPECS:
        return models.SPECS[choice].label, models.ready(choice)
    path = Path(choice).expanduser()
    return path.name, path.is_file()


class ModelBanner(QFrame):
    how_to_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ModelBanner")
        mb = QHBoxLayout(self)
        mb.setContentsMargins(10, 6, 10, 6)
        self.text = QLabel()
        self.text.setWordWrap(True)
        how = QPushButton("How to add a model")
        how.clicked.connect(self.how_to_requested)
        mb.addWidget(self.text, 1)
        mb.addWidget(how)

    def show_state(self, label: str, ready: bool, passages_reason: str = "") -> None:
        self.setVisible(not ready)
        self.text.setText(
            "Passages only: " + (passages_reason or f"the chat model ({label}) is not available.")
            + " You still get the best passages with their page or lecture time.")
