"""The library's folders: Semester -> Subject -> Book, identified by id; names live only here."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from ..errors import LecternError
from .files import clean_text

LEVELS = ("semester", "subject", "book")


@dataclass
class Node:
    id: int
    parent_id: int | None
    level: str
    name: str


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


def child_level(parent: Node | None) -> str:
    if parent is None:
        return "semester"
    i = LEVELS.index(parent.level)
    if i + 1 >= len(LEVELS):
        raise LecternError("A book cannot contain folders; add documents to it instead.")
    return LEVELS[i + 1]


MAX_NAME_CHARS = 120


def clean_name(name: str) -> str:
    """A semester, subject or book name as it is stored and shown.

    Names never become paths, so any Unicode is kept, except: control characters and
    unpaired surrogates become spaces, runs of whitespace become one space, the ends
    are trimmed, ``/`` and ``\\`` become ``-`` (they separate levels in messages and
    in sync keys), and the result is cut to 120 characters. A name left empty, or
    only ``.`` or ``..``, is refused with a plain message.
    """
    name = clean_text(name.replace("/", "-").replace("\\", "-"))[:MAX_NAME_CHARS].rstrip()
    if not name or name in (".", ".."):
        raise LecternError("Please give it a name.")
    return name


def create_node(db: sqlite_utils.Database, parent_id: int | None, name: str) -> int:
    parent = get_node(db, parent_id) if parent_id is not None else None
    level = child_level(parent)
    name = clean_name(name)
    if any(n.name.lower() == name.lower() for n in children(db, parent_id)):
        raise LecternError(f"There is already a {level} called '{name}' here.")
    cur = db.execute("INSERT INTO nodes (parent_id, level, name, created_at) VALUES (?,?,?,?)",
                     (parent_id, level, name, time.time()))
    return int(cur.lastrowid)


def ensure_path(db: sqlite_utils.Database, semester: str, subject: str, book: str | None = None) -> int:
    """The node for semester/subject[/book], created as needed. Returns the deepest id."""
    parent: int | None = None
    for name in [semester, subject] + ([book] if book else []):
        name = clean_name(name)
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


# -- counts and listings ---------------------------------------------------------------------------
def all_nodes(db: sqlite_utils.Database) -> list[Node]:
    return [_node(r) for r in db.query("SELECT * FROM nodes ORDER BY name COLLATE NOCASE")]

def subtree_ids(db: sqlite_utils.Database, node_id: int) -> list[int]:
    """The node and everything below it."""
    rows = db.query(
        "WITH RECURSIVE t(id) AS (SELECT ? UNION ALL SELECT n.id FROM nodes n JOIN t ON n.parent_id = t.id)"
        " SELECT id FROM t", [node_id])
    return [r["id"] for r in rows]


def where_is(db: sqlite_utils.Database, node_id: int) -> str:
    """'Semester / Subject / Book' for messages."""
    lin = lineage(db, node_id)
    return " / ".join(lin[lvl] for lvl in LEVELS if lin[lvl])


def child_named(db: sqlite_utils.Database, parent_id: int | None, name: str) -> int:
    name = clean_name(name)
    match = [n for n in children(db, parent_id) if n.name.lower() == name.lower()]
    return match[0].id if match else create_node(db, parent_id, name)


def require_book(db: sqlite_utils.Database, node_id: int) -> Node:
    node = get_node(db, node_id)
    if node.level != "book":
        raise LecternError("Files go into a book.", f"Choose or create a book inside '{node.name}' first.")
    return node
