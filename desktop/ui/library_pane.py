"""Library pane: Semester → Subject → Book, documents with live state, import, search, viewer.

Everything that touches files, the vector store or the full-text index runs on a
background thread (library changes on one writer thread, searches on readers);
the UI thread only reads small indexed rows and shows results.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QLineEdit, QMenu, QMessageBox, QPushButton,
                               QSplitter, QStackedWidget, QVBoxLayout, QWidget)

from ..core.library import ingest
from ..workers.submit import QueueJobs
from ..core import jobs
from ..core import library
from ..core.search import retrieval
from ..core.errors import LecternError
from ..core.library.pdftext import PasswordRequired
from .background import run_in_background, thread_db
from .document_table import DocumentTable
from .library_dialogs import (ask_name, ask_password, choose_book, choose_book_for_move, choose_parent)
from .library_tree import LibraryTree
from .search_results import Found, SearchResults
from .widgets import EmptyState

log = logging.getLogger(__name__)

FILE_FILTER = ("Course files (*.pdf *.txt *.md *.markdown *.wav *.mp3 *.m4a *.ogg *.flac *.mp4 *.mkv *.webm);;"
               "PDF (*.pdf);;Notes (*.txt *.md *.markdown);;All files (*)")
CHILD_LEVEL = {None: "semester", "semester": "subject", "subject": "book"}


class LibraryPane(QWidget):
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
        self.search.setMinimumWidth(320)
        add_btn = QPushButton("Add files…")
        add_btn.setObjectName("PrimaryButton")
        add_btn.clicked.connect(self.add_files)
        folder_btn = QPushButton("Import folder…")
        folder_btn.clicked.connect(self.import_folder)
        new_btn = QPushButton("New")
        new_btn.setToolTip("Create a semester, a subject or a book")
        new_btn.setMenu(QMenu(new_btn))
        new_btn.menu().aboutToShow.connect(lambda: self._fill_new_menu(new_btn.menu()))
        top = QHBoxLayout()
        top.addWidget(title)
        top.addSpacing(12)
        top.addWidget(self.search, 1)
        top.addWidget(new_btn)
        top.addWidget(folder_btn)
        top.addWidget(add_btn)

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
        QShortcut(QKeySequence.Find, self, activated=self._focus_search)
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
        if nodes and self.tree.current_node() is None:
            first_book = next((n for n in nodes if n.level == "book"), nodes[0])
            self.tree.select_node(first_book.id, emit=False)
        self.show_documents()

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
            self.where.setText(f"<b>{library.where_is(db, node_id)}</b> · {len(docs)} document(s)")
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

    # -- importing -----------------------------------------------------------------------------------
    def add_files(self) -> None:
        self.ctx.events.pane_requested.emit("library")
        files, _ = QFileDialog.getOpenFileNames(self, "Add files to your library", str(Path.home()), FILE_FILTER)
        if files:
            self.import_files(self.tree.current_node(), files)

    def import_files(self, node_id: int | None, files: list[str]) -> None:
        """File ``files`` into a book (asking which, when ``node_id`` is not a book) and read them."""
        if not files:
            return
        book = node_id
        if node_id is None or library.get_node(self.ctx.db, node_id).level != "book":
            what = f"these {len(files)} files" if len(files) > 1 else Path(files[0]).name
            book = choose_book(self.ctx.db, node_id, what, self)
            if book is None:
                return
            self.refresh()
        paths = self.ctx.paths
        self._busy(+1, f"Importing {len(files)} file(s)…")

        def work() -> list[library.ImportResult]:
            db = thread_db(paths)
            starter = QueueJobs(paths, db)
            results = library.import_files(db, paths, book, files, starter=starter)
            _submit_added(db, paths, results, starter)
            return results

        run_in_background(work, lambda r: self._imported(r, book), self._error, writer=True)

    def _imported(self, results: list[library.ImportResult], book: int | None) -> None:
        self._busy(-1)
        if self.ctx.monitor is not None:
            self.ctx.monitor.poll()
        added = [r for r in results if r.added]
        others = [r.message for r in results if not r.added]
        parts = []
        if added:
            where = library.where_is(self.ctx.db, book) if book else "your library"
            parts.append(f"Added {len(added)} file(s) to {where}; reading them in the background.")
        parts.extend(others)
        self.tell("\n".join(parts), "error" if any(r.status == "failed" for r in results) else "info")
        if book is not None:
            self.refresh()
            self.tree.select_node(book)
        self._changed()
        self.imported.emit(results)

    def import_folder(self) -> None:
        self.ctx.events.pane_requested.emit("library")
        folder = QFileDialog.getExistingDirectory(self, "Import a folder", str(Path.home()))
        if not folder:
            return
        try:
            target = self._folder_target()
        except _Cancelled:
            return
        self.import_folder_path(folder, target)

    def _folder_target(self) -> int | None:
        node = self.tree.current_node()
        if node is None:
            return None
        n = library.get_node(self.ctx.db, node)
        target = {"semester": "subjects", "subject": "books", "book": "this book"}[n.level]
        box = QMessageBox(self)
        box.setWindowTitle("Import a folder")
        box.setText(f"Import the folder into “{n.name}” (its folders become {target}), "
                    "or into the whole library (its folders become semesters, then subjects, then books)?")
        into = box.addButton(f"Into {n.name}", QMessageBox.AcceptRole)
        whole = box.addButton("Whole library", QMessageBox.AcceptRole)
        box.addButton(QMessageBox.Cancel)
        box.exec()
        if box.clickedButton() is into:
            return node
        if box.clickedButton() is whole:
            return None
        raise _Cancelled()

    def import_folder_path(self, folder: str, parent_id: int | None = None) -> None:
        paths = self.ctx.paths
        progress = self._folder_progress
        progress.clear()
        self._busy(+1, f"Looking through {folder}…")
        self._progress_timer.start()

        def on_progress(i: int, n: int, path: Path) -> None:
            progress.update(i=i, n=n, name=path.name)

        def work() -> list[library.ImportResult]:
            db = thread_db(paths)
            starter = QueueJobs(paths, db)
            results = library.import_folder(db, paths, folder, parent_id, progress=on_progress, starter=starter)
            _submit_added(db, paths, results, starter)
            return results

        def done(results: list[library.ImportResult]) -> None:
            self._progress_timer.stop()
            self._busy(-1)
            if self.ctx.monitor is not None:
                self.ctx.monitor.poll()
            added = sum(1 for r in results if r.added)
            dup = sum(1 for r in results if r.status == "duplicate")
            failed = [r.message for r in results if r.status in ("failed", "unsupported")]
            text = f"Imported {added} new file(s) from {Path(folder).name}"
            text += f"; {dup} already in the library were skipped." if dup else "."
            self.tell("\n".join([text, *failed[:5]]), "error" if failed else "info")
            self._changed()
            self.imported.emit(results)

        run_in_background(work, done, self._error, writer=True)

    def _show_folder_progress(self) -> None:
        p = self._folder_progress
        if p.get("n"):
            self.tell(f"Importing {p['i'] + 1} of {p['n']}: {p['name']}…", "busy")

    def add_sample_course(self) -> None:
        paths = self.ctx.paths
        self._busy(+1, "Adding the sample course…")

        def work() -> dict[str, Any]:
            db = thread_db(paths)
            starter = QueueJobs(paths, db)
            out = library.add_sample_course(db, paths, starter=starter)
            _submit_added(db, paths, [out["pdf"]], starter)
            return out

        def done(out: dict[str, Any]) -> None:
            self._busy(-1)
            if self.ctx.monitor is not None:
                self.ctx.monitor.poll()
            pdf = out["pdf"]
            lecture = out.get("lecture")
            text = "Added the sample course: a six-page cell biology primer"
            text += " and a short recorded lecture (transcribing now)." if lecture and lecture.added else "."
            text += " Try searching for “rubisco” once it is read."
            self.tell(text, "info")
            self._changed()
            if pdf.document_id:
                doc = library.get_document(self.ctx.db, pdf.document_id)
                if doc:
                    self.tree.select_node(doc.node_id)
            self.imported.emit([r for r in (pdf, lecture) if r is not None])

        run_in_background(work, done, self._error, writer=True)

    # -- folders: create, rename, move, delete --------------------------------------------------------
    def _fill_new_menu(self, menu: QMenu) -> None:
        menu.clear()
        menu.addAction(self.new_semester_action)
        node = self.tree.current_node()
        if node is not None:
            n = library.get_node(self.ctx.db, node)
            parent_for = {"semester": n.id, "subject": n.id, "book": n.parent_id}
            if n.level in ("semester", "subject"):
                level = CHILD_LEVEL[n.level]
                menu.addAction(f"New {level} in {n.name}…", lambda: self.create_child(parent_for[n.level]))
            if n.level in ("subject", "book"):
                subj = n.id if n.level == "subject" else n.parent_id
                menu.addAction(f"New book in {library.get_node(self.ctx.db, subj).name}…",
                               lambda: self.create_child(subj))

    def create_child(self, parent_id: int | None) -> int | None:
        level = CHILD_LEVEL[library.get_node(self.ctx.db, parent_id).level if parent_id is not None else None]
        hint = {"semester": "e.g. Fall 2024", "subject": "e.g. Biology 101", "book": "e.g. Campbell Biology"}[level]
        name = ask_name(self, f"New {level}", f"Name of the new {level} ({hint}):")
        if not name:
            return None
        try:
            node = library.create_node(self.ctx.db, parent_id, name)
        except LecternError as exc:
            self.tell(str(exc), "error")
            return None
        self.refresh()
        self.tree.select_node(node)
        self.ctx.events.library_changed.emit()
        return node

    def rename_node(self, node_id: int) -> None:
        node = library.get_node(self.ctx.db, node_id)
        name = ask_name(self, f"Rename {node.level}", f"New name for “{node.name}”:", node.name)
        if name and name != node.name:
            store = self.store      # made here: it reads the settings through the UI connection
            self.run_change(lambda db: library.rename_node(db, self.ctx.paths, node_id, name, store),
                            f"Renaming {node.name}…", f"Renamed “{node.name}” to “{name}”.")

    def move_node(self, node_id: int) -> None:
        node = library.get_node(self.ctx.db, node_id)
        target = choose_parent(self.ctx.db, node, self)
        if target is None:
            return
        where = library.where_is(self.ctx.db, target)
        store = self.store
        self.run_change(lambda db: library.move_node(db, self.ctx.paths, node_id, target, store),
                        f"Moving {node.name}…", f"Moved “{node.name}” into {where}.")

    def delete_node(self, node_id: int) -> None:
        db = self.ctx.db
        node = library.get_node(db, node_id)
        n_docs = len(library.documents_under(db, node_id))
        inner = len(library.subtree_ids(db, node_id)) - 1
        detail = f"{n_docs} document(s)" + (f" in {inner} folder(s)" if inner else "")
        answer = QMessageBox.question(
            self, f"Delete {node.level}",
            f"Delete the {node.level} “{node.name}” with its {detail}?\n\nTheir copies in Lectern's library, "
            "their passages and their search index go. The files you imported from stay where they were.",
            QMessageBox.Yes | QMessageBox.Cancel, QMessageBox.Cancel)
        if answer == QMessageBox.Yes:
            store = self.store
            self.run_change(lambda db: library.delete_node(db, self.ctx.paths, node_id, store),
                            f"Deleting {node.name}…", f"Deleted “{node.name}”.")

    def run_change(self, fn, busy: str, done: str) -> None:
        """Run a library change on the writer thread, then show the result."""
        self._busy(+1, busy)

        def finished(_r: Any) -> None:
            self._busy(-1)
            self.tell(done, "info")
            self._changed()

        run_in_background(lambda: fn(thread_db(self.ctx.paths)), finished, self._error, writer=True)

    def _tree_menu(self, pos) -> None:
        idx = self.tree.indexAt(pos)
        menu = QMenu(self)
        if not idx.isValid():
            menu.addAction(self.new_semester_action)
            menu.addAction(self.import_folder_action)
            menu.exec(self.tree.viewport().mapToGlobal(pos))
            return
        self.tree.setCurrentIndex(idx.siblingAtColumn(0))
        node = library.get_node(self.ctx.db, self.tree.current_node())
        if node.level == "book":
            menu.addAction("Add files…", self.add_files)
        else:
            child = CHILD_LEVEL[node.level]
            menu.addAction(f"New {child}…", lambda: self.create_child(node.id))
        menu.addSeparator()
        menu.addAction("Rename…\tF2", lambda: self.rename_node(node.id))
        if node.level != "semester":
            menu.addAction("Move to…", lambda: self.move_node(node.id))
        menu.addSeparator()
        menu.addAction("Delete…\tDel", lambda: self.delete_node(node.id))
        menu.exec(self.tree.viewport().mapToGlobal(pos))

    # -- documents ------------------------------------------------------------------------------------
    def _selected_docs(self) -> list[library.Document]:
        ids = set(self.table.selected_ids())
        return [d for d in self.table.model_.docs if d.id in ids]

    def _open_selected(self) -> None:
        docs = self._selected_docs()
        if docs:
            self.open_document(docs[0].id)

    def _retry_selected(self) -> None:
        for d in self._selected_docs():
            self.retry_document(d.id)

    def _cancel_selected(self) -> None:
        for d in self._selected_docs():
            job = self._active_job(d)
            if job is not None:
                self.ctx.cancel(job.id)

    def _delete_selected(self) -> None:
        ids = [d.id for d in self._selected_docs()]
        if ids:
            self.delete_documents(ids)

    def retry_document(self, document_id: int) -> None:
        doc = library.get_document(self.ctx.db, document_id)
        if doc is None:
            return
        if doc.state == ingest.LOCKED:
            self.unlock_document(document_id)
            return
        if doc.kind == "lecture":
            if doc.job_id:
                self.ctx.retry(doc.job_id)
            return
        try:
            ingest.retry_ingest(self.ctx.db, self.ctx.paths, document_id, self.ctx)
        except LecternError as exc:
            self.tell(str(exc), "error")
        self._refresh_timer.start()

    def unlock_document(self, document_id: int, wrong: bool = False) -> None:
        doc = library.get_document(self.ctx.db, document_id)
        if doc is None:
            return
        password = ask_password(self, doc.filename, wrong)
        if password is None:
            return
        paths = self.ctx.paths
        self._busy(+1, f"Opening {doc.filename} with its password…")

        def done(_r: Any) -> None:
            self._busy(-1)
            self.tell(f"{doc.filename} is unlocked; reading it now. The password was not kept.", "info")
            ingest.retry_ingest(self.ctx.db, paths, document_id, self.ctx)
            self._refresh_timer.start()

        def failed(exc: BaseException) -> None:
            if isinstance(exc, PasswordRequired):
                self._busy(-1)
                self.unlock_document(document_id, wrong=True)
            else:
                self._error(exc)

        run_in_background(lambda: ingest.unlock_document(thread_db(paths), paths, document_id, password),
                          done, failed, writer=True)

    def delete_documents(self, ids: list[int]) -> None:
        db = self.ctx.db
        docs = [d for d in (library.get_document(db, i) for i in ids) if d is not None]
        if not docs:
            return
        what = f"“{docs[0].title}”" if len(docs) == 1 else f"these {len(docs)} documents"
        answer = QMessageBox.question(
            self, "Delete", f"Delete {what} from your library?\n\nLectern's copy, its passages and its search "
            "index go. The file you imported from stays where it was.",
            QMessageBox.Yes | QMessageBox.Cancel, QMessageBox.Cancel)
        if answer == QMessageBox.Yes:
            self.delete_documents_now(ids)

    def delete_documents_now(self, ids: list[int]) -> None:
        paths, store = self.ctx.paths, self.store

        def work(db: Any) -> None:
            for i in ids:
                library.delete_document(db, paths, i, store)

        self.run_change(work, "Deleting…", f"Deleted {len(ids)} document(s).")

    def rename_document(self, document_id: int) -> None:
        doc = library.get_document(self.ctx.db, document_id)
        if doc is None:
            return
        title = ask_name(self, "Rename", "New title (shown in the library and in citations):", doc.title)
        if title and title != doc.title:
            try:
                library.rename_document(self.ctx.db, document_id, title)
            except LecternError as exc:
                self.tell(str(exc), "error")
            self._changed()

    def move_documents(self, book_id: int, ids: list[int]) -> None:
        paths, store = self.ctx.paths, self.store
        where = library.where_is(self.ctx.db, book_id)

        def work(db: Any) -> None:
            for i in ids:
                library.move_document(db, paths, i, book_id, store)

        self.run_change(work, "Moving…", f"Moved {len(ids)} document(s) to {where}.")

    def _table_menu(self, pos) -> None:
        docs = self._selected_docs()
        if not docs:
            return
        d = docs[0]
        menu = QMenu(self)
        menu.addAction("Open\tEnter", lambda: self.open_document(d.id))
        if any(x.state in ("failed", "cancelled") for x in docs):
            menu.addAction("Retry", self._retry_selected)
        if d.state == ingest.LOCKED:
            menu.addAction("Enter password…", lambda: self.unlock_document(d.id))
        if any(self._active_job(x) for x in docs):
            menu.addAction("Cancel reading", self._cancel_selected)
        if d.state == "ready" and d.kind in ("pdf", "note"):
            menu.addAction("Read again", lambda: [self._reread(x.id) for x in docs])
        menu.addSeparator()
        menu.addAction("Rename…\tF2", lambda: self.rename_document(d.id))
        menu.addAction("Move to another book…", lambda: self._move_selected(docs))
        menu.addSeparator()
        menu.addAction("Delete…\tDel", lambda: self.delete_documents([x.id for x in docs]))
        menu.exec(self.table.viewport().mapToGlobal(pos))

    def _reread(self, document_id: int) -> None:
        ingest.submit_ingest(self.ctx.db, self.ctx.paths, document_id, self.ctx)
        self._refresh_timer.start()

    def _move_selected(self, docs: list[library.Document]) -> None:
        target = choose_book_for_move(self.ctx.db, docs[0].node_id, self)
        if target is not None:
            self.move_documents(target, [d.id for d in docs])

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
        if doc.kind == "note":
            from .note_viewer import NoteViewer

            if self.note_viewer is None:
                self.note_viewer = NoteViewer(self.window())
            try:
                self.note_viewer.open(file, page or 1, highlight, doc.title)
            except LecternError as exc:
                self.tell(str(exc), "error")
                return False
            _present(self.note_viewer)
            return True
        from .pdf_viewer import PdfViewer

        if self.viewer is None:
            self.viewer = PdfViewer(self.window())
        _present(self.viewer)            # laid out first, so the jump to the page sticks
        if not self.viewer.open(file, page or 1, highlight, doc.title):
            self.tell(f"“{doc.title}” could not be opened in the viewer.", "error")
            return False
        return True

    def _open_found(self, found: Found) -> None:
        if found.what == "node":
            self.search.clear()
            self.tree.select_node(found.node_id)
            return
        if found.what == "document":
            self.open_document(found.document_id)
            return
        self.open_document(found.document_id, found.page or 1, found.highlight, found.start_s or 0.0)

    # -- search -----------------------------------------------------------------------------------------
    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _search_text_changed(self, text: str) -> None:
        if text.strip():
            self._search_timer.start()       # search once the student pauses typing
        else:
            self._search_timer.stop()
            self._run_search()               # back to the documents at once

    def _search_enter(self) -> None:
        self._search_timer.stop()
        self._run_search(open_first=False)

    def _run_search(self, open_first: bool = False) -> None:
        query = self.search.text().strip()
        self._search_seq += 1
        seq = self._search_seq
        if not query:
            self.right.setCurrentIndex(0)
            return
        paths = self.ctx.paths

        def work() -> tuple:
            db = thread_db(paths)
            nodes, docs = library.find_by_name(db, query)
            hits = retrieval.text_hits(db, query, limit=60)
            where = {n.id: library.where_is(db, n.id) for n in library.all_nodes(db) if n.level == "book"}
            return nodes, docs, hits, where

        def done(result: tuple) -> None:
            if seq != self._search_seq:
                return                       # an older search finished after a newer one started
            self.results.show_results(query, *result)
            self.right.setCurrentIndex(1)
            self.searched.emit(query)

        run_in_background(work, done, self._error)


class _Cancelled(Exception):
    pass


def _present(window: QWidget) -> None:
    window.show()
    window.raise_()
    window.activateWindow()


def _submit_added(db: Any, paths: Any, results: list[library.ImportResult], starter: QueueJobs) -> None:
    """Start reading every PDF or note that was just added (lectures start themselves)."""
    for r in results:
        if r.added and r.kind in ("pdf", "note") and r.document_id is not None:
            ingest.submit_ingest(db, paths, r.document_id, starter)
