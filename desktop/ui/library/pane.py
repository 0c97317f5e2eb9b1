"""Library pane: Semester → Subject → Book, documents with live state, import, search, viewer.

The pane lays out the tree, the documents table and the search results, keeps them
current and shows messages; what the student does with them lives in parts of their own:
``AddingFiles`` (Add files…, Import folder…, sample course), ``FolderActions``,
``DocumentActions`` and ``SearchBox``.

Everything that touches files, the vector store or the full-text index runs on a
background lane (library changes on one writer thread, searches on readers); the UI
thread only reads small indexed rows and shows results.
"""
from __future__ import annotations

import html
import logging
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QLineEdit, QMenu, QPushButton, QSplitter, QStackedWidget,
                               QVBoxLayout, QWidget)

from ...core import jobs, library
from ...core.errors import LecternError
from ...core.library import ingest
from ...core.search import retrieval
from ..background import wait_idle
from ..document_table import DocumentTable
from ..library_tree import LibraryTree
from ..search_results import Found, SearchResults
from ..sync import open_cloud_view
from ..theme import icon as theme_icon
from ..widgets import EmptyState
from .adding_files import AddingFiles
from .document_actions import DocumentActions
from .folder_actions import FolderActions
from .search_box import SearchBox

log = logging.getLogger(__name__)


