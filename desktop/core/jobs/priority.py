"""Work below the window in the CPU's eyes: a lower priority (a higher niceness) for the thread that does it.

On Linux niceness is per thread, and the threads a thread starts (a model's compute threads) inherit
it, so lowering the thread that runs a model lowers the model's work too. Elsewhere, or when the
system refuses, the work simply runs as it is.
"""
from __future__ import annotations

import logging
import os
import sys
import threading
from contextlib import contextmanager
from typing import Iterator

log = logging.getLogger(__name__)

BACKGROUND_NICE = 10     # study jobs and live captions; the transcript while recording goes lower (15)


def thread_nice() -> int | None:
    """This thread's niceness (Linux), or None where it cannot be told."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    except OSError:
        return None


def lower_this_thread(nice: int) -> bool:
    """Raise this thread's niceness to ``nice`` (never lowers it); True when it is at least ``nice`` now."""
    now = thread_nice()
    if now is None:
        return False
    if now >= nice:
        return True
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
        return True
    except OSError:
        return False


@contextmanager
def lowered_priority(nice: int = BACKGROUND_NICE) -> Iterator[None]:
    """Run the block with this thread at niceness ``nice`` at least, and give the thread its own back after.

    Giving it back needs the right to raise a priority (root, CAP_SYS_NICE or an RLIMIT_NICE that
    allows it); without it the thread stays low, which only makes the worker's later jobs gentler.
    llama.cpp's OpenMP threads are made at a thread's first computation and kept: those made inside the
    block stay low after it, those made before it keep their priority (in the worker only study jobs
    run the chat model, so its threads are made low)."""
    before = thread_nice()
    lowered = before is not None and before < nice and lower_this_thread(nice)
    try:
        yield
    finally:
        if lowered:
            try:
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), before)  # type: ignore[arg-type]
            except OSError as exc:
                log.info("this worker thread stays at niceness %s (%s)", nice, exc)
