"""Status-bar lights for the worker, the vector store and the models."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

_COLORS = {"healthy": "#10b981", "starting": "#f59e0b", "restarting": "#f59e0b",
           "unhealthy": "#ef4444", "stopped": "#9ca3af", "missing": "#ef4444"}
_WORDS = {"healthy": "ready", "starting": "starting…", "restarting": "restarting…",
          "unhealthy": "not answering", "stopped": "stopped", "missing": "missing"}


class HealthLight(QLabel):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.state = "starting"
        self.set_state("starting")

    def set_state(self, state: str, detail: str = "") -> None:
        self.state = state
        color = _COLORS.get(state, "#9ca3af")
        self.setText(f"<span style='color:{color}'>●</span> {self.name}: {_WORDS.get(state, state)}")
        self.setToolTip(detail or f"{self.name} is {_WORDS.get(state, state)}")
