"""The lock a recording holds while it is being written.

Recovery repairs recordings left unfinished by a crash, but must never touch one that
another Lectern process (the window, ``lectern record``) is recording right now. The
recorder holds an OS file lock next to the audio for as long as it writes; the kernel
drops it when the process dies, however it dies. Recovery asks whether it is held.
"""
from __future__ import annotations

from pathlib import Path

from filelock import FileLock, Timeout

from ..storage.config import DataPaths


def recording_lock_path(paths: DataPaths, recording_id: int) -> Path:
    return paths.recordings / f"{recording_id}.lock"


def live_lock_path(paths: DataPaths, recording_id: int) -> Path:
    """Held while a recording is being transcribed as it records (``live_transcriber``): the
    transcription job waits for it, so the two never write the same lecture's segments."""
    return paths.recordings / f"{recording_id}.live.lock"


class RecordingLock:
    """Held from the start of a recording until its file and row are finished.

    Taken on one thread and released on another (the recorder's writer thread), so
    the lock is not thread-local.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = FileLock(str(path), thread_local=False)

    def acquire(self) -> None:
        """Raises filelock.Timeout if someone else holds it (a recording id is never reused,
        so that would mean a broken data folder)."""
        self._lock.acquire(timeout=0)

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release(force=True)
        self.path.unlink(missing_ok=True)


def lock_is_held(lock_path: Path) -> bool:
    """True when some live process (this one included) holds this recording's lock."""
    if not lock_path.exists():
        return False
    probe = FileLock(str(lock_path), thread_local=False, preserve_lock_file=True)
    try:
        probe.acquire(timeout=0)
    except Timeout:
        return True
    except OSError:   # unreadable lock file: nobody can be holding it through us
        return False
    probe.release(force=True)
    return False
