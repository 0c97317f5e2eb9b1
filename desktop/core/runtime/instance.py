"""Single-instance lock per data folder (an OS file lock, via filelock, that dies with its process)."""
from __future__ import annotations

import os
from pathlib import Path

from filelock import FileLock, Timeout

from ..errors import AlreadyRunning


class InstanceLock:
    def __init__(self, path: Path, what: str = "Lectern") -> None:
        self.path = path
        self.what = what
        # thread_local=False: the window takes the lock on one thread and may release it on another.
        self._lock = FileLock(str(path), timeout=0, thread_local=False)

    def acquire(self) -> "InstanceLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            try:
                other = self.path.read_text().strip()
            except OSError:
                other = ""
            raise AlreadyRunning(
                f"{self.what} is already running on this data folder (process {other or '?'}).",
                "Switch to the open window, or close it first.",
            ) from None
        # The holder's pid, for the message above (the lock is on the file, not its content).
        self.path.write_text(str(os.getpid()))
        return self

    def held_elsewhere(self) -> bool:
        """True if another live process holds the lock (does not keep it)."""
        probe = FileLock(str(self.path), timeout=0, thread_local=False)
        try:
            probe.acquire(timeout=0)
        except Timeout:
            return True
        except OSError:
            return False
        probe.release()
        return False

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release(force=True)

    def __enter__(self) -> "InstanceLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
