"""The concept map: the glossary's terms and how they relate, drawn where core's layout puts them.
Drag to pan, wheel or Ctrl+= / Ctrl+- to zoom, Ctrl+0 to fit; a click on a term shows its
definition and sources beside the map.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QKeySequence, QPainter, QPen, QShortcut
from PySide6.QtWidgets import (QGraphicsItem, QGraphicsScene, QGraphicsSimpleTextItem, QGraphicsView, QHBoxLayout,
                               QLabel, QPushButton, QSplitter, QTextBrowser, QVBoxLayout, QWidget)

from ...core.study import glossary, layout
from ..background import run_in_background, thread_db
from ..theme import color, qcolor
from ..widgets import icon_button
from . import citations
from .glossary_view import term_html

SIZE = 1800.0
PALETTE = ["#dbeafe", "#dcfce7", "#fef3c7", "#fce7f3", "#ede9fe", "#cffafe", "#fee2e2", "#e0e7ff"]
BORDERS = ["#3b82f6", "#16a34a", "#d97706", "#db2777", "#7c3aed", "#0891b2", "#dc2626", "#4f46e5"]


class TermItem(QGraphicsItem):
    """One term: a rounded box with its name, coloured by category; known terms are paler."""

    def __init__(self, node: dict[str, Any], colour: int, on_click: Any) -> None:
        super().__init__()
        self.term_id = int(node["id"])
        self.known = bool(node["known"])
        self.on_click = on_click
        self.text = QGraphicsSimpleTextItem(node["term"], self)
        font = QFont()
        font.setPointSizeF(17 + min(7.0, node.get("weight", 1) / 6))
        font.setBold(not self.known)
        self.text.setFont(font)
        r = self.text.boundingRect()
        self.box = QRectF(-r.width() / 2 - 14, -r.height() / 2 - 8, r.width() + 28, r.height() + 16)
        self.text.setPos(-r.width() / 2, -r.height() / 2)
        self.fill = QColor("#f3f4f6" if self.known else PALETTE[colour % len(PALETTE)])
        self.border = QColor("#9ca3af" if self.known else BORDERS[colour % len(BORDERS)])
        self.selected = False
        self.setCursor(Qt.PointingHandCursor)
        self.setZValue(1)
        self.setToolTip(node["term"] + (" (known)" if self.known else ""))

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self.box.adjusted(-2, -2, 2, 2)

    def paint(self, painter: QPainter, _option: Any, _widget: Any = None) -> None:
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(QPen(QColor("#111827") if self.selected else self.border, 3 if self.selected else 1.5))
        painter.setBrush(QBrush(self.fill))
        painter.drawRoundedRect(self.box, 14, 14)

    def mousePressEvent(self, event: Any) -> None:  # noqa: N802
        if event.button() == Qt.LeftButton:
            self.on_click(self.term_id)
            event.accept()
        else:
            super().mousePressEvent(event)


class MapCanvas(QGraphicsView):
    term_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.Antialiasing)
        self.setDragMode(QGraphicsView.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse)
        self.setBackgroundBrush(qcolor("surface"))
        self.items_by_id: dict[int, TermItem] = {}

    def draw(self, graph: dict[str, Any], positions: dict[int, tuple[float, float]]) -> None:
        scene = self.scene()
        scene.clear()
        self.items_by_id = {}
        categories = sorted({n["category"] for n in graph["nodes"]})
        pen = QPen(QColor("#cbd5e1"), 2.0)
        for e in graph["edges"]:
            a, b = positions.get(e["source"]), positions.get(e["target"])
            if a and b:
                scene.addLine(a[0], a[1], b[0], b[1], pen).setZValue(0)
        for n in graph["nodes"]:
            item = TermItem(n, categories.index(n["category"]), self.term_clicked.emit)
            x, y = positions.get(n["id"], (0.0, 0.0))
            item.setPos(QPointF(x, y))
            scene.addItem(item)
            self.items_by_id[item.term_id] = item
        scene.setSceneRect(scene.itemsBoundingRect().adjusted(-60, -60, 60, 60))
        self.fit()

    def select(self, term_id: int | None) -> None:
        for item in self.items_by_id.values():
            item.selected = item.term_id == term_id
            item.update()

    def fit(self) -> None:
        if self.scene().items():
            self.fitInView(self.scene().sceneRect(), Qt.KeepAspectRatio)

    def zoom(self, factor: float) -> None:
        scale = self.transform().m11() * factor
        if 0.1 <= scale <= 6:
            self.scale(factor, factor)

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802
        if event.modifiers() & Qt.ControlModifier and event.key() in (Qt.Key_Equal, Qt.Key_Plus):
            self.zoom(1.25)
        elif event.modifiers() & Qt.ControlModifier and event.key() == Qt.Key_Minus:
            self.zoom(1 / 1.25)
        elif event.modifiers() & Qt.ControlModifier and event.key() == Qt.Key_0:
            self.fit()
        else:
            super().keyPressEvent(event)

    def wheelEvent(self, event: Any) -> None:  # noqa: N802
        self.zoom(1.15 if event.angleDelta().y() > 0 else 1 / 1.15)


class ConceptMapView(QWidget):
    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.subject_id: int | None = None
        self.graph: dict[str, Any] = {"nodes": [], "edges": []}
        self.selected: int | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 8, 0, 0)
        bar = QHBoxLayout()
        self.hint = QLabel("Drag to move around, wheel or Ctrl+= / Ctrl+- to zoom; click a term.")
        self.hint.setObjectName("Hint")
        bar.addWidget(self.hint, 1)
        bar.addWidget(icon_button("minus", "Zoom out (Ctrl+-)", lambda: self.canvas.zoom(1 / 1.25)))
        bar.addWidget(icon_button("plus", "Zoom in (Ctrl+=)", lambda: self.canvas.zoom(1.25)))
        fit = QPushButton("Fit")
        fit.setToolTip("Fit the whole map (Ctrl+0)")
        fit.clicked.connect(lambda: self.canvas.fit())
        bar.addWidget(fit)
        lay.addLayout(bar)
        split = QSplitter(Qt.Horizontal)
        self.canvas = MapCanvas()
        self.canvas.term_clicked.connect(self.show_term)
        self.details = QTextBrowser()
        self.details.setOpenLinks(False)
        self.details.anchorClicked.connect(lambda url: citations.open_link(self.ctx, url.toString()))
        split.addWidget(self.canvas)
        split.addWidget(self.details)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([720, 280])
        lay.addWidget(split, 1)
        self.empty = QLabel()
        self.empty.setObjectName("EmptyText")
        self.empty.setAlignment(Qt.AlignCenter)
        self.empty.setWordWrap(True)
        lay.addWidget(self.empty)
        for keys, fn, what in ((("Ctrl+=", "Ctrl++"), lambda: self.canvas.zoom(1.25), "Concept map: zoom in"),
                               (("Ctrl+-",), lambda: self.canvas.zoom(1 / 1.25), "Concept map: zoom out"),
                               (("Ctrl+0",), self.canvas.fit, "Concept map: fit to the view")):
            for key in keys:
                QShortcut(QKeySequence(key), self, activated=fn,
                          context=Qt.WidgetWithChildrenShortcut).setWhatsThis(what)   # for Help → Keyboard shortcuts

    def set_subject(self, subject_id: int | None) -> None:
        self.subject_id = subject_id
        self.refresh()

    def refresh(self) -> None:
        """Read the graph here (quick), lay it out on a reader thread, then draw it."""
        if self.subject_id is None:
            self._show_empty(True)
            return
        graph = glossary.concept_map(self.ctx.db, self.subject_id)
        self.graph = graph
        if not graph["nodes"]:
            self._show_empty(True)
            return
        self._show_empty(False)
        subject = self.subject_id
        run_in_background(lambda: layout.concept_layout(graph, SIZE),
                          lambda pos: self._laid_out(subject, graph, pos), owner=self, name="concept map layout")

    def _laid_out(self, subject: int, graph: dict[str, Any], positions: dict[int, tuple[float, float]]) -> None:
        if subject != self.subject_id:
            return
        self.canvas.draw(graph, positions)
        if self.selected in self.canvas.items_by_id:
            self.show_term(self.selected)
        else:
            self.selected = None
            self.details.setHtml(f"<p style='color:{color('muted')}'>Click a term to see its definition and where it comes "
                                 "from. Lines join terms the material uses together.</p>")

    def _show_empty(self, empty: bool) -> None:
        self.canvas.setVisible(not empty)
        self.details.setVisible(not empty)
        self.empty.setVisible(empty)
        self.empty.setText("No terms to draw yet. Find the subject's key terms on the Glossary tab: the map shows "
                           "them and how they relate.")

    def show_term(self, term_id: int) -> None:
        self.selected = term_id
        self.canvas.select(term_id)
        term = glossary.get_term(self.ctx.db, term_id)
        self.details.setHtml(term_html(self.ctx.db, term, []))
        paths = self.ctx.paths

        def found(where: list[dict]) -> None:
            if self.selected == term_id:
                self.details.setHtml(term_html(self.ctx.db, term, where))

        run_in_background(lambda: glossary.occurrences(thread_db(paths), term_id, 8), found, owner=self)
