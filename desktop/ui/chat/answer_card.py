"""One answer in the transcript: it grows token by token, its numbered citations as links,
a compact source list and the actions that fit the kind of answer ("Search everything",
"How to add a model", Regenerate)."""
from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from ...core import chat
from ...core.chat import ChatMessage, Source
from .answer_text import PASSAGE_CHARS, answer_html, elide, source_html

RENDER_EVERY_MS = 33  # at most one re-layout per frame while streaming


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
        self.regenerate = QPushButton("↻ Regenerate")
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
        self.set_status("Thinking…")

    def set_status(self, text: str) -> None:
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

    # -- final state ------------------------------------------------------------------------
    def show_message(self, msg: ChatMessage) -> None:
        """Show a stored (or just finished) answer completely."""
        self._timer.stop()
        self.streaming = False
        self.message = msg
        self.sources = list(msg.sources)
        self.raw = msg.content
        self.status.setText("Stopped" if msg.meta.get("stopped") else "")
        self.body.setText(answer_html(msg.content, len(self.sources)))
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
        self.footer.setText(" · ".join(bits))

    def show_error(self, text: str) -> None:
        self._timer.stop()
        self.streaming = False
        self.status.setText("")
        partial = answer_html(self.raw, len(self.sources)) + "<br><br>" if self.raw else ""
        self.body.setText(f'{partial}<span style="color:#b91c1c;">{html.escape(text)}</span>')

    def _show_sources(self, sources: list[Source], title: str, chars: int) -> None:
        for label in self.source_labels:
            label.deleteLater()
        self.source_labels = []
        self.sources_title.setText(title)
        for s in sources:
            label = QLabel(source_html(s, chars))
            label.setObjectName("SourceRow")
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextBrowserInteraction)
            label.linkActivated.connect(self._on_link)
            label.setToolTip(elide(s.text, 600))
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
