"""Lectures in the library: recordings and imported audio/video, their library entry,
their transcript segments, and the small edits a student makes to them.

A lecture is a ``recordings`` row (the audio, its state, its transcript segments)
plus a ``documents`` row of kind 'lecture' (so it shows in the library and chat can
cite it). ``ensure_document`` keeps the two in step and is safe to call repeatedly.
"""
from __future__ import annotations

import hashlib
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from .. import catalog
from .chunking import lecture_chunks
from .notes import notes as lecture_notes
from ..catalog import MEDIA_EXTENSIONS
from ..jobs import JobStarter
from ..search.index import delete_document_chunks
from ..search.multilingual import document_language
from ..storage.config import DataPaths
from ..storage.db import write_transaction
from ..errors import AudioError, DocumentError, LecternError

UNFILED = ("Unfiled", "Lectures")   # semester/subject for lectures recorded before choosing a subject
TRANSCRIBE_JOB = "transcribe_recording"
INDEX_JOB = "index_lecture"


class DuplicateMedia(DocumentError):
    """The same file is already in the library."""

    def __init__(self, title: str, recording_id: int | None) -> None:
        super().__init__(f"This file is already in your library as '{title}'.",
                         "Open it from the library instead of importing it again.")
        self.recording_id = recording_id


@dataclass
class Recording:
    id: int
    title: str
    node_id: int | None
    path: str
    source: str
    state: str
    duration_s: float
    samplerate: int
    channels: int
    language: str
    model: str
    error: str
    document_id: int | None
    created_at: float

    @classmethod
    def from_row(cls, r: dict[str, Any]) -> "Recording":
        return cls(**{k: r[k] for k in cls.__dataclass_fields__})

    def abspath(self, paths: DataPaths) -> Path:
        return paths.root / self.path


@dataclass
class Segment:
    id: int
    idx: int
    start_s: float
    end_s: float
    text: str
    edited: bool


# -- reading ----------------------------------------------------------------------------------
def get_recording(db: sqlite_utils.Database, recording_id: int) -> Recording:
    rows = list(db.query("SELECT * FROM recordings WHERE id = ?", [recording_id]))
    if not rows:
        raise LecternError("That lecture is no longer in the library.")
    return Recording.from_row(rows[0])


def recent(db: sqlite_utils.Database, limit: int = 30) -> list[Recording]:
    return [Recording.from_row(r) for r in db.query("SELECT * FROM recordings ORDER BY id DESC LIMIT ?", [limit])]


def segments(db: sqlite_utils.Database, recording_id: int) -> list[Segment]:
    return [Segment(r["id"], r["idx"], r["start_s"], r["end_s"], r["text"], bool(r["edited"])) for r in db.query(
        "SELECT * FROM segments WHERE recording_id = ? ORDER BY start_s, idx", [recording_id])]


def segments_after(db: sqlite_utils.Database, recording_id: int, after_id: int) -> list[Segment]:
    """Segments stored since the one with id ``after_id`` (a transcript still being made)."""
    return [Segment(r["id"], r["idx"], r["start_s"], r["end_s"], r["text"], bool(r["edited"])) for r in db.query(
        "SELECT * FROM segments WHERE recording_id = ? AND id > ? ORDER BY start_s, idx", [recording_id, after_id])]


def transcript_mark(db: sqlite_utils.Database, recording_id: int) -> tuple:
    """A cheap fingerprint of a lecture's transcript and notes: it changes when either does."""
    segs = db.execute("SELECT count(*), coalesce(max(id), 0) FROM segments WHERE recording_id=?",
                      (recording_id,)).fetchone()
    marks = db.execute("SELECT count(*), coalesce(max(updated_at), 0) FROM lecture_notes WHERE recording_id=?",
                       (recording_id,)).fetchone()
    state = db.execute("SELECT state FROM recordings WHERE id=?", (recording_id,)).fetchone()
    return (int(segs[0]), int(segs[1]), int(marks[0]), float(marks[1]), state[0] if state else "")


