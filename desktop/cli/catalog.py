"""lectern library: list the library, and rename, move and delete in it by id (same core calls as the window).

    lectern library [--json]                      the tree: node ids, document ids, each lecture's recording_id
    lectern library rename NODE_ID NAME           a semester, subject or book: one row, no file moves
    lectern library move-doc DOC_ID NODE_ID       a PDF, note or lecture into another book
    lectern library delete NODE_ID --yes          a folder with every document filed in it
    lectern library delete-doc DOC_ID --yes       one document (a lecture with its recording)
"""
from __future__ import annotations

import argparse
import contextlib
from typing import Any

from ..core.errors import LecternError
from ..core.storage.config import DataPaths
from .common import emit, fail


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("library", help="list the library; rename, move and delete in it by id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_library)
    ops = p.add_subparsers(dest="library_command", metavar="ACTION")

    def op(name: str, help_text: str, func: Any) -> argparse.ArgumentParser:
        q = ops.add_parser(name, help=help_text)
        # SUPPRESS: `lectern library --json rename ...` keeps the --json given before the action.
        q.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
        q.set_defaults(func=func)
        return q

    q = op("rename", "rename a semester, subject or book", cmd_rename)
    q.add_argument("node_id", type=int, metavar="NODE_ID")
    q.add_argument("name", metavar="NAME")
    q = op("move-doc", "file a PDF, note or lecture in another book", cmd_move_doc)
    q.add_argument("document_id", type=int, metavar="DOC_ID")
    q.add_argument("node_id", type=int, metavar="NODE_ID", help="the book it goes into")
    q = op("delete", "delete a semester, subject or book with everything filed in it", cmd_delete)
    q.add_argument("node_id", type=int, metavar="NODE_ID")
    q.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    q = op("delete-doc", "delete one document (a lecture with its recording and audio)", cmd_delete_doc)
    q.add_argument("document_id", type=int, metavar="DOC_ID")
    q.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")


def _open(paths: DataPaths) -> Any:
    from ..core.storage.db import open_db

    paths.ensure()
    return open_db(paths.db)


def _node(db: Any, node_id: int) -> Any:
    from ..core import library

    try:
        return library.get_node(db, node_id)
    except LecternError:
        raise LecternError(f"There is no folder with id {node_id} in the library.",
                           "See the ids with: lectern library") from None


def _document(db: Any, document_id: int) -> Any:
    from ..core import library

    doc = library.get_document(db, document_id)
    if doc is None:
        raise LecternError(f"There is no document with id {document_id} in the library.",
                           "See the ids with: lectern library") from None
    return doc


def _confirmed(args: argparse.Namespace, what: str) -> None:
    if not args.yes:
        raise LecternError(f"Deleting {what} cannot be undone.", "Add --yes to confirm.")


@contextlib.contextmanager
def _store(paths: DataPaths, db: Any) -> Any:
    """The vector store (started for this command if no window runs), so deleted vectors go too."""
    from ..core.runtime.services import ensure_services
    from ..core.search import retrieval

    with ensure_services(paths):
        yield retrieval.open_store(paths, db)


# -- listing -----------------------------------------------------------------------------------------
def library_tree(db: Any) -> list[dict[str, Any]]:
    """Every node with its id, level, name, the documents filed directly in it, and its children."""
    from ..core import library

    def docs(node_id: int) -> list[dict[str, Any]]:
        return [{"id": d.id, "title": d.title, "kind": d.kind, "state": d.state, "pages": d.pages,
                 "size": d.size, "error": d.error, "recording_id": d.recording_id}
                for d in library.documents_in(db, node_id)]

    def tree(parent: int | None) -> list[dict[str, Any]]:
        out = []
        for n in library.children(db, parent):
            item: dict[str, Any] = {"id": n.id, "level": n.level, "name": n.name, "documents": docs(n.id)}
            if n.level != "book":
                item["children"] = tree(n.id)
            out.append(item)
        return out

    return tree(None)


def cmd_library(args: argparse.Namespace, paths: DataPaths) -> int:
    data = library_tree(_open(paths))
    lines: list[str] = []

    def show(items: list[dict[str, Any]], depth: int) -> None:
        for it in items:
            lines.append("  " * depth + f"{it['name']}  [{it['level']} {it['id']}]")
            for d in it["documents"]:
                rec = f", recording {d['recording_id']}" if d["recording_id"] else ""
                lines.append("  " * (depth + 1) + f"#{d['id']} {d['title']} [{d['state']}{rec}]")
            show(it.get("children", []), depth + 1)

    show(data, 0)
    emit(data, args.json, "\n".join(lines) or "The library is empty.")
    return 0


# -- changes -----------------------------------------------------------------------------------------
def cmd_rename(args: argparse.Namespace, paths: DataPaths) -> int:
    from ..core import library

    as_json = getattr(args, "json", False)
    try:
        db = _open(paths)
        node = _node(db, args.node_id)
        library.rename_node(db, paths, node.id, args.name)
        renamed = library.get_node(db, node.id)
    except LecternError as exc:
        return fail(exc, as_json)
    out = {"node": renamed.id, "level": renamed.level, "name": renamed.name, "old_name": node.name,
           "where": library.where_is(db, renamed.id)}
    emit(out, as_json, f"Renamed {node.level} {node.id} '{node.name}' to '{renamed.name}'.")
    return 0


def cmd_move_doc(args: argparse.Namespace, paths: DataPaths) -> int:
    from ..core import library

    as_json = getattr(args, "json", False)
    try:
        db = _open(paths)
        doc = _document(db, args.document_id)
        node = _node(db, args.node_id)
        library.move_document(db, paths, doc.id, node.id)
        moved = _document(db, doc.id)
    except LecternError as exc:
        return fail(exc, as_json)
    out = {"document": moved.id, "title": moved.title, "kind": moved.kind, "node": moved.node_id,
           "recording_id": moved.recording_id, "where": library.where_is(db, moved.node_id)}
    emit(out, as_json, f"Moved #{moved.id} {moved.title} to {out['where']}.")
    return 0


def cmd_delete(args: argparse.Namespace, paths: DataPaths) -> int:
    from ..core import library

    as_json = getattr(args, "json", False)
    try:
        db = _open(paths)
        node = _node(db, args.node_id)
        where = library.where_is(db, node.id)
        _confirmed(args, f"the {node.level} '{where}' and everything filed in it")
        docs = [d.id for d in library.documents_under(db, node.id)]
        with _store(paths, db) as store:
            count = library.delete_node(db, paths, node.id, store)
    except LecternError as exc:
        return fail(exc, as_json)
    out = {"deleted_node": node.id, "level": node.level, "name": node.name, "documents_deleted": count,
           "document_ids": docs}
    emit(out, as_json, f"Deleted {node.level} '{where}' and its {count} document(s).")
    return 0


def cmd_delete_doc(args: argparse.Namespace, paths: DataPaths) -> int:
    from ..core import library

    as_json = getattr(args, "json", False)
    try:
        db = _open(paths)
        doc = _document(db, args.document_id)
        _confirmed(args, f"'{doc.title}'")
        with _store(paths, db) as store:
            library.delete_document(db, paths, doc.id, store)
    except LecternError as exc:
        return fail(exc, as_json)
    out = {"deleted_document": doc.id, "title": doc.title, "kind": doc.kind, "recording_id": doc.recording_id}
    emit(out, as_json, f"Deleted #{doc.id} {doc.title}.")
    return 0
