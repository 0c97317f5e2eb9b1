"""A cheap fingerprint of what the library lists, to notice changes made by another process.

The worker and the command line change the library while a window is open (a PDF
imported by ``lectern import``, a lecture renamed by ``lectern library rename``). A window
asks for ``library_version`` every second or two and reloads its lists when it differs.
``PRAGMA data_version`` (which changes only when another connection wrote) saves reading
the tables when nothing happened at all.
"""
from __future__ import annotations

from typing import Any

import sqlite_utils


def data_version(db: sqlite_utils.Database) -> int:
    """Changes whenever another connection committed to app.db (not on this connection's own writes)."""
    return int(db.execute("PRAGMA data_version").fetchone()[0])


def library_version(db: sqlite_utils.Database) -> tuple[Any, ...]:
    """What the lists show of folders, documents and recordings (ids, places, names), hashed.

    A few milliseconds on a library of thousands of documents."""
    out: list[Any] = []
    for sql in ("SELECT count(*), group_concat(id || ':' || coalesce(parent_id, 0) || ':' || name, '/') FROM nodes",
                "SELECT count(*), group_concat(id || ':' || node_id || ':' || title, '/') FROM documents",
                "SELECT count(*), group_concat(id || ':' || coalesce(node_id, 0) || ':' || title, '/') "
                "FROM recordings"):
        count, names = db.execute(sql).fetchone()
        out += [count, hash(names or "")]
    return tuple(out)
