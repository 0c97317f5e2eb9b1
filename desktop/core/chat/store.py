"""Chats and their messages in app.db: create, list, rename, delete, append.

``chats`` holds the title, the scope (JSON), and the running summary (JSON: the text
and the id of the last message folded into it); ``messages`` holds role, content, the
sources given to the model (JSON) and meta (JSON: mode, query, timings...).
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from ..errors import LecternError
from ..search.scope import Scope
from ..storage.db import write_transaction
from .source import Source

log = logging.getLogger(__name__)

DEFAULT_TITLE = "New chat"
USER, ASSISTANT = "user", "assistant"
# What kind of assistant message: a written answer, "not in your material", passages only.
ANSWER, NOT_FOUND, PASSAGES = "answer", "not_found", "passages"


class ChatScopeUnreadable(LecternError):
    """A chat's stored scope could not be read: it is not widened to everything behind the student's back."""

    def __init__(self) -> None:
        super().__init__("This chat's scope could not be read; choose what it should look at.")


@dataclass
class Chat:
    id: int
    title: str
    scope: Scope
    summary: str
    summary_upto: int        # id of the last message folded into the summary
    created_at: float
    updated_at: float
    # Why the stored scope could not be read ("" when it could). Such a chat keeps its
    # messages, and ``scope`` is only a placeholder until the student chooses one.
    scope_problem: str = ""

    @property
    def needs_scope(self) -> bool:
        return bool(self.scope_problem)


@dataclass
class ChatMessage:
    id: int
    chat_id: int
    role: str
    content: str
    sources: list[Source]
    meta: dict[str, Any]
    created_at: float

    @property
    def mode(self) -> str:
        return str(self.meta.get("mode", ANSWER))

    @property
    def cited(self) -> list[Source]:
        return [s for s in self.sources if s.cited]


def _summary_fields(raw: str) -> tuple[str, int]:
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return raw, 0
    if isinstance(data, dict):
        return str(data.get("text", "")), int(data.get("upto", 0) or 0)
    return raw, 0


def parse_scope(raw: str | None) -> tuple[Scope, str]:
    """The scope stored as ``raw`` JSON, and "" — or a placeholder and what is wrong with it.

    An empty column is the whole library (what a new chat stores); anything else that
    does not parse is a problem to show, never a silent "everything".
    """
    if not raw:
        return Scope(), ""
    try:
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError(f"expected an object, found {type(data).__name__}")
        return Scope.from_dict(data), ""
    except (ValueError, TypeError, KeyError, LecternError) as exc:
        return Scope(), f"{type(exc).__name__}: {exc}"


def _chat(r: dict[str, Any]) -> Chat:
    scope, problem = parse_scope(r["scope"])
    if problem:
        log.warning("chat %s: its scope %r could not be read (%s); answers wait for a new choice",
                    r["id"], r["scope"], problem)
    text, upto = _summary_fields(r["summary"])
    return Chat(r["id"], r["title"], scope, text, upto, r["created_at"], r["updated_at"], problem)


def _message(r: dict[str, Any]) -> ChatMessage:
    try:
        sources = [Source.from_dict(d) for d in json.loads(r["citations"] or "[]")]
    except (ValueError, TypeError):
        log.warning("message %s: its sources could not be read", r["id"])
        sources = []
    try:
        meta = json.loads(r["meta"] or "{}")
    except ValueError:
        log.warning("message %s: its details could not be read", r["id"])
        meta = {}
    return ChatMessage(r["id"], r["chat_id"], r["role"], r["content"], sources, meta, r["created_at"])


def _clean_title(title: str) -> str:
    title = " ".join(title.split())
    return title[:80] or DEFAULT_TITLE


def _title_from(question: str) -> str:
    words = question.split()
    title = " ".join(words[:8])
    return _clean_title(title + ("…" if len(words) > 8 else ""))


def create_chat(db: sqlite_utils.Database, title: str = DEFAULT_TITLE, scope: Scope | None = None) -> int:
    now = time.time()
    cur = db.execute("INSERT INTO chats (title, scope, summary, created_at, updated_at) VALUES (?,?,?,?,?)",
                     (_clean_title(title), json.dumps((scope or Scope()).to_dict()), "", now, now))
    return int(cur.lastrowid)


def get_chat(db: sqlite_utils.Database, chat_id: int) -> Chat:
    rows = list(db.query("SELECT * FROM chats WHERE id = ?", [chat_id]))
    if not rows:
        raise LecternError(f"There is no chat number {chat_id} (it may have been deleted).")
    return _chat(rows[0])


def list_chats(db: sqlite_utils.Database, search: str = "") -> list[Chat]:
    """Most recent first; ``search`` matches titles and anything said in the chat."""
    if search.strip():
        like = f"%{search.strip()}%"
        rows = db.query(
            "SELECT * FROM chats WHERE title LIKE ? OR id IN (SELECT chat_id FROM messages WHERE content LIKE ?)"
            " ORDER BY updated_at DESC, id DESC", [like, like])
    else:
        rows = db.query("SELECT * FROM chats ORDER BY updated_at DESC, id DESC")
    return [_chat(r) for r in rows]


def rename_chat(db: sqlite_utils.Database, chat_id: int, title: str) -> None:
    get_chat(db, chat_id)
    if not title.strip():
        raise LecternError("Please give the chat a name.")
    db.execute("UPDATE chats SET title = ? WHERE id = ?", (_clean_title(title), chat_id))


def delete_chat(db: sqlite_utils.Database, chat_id: int) -> None:
    with write_transaction(db) as conn:
        conn.execute("DELETE FROM messages WHERE chat_id = ?", (chat_id,))
        conn.execute("DELETE FROM chats WHERE id = ?", (chat_id,))


def set_scope(db: sqlite_utils.Database, chat_id: int, scope: Scope) -> None:
    """The student's choice of what the chat looks at (this also settles an unreadable scope)."""
    db.execute("UPDATE chats SET scope = ?, updated_at = ? WHERE id = ?",
               (json.dumps(scope.to_dict()), time.time(), chat_id))


