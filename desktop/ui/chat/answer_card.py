"""One answer in the transcript: it grows token by token, shows what is happening while it
waits, its numbered citations as links, a compact source list and the actions that fit
the kind of answer ("Search everything", "How to add a model", Regenerate)."""
from __future__ import annotations

import html
import time
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from ...core import chat
from ..theme import set_icon
from ...core.chat import ChatMessage, Source
from .answer_text import PASSAGE_CHARS, answer_html, elide, source_html

RENDER_EVERY_MS = 33  # at most one re-layout per frame while streaming
TICK_MS = 1000        # the seconds shown beside what the answer is waiting for


class SourceRow(QLabel):
    """One source under an answer; a click anywhere on it opens the page or plays the lecture."""

    activated = Signal(int)   # the source's number

    def __init__(self, n: int, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.n = n
        self._link_used = False
        self.setObjectName("SourceRow")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.LinksAccessibleByMouse)
        self.setCursor(QCursor(Qt.PointingHandCursor))
        self.linkActivated.connect(self._on_link)

    def _on_link(self, _href: str) -> None:
        self._link_used = True
        self.activated.emit(self.n)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 (Qt name)
        self._link_used = False
        super().mouseReleaseEvent(event)   # a click on the [n] link emits through _on_link
        if event.button() == Qt.LeftButton and not self._link_used and self.rect().contains(event.pos()):
            self.activated.emit(self.n)


