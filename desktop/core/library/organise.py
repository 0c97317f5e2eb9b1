"""Renaming, moving and deleting what is in the library."""
from __future__ import annotations

import os
import shutil
from pathlib import Path


import sqlite_utils

from ..catalog import (LEVELS, Document, child_level, children, clean_name, documents_under, extracted_text_file,
                       get_document, get_node, lineage, must_get_document, node_folder, require_book, subtree_ids)
from ..catalog.files import unique_target
from .. import jobs, lectures
from ..errors import LecternError
from ..search.index import delete_document_chunks, update_scope, update_vector_scope

# -- renaming, moving, deleting ----------------------------------------------------------------------
def _docs_and_scope_changed(db: sqlite_utils.Database, store, doc_ids: list[int]) -> None:
    """After a rename or move: chunks' scope fields in SQLite, then the vector metadata."""
    for doc_id in doc_ids:
        doc = get_document(db, doc_id)
        if doc is None:
            continue
        lin = lineage(db, doc.node_id)
        update_scope(db, doc_id, lin["semester"], lin["subject"], lin["book"])
        if store is not None:
            update_vector_scope(db, store, doc_id)


def _relocate(db: sqlite_utils.Database, paths, docs: list[Document]) -> None:
    """Move each document's managed file to its node's folder (after the nodes changed)."""
    library_prefix = str(paths.library.relative_to(paths.root))
    for doc in docs:
        if not doc.path.startswith(library_prefix + os.sep):
            continue                       # e.g. a microphone recording kept in recordings/
        src = paths.root / doc.path
        folder = node_folder(db, paths.library, doc.node_id)
        if src.parent == folder:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        target = unique_target(folder, doc.filename)
        rel = str(target.relative_to(paths.root))
        conn = db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("UPDATE documents SET path=?, filename=? WHERE id=?", (rel, target.name, doc.id))
            if doc.recording_id:   # an imported lecture: its recording follows its file
                conn.execute("UPDATE recordings SET path=? WHERE id=? AND path=?", (rel, doc.recording_id, doc.path))
            if src.exists():
                os.replace(src, target)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def _prune_empty_dirs(top: Path, stop: Path) -> None:
    """Remove empty folders from ``top`` up to (not including) ``stop``."""
    if not top.exists():
        top = top.parent
    for dirpath, _dirs, _files in sorted(os.walk(top, topdown=False), key=lambda t: -len(t[0])):
        p = Path(dirpath)
        if p != stop and stop in p.parents:
            try:
                p.rmdir()
            except OSError:
                pass
    p = top
    while p != stop and stop in p.parents:
        try:
            p.rmdir()
        except OSError:
            break
        p = p.parent


def rename_node(db: sqlite_utils.Database, paths, node_id: int, new_name: str, store=None) -> None:
    """Rename a semester, subject or book: folder on disk, documents, chunks and vectors follow."""
    node = get_node(db, node_id)
    name = clean_name(new_name)
    if name == node.name:
        return
    if any(n.name.lower() == name.lower() and n.id != node_id for n in children(db, node.parent_id)):
        raise LecternError(f"There is already a {node.level} called '{name}' here.")
    old_folder = node_folder(db, paths.library, node_id)
    db.execute("UPDATE nodes SET name=? WHERE id=?", (name, node_id))
    docs = documents_under(db, node_id)
    _relocate(db, paths, docs)
    _prune_empty_dirs(old_folder, paths.library)
    _docs_and_scope_changed(db, store, [d.id for d in docs])


def move_node(db: sqlite_utils.Database, paths, node_id: int, new_parent_id: int, store=None) -> None:
    """File a subject under another semester, or a book under another subject."""
    node = get_node(db, node_id)
    parent = get_node(db, new_parent_id)
    if node.level == "semester":
        raise LecternError("A semester is at the top of the library; it cannot go inside anything.")
    if child_level(parent) != node.level:
        want = LEVELS[LEVELS.index(node.level) - 1]
        raise LecternError(f"A {node.level} goes inside a {want}, not inside a {parent.level}.")
    if new_parent_id == node.parent_id:
        return
    if any(n.name.lower() == node.name.lower() for n in children(db, new_parent_id)):
        raise LecternError(f"'{parent.name}' already has a {node.level} called '{node.name}'.",
                           "Rename one of them first.")
    old_folder = node_folder(db, paths.library, node_id)
    db.execute("UPDATE nodes SET parent_id=? WHERE id=?", (new_parent_id, node_id))
    docs = documents_under(db, node_id)
    _relocate(db, paths, docs)
    _prune_empty_dirs(old_folder, paths.library)
    _docs_and_scope_changed(db, store, [d.id for d in docs])


def rename_document(db: sqlite_utils.Database, document_id: int, title: str) -> None:
    """Change the title shown and cited (the file keeps its name)."""
    doc = must_get_document(db, document_id)
    title = " ".join(title.split())[:200]
    if not title:
        raise LecternError("Please give it a title.")
    db.execute("UPDATE documents SET title=? WHERE id=?", (title, document_id))
    if doc.recording_id:
        db.execute("UPDATE recordings SET title=? WHERE id=?", (title, doc.recording_id))


def move_document(db: sqlite_utils.Database, paths, document_id: int, book_id: int, store=None) -> None:
    doc = must_get_document(db, document_id)
    require_book(db, book_id)
    if doc.node_id == book_id:
        return
    old_folder = (paths.root / doc.path).parent
    db.execute("UPDATE documents SET node_id=? WHERE id=?", (book_id, document_id))
    if doc.recording_id:
        db.execute("UPDATE recordings SET node_id=? WHERE id=?", (book_id, doc.recording_id))
    moved = must_get_document(db, document_id)
    _relocate(db, paths, [moved])
    _prune_empty_dirs(old_folder, paths.library)
    _docs_and_scope_changed(db, store, [document_id])


def delete_document(db: sqlite_utils.Database, paths, document_id: int, store=None) -> None:
    """Remove one document: its file, its chunks and its vectors; nothing else.

    A job still reading it is asked to stop (it also notices the document is gone).
    """
    doc = get_document(db, document_id)
    if doc is None:
        return
    if doc.job_id:
        jobs.request_cancel(db, doc.job_id)
    if doc.recording_id:
        lectures.delete_recording(db, paths, doc.recording_id, store)
        if get_document(db, document_id) is None:
            return
    delete_document_chunks(db, store, document_id)
    db.execute("DELETE FROM documents WHERE id=?", (document_id,))
    library_prefix = str(paths.library.relative_to(paths.root))
    if doc.path.startswith(library_prefix):
        f = paths.root / doc.path
        f.unlink(missing_ok=True)
    extracted_text_file(paths, document_id).unlink(missing_ok=True)


def delete_node(db: sqlite_utils.Database, paths, node_id: int, store=None) -> int:
    """Delete a semester, subject or book with everything filed in it. Returns documents deleted."""
    folder = node_folder(db, paths.library, node_id)
    docs = documents_under(db, node_id)
    for doc in docs:
        delete_document(db, paths, doc.id, store)
    ids = subtree_ids(db, node_id)
    marks = ",".join("?" * len(ids))
    # A recording filed here without a library entry yet (still being recorded) becomes unfiled.
    db.execute(f"UPDATE recordings SET node_id=NULL WHERE node_id IN ({marks})", ids)
    for nid in reversed(ids):          # children before parents
        db.execute("DELETE FROM nodes WHERE id=?", (nid,))
    if folder.exists() and paths.library in folder.parents and folder != paths.library:
        shutil.rmtree(folder, ignore_errors=True)
    return len(docs)