def transcript_text(db: sqlite_utils.Database, recording_id: int) -> str:
    return " ".join(s.text.strip() for s in segments(db, recording_id) if s.text.strip())


def audio_path(db: sqlite_utils.Database, paths: DataPaths, rec: Recording) -> Path:
    """Where the lecture's sound is now. The library may have moved an imported file
    (its documents row follows the move), so that row wins when its file exists."""
    own = rec.abspath(paths)
    if rec.document_id and not own.exists():
        doc = catalog.get_document(db, rec.document_id)
        if doc is not None and doc.path and catalog.file_at(paths, doc.path).exists():
            return catalog.file_at(paths, doc.path)
    return own


def default_title(db: sqlite_utils.Database, node_id: int | None) -> str:
    """'Lecture N', N counting the lectures already in that subject (or book)."""
    if node_id is None:
        n = db.execute("SELECT count(*) FROM recordings WHERE node_id IS NULL").fetchone()[0]
    else:
        n = db.execute("SELECT count(*) FROM recordings WHERE node_id = ?", (node_id,)).fetchone()[0]
    return f"Lecture {int(n) + 1}"


def unfiled_node(db: sqlite_utils.Database) -> int:
    return catalog.ensure_path(db, *UNFILED)


# -- the library entry -------------------------------------------------------------------------
def _recording_key(rec: Recording) -> str:
    # Recordings are identified by who they are, not by their bytes: two silent
    # recordings of the same length must not collide on documents.sha256.
    return hashlib.sha256(f"lectern-recording:{rec.id}:{rec.created_at}".encode()).hexdigest()


def ensure_document(db: sqlite_utils.Database, paths: DataPaths, recording_id: int) -> int:
    """Create or update the lecture's ``documents`` row; returns its id."""
    rec = get_recording(db, recording_id)
    node_id = rec.node_id if rec.node_id is not None else unfiled_node(db)
    if rec.node_id is None:
        db.execute("UPDATE recordings SET node_id=? WHERE id=?", (node_id, rec.id))
    doc = catalog.get_document(db, rec.document_id) if rec.document_id else None
    if doc is None:
        rows = list(db.query("SELECT id FROM documents WHERE recording_id = ?", [rec.id]))
        doc = catalog.get_document(db, rows[0]["id"]) if rows else None
    p = rec.abspath(paths)
    size = p.stat().st_size if p.exists() else 0
    if doc is None:
        doc_id = catalog.add_document(db, node_id, "lecture", rec.title, p.name, rec.path, _recording_key(rec),
                                      size, recording_id=rec.id, state="queued")
    else:
        doc_id = doc.id
        db.execute("UPDATE documents SET node_id=?, title=?, size=? WHERE id=?", (node_id, rec.title, size, doc_id))
    if rec.language:   # the language Whisper heard: search stems and embeds the lecture in it
        db.execute("UPDATE documents SET language=? WHERE id=?", (rec.language, doc_id))
    db.execute("UPDATE recordings SET document_id=? WHERE id=?", (doc_id, rec.id))
    return doc_id


def set_details(db: sqlite_utils.Database, recording_id: int, title: str | None = None,
                node_id: int | None = None) -> bool:
    """Rename a lecture or file it elsewhere (one row each; search follows at once).

    Returns whether its index must be refreshed: never now, since the index holds ids only."""
    rec = get_recording(db, recording_id)
    changes: dict[str, Any] = {}
    if title is not None and title.strip() and title.strip() != rec.title:
        changes["title"] = " ".join(title.split())[:200]
    if node_id is not None and node_id != rec.node_id:
        catalog.get_node(db, node_id)  # raises a plain error if it vanished
        changes["node_id"] = node_id
    if not changes:
        return False
    sets = ", ".join(f"{k}=?" for k in changes)
    db.execute(f"UPDATE recordings SET {sets} WHERE id=?", (*changes.values(), recording_id))
    if rec.document_id:
        db.execute(f"UPDATE documents SET {sets} WHERE id=?", (*changes.values(), rec.document_id))
    # Chunks and vectors carry the document's id only: filing it elsewhere needs no re-index.
    return False


