"""Bringing files into the library: one file, many files, a folder tree, the sample course."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from .. import lectures
from ..catalog import (
    Document,
    StagedFile,
    add_document,
    check_room_for,
    child_named,
    clean_text,
    clean_title,
    copy_in,
    ensure_path,
    find_by_sha,
    get_node,
    kind_for,
    require_book,
    sha256_file,
    where_is,
)
from ..errors import DiskFull, DocumentError, LecternError
from ..jobs import JobStarter
from ..storage.resources import resource_path


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


def _duplicate(db: sqlite_utils.Database, source: Path, existing: Document, kind: str) -> ImportResult:
    return ImportResult(str(source), "duplicate",
                        f"{clean_text(source.name)} is already there, in {where_is(db, existing.node_id)} "
                        f"(as '{existing.title}').", existing.id, existing.recording_id, kind)


def import_file(db: sqlite_utils.Database, paths, node_id: int, source: Path | str,
                title: str | None = None, *, starter: JobStarter | None) -> ImportResult:
    """Copy one file into a book (the original is never touched) and record it.

    The copy goes to ``<data>/files/<document_id>/`` through the one file layer.
    PDFs and notes come back 'added' in state 'queued': the caller submits their
    ingestion job. Audio and video go to the lectures module, which starts the
    transcription itself. Nothing is copied for a duplicate.
    """
    source = Path(source).expanduser()
    require_book(db, node_id)
    shown = clean_text(source.name) or str(source)
    try:
        if not source.is_file():
            return ImportResult(str(source), "failed", f"{shown} does not exist or is not a file.")
        kind = kind_for(source)
        if kind is None:
            return ImportResult(str(source), "unsupported",
                                f"{shown}: Lectern reads PDFs, slides (.pptx, .odp), documents (.docx, .odt), "
                                "EPUB books, notes (.txt, .md, .html), photos (.png, .jpg), audio and video.")
        if kind == "lecture":
            return _import_lecture(db, paths, node_id, source, title, starter)
        check_room_for(paths, source)
        sha = sha256_file(source)
    except OSError as exc:
        return ImportResult(str(source), "failed", f"{shown} could not be read ({exc.strerror or exc}).")
    existing = find_by_sha(db, sha)
    if existing is not None:
        return _duplicate(db, source, existing, kind)
    title = clean_title(title or "") or clean_title(source.stem) or "Untitled"

    def record(staged: StagedFile) -> int:
        doc_id = add_document(db, node_id, kind, title, staged.name, "", staged.sha256, staged.size)
        db.execute("UPDATE documents SET path=? WHERE id=?", (staged.relpath(doc_id), doc_id))
        return doc_id

    try:
        staged = copy_in(db, paths, source, record, sha256=sha)
    except sqlite3.IntegrityError as exc:
        existing = find_by_sha(db, sha)   # imported by someone else a moment ago
        if existing is not None:
            return _duplicate(db, source, existing, kind)
        raise LecternError(f"{shown} could not be recorded in the library.") from exc
    except DiskFull:
        raise                             # the next files will not fit either: the caller stops
    except DocumentError as exc:
        return ImportResult(str(source), "failed", str(exc), kind=kind)
    return ImportResult(str(source), "added", f"{shown} added to {where_is(db, node_id)}.",
                        staged.document_id, None, kind)


def _import_lecture(db: sqlite_utils.Database, paths, node_id: int, source: Path, title: str | None,
                    starter: JobStarter | None) -> ImportResult:
    check_room_for(paths, source)
    existing = find_by_sha(db, sha256_file(source))
    if existing is not None:
        return _duplicate(db, source, existing, "lecture")
    try:
        rec_id = lectures.import_media(db, paths, source, node_id, title, starter=starter)
    except lectures.DuplicateMedia:
        again = find_by_sha(db, sha256_file(source))     # imported elsewhere a moment ago
        if again is None:
            raise
        return _duplicate(db, source, again, "lecture")
    except LecternError as exc:
        return ImportResult(str(source), "failed", f"{clean_text(source.name)}: {exc}", kind="lecture")
    rows = list(db.query("SELECT id FROM documents WHERE recording_id = ?", [rec_id]))
    doc_id = rows[0]["id"] if rows else None
    return ImportResult(str(source), "added",
                        f"{clean_text(source.name)} added to {where_is(db, node_id)}; transcribing.",
                        doc_id, rec_id, "lecture")


def import_files(db: sqlite_utils.Database, paths, node_id: int, sources: list[Path | str], *,
                 starter: JobStarter | None) -> list[ImportResult]:
    out = []
    for s in sources:
        try:
            out.append(import_file(db, paths, node_id, s, starter=starter))
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
                  progress: Any = None, *, starter: JobStarter | None) -> list[ImportResult]:
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
            out.append(import_file(db, paths, node, path, starter=starter))
        except LecternError as exc:
            out.append(ImportResult(str(path), "failed", str(exc)))
    return out


# -- the sample course ---------------------------------------------------------------------------------
SAMPLE_SEMESTER, SAMPLE_SUBJECT, SAMPLE_BOOK, SAMPLE_LECTURES = (
    "Sample semester", "Biology 101", "Cell biology primer", "Lectures")


def sample_files() -> tuple[Path, Path]:
    """(sample reader PDF, sample lecture audio) shipped in resources/sample."""
    folder = resource_path("sample")
    return folder / "cell-biology-primer.pdf", folder / "lecture-photosynthesis.ogg"


def add_sample_course(db: sqlite_utils.Database, paths, *, starter: JobStarter | None) -> dict[str, Any]:
    """File the sample reader (and, when lectures are available, the sample lecture).

    Returns {"pdf": ImportResult, "lecture": ImportResult | None}; the caller starts
    the reader's ingestion (the lecture's transcription starts on import).
    """
    pdf, audio = sample_files()
    book = ensure_path(db, SAMPLE_SEMESTER, SAMPLE_SUBJECT, SAMPLE_BOOK)
    out: dict[str, Any] = {"pdf": import_file(db, paths, book, pdf, title="Cell biology primer", starter=starter),
                           "lecture": None}
    lectures_book = ensure_path(db, SAMPLE_SEMESTER, SAMPLE_SUBJECT, SAMPLE_LECTURES)
    if audio.exists():
        out["lecture"] = import_file(db, paths, lectures_book, audio, title="Lecture 1: Photosynthesis",
                                     starter=starter)
    return out
