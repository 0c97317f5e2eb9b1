"""What part of the library a search or a chat looks at, by id.

A ``Scope`` names library folders (``node_ids``: a semester, subject or book stands for
everything below it) and single documents (``document_ids``); it is their union, and
empty means the whole library. Names never appear here: a rename or a move of a folder
or a document is one row update in ``nodes``/``documents`` and every saved scope follows
at once. ``resolve_document_ids`` turns a scope into document ids at query time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from ..errors import LecternError


class ScopeError(LecternError):
    """A saved scope that cannot be read: it is refused, never widened to the whole library."""


@dataclass(frozen=True)
class Scope:
    """The union of the subtrees of ``node_ids`` and the listed ``document_ids``; empty = everything."""

    node_ids: tuple[int, ...] = field(default_factory=tuple)
    document_ids: tuple[int, ...] = field(default_factory=tuple)

    @property
    def is_everything(self) -> bool:
        return not (self.node_ids or self.document_ids)

    def describe(self) -> str:
        """A short description without names (``describe_scope`` gives one with names)."""
        if self.is_everything:
            return "your whole library"
        parts: list[str] = []
        if self.node_ids:
            parts.append(f"{len(self.node_ids)} chosen folder(s)")
        if self.document_ids:
            parts.append(f"{len(self.document_ids)} chosen item(s)")
        return " and ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"node_ids": list(self.node_ids), "document_ids": list(self.document_ids)}

    @classmethod
    def from_dict(cls, d: Any) -> "Scope":
        """Read a saved scope; anything malformed raises ``ScopeError`` (never the whole library)."""
        if d is None or d == {}:
            return cls()
        if not isinstance(d, dict):
            raise ScopeError("This chat's scope could not be read.", "Choose its scope again.")
        unknown = set(d) - {"node_ids", "document_ids"}
        if unknown:
            raise ScopeError("This chat's scope is in a form Lectern does not know.", "Choose its scope again.")
        return cls(_ids(d.get("node_ids")), _ids(d.get("document_ids")))


def _ids(value: Any) -> tuple[int, ...]:
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        raise ScopeError("This chat's scope could not be read.", "Choose its scope again.")
    out: list[int] = []
    for v in value:
        # bool is an int in Python; a true/false here is damage, not an id.
        if isinstance(v, bool) or not isinstance(v, int):
            raise ScopeError("This chat's scope could not be read.", "Choose its scope again.")
        out.append(v)
    return tuple(dict.fromkeys(out))


def resolve_document_ids(db: sqlite_utils.Database, scope: Scope) -> list[int] | None:
    """The documents inside ``scope`` now (None = the whole library).

    Folders are followed down their subtrees at query time, so a document moved into
    or out of a chosen folder is in or out at once. Ids that no longer exist add nothing.
    """
    if scope.is_everything:
        return None
    found: dict[int, None] = {}
    if scope.node_ids:
        marks = ",".join("?" * len(scope.node_ids))
        sql = (f"WITH RECURSIVE t(id) AS (SELECT id FROM nodes WHERE id IN ({marks})"
               " UNION SELECT n.id FROM nodes n JOIN t ON n.parent_id = t.id)"
               " SELECT d.id FROM documents d JOIN t ON d.node_id = t.id ORDER BY d.id")
        for r in db.execute(sql, list(scope.node_ids)).fetchall():
            found[int(r[0])] = None
    if scope.document_ids:
        marks = ",".join("?" * len(scope.document_ids))
        for r in db.execute(f"SELECT id FROM documents WHERE id IN ({marks}) ORDER BY id",
                            list(scope.document_ids)).fetchall():
            found[int(r[0])] = None
    return list(found)


def describe_scope(db: sqlite_utils.Database, scope: Scope) -> str:
    """'Fall 2025 / Biology, Lecture 3' — today's names of what the scope holds."""
    if scope.is_everything:
        return "your whole library"
    parts: list[str] = []
    for node_id in scope.node_ids:
        names: list[str] = []
        current: int | None = node_id
        while current is not None:
            row = db.execute("SELECT parent_id, name FROM nodes WHERE id = ?", (current,)).fetchone()
            if row is None:
                break
            names.append(row[1])
            current = row[0]
        if names:
            parts.append(" / ".join(reversed(names)))
    for doc_id in scope.document_ids:
        row = db.execute("SELECT title FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is not None:
            parts.append(row[0])
    return ", ".join(parts) if parts else "items that are no longer in your library"


def scope_from_names(db: sqlite_utils.Database, semester: str = "", subject: str = "",
                     books: tuple[str, ...] | list[str] = ()) -> Scope:
    """The scope of the command line's --semester/--subject/--book names, as folder ids.

    Each name is looked up (case-insensitively, as folder names are unique that way)
    inside the levels given before it; a name that matches no folder is a plain error,
    never a wider search.
    """
    semester, subject = " ".join(semester.split()), " ".join(subject.split())
    books = [" ".join(b.split()) for b in books if b.strip()]
    found: list[int] | None = None
    for level, name in (("semester", semester), ("subject", subject)):
        if name:
            found = _named(db, level, name, found)
            if not found:
                raise ScopeError(f"There is no {level} called '{name}' in your library.",
                                 "Run `lectern library` to see the names.")
    if books:
        book_ids: list[int] = []
        for name in books:
            ids = _named(db, "book", name, found)
            if not ids:
                raise ScopeError(f"There is no book called '{name}' there in your library.",
                                 "Run `lectern library` to see the names.")
            book_ids.extend(ids)
        found = book_ids
    return Scope(node_ids=tuple(found or ()))


def _named(db: sqlite_utils.Database, level: str, name: str, within: list[int] | None) -> list[int]:
    """Folders of ``level`` called ``name``, inside the subtrees of ``within`` when given."""
    ids = [int(r[0]) for r in db.execute("SELECT id FROM nodes WHERE level = ? AND lower(name) = lower(?) ORDER BY id",
                                         (level, name)).fetchall()]
    if within is None:
        return ids
    if not within:
        return []
    marks = ",".join("?" * len(within))
    inside = {int(r[0]) for r in db.execute(
        f"WITH RECURSIVE t(id) AS (SELECT id FROM nodes WHERE id IN ({marks})"
        " UNION SELECT n.id FROM nodes n JOIN t ON n.parent_id = t.id) SELECT id FROM t", list(within)).fetchall()}
    return [i for i in ids if i in inside]
