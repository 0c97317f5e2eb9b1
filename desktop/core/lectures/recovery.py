"""Bringing back recordings that a crash, kill or power cut left unfinished.

The recorder writes samples to disk as they arrive but only rewrites the header about
once a second, so after a crash the header may undercount the samples. At the next
start every recording still marked recording/paused whose lock nobody holds is
repaired: the header is rewritten from the file size (WAV or, past 4 GiB, RF64; a torn
last frame is trimmed), the row is marked 'recovered' with its real duration, and it is
filed in the library. A recording whose file was finished but whose row could not be
saved (the database stayed busy at Stop) comes back the same way. The caller then
offers it back to the student and starts its transcription, which keeps what was
transcribed while it recorded (``recordings.live_until_s``) and does only the rest.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from ..storage.config import DataPaths
from ..timefmt import format_duration
from .recording_lock import lock_is_held, recording_lock_path
from .recording_row import RECOVERED, UNFINISHED_STATES
from .recordings import ensure_document, get_recording
from .wavfile import is_complete, read_layout, repair

log = logging.getLogger(__name__)


@dataclass
class Recovered:
    recording_id: int
    title: str
    duration_s: float
    path: Path
    ok: bool           # False: nothing usable was on disk
    message: str


def repair_wav(path: Path, samplerate: int, channels: int) -> int:
    """Rewrite the header of one of our PCM16 recordings from its size. Returns the frame count."""
    return repair(path, samplerate, channels)


def _file_rate(path: Path, fallback: int) -> int:
    """The sample rate the file's own header declares (the row may predate a format change)."""
    with open(path, "rb") as f:
        layout = read_layout(f.read(256))
    return layout.samplerate if layout else fallback


def unfinished(db: sqlite_utils.Database, paths: DataPaths) -> list[int]:
    """Recordings marked as still recording that no live process is recording."""
    marks = ",".join("?" * len(UNFINISHED_STATES))
    ids = [r["id"] for r in db.query(f"SELECT id FROM recordings WHERE state IN ({marks}) AND source='microphone'"
                                     " ORDER BY id", list(UNFINISHED_STATES))]
    return [i for i in ids if not lock_is_held(recording_lock_path(paths, i))]


def recover(db: sqlite_utils.Database, paths: DataPaths) -> list[Recovered]:
    """Repair every orphaned recording. Safe to call at every start (does nothing if none)."""
    out: list[Recovered] = []
    for rec_id in unfinished(db, paths):
        rec = get_recording(db, rec_id)
        path = paths.root / rec.path if rec.path else paths.recordings / f"{rec_id}.wav"
        finished = path.exists() and is_complete(path)   # only its row was left behind
        frames = repair_wav(path, rec.samplerate or 16000, rec.channels or 1) if path.exists() else 0
        if frames == 0:
            db.execute("UPDATE recordings SET state='failed', error=? WHERE id=?",
                       ("The recording was interrupted before any sound was saved.", rec_id))
            recording_lock_path(paths, rec_id).unlink(missing_ok=True)
            out.append(Recovered(rec_id, rec.title, 0.0, path, False,
                                 f"“{rec.title}” was interrupted before any sound was saved."))
            continue
        duration = frames / float(_file_rate(path, rec.samplerate or 16000))
        db.execute("UPDATE recordings SET state=?, duration_s=?, error='' WHERE id=?", (RECOVERED, duration, rec_id))
        recording_lock_path(paths, rec_id).unlink(missing_ok=True)
        try:
            ensure_document(db, paths, rec_id)
        except Exception:  # filing can be retried by the transcription job; the audio is safe
            log.exception("could not file recovered recording %s", rec_id)
        log.info("recovered recording %s (%.1f s)", rec_id, duration)
        message = (f"“{rec.title}” ({format_duration(duration)}) was saved but not yet filed; it is now in your library."
                   if finished else
                   f"“{rec.title}” was interrupted; its {format_duration(duration)} of audio were recovered.")
        # Windows transcribed while it recorded are kept; its transcription job does only the rest.
        live_until = float(db.execute("SELECT live_until_s FROM recordings WHERE id=?", (rec_id,)).fetchone()[0] or 0)
        if live_until > 0:
            message += f" Its transcript up to {format_duration(live_until)} was kept."
        notes = int(db.execute("SELECT count(*) FROM lecture_notes WHERE recording_id=? AND text <> ''",
                               (rec_id,)).fetchone()[0])
        if notes:
            message += f" Your {notes} note{'s' if notes != 1 else ''} {'were' if notes != 1 else 'was'} kept."
        out.append(Recovered(rec_id, rec.title, duration, path, True, message))
    return out


def needing_transcription(db: sqlite_utils.Database) -> list[int]:
    """Finished recordings whose transcription was never queued (e.g. a crash right after Stop)."""
    rows = db.query("SELECT r.id FROM recordings r WHERE r.state IN ('stopped', 'recovered') AND r.duration_s > 0 "
                    "AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.target = 'recording:' || r.id) ORDER BY r.id")
    return [int(r["id"]) for r in rows]
