"""The one file layer: managed copies of the student's files inside the data folder.

Books, notes and imported audio/video are all kept the same way::

    <data>/files/<document_id>/<safe original file name>

``documents.path`` holds that path relative to the data folder (and, for an imported
lecture, ``recordings.path`` holds the same). No semester, subject or book name is
ever part of a path, so renaming or moving never touches a file, and deleting a
document removes exactly its own file and the ``files/<id>/`` folder made for it.

How a copy comes in (``copy_in``): the file is copied to a uniquely named staging
folder under ``files/``, then the caller's rows are inserted in one short write
transaction and, inside it, the staging folder is renamed to ``files/<document_id>/``. Whatever fails, there is never a row without its file, and
the only thing removed is the staging folder made for this one copy.
"""
from __future__ import annotations

import errno
import hashlib
import os
import shutil
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from ..errors import DiskFull, DocumentError
from ..storage.config import DataPaths
from ..storage.db import write_transaction

FILES_DIR = "files"
TRASH_DIR = "trash"
STAGING_PREFIX = ".incoming-"      # staging folders under files/: never a document id
TEMP_PREFIX = ".lectern-"          # temporary file names inside a folder we write to
WORDS_SIDECAR = ".ocr-words.jsonl"  # OCR word boxes kept beside a document's file (library.documents.words)
MAX_NAME_BYTES = 255               # the file-name limit of ext4, APFS, NTFS (in UTF-16 units, fewer)
MAX_SUFFIX_CHARS = 16              # a longer "extension" is not one worth keeping
FREE_SPACE_MARGIN = 50 * 1024 * 1024
STALE_STAGING_S = 24 * 3600

# Names Windows refuses whatever their extension ("nul.txt" too).
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
             *(f"COM{i}" for i in "123456789¹²³"), *(f"LPT{i}" for i in "123456789¹²³")}
_FORBIDDEN = set('/\\<>:"|?*')     # path separators everywhere, the rest on Windows


# -- names ------------------------------------------------------------------------------------------
def clean_text(text: str) -> str:
    """Text fit for a name or title in the database: control characters and unpaired
    surrogates (undecodable bytes of a file name) become spaces; runs of whitespace
    become one space; the ends are trimmed."""
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        out.append(" " if cat in ("Cc", "Cs", "Zl", "Zp") else ch)
    return " ".join("".join(out).split())


