"""Folders of the library: New semester / subject / book, Rename, Move, Delete (tree menu).

A mixin of ``LibraryPane``; changes run on the background ``writer`` lane through
``run_change``.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QMenu, QMessageBox

from ...core import library
from ...core.errors import LecternError
from ..background import run_in_background, thread_db
from ..library_dialogs import ask_name, choose_parent

CHILD_LEVEL = {None: "semester", "semester": "subject", "subject": "book"}


class FolderActions:
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
            if n.level == "book":          # a subject offers its new book just above
                subj = n.parent_id
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
        answer = QMessageBox.question(self, f"Delete {node.level}", delete_question(db, node),
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

        run_in_background(lambda: fn(thread_db(self.ctx.paths)), finished, self._error, writer=True, owner=self)

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


def _count(n: int, one: str, many: str) -> str:
    return f"1 {one}" if n == 1 else f"{n} {many}"


def delete_question(db: Any, node: library.Node) -> str:
    """What deleting a folder would take with it, in words (an empty one says so)."""
    n_docs = len(library.documents_under(db, node.id))
    inner = len(library.subtree_ids(db, node.id)) - 1
    if not n_docs and not inner:
        return f"Delete the empty {node.level} “{node.name}”?"
    parts = []
    if inner:
        parts.append(_count(inner, "folder", "folders"))
    if n_docs:
        parts.append(_count(n_docs, "document", "documents"))
    text = f"Delete the {node.level} “{node.name}” with its {' and '.join(parts)}?"
    if n_docs:
        it = "its" if n_docs == 1 else "their"
        text += (f"\n\nLectern's {'copy' if n_docs == 1 else 'copies'}, {it} passages and {it} search index go. "
                 f"The {'file' if n_docs == 1 else 'files'} you imported from {'stays' if n_docs == 1 else 'stay'}"
                 " where {} {}.".format('it' if n_docs == 1 else 'they', 'was' if n_docs == 1 else 'were'))
    return text
