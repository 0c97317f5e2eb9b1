"""The course library: Semester -> Subject -> Book, and the documents filed there.

Files are copied into ``<data>/library/<semester>/<subject>/<book>/`` (the original
is never touched); a document is identified by the sha256 of its bytes, so the same
file imported twice is recognised.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from .errors import LecternError

LEVELS = ("semester", "subject", "book")


@dataclass
class Node:
    id: int
    parent_id: int | None
    level: str
    name: str


@dataclass
class Document:
    id: int
    node_id: int
    kind: str
    title: str
    filename: str
    path: str
    sha256: str
    size: int
    pages: int | None
    state: str
    error: str
    job_id: int | None
    recording_id: int | None
    added_at: float

    @classmethod
    def from_row(cls, r: dict[str, Any]) -> "Document":
        return cls(**{k: r[k] for k in cls.__dataclass_fields__})


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _node(r: dict[str, Any]) -> Node:
    return Node(r["id"], r["parent_id"], r["level"], r["name"])


def get_node(db: sqlite_utils.Database, node_id: int) -> Node:
    rows = list(db.query("SELECT * FROM nodes WHERE id = ?", [node_id]))
    if not rows:
        raise LecternError("That folder of the library does not exist any more.")
    return _node(rows[0])


def children(db: sqlite_utils.Database, parent_id: int | None) -> list[Node]:
    if parent_id is None:
        rows = db.query("SELECT * FROM nodes WHERE parent_id IS NULL ORDER BY name COLLATE NOCASE")
    else:
        rows = db.query("SELECT * FROM nodes WHERE parent_id = ? ORDER BY name COLLATE NOCASE", [parent_id])
    return [_node(r) for r in rows]


def _child_level(parent: Node | None) -> str:
    if parent is None:
        return "semester"
    i = LEVELS.index(parent.level)
    if i + 1 >= len(LEVELS):
        raise LecternError("A book cannot contain folders; add documents to it instead.")
    return LEVELS[i + 1]


def _clean_name(name: str) -> str:
    name = " ".join(name.replace("/", "-").replace("\\", "-").split())
    if not name or name in (".", ".."):
        raise LecternError("Please give it a name.")
    return name[:120]


def create_node(db: sqlite_utils.Database, parent_id: int | None, name: str) -> int:
    parent = get_node(db, parent_id) if parent_id is not None else None
    level = _child_level(parent)
    name = _clean_name(name)
    if any(n.name.lower() == name.lower() for n in children(db, parent_id)):
        raise LecternError(f"There is already a {level} called '{name}' here.")
    cur = db.execute("INSERT INTO nodes (parent_id, level, name, created_at) VALUES (?,?,?,?)",
                     (parent_id, level, name, time.time()))
    return int(cur.lastrowid)


def ensure_path(db: sqlite_utils.Database, semester: str, subject: str, book: str | None = None) -> int:
    """The node for semester/subject[/book], created as needed. Returns the deepest id."""
    parent: int | None = None
    for name in [semester, subject] + ([book] if book else []):
        name = _clean_name(name)
        match = [n for n in children(db, parent) if n.name.lower() == name.lower()]
        parent = match[0].id if match else create_node(db, parent, name)
    assert parent is not None
    return parent


def lineage(db: sqlite_utils.Database, node_id: int) -> dict[str, str]:
    """{'semester': ..., 'subject': ..., 'book': ...} for a node (missing levels are '')."""
    out = {lvl: "" for lvl in LEVELS}
    current: int | None = node_id
    while current is not None:
        n = get_node(db, current)
        out[n.level] = n.name
        current = n.parent_id
    return out


def node_folder(db: sqlite_utils.Database, library_root: Path, node_id: int) -> Path:
    lin = lineage(db, node_id)
    return library_root.joinpath(*[lin[lvl] for lvl in LEVELS if lin[lvl]])


def find_by_sha(db: sqlite_utils.Database, sha: str) -> Document | None:
    rows = list(db.query("SELECT * FROM documents WHERE sha256 = ?", [sha]))
    return Document.from_row(rows[0]) if rows else None


def add_document(db: sqlite_utils.Database, node_id: int, kind: str, title: str, filename: str, path: str,
                 sha256: str, size: int, recording_id: int | None = None, state: str = "queued") -> int:
    cur = db.execute(
        "INSERT INTO documents (node_id, kind, title, filename, path, sha256, size, state, recording_id, added_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?)",
        (node_id, kind, title, filename, path, sha256, size, state, recording_id, time.time()))
    return int(cur.lastrowid)


def get_document(db: sqlite_utils.Database, document_id: int) -> Document | None:
    rows = list(db.query("SELECT * FROM documents WHERE id = ?", [document_id]))
    return Document.from_row(rows[0]) if rows else None


def documents_in(db: sqlite_utils.Database, node_id: int) -> list[Document]:
    return [Document.from_row(r) for r in db.query(
        "SELECT * FROM documents WHERE node_id = ? ORDER BY title COLLATE NOCASE", [node_id])]


def set_document_state(db: sqlite_utils.Database, document_id: int, state: str, error: str = "",
                       **fields: Any) -> None:
    sets = "".join(f", {k}=?" for k in fields)
    db.execute(f"UPDATE documents SET state=?, error=?{sets} WHERE id=?",
               (state, error, *fields.values(), document_id))
