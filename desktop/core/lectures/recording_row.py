"""The ``recordings`` row of a microphone recording: its states, and the final save
that must not hang or get lost when the database is busy.

Another process can hold SQLite's write lock for a while (an import, a long job). The
end of a recording must still finish: the save is retried for a bounded time and, if
the database stays busy, the row keeps saying 'recording'. The audio file is complete
by then, and recovery (``recovery.py``) files it at the next start.
"""
from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_exponential

from .recordings import ensure_document
from ..errors import LecternError
from ..storage.config import DataPaths
from ..storage.db import open_db

log = logging.getLogger(__name__)

# recordings.state values
RECORDING, PAUSED, STOPPED, RECOVERED = "recording", "paused", "stopped", "recovered"
TRANSCRIBING, TRANSCRIBED, FAILED, CANCELLED, QUEUED = "transcribing", "transcribed", "failed", "cancelled", "queued"
UNFINISHED_STATES = (RECORDING, PAUSED)

SAVE_ROW_FOR_S = 20.0       # how long the final save keeps trying while the database is busy
_BUSY_TIMEOUT_MS = 1000     # one attempt's wait for SQLite's write lock

NOT_FILED = LecternError("Saved. Lectern will finish filing this lecture in your library the next time it starts.",
                         "The library was busy, so only its entry is waiting; the audio file is complete.")


@dataclass
class RecordingResult:
    recording_id: int
    path: Path
    frames: int
    samplerate: int
    channels: int
    overflows: int
    error: LecternError | None = None
    filed: bool = True       # False: the row/library entry waits for recovery at next start

    @property
    def duration_s(self) -> float:
        return self.frames / self.samplerate if self.samplerate else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"recording_id": self.recording_id, "path": str(self.path), "frames": self.frames,
                "duration_s": round(self.duration_s, 3), "samplerate": self.samplerate,
                "channels": self.channels, "dropped_frames": self.overflows,
                "error": str(self.error) if self.error else "", "filed": self.filed}


def database_busy(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and (
        "locked" in str(exc).lower() or "busy" in str(exc).lower())


def _retrying(seconds: float) -> Retrying:
    return Retrying(retry=retry_if_exception(database_busy), reraise=True, stop=stop_after_delay(max(0.0, seconds)),
                    wait=wait_exponential(multiplier=0.05, max=1.0))


def save_final_row(paths: DataPaths, recording_id: int, duration_s: float, error: str,
                   within_s: float = SAVE_ROW_FOR_S) -> bool:
    """File the finished recording in the library, then mark its row stopped.

    Returns False (and logs why) when the database stayed busy for ``within_s``; other
    database errors propagate. The state is written last, so a row that says 'stopped'
    always has its library entry, and one that does not is still found by recovery.
    """
    deadline = time.monotonic() + within_s
    db = open_db(paths.db, migrate_schema=False)  # the calling thread's own connection
    try:
        db.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        for attempt in _retrying(deadline - time.monotonic()):
            with attempt:
                ensure_document(db, paths, recording_id)
        for attempt in _retrying(deadline - time.monotonic()):
            with attempt:
                db.execute("UPDATE recordings SET state=?, duration_s=?, error=? WHERE id=?",
                           (STOPPED, duration_s, error, recording_id))
        return True
    except sqlite3.OperationalError as exc:
        if not database_busy(exc):
            raise
        log.error("recording %s: the database stayed busy for %.0f s (%s); its file is complete and "
                  "recovery will file it at the next start", recording_id, within_s, exc)
        return False
    finally:
        db.conn.close()