def set_summary(db: sqlite_utils.Database, chat_id: int, text: str, upto: int) -> None:
    db.execute("UPDATE chats SET summary = ? WHERE id = ?", (json.dumps({"text": text, "upto": upto}), chat_id))


def messages(db: sqlite_utils.Database, chat_id: int) -> list[ChatMessage]:
    return [_message(r) for r in db.query("SELECT * FROM messages WHERE chat_id = ? ORDER BY id", [chat_id])]


def get_message(db: sqlite_utils.Database, message_id: int) -> ChatMessage | None:
    rows = list(db.query("SELECT * FROM messages WHERE id = ?", [message_id]))
    return _message(rows[0]) if rows else None


def add_message(db: sqlite_utils.Database, chat_id: int, role: str, content: str,
                sources: list[Source] | None = None, meta: dict[str, Any] | None = None) -> int:
    """Append a message; the chat moves to the top, and a fresh chat is named after its first question."""
    now = time.time()
    with write_transaction(db) as conn:
        cur = conn.execute(
            "INSERT INTO messages (chat_id, role, content, citations, meta, created_at) VALUES (?,?,?,?,?,?)",
            (chat_id, role, content, json.dumps([s.as_dict() for s in sources or []]), json.dumps(meta or {}),
             now))
        conn.execute("UPDATE chats SET updated_at = ? WHERE id = ?", (now, chat_id))
        if role == USER:
            conn.execute("UPDATE chats SET title = ? WHERE id = ? AND title = ?",
                         (_title_from(content), chat_id, DEFAULT_TITLE))
    return int(cur.lastrowid)


def delete_messages_after(db: sqlite_utils.Database, chat_id: int, message_id: int) -> None:
    db.execute("DELETE FROM messages WHERE chat_id = ? AND id > ?", (chat_id, message_id))


def last_question(db: sqlite_utils.Database, chat_id: int) -> ChatMessage | None:
    rows = list(db.query("SELECT * FROM messages WHERE chat_id = ? AND role = ? ORDER BY id DESC LIMIT 1",
                         [chat_id, USER]))
    return _message(rows[0]) if rows else None
