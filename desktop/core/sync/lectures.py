"""Lectures in the bucket: the audio, and beside it the transcript with the student's
corrections (``<audio key>.lecture.json``), so another computer plays and searches a
lecture without transcribing it again, and the student's notes (``<audio key>.notes.json``,
see ``notes``).

The audio is synced like a book (same planner); the transcript and the notes are further
streams, planned after the audio has been carried out. A transcript changed on both sides is
merged line by line, keeping every line a student corrected; it is never just replaced
by the other side's. While a lecture is being transcribed here, its transcript waits.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from ..catalog import Document, StagedFile, add_document, clean_title, ensure_path, file_at, file_sha256, safe_name
from ..errors import SyncError
from ..jobs import JobStarter
from ..lectures import INDEX_JOB, MEDIA_EXTENSIONS, job_target, submit_transcription
from ..storage.config import DataPaths
from ..storage.db import write_transaction
from . import notes as lecture_notes
from .apply import unplace
from .keys import LECTURES, ParsedKey, document_key, split_name, user_prefix
from .local import LocalState, agreed_keys, settle_key
from .manifest import Entry
from .plan import LocalItem
from .transfer import Fetched

SIDECAR = ".lecture.json"
BUSY = ("recording", "paused", "transcribing")       # the transcript is not settled while in these states

_QUERY = """
    SELECT d.*, r.state AS rec_state, b.name AS book, s.name AS subject, m.name AS semester
    FROM documents d JOIN recordings r ON r.id = d.recording_id
    JOIN nodes b ON b.id = d.node_id AND b.level = 'book'
    JOIN nodes s ON s.id = b.parent_id JOIN nodes m ON m.id = s.parent_id
    WHERE d.kind = 'lecture' AND r.state NOT IN ('recording', 'paused') ORDER BY d.id
"""


def is_sidecar(key: str) -> bool:
    return key.endswith(SIDECAR)


def is_attached(key: str) -> bool:
    """A file that travels with a lecture's audio (its transcript, its notes), not a lecture of its own."""
    return is_sidecar(key) or lecture_notes.is_notes(key)


def is_audio(parsed: ParsedKey) -> bool:
    return parsed.area == LECTURES and parsed.ext in MEDIA_EXTENSIONS


@dataclass
class NotesState(LocalState):
    lecture_sha: dict[int, str] = field(default_factory=dict)     # document id -> sha256 of its audio here


@dataclass
class LectureState:
    audio: LocalState
    transcripts: LocalState
    recording_of: dict[int, int]          # document id -> recording id
    busy: set[int]                        # documents being recorded or transcribed here
    untranscribed: set[int]               # documents with no finished transcript here (yet, or any more)
    notes: NotesState = field(default_factory=lambda: NotesState([], {}, []))


