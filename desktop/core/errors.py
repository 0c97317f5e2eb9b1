"""One exception family for everything a student can run into.

The message of a ``LecternError`` is written for the student: the UI shows it as it
is and the CLI prints it and exits non-zero. ``hint`` says what to do next.
"""
from __future__ import annotations


class LecternError(Exception):
    """A problem the student can understand and act on."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class AlreadyRunning(LecternError):
    pass


class ModelMissing(LecternError):
    pass


class ModelCorrupt(LecternError):
    pass


class ServiceUnavailable(LecternError):
    pass


class JobCancelled(LecternError):
    def __init__(self) -> None:
        super().__init__("The job was cancelled.")


class DocumentError(LecternError):
    """A file that cannot be imported or ingested (corrupt, encrypted, empty...)."""


class AudioError(LecternError):
    """No microphone, a device that vanished, a file that is not audio..."""


class DiskFull(LecternError):
    pass


class SyncError(LecternError):
    pass


class StudyError(LecternError):
    """Summaries, cards, reviews and exports: an unknown card, a bad page range, an empty source..."""
