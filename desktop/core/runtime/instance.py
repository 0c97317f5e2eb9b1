"""Single-instance lock per data folder (an flock that dies with its process)."""
from __future__ import annotations

import fcntl
import os
from pathlib import Path

from ..errors import AlreadyRunning


class InstanceLock:
    def __init__(self, path: Path, what: str = "Lectern") -> None:
        self.path = path
        self.what = what
        self._fd: int | None = None

    def acquire(self) -> "InstanceLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                other = os.read(fd, 32).decode().strip()
            except OSError:
                other = "?"
            os.close(fd)
            raise AlreadyRunning(
                f"{self.what} is already running on this data folder (process {other or '?'}).",
                "Switch to the open window, or close it first.",
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def held_elsewhere(self) -> bool:
        """True if another live process holds the lock (does not take it)."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        except BlockingIOError:
            return True
        finally:
            os.close(fd)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "InstanceLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
