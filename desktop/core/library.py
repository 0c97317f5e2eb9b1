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


# -- counts and listings ---------------------------------------------------------------------------
def all_nodes(db: sqlite_utils.Database) -> list[Node]:
    return [_node(r) for r in db.query("SELECT * FROM nodes ORDER BY name COLLATE NOCASE")]


def document_counts(db: sqlite_utils.Database) -> dict[int, int]:
    """Documents filed directly under each node (the UI sums them up the tree)."""
    return {r["node_id"]: r["n"] for r in db.query("SELECT node_id, count(*) AS n FROM documents GROUP BY node_id")}


def subtree_ids(db: sqlite_utils.Database, node_id: int) -> list[int]:
    """The node and everything below it."""
    rows = db.query(
        "WITH RECURSIVE t(id) AS (SELECT ? UNION ALL SELECT n.id FROM nodes n JOIN t ON n.parent_id = t.id)"
        " SELECT id FROM t", [node_id])
    return [r["id"] for r in rows]


def documents_under(db: sqlite_utils.Database, node_id: int) -> list[Document]:
    ids = subtree_ids(db, node_id)
    return [Document.from_row(r) for r in db.query(
        f"SELECT * FROM documents WHERE node_id IN ({','.join('?' * len(ids))}) ORDER BY title COLLATE NOCASE",
        ids)]


def where_is(db: sqlite_utils.Database, node_id: int) -> str:
    """'Semester / Subject / Book' for messages."""
    lin = lineage(db, node_id)
    return " / ".join(lin[lvl] for lvl in LEVELS if lin[lvl])


def document_path(paths, doc: Document) -> Path:
    return paths.root / doc.path


def extracted_text_file(paths, document_id: int) -> Path:
    """Where the text of a password-protected PDF is kept once the student unlocked it."""
    return paths.root / "extracted" / f"{document_id}.jsonl"


# -- importing -------------------------------------------------------------------------------------
NOTE_EXTENSIONS = (".txt", ".md", ".markdown", ".text")


def kind_for(path: Path) -> str | None:
    """'pdf', 'note', 'lecture' (audio/video), or None when Lectern cannot use the file."""
    ext = path.suffix.lower()
    if ext == ".pdf":
        return "pdf"
    if ext in NOTE_EXTENSIONS:
        return "note"
    try:
        from .lectures import MEDIA_EXTENSIONS
    except ImportError:
        return None
    return "lecture" if ext in MEDIA_EXTENSIONS else None


@dataclass
class ImportResult:
    source: str
    status: str                   # added | duplicate | unsupported | failed
    message: str = ""
    document_id: int | None = None
    recording_id: int | None = None
    kind: str = ""

    @property
    def added(self) -> bool:
        return self.status == "added"

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _unique_target(folder: Path, filename: str) -> Path:
    target = folder / filename
    stem, suffix = Path(filename).stem, Path(filename).suffix
    n = 2
    while target.exists():
        target = folder / f"{stem} ({n}){suffix}"
        n += 1
    return target


def _duplicate(db: sqlite_utils.Database, source: Path, existing: Document, kind: str) -> ImportResult:
    return ImportResult(str(source), "duplicate",
                        f"{source.name} is already there, in {where_is(db, existing.node_id)} "
                        f"(as '{existing.title}').", existing.id, existing.recording_id, kind)


def _require_book(db: sqlite_utils.Database, node_id: int) -> Node:
    node = get_node(db, node_id)
    if node.level != "book":
        raise LecternError("Files go into a book.", f"Choose or create a book inside '{node.name}' first.")
    return node


