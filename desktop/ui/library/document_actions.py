"""Documents of a book: Open (in the viewer of its kind, at the cited place), Retry,
Cancel reading, Enter password, Rename, Move, Delete.

A mixin of ``LibraryPane`` (the buttons above the table and its context menu).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from ...core import library
from ...core.errors import LecternError
from ...core.library import ingest
from ...core.library.pdftext import PasswordRequired
from ..background import run_in_background, thread_db
from ..library_dialogs import ask_name, ask_password, choose_book_for_move
from ..study import request_cards, request_summary


HTML_NOTES = (".html", ".htm", ".xhtml")


class DocumentActions:
    def _show_in_viewer(self, doc: library.Document, file: Path, page: int, highlight: str) -> bool:
        """Open a course file in the viewer of its kind at ``page`` (its slide, section,
        chapter or page), with ``highlight`` (the cited passage or the searched words) marked."""
        from ..note_viewer import NoteViewer
        from ..pdf_viewer import PdfViewer
        from ..viewers import ImageViewer, ReadingViewer

        if doc.kind == "note" and file.suffix.lower() not in HTML_NOTES:
            if self.note_viewer is None:
                self.note_viewer = NoteViewer(self.window())
            try:
                self.note_viewer.open(file, page or 1, highlight, doc.title)
            except LecternError as exc:
                self.tell(str(exc), "error")
                return False
            _present(self.note_viewer)
            return True
        if doc.kind in ("slides", "document", "ebook", "note"):
            viewer = self._viewer_of("reading_viewer", ReadingViewer)
            viewer.open(file, doc.kind, page or 1, highlight, doc.title)
            _present(viewer)
            return True
        if doc.kind == "image":
            viewer = self._viewer_of("image_viewer", ImageViewer)
            viewer.open(self.ctx.paths, doc.id, file, highlight, doc.title)
            _present(viewer)
            return True
        if self.viewer is None:
            self.viewer = PdfViewer(self.window())
        _present(self.viewer)            # laid out first, so the jump to the page sticks
        if not self.viewer.open(file, page or 1, highlight, doc.title, document_id=doc.id, paths=self.ctx.paths):
            self.tell(f"“{doc.title}” could not be opened in the viewer.", "error")
            return False
        return True

    def _viewer_of(self, name: str, cls: type) -> Any:
        """The pane's one viewer window of a kind, made on first use."""
        viewer = getattr(self, name, None)
        if viewer is None or not shiboken6.isValid(viewer):
            viewer = cls(self.window())
            setattr(self, name, viewer)
        return viewer

    def open_viewers(self) -> list[QWidget]:
        """Every viewer window this pane made (to close them on quit)."""
        found = [getattr(self, n, None) for n in ("viewer", "note_viewer", "reading_viewer", "image_viewer")]
        return [v for v in found if v is not None and shiboken6.isValid(v)]

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
                          done, failed, writer=True, owner=self)

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
        if d.state == "ready" and d.kind in library.READ_KINDS:
            menu.addAction("Read again", lambda: [self._reread(x.id) for x in docs])
        if d.state == "ready":
            menu.addSeparator()
            menu.addAction("Summarise…", lambda: request_summary(self.ctx, self, d.id))
            menu.addAction("Make cards…", lambda: request_cards(self.ctx, self, d.id))
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


def _present(window: QWidget) -> None:
    window.show()
    window.raise_()
    window.activateWindow()
