"""Adding to the library: "Add files…", "Import folder…" and the sample course.

A mixin of ``LibraryPane``: copies and reads run on the background ``writer`` lane;
the pane shows progress in its banner.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QMessageBox

from ...core import library
from ...core.catalog.documents import (EBOOK_EXTENSIONS as EBOOK, HTML_NOTE_EXTENSIONS as HTML_NOTES,
                                       IMAGE_EXTENSIONS as IMAGES, MEDIA_EXTENSIONS as MEDIA,
                                       NOTE_EXTENSIONS as NOTES, SLIDES_EXTENSIONS as SLIDES,
                                       WORDPROC_EXTENSIONS as WORDPROC)
from ...core.library import ingest
from ...workers.submit import QueueJobs
from ..background import run_in_background, thread_db
from ..file_dialogs import existing_folder, open_files
from ..library_dialogs import choose_book


def _patterns(*groups: tuple[str, ...]) -> str:
    return " ".join(f"*{e}" for g in groups for e in g)


FILE_FILTER = (f"Course files (*.pdf {_patterns(SLIDES, WORDPROC)} "
               f"{_patterns(EBOOK, NOTES, HTML_NOTES)} "
               f"{_patterns(IMAGES, MEDIA)});;"
               f"PDF (*.pdf);;Slides and documents ({_patterns(SLIDES, WORDPROC)});;"
               f"Notes ({_patterns(NOTES, HTML_NOTES)});;"
               f"Photos of pages ({_patterns(IMAGES)});;"
               f"Recordings ({_patterns(MEDIA)});;All files (*)")


class _Cancelled(Exception):
    pass


class AddingFiles:
    def add_files(self) -> None:
        self.ctx.events.pane_requested.emit("library")
        files = open_files(self, self.ctx, "add-files", "Add files to your library", FILE_FILTER)
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

        run_in_background(work, lambda r: self._imported(r, book), self._error, writer=True, owner=self)

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
        folder = existing_folder(self, self.ctx, "import-folder", "Import a folder")
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

        run_in_background(work, done, self._error, writer=True, owner=self)

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

        run_in_background(work, done, self._error, writer=True, owner=self)


def _submit_added(db: Any, paths: Any, results: list[library.ImportResult], starter: QueueJobs) -> None:
    """Start reading every course file that was just added (lectures start themselves)."""
    for r in results:
        if r.added and r.kind in library.READ_KINDS and r.document_id is not None:
            ingest.submit_ingest(db, paths, r.document_id, starter)

