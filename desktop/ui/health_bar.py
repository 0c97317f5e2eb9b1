"""Status-bar lights for the worker, the vector store and the models: a drawn dot and words."""
from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from . import theme

_TONES = {"healthy": "healthy", "starting": "starting", "restarting": "starting",
          "unhealthy": "failed", "stopped": "stopped", "missing": "failed"}
_WORDS = {"healthy": "ready", "starting": "starting…", "restarting": "restarting…",
          "unhealthy": "not answering", "stopped": "stopped", "missing": "missing"}


class HealthLight(QWidget):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("HealthLight")
        self.name = name
        self.state = "starting"
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 0, 8, 0)
        lay.setSpacing(5)
        self.dot = QLabel()
        self.words = QLabel()
        lay.addWidget(self.dot)
        lay.addWidget(self.words)
        theme.notifier().changed.connect(self._restyle)
        self.set_state("starting")

    def _restyle(self, _scheme: str) -> None:
        self.set_state(self.state, self.toolTip())

    def text(self) -> str:
        return self.words.text()

    def set_state(self, state: str, detail: str = "") -> None:
        self.state = state
        words = _WORDS.get(state, state)
        self.dot.setPixmap(theme.icon_pixmap("dot", 12, theme.color(_TONES.get(state, "stopped")),
                                             self.devicePixelRatioF()))
        self.words.setText(f"{self.name}: {words}")
        self.setToolTip(detail or f"{self.name} is {words}")
        self.setAccessibleName(f"{self.name}: {words}")
