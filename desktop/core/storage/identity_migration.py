"""Schema migration 3: identity by id (names leave the index, scopes and files go by id).

- the full-text trigger fires on a change of ``text`` only (not of ``vector_state``).

- ``chunks`` loses its semester/subject/book copies (names live only in ``nodes``) and
  gains ``vector_state``: vectors made by the older release are marked stale (2), so
  the ``reindex_vectors`` job rewrites their metadata (or re-embeds what is missing).
- each chat's scope {semester, subject, books, document_ids} becomes
  {node_ids, document_ids}, the names looked up once, now.
- ``file_moves`` plans the move of every managed file under ``library/<names>/`` to
  ``files/<document id>/<its file name>``; the moves happen after this transaction,
  one by one, each recorded there (``desktop.core.library.upgrade``).
"""
from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path


def migrate_identity_by_id(conn: sqlite3.Connection) -> None:
    # The full-text mirror follows the text only: marking a vector done must not re-index it.
    conn.execute("DROP TRIGGER chunks_au")
    conn.execute("""CREATE TRIGGER chunks_au AFTER UPDATE OF text ON chunks BEGIN
            INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
            INSERT INTO chunks_fts(rowid, text) VALUES (new.id, new.text);
        END""")
    for col in ("semester", "subject", "book"):
        conn.execute(f"ALTER TABLE chunks DROP COLUMN {col}")
    conn.execute("ALTER TABLE chunks ADD COLUMN vector_state INTEGER NOT NULL DEFAULT 0")
    conn.execute("UPDATE chunks SET vector_state = 2")
    conn.execute("CREATE INDEX chunks_vector_pending ON chunks(vector_state) WHERE vector_state <> 1")
    for chat_id, raw in conn.execute("SELECT id, scope FROM chats").fetchall():
        new = scope_by_ids(conn, raw)
        if new is not None:
            conn.execute("UPDATE chats SET scope = ? WHERE id = ?", (new, chat_id))
    conn.execute("""CREATE TABLE file_moves (
        document_id INTEGER PRIMARY KEY,
        old_path TEXT NOT NULL,                  -- relative to <data>, as the older release stored it
        new_path TEXT NOT NULL,                  -- files/<document_id>/<file name>
        state TEXT NOT NULL DEFAULT 'planned',   -- planned | done | missing
        updated_at REAL NOT NULL)""")
    now = time.time()
    for doc_id, path in conn.execute("SELECT id, path FROM documents WHERE path LIKE 'library/%'").fetchall():
        name = Path(path).name   # it exists under this name on this disk, so it is a valid file name here
        conn.execute("INSERT INTO file_moves (document_id, old_path, new_path, state, updated_at)"
                     " VALUES (?,?,?,?,?)", (doc_id, path, f"files/{doc_id}/{name}", "planned", now))


def scope_by_ids(conn: sqlite3.Connection, raw: str) -> str | None:
    """A chat scope of the older release (by names) as {node_ids, document_ids}; None = leave it.

    The older scope meant: semester AND subject AND (books OR documents), names
    compared exactly. A scope whose names match nothing any more keeps finding
    nothing (node id 0 never exists) rather than widening to the whole library; one
    that cannot be parsed is left as it is for the chat to report.
    """
    try:
        old = json.loads(raw or "{}")
    except ValueError:
        return None
    if not isinstance(old, dict) or "node_ids" in old:
        return None
    semester, subject = old.get("semester") or "", old.get("subject") or ""
    books = [b for b in old.get("books") or [] if isinstance(b, str)]
    doc_ids = [d for d in old.get("document_ids") or [] if isinstance(d, int) and not isinstance(d, bool)]
    if not (semester or subject or books or doc_ids):
        return json.dumps({"node_ids": [], "document_ids": []})
    within = _named(conn, "semester", semester, None) if semester else None
    if subject:
        within = _named(conn, "subject", subject, within)
    node_ids: list[int] = []
    docs: list[int] = []
    if books or doc_ids:
        if books:
            node_ids = [n for n, name in _descendants(conn, within, "book") if name in books]
        allowed = None if within is None else {n for n, _ in _descendants(conn, within, None)}
        for d in doc_ids:
            row = conn.execute("SELECT node_id FROM documents WHERE id = ?", (d,)).fetchone()
            if row is not None and (allowed is None or row[0] in allowed):
                docs.append(d)
    else:
        node_ids = list(within or [])
    if not node_ids and not docs:
        node_ids = [0]
    return json.dumps({"node_ids": node_ids, "document_ids": docs})


def _named(conn: sqlite3.Connection, level: str, name: str, within: list[int] | None) -> list[int]:
    """Nodes of ``level`` called ``name`` (inside the subtrees of ``within`` when given)."""
    ids = [r[0] for r in conn.execute("SELECT id FROM nodes WHERE level = ? AND name = ? ORDER BY id",
                                      (level, name)).fetchall()]
    if within is None:
        return ids
    inside = {n for n, _ in _descendants(conn, within, None)}
    return [i for i in ids if i in inside]


def _descendants(conn: sqlite3.Connection, roots: list[int] | None, level: str | None) -> list[tuple[int, str]]:
    """(id, name) of the nodes in the subtrees of ``roots`` (all nodes when None), optionally of one level."""
    if roots is None:
        rows = conn.execute("SELECT id, level, name FROM nodes ORDER BY id").fetchall()
    elif not roots:
        return []
    else:
        marks = ",".join("?" * len(roots))
        rows = conn.execute(
            f"WITH RECURSIVE t(id) AS (SELECT id FROM nodes WHERE id IN ({marks})"
            " UNION SELECT n.id FROM nodes n JOIN t ON n.parent_id = t.id)"
            " SELECT nodes.id, nodes.level, nodes.name FROM nodes JOIN t ON t.id = nodes.id ORDER BY nodes.id",
            list(roots)).fetchall()
    return [(r[0], r[2]) for r in rows if level is None or r[1] == level]
