"""The Study pane (Ctrl+4): a subject, chosen by id, and its sections — Review, Cards, Summaries,
Glossary, Concept map, Statistics. A study job started anywhere (here, or "Summarise…" and
"Make cards…" in the Library or the transcript viewer) is followed in its section.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedWidget, QTabWidget, QVBoxLayout, QWidget

from ...core import jobs
from ...core.study import overview
from ..widgets import EmptyState
from . import requests
from .cards_view import CardsView
from .concept_map import ConceptMapView
from .glossary_view import GlossaryView
from .review_view import ReviewView
from .stats_view import StatsView
from .subject_picker import SubjectPicker
from .summaries_view import SummariesView

SECTIONS = ("review", "cards", "summaries", "glossary", "map", "stats")
LABELS = ("Review", "Cards", "Summaries", "Glossary", "Concept map", "Statistics")


class StudyPane(QWidget):
    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        title = QLabel("Study")
        title.setObjectName("PaneTitle")
        head.addWidget(title)
        head.addStretch(1)
        self.picker_label = QLabel("Subject")
        head.addWidget(self.picker_label)
        self.picker = SubjectPicker(ctx.db)
        self.picker.subject_changed.connect(self._subject_changed)
        head.addWidget(self.picker)
        lay.addLayout(head)

        self.review = ReviewView(ctx)
        self.cards = CardsView(ctx)
        self.summaries = SummariesView(ctx)
        self.glossary = GlossaryView(ctx)
        self.map = ConceptMapView(ctx)
        self.stats = StatsView(ctx)
        self.sections: dict[str, QWidget] = dict(zip(SECTIONS, (self.review, self.cards, self.summaries,
                                                                self.glossary, self.map, self.stats)))
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for key, label in zip(SECTIONS, LABELS):
            self.tabs.addTab(self.sections[key], label)
        self.tabs.currentChanged.connect(lambda _i: self._refresh_current())
        self.glossary.changed.connect(lambda: self._stale.add("map"))

        self.empty = EmptyState(
            "Nothing to study yet",
            "Add a book or record a lecture, then choose Make cards… or Summarise… on it in the Library. "
            "Your cards, summaries, key terms and statistics appear here.",
            [("Open the Library", lambda: ctx.events.pane_requested.emit("library")),
             ("Record a lecture", lambda: ctx.events.pane_requested.emit("record"))], icon="study")
        self.body = QStackedWidget()
        self.body.addWidget(self.empty)
        self.body.addWidget(self.tabs)
        lay.addWidget(self.body, 1)

        self._stale: set[str] = set(SECTIONS)
        self._loaded = False
        requests.hub().job_started.connect(self.follow_job)
        ctx.events.library_changed.connect(self._library_changed)

    # -- subjects and sections --------------------------------------------------------------------------
    def showEvent(self, event: Any) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._loaded:
            self.reload()

    def reload(self) -> None:
        """Read the subjects again (a new one in the Library, a rename) and refresh what is shown."""
        self._loaded = True
        found = self.picker.reload()
        self.body.setCurrentWidget(self.tabs if found else self.empty)
        for w in (self.picker_label, self.picker):      # nothing to choose yet: the empty state says what to do
            w.setVisible(bool(found))
        self._stale = set(SECTIONS)
        self._refresh_current()

    def _library_changed(self) -> None:
        if self._loaded:
            self.reload()

    def subject_id(self) -> int | None:
        return self.picker.subject_id()

    def _subject_changed(self, _subject_id: Any) -> None:
        self._stale = set(SECTIONS)
        self._refresh_current()

    def show_section(self, key: str) -> None:
        self.tabs.setCurrentWidget(self.sections[key])
        self._refresh_current()

    def current_section(self) -> str:
        return SECTIONS[self.tabs.currentIndex()]

    def _refresh_current(self) -> None:
        key = self.current_section()
        # The map keeps its zoom until its terms change; a review in progress is never interrupted.
        if key == "map" and key not in self._stale or key == "review" and self.review.in_session():
            return
        self._stale.discard(key)
        subject = self.subject_id()
        if key == "stats":
            self.stats.set_subject(self.picker.currentText().split(" — ")[0] if subject is not None else "")
        else:
            self.sections[key].set_subject(subject)

    # -- jobs ---------------------------------------------------------------------------------------------
    def follow_job(self, job_id: int) -> None:
        """Show the section of a study job just started and follow its progress there."""
        job = jobs.get_job(self.ctx.db, job_id)
        if job is None:
            return
        if not self._loaded:
            self.reload()
        document_id = job.payload.get("document_id")
        subject = (overview.subject_of(self.ctx.db, int(document_id)) if document_id is not None
                   else job.payload.get("node_id"))
        self.picker.choose(subject)
        self.body.setCurrentWidget(self.tabs)
        if job.kind == requests.SUMMARY:
            self.show_section("summaries")
            self.summaries.follow(job_id, document_id, job.payload.get("week"))
        elif job.kind == requests.CARDS:
            self.show_section("cards")
            self.cards.follow(job_id, document_id)
        elif job.kind == requests.GLOSSARY:
            self.show_section("glossary")
            self.glossary.follow(job_id)
        self._stale.add("map")

    def shutdown(self) -> None:
        for strip in (self.cards.maker.strip, self.summaries.strip, self.glossary.strip):
            strip.stop()