def import_file(db: sqlite_utils.Database, paths, node_id: int, source: Path | str,
                title: str | None = None) -> ImportResult:
    """Copy one file into a book (the original is never touched) and record it.

    PDFs and notes come back 'added' in state 'queued': the caller submits their
    ingestion job. Audio and video go to the lectures module, which starts the
    transcription itself. Nothing is copied for a duplicate.
    """
    import os
    import shutil

    source = Path(source).expanduser()
    _require_book(db, node_id)
    if not source.is_file():
        return ImportResult(str(source), "failed", f"{source} does not exist or is not a file.")
    kind = kind_for(source)
    if kind is None:
        return ImportResult(str(source), "unsupported",
                            f"{source.name}: Lectern reads PDFs, text and Markdown notes, audio and video.")
    if kind == "lecture":
        return _import_lecture(db, paths, node_id, source, title)
    sha = sha256_file(source)
    existing = find_by_sha(db, sha)
    if existing is not None:
        return _duplicate(db, source, existing, kind)
    folder = node_folder(db, paths.library, node_id)
    folder.mkdir(parents=True, exist_ok=True)
    size = source.stat().st_size
    if shutil.disk_usage(folder).free < size + 20 * 1024 * 1024:
        from .errors import DiskFull

        raise DiskFull(f"There is not enough free disk space to import {source.name}.", "Free some space, then retry.")
    target = _unique_target(folder, source.name)
    tmp = target.with_name(target.name + ".part")
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        return ImportResult(str(source), "failed", f"{source.name} could not be copied ({exc.strerror or exc}).")
    title = " ".join((title or "").split()) or source.stem
    rel = str(target.relative_to(paths.root))
    try:
        doc_id = add_document(db, node_id, kind, title, target.name, rel, sha, size)
    except Exception as exc:
        target.unlink(missing_ok=True)
        existing = find_by_sha(db, sha)   # imported by someone else a moment ago
        if existing is not None:
            return _duplicate(db, source, existing, kind)
        raise LecternError(f"{source.name} could not be recorded in the library: {exc}") from exc
    return ImportResult(str(source), "added", f"{source.name} added to {where_is(db, node_id)}.", doc_id, None, kind)


def _import_lecture(db: sqlite_utils.Database, paths, node_id: int, source: Path, title: str | None) -> ImportResult:
    try:
        from . import lectures
    except ImportError:
        return ImportResult(str(source), "unsupported", f"{source.name}: audio import is not available yet.")
    existing = find_by_sha(db, sha256_file(source))
    if existing is not None:
        return _duplicate(db, source, existing, "lecture")
    try:
        rec_id = lectures.import_media(db, paths, source, node_id, title)
    except LecternError as exc:
        return ImportResult(str(source), "failed", f"{source.name}: {exc}", kind="lecture")
    rows = list(db.query("SELECT id FROM documents WHERE recording_id = ?", [rec_id]))
    doc_id = rows[0]["id"] if rows else None
    return ImportResult(str(source), "added", f"{source.name} added to {where_is(db, node_id)}; transcribing.",
                        doc_id, rec_id, "lecture")


def import_files(db: sqlite_utils.Database, paths, node_id: int, sources: list[Path | str]) -> list[ImportResult]:
    out = []
    for s in sources:
        try:
            out.append(import_file(db, paths, node_id, s))
        except LecternError as exc:
            out.append(ImportResult(str(s), "failed", str(exc)))
    return out


GENERAL = "General"


def plan_folder(root: Path, level: str = "") -> list[tuple[tuple[str, ...], Path]]:
    """Map a folder tree onto the library: [(names of the missing levels, file)].

    ``level`` is the level of the node the folder is imported into ("" = the top,
    so the first folders are semesters; "semester" = they are subjects; "subject" =
    books; "book" = every file goes into that book). Files deeper than the book
    level stay in their book; files above it go into a book (or subject) named
    "General".
    """
    missing = {"": 3, "semester": 2, "subject": 1, "book": 0}[level]
    out: list[tuple[tuple[str, ...], Path]] = []
    root = Path(root)
    for path in sorted(root.rglob("*")):
        if not path.is_file() or any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        if kind_for(path) is None:
            continue
        folders = list(path.relative_to(root).parts[:-1])
        if missing == 3 and not folders:
            folders = [root.name]     # loose files at the top: the chosen folder is the semester
        names = folders[:missing]
        while len(names) < missing:
            names.append(GENERAL)
        out.append((tuple(names), path))
    return out


def import_folder(db: sqlite_utils.Database, paths, root: Path | str, parent_id: int | None = None,
                  progress: Any = None) -> list[ImportResult]:
    """Import a folder tree (see ``plan_folder``); files already in the library are skipped."""
    root = Path(root).expanduser()
    if not root.is_dir():
        raise LecternError(f"{root} is not a folder.")
    parent = get_node(db, parent_id) if parent_id is not None else None
    plan = plan_folder(root, parent.level if parent else "")
    out: list[ImportResult] = []
    for i, (names, path) in enumerate(plan):
        if progress:
            progress(i, len(plan), path)
        node = parent_id
        try:
            for name in names:
                node = child_named(db, node, name)
            assert node is not None
            out.append(import_file(db, paths, node, path))
        except LecternError as exc:
            out.append(ImportResult(str(path), "failed", str(exc)))
    return out


