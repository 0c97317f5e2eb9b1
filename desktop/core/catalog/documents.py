"""The documents filed in the library (books, notes, lectures), identified by id."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from ..errors import LecternError

from .files import clean_text, file_at, file_sha256
from .nodes import Node, _node, subtree_ids

MAX_TITLE_CHARS = 200


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
    return file_sha256(path)


def clean_title(title: str) -> str:
    """A document's title as stored and cited: any Unicode, control characters as spaces,
    whitespace collapsed, at most 200 characters ('' when nothing is left)."""
    return clean_text(title)[:MAX_TITLE_CHARS].rstrip()


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


def document_counts(db: sqlite_utils.Database) -> dict[int, int]:
    """Documents filed directly under each node (the UI sums them up the tree)."""
    return {r["node_id"]: r["n"] for r in db.query("SELECT node_id, count(*) AS n FROM documents GROUP BY node_id")}


def documents_under(db: sqlite_utils.Database, node_id: int) -> list[Document]:
    ids = subtree_ids(db, node_id)
    return [Document.from_row(r) for r in db.query(
        f"SELECT * FROM documents WHERE node_id IN ({','.join('?' * len(ids))}) ORDER BY title COLLATE NOCASE",
        ids)]


def document_path(paths, doc: Document) -> Path:
    return file_at(paths, doc.path)


def document_file(db: sqlite_utils.Database, paths, document_id: int) -> Path:
    """Where a document's file is, from its id (a plain error if it is gone)."""
    return document_path(paths, must_get_document(db, document_id))


def extracted_text_file(paths, document_id: int) -> Path:
    """Where the text of a password-protected PDF is kept once the student unlocked it."""
    return paths.root / "extracted" / f"{document_id}.jsonl"


NOTE_EXTENSIONS = (".txt", ".md", ".markdown", ".text")
MEDIA_EXTENSIONS = (".wav", ".mp3", ".m4a", ".ogg", ".flac", ".mp4", ".mkv", ".webm")
VIDEO_EXTENSIONS = (".mp4", ".mkv", ".webm")


SLIDES_EXTENSIONS = (".pptx", ".pptm", ".ppsx", ".odp", ".ppt", ".pps")
WORDPROC_EXTENSIONS = (".docx", ".docm", ".odt", ".doc")
EBOOK_EXTENSIONS = (".epub",)
HTML_NOTE_EXTENSIONS = (".html", ".htm", ".xhtml")
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".heic", ".heif")

# Kinds whose text the ingestion job reads (lectures are transcribed instead).
READ_KINDS = ("pdf", "note", "slides", "document", "ebook", "image")

_KIND_BY_EXT = {
    ".pdf": "pdf",
    **{e: "note" for e in NOTE_EXTENSIONS + HTML_NOTE_EXTENSIONS},
    **{e: "slides" for e in SLIDES_EXTENSIONS},
    **{e: "document" for e in WORDPROC_EXTENSIONS},
    **{e: "ebook" for e in EBOOK_EXTENSIONS},
    **{e: "image" for e in IMAGE_EXTENSIONS},
    **{e: "lecture" for e in MEDIA_EXTENSIONS},
}


def kind_for(path: Path) -> str | None:
    """'pdf', 'note', 'slides', 'document' (Word, Writer), 'ebook', 'image' (a photo or
    scan), 'lecture' (audio/video), or None when Lectern cannot use the file."""
    return _KIND_BY_EXT.get(path.suffix.lower())


# What one "page" of each kind is, as citations and search results say it.
_PLACE_WORD = {"slides": "slide", "document": "section", "ebook": "chapter"}


def place_word(kind: str) -> str:
    """'slide', 'section', 'chapter' or 'page': what a chunk's ``page`` counts."""
    return _PLACE_WORD.get(kind, "page")


def place_label(kind: str, page: int | None, section: int | None = None) -> str:
    """Where a passage is in its document: "slide 7", "chapter 3, § 2", "page 12" ('' if unknown)."""
    if page is None:
        return ""
    return f"{place_word(kind)} {page}" + (f", § {section}" if section else "")


def must_get_document(db: sqlite_utils.Database, document_id: int) -> Document:
    doc = get_document(db, document_id)
    if doc is None:
        raise LecternError("That document is not in the library any more.")
    return doc


def find_by_name(db: sqlite_utils.Database, text: str, limit: int = 50) -> tuple[list[Node], list[Document]]:
    """Folders and documents whose name contains ``text`` (case-insensitive)."""
    text = " ".join(text.split())
    if not text:
        return [], []
    like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    nodes = [_node(r) for r in db.query(
        "SELECT * FROM nodes WHERE name LIKE ? ESCAPE '\\' ORDER BY name COLLATE NOCASE LIMIT ?", [like, limit])]
    docs = [Document.from_row(r) for r in db.query(
        "SELECT * FROM documents WHERE title LIKE ? ESCAPE '\\' OR filename LIKE ? ESCAPE '\\'"
        " ORDER BY title COLLATE NOCASE LIMIT ?", [like, like, limit])]
    return nodes, docs


def outline_with_lectures(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Semesters -> subjects -> books, each with its lectures as leaves, for choosing a scope.

    Each entry is {"level", "id", "name", "children"}; a lecture's level is "lecture" and
    its id is its document id."""
    nodes = list(db.query("SELECT id, parent_id, level, name FROM nodes ORDER BY name COLLATE NOCASE"))
    lectures = list(db.query("SELECT id, node_id, title FROM documents WHERE kind = 'lecture' ORDER BY added_at, id"))
    by_parent: dict[Any, list[dict[str, Any]]] = {}
    for n in nodes:
        by_parent.setdefault(n["parent_id"], []).append(n)
    lectures_at: dict[int, list[dict[str, Any]]] = {}
    for d in lectures:
        lectures_at.setdefault(d["node_id"], []).append(d)

    def build(n: dict[str, Any]) -> dict[str, Any]:
        kids = [build(c) for c in by_parent.get(n["id"], [])]
        kids += [{"level": "lecture", "id": d["id"], "name": d["title"], "children": []}
                 for d in lectures_at.get(n["id"], [])]
        return {"level": n["level"], "id": n["id"], "name": n["name"], "children": kids}

    return [build(n) for n in by_parent.get(None, [])]