def edit_segment(db: sqlite_utils.Database, segment_id: int, text: str) -> int:
    """Save the student's correction of one segment. Returns the recording id, whose index
    the caller refreshes (an ``index_lecture`` job)."""
    text = " ".join(text.split())
    if not text:
        raise LecternError("A transcript line cannot be empty.", "Type the words that were said.")
    row = db.execute("SELECT recording_id FROM segments WHERE id=?", (segment_id,)).fetchone()
    if not row:
        raise LecternError("That line of the transcript no longer exists.")
    db.execute("UPDATE segments SET text=?, edited=1 WHERE id=?", (text, segment_id))
    # Keep keyword search right at once; the vectors follow with the index job.
    rec_id = int(row[0])
    seg = db.execute("SELECT start_s FROM segments WHERE id=?", (segment_id,)).fetchone()
    doc = db.execute("SELECT document_id FROM recordings WHERE id=?", (rec_id,)).fetchone()
    if doc and doc[0]:
        chunks = lecture_chunks(segments(db, rec_id), lecture_notes(db, rec_id), document_language(db, doc[0]))
        for ordinal, c in enumerate(chunks):
            if c.kind is None and c.start_s is not None and c.end_s is not None and c.start_s <= seg[0] <= c.end_s + 1e-6:
                db.execute("UPDATE chunks SET text=?, stems=? WHERE document_id=? AND ordinal=? AND text<>?",
                           (c.text, c.stems, doc[0], ordinal, c.text))
    return rec_id


# -- media files -------------------------------------------------------------------------------
def probe_duration(path: Path) -> float:
    """Length in seconds of an audio or video file's sound. AudioError if it has none."""
    path = Path(path)
    try:
        import soundfile as sf

        info = sf.info(str(path))
        if info.frames and info.samplerate:
            return float(info.frames) / float(info.samplerate)
    except Exception:  # not a format libsndfile knows (mp3/m4a/video): ask FFmpeg
        pass
    try:
        import av

        with av.open(str(path), metadata_errors="ignore") as container:
            streams = container.streams.audio
            if not streams:
                raise AudioError(f"{path.name} has no sound track to transcribe.")
            st = streams[0]
            if st.duration is not None and st.time_base is not None:
                return float(st.duration * st.time_base)
            if container.duration is not None:
                return float(container.duration) / 1_000_000
            # No duration in the headers: count the decoded samples.
            total = 0
            rate = st.rate or 1
            for frame in container.decode(audio=0):
                total += frame.samples
            return total / rate
    except AudioError:
        raise
    except Exception as exc:
        raise AudioError(f"{path.name} could not be read as audio or video.",
                         "The file may be damaged or in a format Lectern does not know.") from exc