def lecture_state(db: sqlite_utils.Database, paths: DataPaths, user: str, agreed: dict[str, Entry]) -> LectureState:
    """Every filed lecture with its audio key, transcript key and notes key. The audio's sha256
    is taken from the manifest while the file's size and mtime are the agreed ones (audio is
    large). A lecture has a notes file once it has notes, and keeps it (perhaps with none left)
    once it was synced: deleting its last note is a change, not a deletion of the file."""
    audio: list[LocalItem] = []
    transcripts: list[LocalItem] = []
    documents: dict[int, Document] = {}
    missing: list[Document] = []
    recording_of: dict[int, int] = {}
    busy: set[int] = set()
    untranscribed: set[int] = set()
    used: set[str] = set()
    audio_agreed = {k: e for k, e in agreed.items() if k.startswith(f"{user_prefix(user)}{LECTURES}/")
                    and not is_attached(k)}
    notes_items: list[LocalItem] = []
    audio_sha: dict[int, str] = {}
    with_notes = lecture_notes.all_notes(db)
    notes_agreed = {e.document_id for k, e in agreed.items() if lecture_notes.is_notes(k)}
    known = {(e.document_id, e.size, round(e.mtime, 3)): e.sha256 for e in audio_agreed.values()}
    audio_keys = agreed_keys(audio_agreed)
    for r in db.query(_QUERY):
        doc = Document.from_row({k: r[k] for k in Document.__dataclass_fields__})
        path = file_at(paths, doc.path)
        try:
            stat = path.stat()
        except OSError:
            missing.append(doc)
            continue
        key = settle_key(document_key(user, r["semester"], r["subject"], r["book"], doc.title, path.suffix,
                                      area=LECTURES), audio_keys.get(doc.id), used)
        documents[doc.id] = doc
        recording_of[doc.id] = int(doc.recording_id or 0)
        sha = known.get((doc.id, stat.st_size, round(stat.st_mtime, 3))) or file_sha256(path)
        audio.append(LocalItem(doc.id, key, sha, stat.st_size, stat.st_mtime))
        audio_sha[doc.id] = sha
        if with_notes.get(recording_of[doc.id]) or doc.id in notes_agreed:
            data = lecture_notes.notes_bytes(db, recording_of[doc.id], sha)
            notes_items.append(LocalItem(doc.id, key + lecture_notes.SUFFIX, hashlib.sha256(data).hexdigest(),
                                         len(data)))
        if r["rec_state"] in BUSY:
            busy.add(doc.id)
        if r["rec_state"] != "transcribed":
            untranscribed.add(doc.id)
        else:
            data = transcript_bytes(db, recording_of[doc.id])
            transcripts.append(LocalItem(doc.id, key + SIDECAR, hashlib.sha256(data).hexdigest(), len(data)))
    return LectureState(LocalState(audio, documents, missing), LocalState(transcripts, documents, []),
                        recording_of, busy, untranscribed, NotesState(notes_items, documents, [], audio_sha))


# -- the transcript as a file ----------------------------------------------------------------------
def transcript(db: sqlite_utils.Database, recording_id: int) -> dict[str, Any]:
    rec = db.execute("SELECT duration_s, language, model FROM recordings WHERE id=?", (recording_id,)).fetchone()
    segs = db.execute("SELECT start_s, end_s, text, edited FROM segments WHERE recording_id=? ORDER BY start_s, idx",
                      (recording_id,)).fetchall()
    return {"version": 1, "duration_s": rec[0], "language": rec[1], "model": rec[2],
            "segments": [{"start_s": s[0], "end_s": s[1], "text": s[2], "edited": bool(s[3])} for s in segs]}


def dumps(data: dict[str, Any]) -> bytes:
    """One byte-exact form, so the same transcript has the same sha256 on every computer."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def transcript_bytes(db: sqlite_utils.Database, recording_id: int) -> bytes:
    return dumps(transcript(db, recording_id))


def read_transcript(path: Path) -> dict[str, Any]:
    """A transcript file from the bucket, checked before anything of it is stored."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        segs = data["segments"]
        ok = isinstance(segs, list) and all(
            isinstance(s, dict) and isinstance(s.get("text"), str) and isinstance(s.get("start_s"), (int, float))
            and isinstance(s.get("end_s"), (int, float)) and isinstance(s.get("edited"), bool) for s in segs)
        if not ok or not isinstance(data.get("duration_s", 0), (int, float)):
            raise ValueError("unexpected fields")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SyncError(f"A lecture transcript in the bucket could not be read ({exc}); it was not used.") from exc
    return data


