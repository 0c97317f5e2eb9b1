"""Statistics: hours recorded and transcribed, pages and lectures indexed, questions asked,
cards reviewed, due and mature, the streak; per week and per subject as bar charts. Everything
comes from what Lectern already holds (core ``stats``), read on a background thread.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...core.study import stats
from ..background import run_in_background, thread_db
from .charts import bar_chart

WEEKS = 8
TILES = (("hours_recorded", "Hours recorded"), ("hours_transcribed", "Hours transcribed"),
         ("pages_indexed", "Pages indexed"), ("lectures_indexed", "Lectures indexed"),
         ("questions_asked", "Questions asked"), ("cards_reviewed", "Cards reviewed"),
         ("cards_due", "Cards due now"), ("cards_mature", "Mature cards"), ("streak_days", "Day streak"))


class Tile(QFrame):
    def __init__(self, label: str) -> None:
        super().__init__()
        self.setObjectName("Card")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 10, 14, 10)
        self.value = QLabel("–")
        self.value.setStyleSheet("font-size: 18pt; font-weight: 600; color: #111827;")
        name = QLabel(label)
        name.setObjectName("Hint")
        lay.addWidget(self.value)
        lay.addWidget(name)


class StatsView(QWidget):
    loaded = Signal(dict)

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.subject_name = ""
        self.data: dict[str, Any] = {}
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 8, 0, 0)
        grid = QGridLayout()
        grid.setSpacing(10)
        self.tiles: dict[str, Tile] = {}
        for i, (key, label) in enumerate(TILES):
            self.tiles[key] = Tile(label)
            grid.addWidget(self.tiles[key], i // 5, i % 5)
        lay.addLayout(grid)
        self.subject_line = QLabel()
        self.subject_line.setObjectName("Hint")
        self.subject_line.setWordWrap(True)
        lay.addWidget(self.subject_line)
        self.charts = QHBoxLayout()
        lay.addLayout(self.charts, 1)
        self.week_chart: QWidget | None = None
        self.subject_chart: QWidget | None = None

    def set_subject(self, subject_name: str) -> None:
        self.subject_name = subject_name
        self.refresh()

    def refresh(self) -> None:
        paths = self.ctx.paths
        run_in_background(lambda: stats.collect(thread_db(paths)), self.show_stats, owner=self, name="statistics")

    def show_stats(self, data: dict[str, Any]) -> None:
        self.data = data
        for key, tile in self.tiles.items():
            value = data.get(key, 0)
            tile.value.setText(f"{value:g}" if isinstance(value, float) else str(value))
        mine = data["per_subject"].get(self.subject_name, {})
        if self.subject_name:
            self.subject_line.setText(
                f"{self.subject_name}: {mine.get('hours_recorded', 0):g} h recorded, "
                f"{mine.get('pages_indexed', 0)} pages and {mine.get('lectures_indexed', 0)} lectures indexed, "
                f"{mine.get('cards', 0)} cards ({mine.get('cards_due', 0)} due, {mine.get('cards_mature', 0)} "
                f"mature), {mine.get('cards_reviewed', 0)} reviews.")
        for old in (self.week_chart, self.subject_chart):
            if old is not None:
                self.charts.removeWidget(old)
                old.deleteLater()
        weeks = list(data["per_week"].items())[-WEEKS:]
        self.week_chart = bar_chart("Per week", [w[-3:] for w, _ in weeks], {
            "Cards reviewed": [v.get("cards_reviewed", 0) for _, v in weeks],
            "Questions asked": [v.get("questions_asked", 0) for _, v in weeks],
            "Hours recorded": [v.get("hours_recorded", 0) for _, v in weeks]})
        subjects = [(k, v) for k, v in data["per_subject"].items() if k != stats.UNFILED or any(v.values())]
        self.subject_chart = bar_chart("Per subject", [k for k, _ in subjects], {
            "Cards": [v.get("cards", 0) for _, v in subjects],
            "Due": [v.get("cards_due", 0) for _, v in subjects],
            "Mature": [v.get("cards_mature", 0) for _, v in subjects],
            "Reviews": [v.get("cards_reviewed", 0) for _, v in subjects]})
        self.charts.addWidget(self.week_chart, 1)
        self.charts.addWidget(self.subject_chart, 1)
        self.loaded.emit(data)