def import_media(db: sqlite_utils.Database, paths: DataPaths, source_path: Path | str, node_id: int | None,
                 title: str | None, *, starter: JobStarter | None, model: str | None = None,
                 language: str | None = None) -> int:
    """Copy an audio/video file into the library under ``node_id`` and start transcribing it.

    The copy goes to ``<data>/files/<document_id>/`` (the one file layer); the
    recording's path and its document's path are that same file. Returns the new
    recording id. Raises DocumentError/AudioError with a plain message for a missing,
    unsupported or soundless file, DuplicateMedia when the same file is already there,
    DiskFull when it does not fit. The original file is never touched.
    """
    src = Path(source_path).expanduser()
    shown = catalog.clean_text(src.name) or str(src)
    if not src.is_file():
        raise DocumentError(f"{shown} does not exist or is not a file.")
    if src.suffix.lower() not in MEDIA_EXTENSIONS:
        raise DocumentError(f"{shown} is not an audio or video file Lectern can transcribe.",
                            "Supported: " + ", ".join(e.lstrip('.') for e in MEDIA_EXTENSIONS) + ".")
    duration = probe_duration(src)
    if duration <= 0.05:
        raise AudioError(f"{shown} contains no sound.")
    catalog.check_room_for(paths, src)
    try:
        sha = catalog.file_sha256(src)
    except OSError as exc:
        raise DocumentError(f"{shown} could not be read ({exc.strerror or exc}).") from exc
    existing = catalog.find_by_sha(db, sha)
    if existing is not None:
        raise DuplicateMedia(existing.title, existing.recording_id)
    if node_id is None:
        node_id = unfiled_node(db)
    title = catalog.clean_title(title or "") or catalog.clean_title(src.stem) or "Untitled lecture"
    rec_ids: list[int] = []

    def record(staged: catalog.StagedFile) -> int:
        cur = db.execute(
            "INSERT INTO recordings (title, node_id, path, source, state, duration_s, samplerate, channels,"
            " created_at) VALUES (?,?,?,?,?,?,?,?,?)",
            (title, node_id, "", "import", "queued", duration, 0, 0, time.time()))
        rec_id = int(cur.lastrowid)
        doc_id = catalog.add_document(db, node_id, "lecture", title, staged.name, "", staged.sha256, staged.size,
                                      recording_id=rec_id, state="queued")
        rel = staged.relpath(doc_id)
        db.execute("UPDATE documents SET path=? WHERE id=?", (rel, doc_id))
        db.execute("UPDATE recordings SET path=?, document_id=? WHERE id=?", (rel, doc_id, rec_id))
        rec_ids.append(rec_id)
        return doc_id

    try:
        catalog.copy_in(db, paths, src, record, sha256=sha)
    except sqlite3.IntegrityError as exc:
        existing = catalog.find_by_sha(db, sha)     # imported by another window or command a moment ago
        if existing is not None:
            raise DuplicateMedia(existing.title, existing.recording_id) from exc
        raise DocumentError(f"{shown} could not be recorded in the library.") from exc
    rec_id = rec_ids[-1]
    if starter is not None:
        submit_transcription(db, paths, rec_id, starter, model=model, language=language)
    return rec_id


# -- jobs ----------------------------------------------------------------------------------------
def job_target(recording_id: int) -> str:
    return f"recording:{recording_id}"


def transcription_payload(recording_id: int, model: str | None = None, language: str | None = None) -> dict:
    payload: dict[str, Any] = {"recording_id": recording_id}
    if model:
        payload["model"] = model
    if language:
        payload["language"] = language
    return payload


def submit_transcription(db: sqlite_utils.Database, paths: DataPaths, recording_id: int, starter: JobStarter,
                         model: str | None = None, language: str | None = None) -> int:
    """Queue the transcription job of a lecture."""
    rec = get_recording(db, recording_id)
    job_id = starter.submit(TRANSCRIBE_JOB, transcription_payload(recording_id, model, language),
                            target=job_target(recording_id), title=f"Transcribe “{rec.title}”")
    if rec.document_id:
        db.execute("UPDATE documents SET job_id=? WHERE id=?", (job_id, rec.document_id))
    return job_id


def delete_recording(db: sqlite_utils.Database, paths: DataPaths, recording_id: int, store: Any = None) -> None:
    """Remove a lecture: its index entries, its rows and transcript, then its known audio file
    (``files/<document_id>/`` for an imported one, ``recordings/<id>.wav`` for a microphone
    one). No other file or folder is touched."""
    rec = get_recording(db, recording_id)
    doc = catalog.get_document(db, rec.document_id) if rec.document_id else None
    if doc is not None:
        delete_document_chunks(db, store, doc.id)      # the vector store first: never inside a transaction
    with write_transaction(db):
        if doc is not None:
            db.execute("UPDATE recordings SET document_id=NULL WHERE id=?", (recording_id,))
            db.execute("DELETE FROM chunks WHERE document_id=?", (doc.id,))
            db.execute("DELETE FROM documents WHERE id=?", (doc.id,))
        db.execute("DELETE FROM segments WHERE recording_id=?", (recording_id,))
        db.execute("DELETE FROM recordings WHERE id=?", (recording_id,))
    if doc is not None:
        catalog.remove_document_file(paths, doc.id, doc.path)
    if rec.path and (doc is None or rec.path != doc.path):
        catalog.remove_document_file(paths, rec.document_id or 0, rec.path)
