"""The documents of the selected book (or subject, or semester), with live state."""
from __future__ import annotations

import html
import time
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QMimeData, QModelIndex, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from ..core import jobs
from ..core.catalog.documents import Document
from ..core.timefmt import format_duration, format_size
from . import theme
from .library_tree import DOC_MIME

COLUMNS = ("Title", "Kind", "Book", "Pages", "Size", "Added", "State")
TITLE, KIND, BOOK, PAGES, SIZE, ADDED, STATE = range(len(COLUMNS))
KIND_NAMES = {"pdf": "PDF", "note": "Note", "lecture": "Lecture", "slides": "Slides", "document": "Document",
              "ebook": "Ebook", "image": "Photo"}
TONES = ("ready", "failed", "busy", "locked", "muted")     # colours of theme.COLORS, in the look now shown

_VERBS = {"ingest_document": "ingesting", "transcribe_recording": "transcribing", "index_lecture": "indexing"}


def state_text(doc: Document, job: jobs.Job | None) -> tuple[str, str]:
    """(what the State column says, its tone) from the document row and its job."""
    if job is not None and job.state == jobs.RUNNING:
        if job.cancel_requested:
            return "cancelling…", "muted"
        verb = _VERBS.get(job.kind, "working")
        text = f"{verb} {job.progress * 100:.0f}%"
        if (job.stage or "").startswith("Recognising text"):     # OCR is slow: say which page
            text = f"{job.stage[0].lower()}{job.stage[1:]} · {job.progress * 100:.0f}%"
        if job.eta_s is not None:
            text += f" · ~{format_duration(job.eta_s)} left"
        return text, "busy"
    if job is not None and job.state == jobs.QUEUED:
        return "queued", "muted"
    if doc.state == "ready" or doc.state == "done":
        return ("ready · " + doc.error) if doc.error else "ready", "ready"
    if doc.state == "failed":
        return f"failed: {doc.error}" if doc.error else "failed", "failed"
    if doc.state == "cancelled":
        return "cancelled — not searchable (retry to read it)", "muted"
    if doc.state == "locked":
        return "locked — needs its password (double-click)", "locked"
    if doc.state in ("queued", "ingesting") and job is not None and job.finished:
        return doc.state, "muted"
    return doc.state or "queued", "muted"


class DocumentTableModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.docs: list[Document] = []
        self.books: dict[int, str] = {}
        self.jobs: dict[int, jobs.Job] = {}     # job id -> latest row

    # -- content ----------------------------------------------------------------------------------
    def set_documents(self, docs: list[Document], books: dict[int, str], job_rows: dict[int, jobs.Job]) -> None:
        self.beginResetModel()
        self.docs = docs
        self.books = books
        self.jobs.update(job_rows)
        self.endResetModel()

    def document(self, row: int) -> Document | None:
        return self.docs[row] if 0 <= row < len(self.docs) else None

    def row_of(self, document_id: int) -> int:
        for i, d in enumerate(self.docs):
            if d.id == document_id:
                return i
        return -1

    def job_for(self, doc: Document) -> jobs.Job | None:
        return self.jobs.get(doc.job_id) if doc.job_id else None

    def update_job(self, job: jobs.Job) -> bool:
        """Refresh the row of the document this job works on. False if it is not shown."""
        self.jobs[job.id] = job
        for i, d in enumerate(self.docs):
            if d.job_id == job.id:
                self.dataChanged.emit(self.index(i, STATE), self.index(i, STATE))
                return True
        return False

    def state_of(self, row: int) -> str:
        doc = self.docs[row]
        return state_text(doc, self.job_for(doc))[0]

    # -- Qt model ---------------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.docs)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return len(COLUMNS)

    def headerData(self, section: int, orientation, role=Qt.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex, role=Qt.DisplayRole) -> Any:
        if not index.isValid():
            return None
        doc = self.docs[index.row()]
        col = index.column()
        if role == Qt.DisplayRole:
            if col == TITLE:
                return doc.title
            if col == KIND:
                return KIND_NAMES.get(doc.kind, doc.kind)
            if col == BOOK:
                return self.books.get(doc.node_id, "")
            if col == PAGES:
                if doc.kind == "lecture":
                    return ""
                return str(doc.pages) if doc.pages else "–"
            if col == SIZE:
                return format_size(doc.size)
            if col == ADDED:
                return time.strftime("%d %b %Y", time.localtime(doc.added_at))
            if col == STATE:
                return state_text(doc, self.job_for(doc))[0]
        if role == Qt.ForegroundRole and col == STATE:
            return theme.qcolor(state_text(doc, self.job_for(doc))[1])
        if role == Qt.ForegroundRole and col in (KIND, BOOK, ADDED):
            return theme.qcolor("muted")
        if role == Qt.ToolTipRole:
            # Rich text, so a long failure message wraps in its tooltip instead of running off the screen.
            if col == STATE:
                return f"<p>{html.escape(state_text(doc, self.job_for(doc))[0])}</p>"
            return f"<p><b>{html.escape(doc.title)}</b><br>{html.escape(doc.filename)}</p>"
        if role == Qt.TextAlignmentRole and col in (PAGES, SIZE):
            return int(Qt.AlignRight | Qt.AlignVCenter)
        if role == Qt.UserRole:
            return doc.id
        return None

    def flags(self, index: QModelIndex) -> Qt.ItemFlags:
        f = super().flags(index)
        return f | Qt.ItemIsDragEnabled if index.isValid() else f

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return [DOC_MIME]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:  # noqa: N802
        ids = sorted({self.docs[i.row()].id for i in indexes if i.isValid()})
        mime = QMimeData()
        mime.setData(DOC_MIME, ",".join(map(str, ids)).encode())
        return mime

    def sort(self, column: int, order=Qt.AscendingOrder) -> None:
        keys = {TITLE: lambda d: d.title.lower(), KIND: lambda d: d.kind, BOOK: lambda d: self.books.get(d.node_id, "").lower(),
                PAGES: lambda d: d.pages or 0, SIZE: lambda d: d.size, ADDED: lambda d: d.added_at,
                STATE: lambda d: d.state}
        self.layoutAboutToBeChanged.emit()
        self.docs.sort(key=keys[column], reverse=order == Qt.DescendingOrder)
        self.layoutChanged.emit()


class DocumentTable(QTableView):
    open_requested = Signal(int)              # document id
    delete_requested = Signal(list)           # document ids
    rename_requested = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("DocumentTable")
        self.model_ = DocumentTableModel(self)
        self.setModel(self.model_)
        self.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setContextMenuPolicy(Qt.CustomContextMenu)
        self.setShowGrid(False)
        self.setAlternatingRowColors(True)
        self.setSortingEnabled(True)
        self.setWordWrap(False)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragOnly)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(30)
        h = self.horizontalHeader()
        h.setHighlightSections(False)
        h.setSectionResizeMode(TITLE, QHeaderView.Stretch)
        for col in (KIND, BOOK, PAGES, SIZE, ADDED):
            h.setSectionResizeMode(col, QHeaderView.ResizeToContents)
        h.setSectionResizeMode(STATE, QHeaderView.Stretch)
        h.setDefaultAlignment(Qt.AlignLeft | Qt.AlignVCenter)
        self.doubleClicked.connect(self._activated)

    def show_book_column(self, show: bool) -> None:
        self.setColumnHidden(BOOK, not show)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        # A narrow table gives its room to the titles: the date, then the size, step aside.
        super().resizeEvent(event)
        width = event.size().width()
        self.setColumnHidden(ADDED, width < 640)
        self.setColumnHidden(SIZE, width < 520)

    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.selectionModel().selectedRows()})
        return [self.model_.docs[r].id for r in rows if r < len(self.model_.docs)]

    def select_document(self, document_id: int) -> None:
        row = self.model_.row_of(document_id)
        if row >= 0:
            self.selectRow(row)

    def _activated(self, index: QModelIndex) -> None:
        doc = self.model_.document(index.row())
        if doc is not None:
            self.open_requested.emit(doc.id)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        ids = self.selected_ids()
        if ids and event.key() in (Qt.Key_Return, Qt.Key_Enter):
            self.open_requested.emit(ids[0])
            return
        if ids and event.key() in (Qt.Key_Delete, Qt.Key_Backspace):
            self.delete_requested.emit(ids)
            return
        if ids and event.key() == Qt.Key_F2:
            self.rename_requested.emit(ids[0])
            return
        super().keyPressEvent(event)