class LibraryPane(AddingFiles, FolderActions, DocumentActions, SearchBox, QWidget):
    """The course library. ``viewer`` is the last PDF viewer opened (None before)."""

    imported = Signal(list)              # [ImportResult] after an import finished
    searched = Signal(str)               # the query whose results are now shown

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.viewer = None               # PdfViewer, created on first use
        self.note_viewer = None
        self._store = None
        self._busy_count = 0
        self._search_seq = 0
        self._folder_progress: dict[str, Any] = {}
        self._build()
        self._wire()
        self.refresh()

    # -- building --------------------------------------------------------------------------------
    def _build(self) -> None:
        self.add_files_action = QAction("Add files…", self)
        self.add_files_action.setShortcut(QKeySequence.Open)
        self.add_files_action.setToolTip("Add PDFs, notes or recordings to a book (Ctrl+O)")
        self.add_files_action.triggered.connect(self.add_files)
        self.import_folder_action = QAction("Import folder…", self)
        self.import_folder_action.setShortcut(QKeySequence("Ctrl+Shift+O"))
        self.import_folder_action.setToolTip("Import a folder of semesters / subjects / books (Ctrl+Shift+O)")
        self.import_folder_action.triggered.connect(self.import_folder)
        self.new_semester_action = QAction("New semester…", self)
        self.new_semester_action.triggered.connect(lambda: self.create_child(None))
        # The main window puts these in its File menu (global shortcuts).
        self.file_actions = [self.add_files_action, self.import_folder_action]

        title = QLabel("Library")
        title.setObjectName("PaneTitle")
        self.search = QLineEdit()
        self.search.setObjectName("LibrarySearch")
        self.search.setPlaceholderText("Search names and text of your library… (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(220)
        add_btn = QPushButton("Add files…")
        add_btn.setObjectName("PrimaryButton")
        add_btn.clicked.connect(self.add_files)
        folder_btn = QPushButton("Import folder…")
        folder_btn.clicked.connect(self.import_folder)
        self.cloud_button = QPushButton(theme_icon("cloud", "#64748b"), "")
        self.cloud_button.setAccessibleName("Cloud…")
        self.cloud_button.setFixedWidth(34)
        self.cloud_button.setToolTip("Cloud…: your S3 bucket as a file manager (what is only here, only there "
                                     "or both; download a book, upload a folder)")
        self.cloud_button.clicked.connect(lambda: open_cloud_view(self.ctx, self.window()))
        new_btn = QPushButton("New")
        new_btn.setToolTip("Create a semester, a subject or a book")
        new_btn.setMenu(QMenu(new_btn))
        new_btn.menu().aboutToShow.connect(lambda: self._fill_new_menu(new_btn.menu()))
        top = QHBoxLayout()
        top.addWidget(title)
        top.addSpacing(12)
        top.addWidget(self.search, 1)
        top.addWidget(self.cloud_button)
        top.addWidget(new_btn)
        top.addWidget(folder_btn)
        top.addWidget(add_btn)
        self._top_buttons = (self.cloud_button, new_btn, folder_btn, add_btn)

        self.banner = QLabel()
        self.banner.setObjectName("LibraryBanner")
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.banner.hide()
        self._banner_timer = QTimer(self)
        self._banner_timer.setSingleShot(True)
        self._banner_timer.timeout.connect(self.banner.hide)

        # Left: the tree. Right: where we are, the documents table, or search results.
        self.tree = LibraryTree()
        self.where = QLabel()
        self.where.setObjectName("LibraryWhere")
        self.where.setWordWrap(True)            # a long Semester / Subject / Book wraps instead of widening the pane
        self.where.setMinimumWidth(160)
        self.open_btn = QPushButton("Open")
        self.retry_btn = QPushButton("Retry")
        self.cancel_btn = QPushButton("Cancel")
        self.delete_btn = QPushButton("Delete")
        for b, fn in ((self.open_btn, self._open_selected), (self.retry_btn, self._retry_selected),
                      (self.cancel_btn, self._cancel_selected), (self.delete_btn, self._delete_selected)):
            b.clicked.connect(fn)
        self.retry_btn.setToolTip("Read the selected documents again")
        self.cancel_btn.setToolTip("Stop reading the selected documents (they are taken out of the index)")
        bar = QHBoxLayout()
        bar.addWidget(self.where, 1)
        for b in (self.open_btn, self.retry_btn, self.cancel_btn, self.delete_btn):
            bar.addWidget(b)
        self.table = DocumentTable()
        self.table_empty = QLabel()
        self.table_empty.setObjectName("EmptyText")
        self.table_empty.setAlignment(Qt.AlignCenter)
        self.table_empty.setWordWrap(True)
        self.results = SearchResults()
        self.right = QStackedWidget()
        table_page = QWidget()
        tl = QVBoxLayout(table_page)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addLayout(bar)
        tl.addWidget(self.table, 1)
        tl.addWidget(self.table_empty)
        self.right.addWidget(table_page)
        self.right.addWidget(self.results)
        split = QSplitter()
        split.addWidget(self.tree)
        split.addWidget(self.right)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([280, 720])
        split.setObjectName("LibrarySplitter")
        split.setChildrenCollapsible(False)
        self.splitter = split

        self.empty = EmptyState(
            "Your library is empty",
            "Organise your course files as Semester → Subject → Book. Drop PDFs, slides, notes or "
            "recordings onto a book, or import a whole folder. Lectern reads them in the background so "
            "you can search them and chat with them, with the page cited.",
            [("Add a sample course", self.add_sample_course), ("Create a semester…", lambda: self.create_child(None)),
             ("Import folder…", self.import_folder)], icon="library")
        self.stack = QStackedWidget()
        main = QWidget()
        ml = QVBoxLayout(main)
        ml.setContentsMargins(0, 0, 0, 0)
        ml.addWidget(split, 1)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(main)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addWidget(self.banner)
        lay.addWidget(self.stack, 1)
        self.addActions([self.add_files_action, self.import_folder_action])
        # Tab goes the way the eye reads: the top bar left to right, the tree, the buttons, the table.
        order = [self.search, *self._top_buttons, self.tree, self.open_btn, self.retry_btn, self.cancel_btn,
                 self.delete_btn, self.table, self.results]
        for a, b in zip(order, order[1:]):
            QWidget.setTabOrder(a, b)

    def _wire(self) -> None:
        self.tree.node_selected.connect(lambda _n: self.show_documents())
        self.tree.files_dropped.connect(self.import_files)
        self.tree.documents_dropped.connect(self.move_documents)
        self.tree.rename_requested.connect(self.rename_node)
        self.tree.delete_requested.connect(self.delete_node)
        self.tree.customContextMenuRequested.connect(self._tree_menu)
        self.table.open_requested.connect(lambda d: self.open_document(d))
        self.table.delete_requested.connect(self.delete_documents)
        self.table.rename_requested.connect(self.rename_document)
        self.table.customContextMenuRequested.connect(self._table_menu)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.results.open_requested.connect(self._open_found)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(220)
        self._search_timer.timeout.connect(self._run_search)
        self.search.textChanged.connect(self._search_text_changed)
        self.search.returnPressed.connect(self._search_enter)
        QShortcut(QKeySequence.Find, self, activated=self._focus_search).setWhatsThis("Search the library")
        self.search.installEventFilter(self)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(150)
        self._refresh_timer.timeout.connect(self.refresh)
        self._progress_timer = QTimer(self)
        self._progress_timer.setInterval(250)
        self._progress_timer.timeout.connect(self._show_folder_progress)
        events = self.ctx.events
        events.open_document_requested.connect(self.open_document)
        events.library_changed.connect(self._refresh_timer.start)
        if self.ctx.monitor is not None:
            self.ctx.monitor.job_changed.connect(self._on_job)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        # Escape in the search box clears it (back to the documents), wherever focus came from.
        if obj is self.search and event.type() == QEvent.KeyPress and event.key() == Qt.Key_Escape:
            self.search.clear()
            return True
        return super().eventFilter(obj, event)

    @property
    def store(self):
        if self._store is None:
            self._store = retrieval.open_store(self.ctx.paths, self.ctx.db)
        return self._store

    # -- reading the library ------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload the tree, its counts and the documents shown (small indexed queries)."""
        db = self.ctx.db
        nodes = library.all_nodes(db)
        self.tree.reload(nodes, library.document_counts(db))
        self.stack.setCurrentIndex(1 if nodes else 0)
        QTimer.singleShot(0, self, self.fit_tree)     # once the tree's page is laid out (not after the pane is gone)
        if nodes and self.tree.current_node() is None:
            first_book = next((n for n in nodes if n.level == "book"), nodes[0])
            self.tree.select_node(first_book.id, emit=False)
        self.show_documents()

    def fit_tree(self) -> None:
        """Start the tree wide enough for full names of typical length (until the student moves the splitter)."""
        split = self.splitter
        if split.property("moved") or split.property("restored") or split.width() < 200:
            return
        total = sum(split.sizes()) or split.width()
        want = max(240, min(self.tree.needed_width(), int(total * 0.42)))
        if abs(split.sizes()[0] - want) > 4:
            split.setSizes([want, max(1, total - want)])

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self.fit_tree()

    def show_documents(self) -> None:
        db = self.ctx.db
        node_id = self.tree.current_node()
        if node_id is None:
            docs, books = [], {}
            self.where.setText("")
        else:
            try:
                node = library.get_node(db, node_id)
            except LecternError:
                return
            docs = library.documents_under(db, node_id)
            books = {n.id: n.name for n in library.all_nodes(db) if n.level == "book"}
            count = "1 document" if len(docs) == 1 else f"{len(docs)} documents"
            self.where.setText(f"<b>{html.escape(library.where_is(db, node_id))}</b> · {count}")
            self.table.show_book_column(node.level != "book")
            if not docs:
                self.table_empty.setText(
                    "Nothing here yet. Drop PDFs, notes or recordings onto this book, or use Add files… (Ctrl+O)."
                    if node.level == "book" else
                    f"No documents in this {node.level} yet. Add a book inside it, then drop files onto it.")
        job_rows = jobs.get_jobs(db, [d.job_id for d in docs if d.job_id])
        selected = self.table.selected_ids()
        self.table.model_.set_documents(docs, books, job_rows)
        for doc_id in selected:
            self.table.select_document(doc_id)
        self.table.setVisible(bool(docs))
        self.table_empty.setVisible(not docs and node_id is not None)
        self._update_buttons()

    def _update_buttons(self) -> None:
        docs = [d for d in self.table.model_.docs if d.id in set(self.table.selected_ids())]
        self.open_btn.setEnabled(len(docs) == 1)
        self.delete_btn.setEnabled(bool(docs))
        self.retry_btn.setEnabled(any(d.state in ("failed", "cancelled", "locked") for d in docs))
        self.cancel_btn.setEnabled(any(self._active_job(d) for d in docs))

    def _active_job(self, doc: library.Document) -> jobs.Job | None:
        job = self.table.model_.job_for(doc)
        return job if job is not None and not job.finished else None

    def _on_job(self, job: jobs.Job) -> None:
        shown = self.table.model_.update_job(job)
        if job.finished and (shown or job.target.startswith(("document:", "recording:"))):
            self._refresh_timer.start()       # state, pages and counts changed in the documents table
        elif not shown and job.target.startswith("document:") and job.state == jobs.QUEUED:
            self._refresh_timer.start()

    def document_state(self, document_id: int) -> str:
        """What the State column shows for a document (tests read it like the student does)."""
        row = self.table.model_.row_of(document_id)
        return self.table.model_.state_of(row) if row >= 0 else ""

    # -- messages ------------------------------------------------------------------------------------
    def tell(self, text: str, tone: str = "info") -> None:
        """Show a message above the library; plain news fades after a while, problems stay."""
        self._banner_timer.stop()
        if text and tone == "info":
            self._banner_timer.start(12000)
        self.banner.setText(text)
        self.banner.setProperty("tone", tone)
        self.banner.style().unpolish(self.banner)
        self.banner.style().polish(self.banner)
        self.banner.setVisible(bool(text))

    def _error(self, exc: BaseException) -> None:
        self._busy(-1)
        if isinstance(exc, LecternError):
            self.tell(str(exc), "error")
        else:
            log.error("library action failed", exc_info=exc)
            self.tell(f"Something went wrong: {type(exc).__name__}: {exc}", "error")
        self.refresh()

    def _busy(self, delta: int, text: str = "") -> None:
        self._busy_count = max(0, self._busy_count + delta)
        if delta > 0 and text:
            self.tell(text, "busy")

    def is_busy(self) -> bool:
        return self._busy_count > 0

    def _changed(self) -> None:
        self.refresh()
        self.ctx.events.library_changed.emit()

    # -- opening ----------------------------------------------------------------------------------------
    def open_document(self, document_id: int, page: int = 1, highlight: str = "", start_s: float = 0.0) -> bool:
        """Open a document where the student asked: a PDF at a page, a note at a section, a lecture."""
        doc = library.get_document(self.ctx.db, document_id)
        if doc is None:
            self.tell("That document is not in the library any more.", "error")
            return False
        if doc.kind == "lecture":
            if doc.recording_id is not None:
                self.ctx.events.open_recording_requested.emit(doc.recording_id, float(start_s or 0.0))
                return True
            self.tell("This lecture has no recording to play.", "error")
            return False
        if doc.state == ingest.LOCKED and doc.kind == "pdf" and not library.extracted_text_file(
                self.ctx.paths, doc.id).exists():
            self.unlock_document(doc.id)
            return False
        file = self.ctx.paths.root / doc.path
        if not file.exists():
            self.tell(f"The file of “{doc.title}” is missing from the library folder. Delete it and import it "
                      "again.", "error")
            return False
        return self._show_in_viewer(doc, file, page or 1, highlight)

    # -- closing ----------------------------------------------------------------------------------------
    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self, timeout_ms: int = 10000) -> None:
        """Close the viewers and let a library change in progress land whole (on quit or close)."""
        for viewer in self.open_viewers():
            viewer.close()
        wait_idle(timeout_ms)

    def _open_found(self, found: Found) -> None:
        if found.what == "node":
            self.search.clear()
            self.tree.select_node(found.node_id)
            return
        if found.what == "document":
            self.open_document(found.document_id)
            return
        self.open_document(found.document_id, found.page or 1, found.highlight, found.start_s or 0.0)
