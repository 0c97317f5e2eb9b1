"""The transcript of a chat: the student's questions and Lectern's answers with sources.

An ``AnswerWidget`` grows token by token (rendering is coalesced to one repaint per
frame), shows numbered citations as links, a compact source list (title, page or
mm:ss, passage), and the actions that fit the kind of answer: "Search everything"
for "not in your material", "How to add a model" in passages-only mode, Regenerate.
"""
from __future__ import annotations

import html
import re
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSizePolicy, QVBoxLayout,
                               QWidget)

from ..core import chat
from ..core.chat import ChatMessage, Source

STYLE = """
#UserText { background: #dbeafe; color: #0f172a; border-radius: 12px; padding: 9px 13px; }
#AnswerCard { background: white; border: 1px solid #e2e8f0; border-radius: 12px; }
#AnswerWho { font-weight: 600; color: #1e3a8a; }
#AnswerStatus { color: #64748b; font-style: italic; }
#AnswerText { color: #111827; font-size: 11pt; }
#ModelBanner { background: #fef3c7; border: 1px solid #fcd34d; border-radius: 8px; }
#ModelBanner QLabel { color: #78350f; }
#SourcesBox { background: #f8fafc; border: 1px solid #e2e8f0; border-radius: 8px; }
#SourcesTitle { color: #475569; font-size: 9pt; font-weight: 600; text-transform: uppercase; }
#SourceRow { font-size: 9.5pt; }
#AnswerFooter, #HintText { color: #94a3b8; font-size: 9pt; }
QPushButton#FlatButton { border: none; background: transparent; color: #475569; padding: 2px 6px; }
QPushButton#FlatButton:hover { color: #1d4ed8; }
#ChatTitle { font-size: 14pt; font-weight: 600; }
QToolButton#ScopeButton { padding: 5px 10px; border: 1px solid #cbd5e1; border-radius: 6px; background: white; }
QToolButton#ScopeButton::menu-indicator { image: none; width: 0; }
#ComposerBox { background: white; border: 1px solid #cbd5e1; border-radius: 10px; }
#ComposerBox QPlainTextEdit { border: none; }
#ChatView, #ChatViewInner { background: transparent; }
#ChatListView::item { padding: 7px 6px; }
"""

CITE_LINK = re.compile(r"\[(\d+)\]")
RENDER_EVERY_MS = 33  # at most one re-layout per frame while streaming
PASSAGE_CHARS = 190


def answer_html(text: str, n_sources: int, partial: bool = False) -> str:
    """Plain model text → safe rich text: [n] become links, invented numbers vanish."""
    cleaned, _ = chat.clean_citations(text, n_sources, partial=partial)
    out_lines: list[str] = []
    for line in html.escape(cleaned).split("\n"):
        stripped = line.lstrip()
        if stripped.startswith(("- ", "* ", "• ")):
            line = "&nbsp;&nbsp;•&nbsp;" + stripped[2:]
        line = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", line)
        line = re.sub(r"`([^`]+)`", r"<code>\1</code>", line)
        out_lines.append(line)
    body = "<br>".join(out_lines)
    return CITE_LINK.sub(
        lambda m: f'<a href="cite:{m.group(1)}" style="color:#1d4ed8; text-decoration:none; font-weight:600;">'
                  f'[{m.group(1)}]</a>', body)


def _elide(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def source_html(s: Source, passage_chars: int = PASSAGE_CHARS) -> str:
    where = f"▶ {s.where}" if s.start_s is not None else s.where
    return (f'<a href="cite:{s.n}" style="color:#1d4ed8; text-decoration:none; font-weight:600;">[{s.n}]</a>'
            f'&nbsp; <b>{html.escape(s.title)}</b>'
            f'<span style="color:#475569;"> · {html.escape(where)}</span><br>'
            f'<span style="color:#4b5563;">{html.escape(_elide(s.quote or s.text, passage_chars))}</span>')


class UserBubble(QFrame):
    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("UserBubble")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addStretch(1)
        self.label = QLabel(text)
        self.label.setObjectName("UserText")
        self.label.setTextFormat(Qt.PlainText)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        # Wide enough for a short question on one line, wrapped past a comfortable width.
        longest = max((self.label.fontMetrics().horizontalAdvance(line) for line in text.split("\n")), default=0)
        self.label.setMinimumWidth(min(560, longest + 32))
        self.label.setMaximumWidth(620)
        lay.addWidget(self.label)
        self.text = text


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
        self._dirty = False
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
            label.setToolTip(_elide(s.text, 600))
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


class ChatView(QScrollArea):
    """Questions and answers, newest at the bottom; follows the stream unless scrolled up."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ChatView")
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.NoFrame)
        inner = QWidget()
        inner.setObjectName("ChatViewInner")
        self.column = QVBoxLayout(inner)
        self.column.setContentsMargins(4, 8, 12, 8)
        self.column.setSpacing(12)
        self.column.addStretch(1)
        self.setWidget(inner)
        self.items: list[QWidget] = []
        self._follow = True
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(lambda v: setattr(self, "_follow", v >= bar.maximum() - 24))
        bar.rangeChanged.connect(lambda _lo, hi: self._follow and bar.setValue(hi))

    def _add(self, w: QWidget) -> QWidget:
        self.column.insertWidget(self.column.count() - 1, w)
        self.items.append(w)
        self._follow = True
        return w

    def add_user(self, text: str) -> UserBubble:
        return self._add(UserBubble(text))  # type: ignore[return-value]

    def add_answer(self) -> AnswerWidget:
        return self._add(AnswerWidget())  # type: ignore[return-value]

    def remove(self, w: QWidget) -> None:
        if w in self.items:
            self.items.remove(w)
            self.column.removeWidget(w)
            w.deleteLater()

    def clear(self) -> None:
        for w in list(self.items):
            self.remove(w)

    def answers(self) -> list[AnswerWidget]:
        return [w for w in self.items if isinstance(w, AnswerWidget)]

    def scroll_to_bottom(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())