class AnswerWidget(QFrame):
    """One answer. Emits what the student asked for; the pane carries it out."""

    citation_activated = Signal(object)   # Source
    widen_requested = Signal()
    regenerate_requested = Signal()
    how_to_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AnswerCard")
        self.sources: list[Source] = []
        self.raw = ""
        self.message: ChatMessage | None = None
        self.streaming = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(RENDER_EVERY_MS)
        self._timer.timeout.connect(self._render)
        self.stage = ""                    # what the answer is waiting for (core.chat.events stages)
        self.stages: list[str] = []        # every stage it went through, in order
        self._status_text = ""
        self._status_since = 0.0
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._show_status)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 12, 16, 12)
        lay.setSpacing(8)
        top = QHBoxLayout()
        who = QLabel("Lectern")
        who.setObjectName("AnswerWho")
        self.status = QLabel("")
        self.status.setObjectName("AnswerStatus")
        top.addWidget(who)
        top.addWidget(self.status, 1)
        lay.addLayout(top)

        self.body = QLabel("")
        self.body.setObjectName("AnswerText")
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.RichText)
        self.body.setTextInteractionFlags(Qt.TextBrowserInteraction)
        self.body.setOpenExternalLinks(False)
        self.body.linkActivated.connect(self._on_link)
        self.body.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Minimum)
        lay.addWidget(self.body)

        self.banner = QFrame()
        self.banner.setObjectName("ModelBanner")
        bl = QHBoxLayout(self.banner)
        bl.setContentsMargins(10, 6, 10, 6)
        self.banner_text = QLabel("Passages only: no chat model is available to write an answer.")
        self.banner_text.setWordWrap(True)
        self.how_to = QPushButton("How to add a model")
        self.how_to.clicked.connect(self.how_to_requested)
        bl.addWidget(self.banner_text, 1)
        bl.addWidget(self.how_to)
        self.banner.hide()
        lay.addWidget(self.banner)

        self.widen = QPushButton("Search everything")
        self.widen.setObjectName("PrimaryButton")
        self.widen.setToolTip("Ask the same question again over your whole library")
        self.widen.clicked.connect(self.widen_requested)
        self.widen.hide()
        row = QHBoxLayout()
        row.addWidget(self.widen)
        row.addStretch(1)
        lay.addLayout(row)

        self.sources_box = QFrame()
        self.sources_box.setObjectName("SourcesBox")
        self.sources_layout = QVBoxLayout(self.sources_box)
        self.sources_layout.setContentsMargins(10, 8, 10, 8)
        self.sources_layout.setSpacing(6)
        self.sources_title = QLabel("Sources")
        self.sources_title.setObjectName("SourcesTitle")
        self.sources_layout.addWidget(self.sources_title)
        self.source_labels: list[QLabel] = []
        self.sources_box.hide()
        lay.addWidget(self.sources_box)

        foot = QHBoxLayout()
        self.footer = QLabel("")
        self.footer.setObjectName("AnswerFooter")
        self.regenerate = QPushButton("Regenerate")
        set_icon(self.regenerate, "refresh")
        self.regenerate.setObjectName("FlatButton")
        self.regenerate.setToolTip("Write this answer again (Ctrl+R)")
        self.regenerate.clicked.connect(self.regenerate_requested)
        self.regenerate.hide()
        foot.addWidget(self.footer, 1)
        foot.addWidget(self.regenerate)
        lay.addLayout(foot)

    # -- streaming ------------------------------------------------------------------------
    def start(self) -> None:
        self.streaming = True
        self.body.hide()   # until the first words: the card is just what it waits for
        self.set_status("Sending your question…")

    def set_status(self, text: str, stage: str = "") -> None:
        """Say what the answer is waiting for; the seconds spent on it are added as they pass."""
        if stage:
            self.stage = stage
            if not self.stages or self.stages[-1] != stage:
                self.stages.append(stage)
        self._status_text = text
        self._status_since = time.monotonic()
        self._show_status()
        if self.streaming:
            self._tick.start()   # (re)started: the first second is counted from this status on

    def status_seconds(self) -> int:
        return int(time.monotonic() - self._status_since) if self._status_text else 0

    def _show_status(self) -> None:
        seconds = self.status_seconds()
        self.status.setText(f"{self._status_text}  {seconds} s" if seconds >= 1 else self._status_text)

    def _stop_status(self, text: str = "") -> None:
        self._tick.stop()
        self._status_text = text
        self.status.setText(text)

    def set_sources(self, sources: list[Source]) -> None:
        """The sources given to the model: only their numbers may appear as links."""
        self.sources = list(sources)

    def append(self, piece: str) -> None:
        self.raw += piece
        if not self._timer.isActive():
            self._timer.start()

    def _render(self) -> None:
        self.body.setText(answer_html(self.raw, len(self.sources), partial=self.streaming))
        self.body.show()

    # -- final state ------------------------------------------------------------------------
    def show_message(self, msg: ChatMessage) -> None:
        """Show a stored (or just finished) answer completely."""
        self._timer.stop()
        self.streaming = False
        self.message = msg
        self.sources = list(msg.sources)
        self.raw = msg.content
        self._stop_status("Stopped" if msg.meta.get("stopped") else "")
        self.body.setText(answer_html(msg.content, len(self.sources)))
        self.body.show()
        mode = msg.mode
        self.widen.setVisible(mode == chat.NOT_FOUND and bool(msg.meta.get("can_widen")))
        self.banner.setVisible(mode == chat.PASSAGES)
        if mode == chat.PASSAGES:
            self.banner_text.setText("Passages only: no chat model was available to write this answer.")
            self.banner_text.setToolTip(str(msg.meta.get("reason", "")))
        shown = msg.cited
        title = "Sources"
        if mode == chat.ANSWER and not shown and msg.sources:
            shown, title = msg.sources, "Sources consulted (the answer cited none)"
        self._show_sources(shown, title, 420 if mode == chat.PASSAGES else PASSAGE_CHARS)
        stats: dict[str, Any] = msg.meta.get("stats", {})
        bits = []
        if msg.meta.get("model") and mode == chat.ANSWER:
            bits.append(str(msg.meta["model"]))
        if stats.get("total_s") is not None:
            bits.append(f"{stats['total_s']:.1f} s")
        if stats.get("tokens_per_s"):
            bits.append(f"{stats['tokens_per_s']:.0f} tokens/s")
        flagged = len(msg.meta.get("unsupported") or [])
        if flagged:
            bits.append(f"{flagged} statement{'s' if flagged > 1 else ''} not found in your sources")
        self.footer.setText(" · ".join(bits))

    def show_error(self, text: str) -> None:
        self._timer.stop()
        self.streaming = False
        self._stop_status()
        partial = answer_html(self.raw, len(self.sources)) + "<br><br>" if self.raw else ""
        self.body.setText(f'{partial}<span style="color:#b91c1c;">{html.escape(text)}</span>')
        self.body.show()

    def _show_sources(self, sources: list[Source], title: str, chars: int) -> None:
        for label in self.source_labels:
            label.deleteLater()
        self.source_labels = []
        self.sources_title.setText(title)
        for s in sources:
            label = SourceRow(s.n, source_html(s, chars))
            label.activated.connect(self.activate_citation)
            label.setToolTip(elide(s.text, 600) + "\n\nClick to " + ("play the lecture from here."
                                                                    if s.start_s is not None else "open the page."))
            self.sources_layout.addWidget(label)
            self.source_labels.append(label)
        self.sources_box.setVisible(bool(sources))

    def _on_link(self, href: str) -> None:
        if href.startswith("cite:"):
            self.activate_citation(int(href[5:]))

    def activate_citation(self, n: int) -> None:
        source = next((s for s in self.sources if s.n == n), None)
        if source is not None:
            self.citation_activated.emit(source)

    def visible_text(self) -> str:
        return self.body.text()
