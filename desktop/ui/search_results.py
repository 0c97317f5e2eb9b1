"""What the library search box found: names, and places in the text with a snippet."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QTreeWidget, QTreeWidgetItem

from ..core.catalog.documents import Document, place_label
from ..core.catalog.nodes import Node
from ..core.search.retrieval import TextHit
from ..core.lectures.notes import NOTE_KIND, moment_label
from ..core.timefmt import format_duration
from .document_table import KIND_NAMES
from .theme import qcolor

HIT = Qt.UserRole + 10
ROW_HEIGHT = 46          # two lines of snippet


@dataclass
class Found:
    """One search result: a folder, a document, or a place inside a document."""

    what: str                         # node | document | hit
    node_id: int | None = None
    document_id: int | None = None
    kind: str = ""
    page: int | None = None
    start_s: float | None = None
    recording_id: int | None = None
    highlight: str = ""


def snippet_html(snippet: str) -> str:
    """FTS5 marks matches with [ ]: show them bold, escape the rest."""
    out = html.escape(snippet)
    from .theme import color

    return re.sub(r"\[([^\[\]]*)\]", rf"<b style='color:{color('link')}'>\1</b>", out)


class _HtmlDelegate(QStyledItemDelegate):
    """Renders the rich text of column 1 (snippets with bold matches)."""

    def paint(self, painter, option, index) -> None:
        text = index.data(Qt.DisplayRole) or ""
        if index.column() != 1 or "<" not in text:
            super().paint(painter, option, index)
            return
        self.initStyleOption(option, index)
        style = option.widget.style() if option.widget else None
        option.text = ""
        if style:
            style.drawControl(QStyle.CE_ItemViewItem, option, painter, option.widget)
        doc = QTextDocument()
        doc.setDefaultFont(option.font)
        doc.setDocumentMargin(3)
        doc.setHtml(text)
        doc.setTextWidth(option.rect.width())
        painter.save()
        painter.translate(option.rect.topLeft())
        painter.setClipRect(QRectF(0, 0, option.rect.width(), option.rect.height()))
        doc.drawContents(painter, QRectF(0, 0, option.rect.width(), option.rect.height()))
        painter.restore()

    def sizeHint(self, option, index) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width(), max(size.height(), ROW_HEIGHT))


class SearchResults(QTreeWidget):
    open_requested = Signal(object)          # Found

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("SearchResults")
        self.setColumnCount(2)
        self.setHeaderLabels(["Where", "What it says"])
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setItemDelegate(_HtmlDelegate(self))
        self.setColumnWidth(0, 300)
        self.itemActivated.connect(self._activated)
        self.query = ""

    def show_results(self, query: str, nodes: list[Node], docs: list[Document], hits: list[TextHit],
                     where: dict[int, str]) -> None:
        """Fill the list: folders and documents by name first, then text hits, best first."""
        self.query = query
        self.clear()
        bold = self.font()
        bold.setBold(True)

        def section(title: str) -> None:
            item = QTreeWidgetItem([title, ""])
            item.setFont(0, bold)
            item.setFlags(Qt.ItemIsEnabled)
            item.setForeground(0, qcolor("muted"))
            self.addTopLevelItem(item)

        if nodes or docs:
            section("Names")
            for n in nodes:
                item = QTreeWidgetItem([n.name, f"{n.level.capitalize()}"])
                item.setData(0, HIT, Found("node", node_id=n.id))
                self.addTopLevelItem(item)
            for d in docs:
                item = QTreeWidgetItem([d.title, html.escape(
                    f"{KIND_NAMES.get(d.kind, d.kind)} in {where.get(d.node_id, '')}")])
                item.setData(0, HIT, Found("document", node_id=d.node_id, document_id=d.id, kind=d.kind,
                                           recording_id=d.recording_id, page=1))
                self.addTopLevelItem(item)
        if hits:
            section(f"In the text ({len(hits)})")
            for h in hits:
                place = place_label(h.kind, h.page) if h.page is not None else (
                    moment_label(h.kind, h.start_s) if h.kind == NOTE_KIND and h.start_s is not None else
                    f"at {format_duration(h.start_s or 0)}" if h.start_s is not None else "")
                if h.kind == "note" and h.page is not None:
                    place = f"section {h.page}"
                item = QTreeWidgetItem([f"{h.title} · {place}",
                                        snippet_html(h.snippet)])
                item.setToolTip(0, f"{h.title}, {place}")
                item.setData(0, HIT, Found("hit", document_id=h.document_id, kind=h.kind, page=h.page,
                                           start_s=h.start_s, recording_id=h.recording_id,
                                           highlight=_highlight_words(h.snippet, query)))
                self.addTopLevelItem(item)
        if not (nodes or docs or hits):
            item = QTreeWidgetItem([f"Nothing matches “{query}”.", "Try fewer or other words."])
            item.setFlags(Qt.ItemIsEnabled)
            self.addTopLevelItem(item)

    def results(self) -> list[Found]:
        out = []
        for i in range(self.topLevelItemCount()):
            f = self.topLevelItem(i).data(0, HIT)
            if f is not None:
                out.append(f)
        return out

    def activate_first_hit(self) -> bool:
        for i in range(self.topLevelItemCount()):
            item = self.topLevelItem(i)
            f = item.data(0, HIT)
            if f is not None and f.what == "hit":
                self.setCurrentItem(item)
                self.open_requested.emit(f)
                return True
        return False

    def _activated(self, item: QTreeWidgetItem, _col: int) -> None:
        f = item.data(0, HIT)
        if f is not None:
            self.open_requested.emit(f)


def _highlight_words(snippet: str, query: str) -> str:
    """What to highlight in the viewer: the first matched phrase of the snippet, else the query."""
    m = re.search(r"\[([^\[\]]+)\]", snippet)
    return m.group(1) if m else query
