"""Renaming, moving and deleting what is in the library.

Names live only in ``nodes``: a rename or move is one row update and never moves a
file. Files live under their document's id (``catalog.files``); deleting removes the
known files of the known documents and never a folder derived from names."""
from __future__ import annotations

import sqlite_utils

from ..catalog import (LEVELS, child_level, children, clean_name, clean_title, documents_under, extracted_text_file,
                       get_document, get_node, must_get_document, remove_document_file, require_book,
                       subtree_ids)
from .. import jobs, lectures
from ..errors import LecternError
from ..search.index import delete_document_chunks
from ..storage.db import write_transaction

# The ``store`` arguments of rename and move are kept for callers; chunks and vectors carry
# ids only, so neither needs the index.
def rename_node(db: sqlite_utils.Database, paths, node_id: int, new_name: str, store=None) -> None:
    """Rename a semester, subject or book: one row; no file moves (files live under ids)."""
    node = get_node(db, node_id)
    name = clean_name(new_name)
    if name == node.name:
        return
    if any(n.name.lower() == name.lower() and n.id != node_id for n in children(db, node.parent_id)):
        raise LecternError(f"There is already a {node.level} called '{name}' here.")
    db.execute("UPDATE nodes SET name=? WHERE id=?", (name, node_id))


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
    db.execute("UPDATE nodes SET parent_id=? WHERE id=?", (new_parent_id, node_id))


def rename_document(db: sqlite_utils.Database, document_id: int, title: str) -> None:
    """Change the title shown and cited (the file keeps its name)."""
    doc = must_get_document(db, document_id)
    title = clean_title(title)
    if not title:
        raise LecternError("Please give it a title.")
    with write_transaction(db):
        db.execute("UPDATE documents SET title=? WHERE id=?", (title, document_id))
        if doc.recording_id:
            db.execute("UPDATE recordings SET title=? WHERE id=?", (title, doc.recording_id))


def move_document(db: sqlite_utils.Database, paths, document_id: int, book_id: int, store=None) -> None:
    """File a PDF, note or lecture in another book: its node_id (and its recording's); no file moves."""
    doc = must_get_document(db, document_id)
    require_book(db, book_id)
    if doc.node_id == book_id:
        return
    with write_transaction(db):
        db.execute("UPDATE documents SET node_id=? WHERE id=?", (book_id, document_id))
        if doc.recording_id:
            db.execute("UPDATE recordings SET node_id=? WHERE id=?", (book_id, doc.recording_id))


def delete_document(db: sqlite_utils.Database, paths, document_id: int, store=None) -> None:
    """Remove one document: its chunks and vectors, its row, then its known file (and the
    ``files/<id>/`` folder made for it); nothing else. A lecture goes with its recording.

    A job still reading it is asked to stop (it also notices the document is gone).
    """
    doc = get_document(db, document_id)
    if doc is None:
        return
    if doc.job_id:
        jobs.request_cancel(db, doc.job_id)
    if doc.recording_id and _recording_exists(db, doc.recording_id):
        lectures.delete_recording(db, paths, doc.recording_id, store)
        if get_document(db, document_id) is None:
            return
    delete_document_chunks(db, store, document_id)      # the vector store first: never inside a transaction
    with write_transaction(db):
        db.execute("DELETE FROM chunks WHERE document_id=?", (document_id,))
        db.execute("DELETE FROM documents WHERE id=?", (document_id,))
    remove_document_file(paths, document_id, doc.path)
    extracted_text_file(paths, document_id).unlink(missing_ok=True)


def _recording_exists(db: sqlite_utils.Database, recording_id: int) -> bool:
    return db.execute("SELECT 1 FROM recordings WHERE id=?", (recording_id,)).fetchone() is not None


def delete_node(db: sqlite_utils.Database, paths, node_id: int, store=None) -> int:
    """Delete a semester, subject or book with the documents filed in it. Returns documents deleted.

    Each known document is deleted through the file layer (a lecture with its
    recording); then the node rows go. No folder named after the library is removed:
    a lecture filed elsewhere, even if its file was once kept under this node's name,
    is not touched.
    """
    get_node(db, node_id)                      # a plain error for an unknown id
    docs = documents_under(db, node_id)
    for doc in docs:
        delete_document(db, paths, doc.id, store)
    ids = subtree_ids(db, node_id)
    marks = ",".join("?" * len(ids))
    with write_transaction(db):
        # A recording filed here without a library entry yet (still being recorded) becomes unfiled.
        db.execute(f"UPDATE recordings SET node_id=NULL WHERE node_id IN ({marks})", ids)
        for nid in reversed(ids):          # children before parents
            db.execute("DELETE FROM nodes WHERE id=?", (nid,))
    return len(docs)