def merge(mine: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    """Both sides changed a transcript: every corrected line is kept. A line is matched by
    its time; where both corrected the same line, this computer's correction stays."""
    def key(s: dict[str, Any]) -> tuple[float, float]:
        return (round(float(s["start_s"]), 2), round(float(s["end_s"]), 2))
    lines = {key(s): s for s in theirs["segments"]}
    for s in mine["segments"]:
        other = lines.get(key(s))
        if other is None or s["edited"] or not other["edited"]:
            lines[key(s)] = s
    out = dict(theirs)
    out["segments"] = [lines[k] for k in sorted(lines)]
    return out


def store_transcript(db: sqlite_utils.Database, recording_id: int, data: dict[str, Any],
                     starter: JobStarter | None) -> None:
    """Put a transcript into a lecture here (all its lines at once) and queue its indexing."""
    with write_transaction(db) as conn:
        conn.execute("DELETE FROM segments WHERE recording_id=?", (recording_id,))
        conn.executemany("INSERT INTO segments (recording_id, idx, start_s, end_s, text, edited) VALUES (?,?,?,?,?,?)",
                         [(recording_id, i, float(s["start_s"]), float(s["end_s"]), s["text"], int(s["edited"]))
                          for i, s in enumerate(data["segments"])])
        conn.execute("UPDATE recordings SET state='transcribed', error='', duration_s=?, language=?, model=?"
                     " WHERE id=?", (float(data.get("duration_s") or 0), str(data.get("language") or ""),
                                     str(data.get("model") or ""), recording_id))
        conn.execute("UPDATE documents SET state='queued', error='' WHERE recording_id=?", (recording_id,))
    if starter is not None:
        title = db.execute("SELECT title FROM recordings WHERE id=?", (recording_id,)).fetchone()[0]
        job_id = starter.submit(INDEX_JOB, {"recording_id": recording_id}, target=job_target(recording_id),
                                title=f"Index “{title}”")
        db.execute("UPDATE documents SET job_id=? WHERE recording_id=?", (job_id, recording_id))


def write_temp(paths: DataPaths, data: bytes) -> Path:
    """The transcript as a file to upload (under the sync's staging folder, removed after)."""
    folder = paths.root / "files" / f".incoming-sync-{os.urandom(8).hex()}"
    folder.mkdir(parents=True)
    path = folder / "transcript.json"
    path.write_bytes(data)
    return path


# -- a lecture that arrives ------------------------------------------------------------------------
def lecture_downloaded(db: sqlite_utils.Database, paths: DataPaths, parsed: ParsedKey, fetched: Fetched,
                       transcribe: bool, starter: JobStarter | None) -> int:
    """File downloaded lecture audio as a new lecture of the book its key names. Its
    transcript follows from the bucket; only audio that has none there is transcribed here."""
    folder = fetched.path.parent
    name = safe_name(parsed.filename)
    staged = StagedFile(paths, folder, name, fetched.sha256, fetched.size)
    title = clean_title(parsed.title) or "Untitled lecture"
    try:
        os.replace(fetched.path, folder / name)
        with write_transaction(db):
            book = ensure_path(db, parsed.semester, parsed.subject, parsed.book)
            cur = db.execute("INSERT INTO recordings (title, node_id, path, source, state, duration_s, samplerate,"
                             " channels, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
                             (title, book, "", "import", "queued", 0.0, 0, 0, time.time()))
            rec_id = int(cur.lastrowid)
            doc_id = add_document(db, book, "lecture", title, name, "", fetched.sha256, fetched.size,
                                  recording_id=rec_id, state="queued")
            rel = staged.relpath(doc_id)
            db.execute("UPDATE documents SET path=? WHERE id=?", (rel, doc_id))
            db.execute("UPDATE recordings SET path=?, document_id=? WHERE id=?", (rel, doc_id, rec_id))
            staged.place(doc_id)
    except sqlite3.IntegrityError as exc:
        unplace(staged)
        raise SyncError(f"{parsed.filename} is already in the library under another name; not added twice.") from exc
    except BaseException:
        unplace(staged)
        raise
    if transcribe and starter is not None:
        submit_transcription(db, paths, rec_id, starter)
    return doc_id


def audio_key_of(transcript_key: str) -> str:
    return transcript_key[:-len(SIDECAR)]


def audio_ext(filename: str) -> str:
    return split_name(filename)[1].lower()