def _fit(text: str, max_bytes: int) -> str:
    """``text`` cut to at most ``max_bytes`` in UTF-8 (and in NFD, which macOS may store),
    never inside a character."""
    while text and max(len(text.encode("utf-8")),
                       len(unicodedata.normalize("NFD", text).encode("utf-8"))) > max_bytes:
        over = len(text.encode("utf-8")) - max_bytes
        text = text[:-max(1, over // 4)]
    return text


def safe_name(name: str, default: str = "file") -> str:
    """A file-name part that any common file system accepts, as close to ``name`` as can be.

    Any Unicode is kept except path separators, characters Windows refuses
    (``<>:"|?*``), control characters and unpaired surrogates (each becomes ``_``).
    Leading and trailing spaces and dots of the name go (Windows drops trailing ones;
    a leading dot would hide the copy), ``.`` and ``..`` cannot result (``.pdf`` becomes
    ``file.pdf``), a Windows reserved name (``CON``, ``NUL``, ``COM1``...) gets a
    leading ``_``, and the result fits 255 bytes in UTF-8, cut in the name and not in
    its extension.
    """
    chars = []
    for ch in name:
        cat = unicodedata.category(ch)
        chars.append("_" if ch in _FORBIDDEN or cat in ("Cc", "Cs", "Zl", "Zp") else ch)
    text = " ".join("".join(chars).split())
    stem, dot, suffix = text.rpartition(".")
    if not dot or not suffix or len(suffix) > MAX_SUFFIX_CHARS or " " in suffix:
        stem, suffix = text, ""
    # No leading dot either: a copy is never hidden, and never looks like our own temp names.
    stem = stem.strip(" .") or default
    if stem.split(".")[0].strip().upper() in _RESERVED:
        stem = "_" + stem
    suffix = _fit("." + suffix, 32) if suffix else ""
    stem = _fit(stem, MAX_NAME_BYTES - len(suffix.encode("utf-8"))).rstrip(" .") or default
    return stem + suffix


# -- where files are --------------------------------------------------------------------------------
def files_root(paths: DataPaths) -> Path:
    return paths.root / FILES_DIR


def document_folder(paths: DataPaths, document_id: int) -> Path:
    """The folder that holds a document's managed copy: ``<data>/files/<id>/``."""
    return files_root(paths) / str(int(document_id))


def file_at(paths: DataPaths, relpath: str) -> Path:
    """The absolute path of a ``documents.path`` / ``recordings.path`` value."""
    return paths.root / relpath


def temp_path(folder: Path) -> Path:
    """A temporary file name in ``folder`` that no other writer (thread or process) can pick."""
    return folder / f"{TEMP_PREFIX}{uuid.uuid4().hex}.part"


def file_sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def is_managed(paths: DataPaths, document_id: int, relpath: str) -> bool:
    """True when ``relpath`` is the document's own managed copy, inside ``files/<id>/``."""
    if not relpath:
        return False
    p = Path(relpath)
    return (len(p.parts) == 3 and p.parts[0] == FILES_DIR and p.parts[1] == str(int(document_id))
            and p.name not in ("", ".", ".."))


def check_free_space(folder: Path, size: int, name: str) -> None:
    """DiskFull (a plain message) when ``size`` bytes would not leave a safe margin."""
    if shutil.disk_usage(folder).free < size + FREE_SPACE_MARGIN:
        raise DiskFull(f"There is not enough free disk space to import {name}.", "Free some space, then retry.")


def check_room_for(paths: DataPaths, source: Path) -> None:
    """DiskFull before anything is read when a copy of ``source`` would not fit in ``files/``.
    (Callers run it before hashing a file, which for a large video takes a while.)"""
    display = clean_text(Path(source).name) or "The file"
    try:
        root = files_root(paths)
        root.mkdir(parents=True, exist_ok=True)
        size = Path(source).stat().st_size
    except OSError as exc:
        raise _copy_failed(display, exc) from exc
    check_free_space(root, size, display)


def _copy_failed(name: str, exc: OSError) -> Exception:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFull(f"There is not enough free disk space to import {name}.", "Free some space, then retry.")
    return DocumentError(f"{name} could not be copied into the library ({exc.strerror or exc}).")


# -- bringing a copy in -----------------------------------------------------------------------------
@dataclass
class StagedFile:
    """A copy of the student's file waiting in its own staging folder for its document id."""

    paths: DataPaths
    folder: Path                      # files/.incoming-<unique>/ while staged
    name: str                         # the safe file name it will keep
    sha256: str
    size: int
    placed_at: Path | None = field(default=None)
    document_id: int | None = field(default=None)

    def relpath(self, document_id: int) -> str:
        """``documents.path`` of the copy once placed for ``document_id``."""
        return f"{FILES_DIR}/{int(document_id)}/{self.name}"

    def place(self, document_id: int) -> str:
        """Move the staged copy to ``files/<document_id>/`` (one rename) and return its
        relative path. Call it inside the write transaction that records the document, so
        that a failed commit undoes the move (``stage_copy`` sees the exception)."""
        target = document_folder(self.paths, document_id)
        if target.exists():
            _set_aside(self.paths, target)   # left by a crash under an id SQLite now hands out again
        os.rename(self.folder, target)
        self.placed_at, self.document_id = target, int(document_id)
        return self.relpath(document_id)


def _set_aside(paths: DataPaths, folder: Path) -> None:
    """Keep a folder no row knows in trash/ instead of deleting or overwriting it."""
    trash = paths.root / TRASH_DIR
    trash.mkdir(parents=True, exist_ok=True)
    os.rename(folder, trash / f"files-{folder.name}-{uuid.uuid4().hex[:8]}")


@contextmanager
def stage_copy(paths: DataPaths, source: Path, name: str | None = None, sha256: str | None = None
               ) -> Iterator[StagedFile]:
    """Copy ``source`` into a fresh staging folder for the block to record and ``place``.

    On any exception inside the block the staging folder (or, if it was already placed,
    the ``files/<id>/`` folder it became) is removed: it holds only this one copy.
    Raises DiskFull when the copy would not fit, DocumentError when it cannot be made.
    Prefer ``copy_in``, which also runs the recording transaction.
    """
    source = Path(source)
    display = clean_text(source.name) or "The file"
    root = files_root(paths)
    try:
        root.mkdir(parents=True, exist_ok=True)
        size = source.stat().st_size
    except OSError as exc:
        raise _copy_failed(display, exc) from exc
    check_free_space(root, size, display)
    sweep_stale_staging(paths)
    folder = root / f"{STAGING_PREFIX}{uuid.uuid4().hex}"
    staged = StagedFile(paths, folder, safe_name(name if name is not None else source.name), sha256 or "", size)
    try:
        folder.mkdir()
        tmp = temp_path(folder)
        shutil.copyfile(source, tmp)
        os.replace(tmp, folder / staged.name)
        if not staged.sha256:
            staged.sha256 = file_sha256(folder / staged.name)
    except BaseException as exc:
        _remove_own_folder(folder, staged.name)
        if isinstance(exc, OSError):
            raise _copy_failed(display, exc) from exc
        raise
    try:
        yield staged
    except BaseException:
        _remove_own_folder(staged.placed_at or folder, staged.name)
        raise


def copy_in(db: sqlite_utils.Database, paths: DataPaths, source: Path,
            record: Callable[[StagedFile], int], name: str | None = None, sha256: str | None = None) -> StagedFile:
    """Bring a copy of ``source`` into ``files/<document_id>/`` and record it, all or nothing.

    ``record(staged)`` runs inside one short write transaction on ``db``: it inserts
    the document's rows (using ``staged.relpath(document_id)`` as their path) and
    returns the new document id; the staged copy is then renamed into place before the
    commit. If anything fails, no row and no copy remain. The copy itself (slow) is
    made before the transaction, never inside it.
    """
    with stage_copy(paths, source, name, sha256) as staged:
        with write_transaction(db):
            document_id = record(staged)
            staged.place(document_id)
    return staged


def sweep_stale_staging(paths: DataPaths, older_than_s: float = STALE_STAGING_S) -> int:
    """Remove staging folders a crash left behind (untouched for a day: no copy is that slow).

    A staging folder only ever holds the one copy it was made for, so its files go with
    it; anything else in ``files/`` is left alone. Returns how many were removed."""
    removed = 0
    try:
        candidates = [p for p in files_root(paths).iterdir() if p.name.startswith(STAGING_PREFIX) and p.is_dir()]
    except OSError:
        return 0
    now = time.time()
    for folder in candidates:
        try:
            entries = list(folder.iterdir())
            newest = max([folder.stat().st_mtime, *(e.stat().st_mtime for e in entries)])
            if now - newest < older_than_s or any(not e.is_file() or e.is_symlink() for e in entries):
                continue
            for e in entries:
                e.unlink()
            folder.rmdir()
            removed += 1
        except OSError:
            continue          # another process is finishing it, or it is not ours to judge
    return removed


def _remove_own_folder(folder: Path, name: str) -> None:
    """Remove a folder this layer made for one file: that file, our temp files, then the
    folder if nothing else is in it. Anything unknown is left where it is."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return
    for entry in entries:
        if entry.name in (name, WORDS_SIDECAR) or entry.name.startswith(TEMP_PREFIX):
            try:
                entry.unlink()
            except OSError:
                pass
    try:
        folder.rmdir()
    except OSError:
        pass


# -- taking a copy out ------------------------------------------------------------------------------
def remove_document_file(paths: DataPaths, document_id: int, relpath: str) -> None:
    """Delete a document's managed copy and the ``files/<id>/`` folder made for it.

    Only the known file is removed; a path outside ``files/<id>/`` (a microphone
    recording, a file from before the id layout) is unlinked as a single file and no
    folder is touched.
    """
    if not relpath:
        return
    path = file_at(paths, relpath)
    if is_managed(paths, document_id, relpath):
        _remove_own_folder(path.parent, path.name)
        return
    root = paths.root.resolve()
    if root not in path.resolve().parents:
        return          # never outside the data folder: that is the student's own file
    try:
        path.unlink(missing_ok=True)
    except (IsADirectoryError, PermissionError):
        pass            # a folder is never ours to remove (Windows says PermissionError)