def child_named(db: sqlite_utils.Database, parent_id: int | None, name: str) -> int:
    name = _clean_name(name)
    match = [n for n in children(db, parent_id) if n.name.lower() == name.lower()]
    return match[0].id if match else create_node(db, parent_id, name)


# -- renaming, moving, deleting ----------------------------------------------------------------------
def _docs_and_scope_changed(db: sqlite_utils.Database, store, doc_ids: list[int]) -> None:
    """After a rename or move: chunks' scope fields in SQLite, then the vector metadata."""
    from .index import update_scope, update_vector_scope

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
    import os

    library_prefix = str(paths.library.relative_to(paths.root))
    for doc in docs:
        if not doc.path.startswith(library_prefix + os.sep):
            continue                       # e.g. a microphone recording kept in recordings/
        src = paths.root / doc.path
        folder = node_folder(db, paths.library, doc.node_id)
        if src.parent == folder:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        target = _unique_target(folder, doc.filename)
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
    import os

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
    name = _clean_name(new_name)
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
    if _child_level(parent) != node.level:
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
    doc = _must_get(db, document_id)
    title = " ".join(title.split())[:200]
    if not title:
        raise LecternError("Please give it a title.")
    db.execute("UPDATE documents SET title=? WHERE id=?", (title, document_id))
    if doc.recording_id:
        db.execute("UPDATE recordings SET title=? WHERE id=?", (title, doc.recording_id))


def move_document(db: sqlite_utils.Database, paths, document_id: int, book_id: int, store=None) -> None:
    doc = _must_get(db, document_id)
    _require_book(db, book_id)
    if doc.node_id == book_id:
        return
    old_folder = (paths.root / doc.path).parent
    db.execute("UPDATE documents SET node_id=? WHERE id=?", (book_id, document_id))
    if doc.recording_id:
        db.execute("UPDATE recordings SET node_id=? WHERE id=?", (book_id, doc.recording_id))
    moved = _must_get(db, document_id)
    _relocate(db, paths, [moved])
    _prune_empty_dirs(old_folder, paths.library)
    _docs_and_scope_changed(db, store, [document_id])


def _must_get(db: sqlite_utils.Database, document_id: int) -> Document:
    doc = get_document(db, document_id)
    if doc is None:
        raise LecternError("That document is not in the library any more.")
    return doc


def delete_document(db: sqlite_utils.Database, paths, document_id: int, store=None) -> None:
    """Remove one document: its file, its chunks and its vectors; nothing else.

    A job still reading it is asked to stop (it also notices the document is gone).
    """
    from . import jobs
    from .index import delete_document_chunks

    doc = get_document(db, document_id)
    if doc is None:
        return
    if doc.job_id:
        jobs.request_cancel(db, doc.job_id)
    if doc.recording_id:
        try:
            from . import lectures
        except ImportError:
            lectures = None  # type: ignore[assignment]
        if lectures is not None:
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
    import shutil

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


# -- the sample course ---------------------------------------------------------------------------------
SAMPLE_SEMESTER, SAMPLE_SUBJECT, SAMPLE_BOOK, SAMPLE_LECTURES = (
    "Sample semester", "Biology 101", "Cell biology primer", "Lectures")


def sample_files() -> tuple[Path, Path]:
    """(sample reader PDF, sample lecture audio) shipped in resources/sample."""
    from .resources import resource_path

    folder = resource_path("sample")
    return folder / "cell-biology-primer.pdf", folder / "lecture-photosynthesis.ogg"


def add_sample_course(db: sqlite_utils.Database, paths) -> dict[str, Any]:
    """File the sample reader (and, when lectures are available, the sample lecture).

    Returns {"pdf": ImportResult, "lecture": ImportResult | None}; the caller starts
    the reader's ingestion (the lecture's transcription starts on import).
    """
    pdf, audio = sample_files()
    book = ensure_path(db, SAMPLE_SEMESTER, SAMPLE_SUBJECT, SAMPLE_BOOK)
    out: dict[str, Any] = {"pdf": import_file(db, paths, book, pdf, title="Cell biology primer"), "lecture": None}
    try:
        from .lectures import import_media  # noqa: F401  (present once lectures are built)
    except ImportError:
        return out
    lectures_book = ensure_path(db, SAMPLE_SEMESTER, SAMPLE_SUBJECT, SAMPLE_LECTURES)
    if audio.exists():
        out["lecture"] = import_file(db, paths, lectures_book, audio, title="Lecture 1: Photosynthesis")
    return out


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
