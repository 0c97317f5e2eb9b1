"""The one way the UI runs slow work off the UI thread and gets the result back on it.

    task = run_in_background(lambda: slow(), on_done=show, on_error=complain, owner=self)

Work runs on a named lane (a small thread pool):
- ``reader``: searches and other reads (two threads);
- ``writer``: library changes, one at a time, so two never race;
- ``audio``: everything that touches the sound system (listing microphones, opening a
  stream), one at a time, so PortAudio is never re-read while a stream opens;
- ``long``: minutes-long work such as importing a video or recovering recordings, kept
  off the reader lane so searches stay quick;
- ``chat``: the chat model writing an answer (llama.cpp answers one question at a time).

``on_done(result)`` / ``on_error(exc)`` run on the UI thread; if ``owner`` (a widget)
was closed and deleted meanwhile they are dropped instead of touching a dead widget.
``ui_callback`` is the same delivery for callbacks that core calls from its own threads
(the recorder's "finished", live captions). Each thread opens its own SQLite connection
with ``thread_db``. ``wait_idle`` waits for every lane (tests, and quitting).
"""
from __future__ import annotations

import logging
import threading
from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

READER, WRITER, AUDIO, LONG, CHAT = "reader", "writer", "audio", "long", "chat"
_LANE_THREADS = {READER: 2, WRITER: 1, AUDIO: 1, LONG: 2, CHAT: 1}

_local = threading.local()
_pools: dict[str, QThreadPool] = {}
_keeper: QObject | None = None


def _kept(relay: "_Relay") -> "_Relay":
    """Give a relay to a parent on the UI thread, so the C++ object is only ever deleted there.

    A relay's last Python reference may drop on a worker thread (with the task that held
    it); a Python-owned QObject would then be destroyed on that thread, which Qt forbids."""
    global _keeper
    if _keeper is None or not shiboken6.isValid(_keeper):
        _keeper = QObject(QCoreApplication.instance())
    relay.setParent(_keeper)
    return relay


def thread_db(paths: Any) -> Any:
    """This thread's own connection to app.db (SQLite connections are per thread)."""
    from ..core.storage.db import open_db

    cache = getattr(_local, "dbs", None)
    if cache is None:
        cache = _local.dbs = {}
    key = str(paths.db)
    if key not in cache:
        cache[key] = open_db(paths.db, migrate_schema=False)
    return cache[key]


def _owner_alive(owner: QObject | None) -> bool:
    return owner is None or shiboken6.isValid(owner)


class _Relay(QObject):
    """Lives on the UI thread; its slots run there (queued from the worker thread)."""

    done = Signal(object)
    failed = Signal(object)
    called = Signal(object)          # args tuple, for ui_callback
    progressed = Signal(object)      # one report of a running task

    def __init__(self, on_done: Callable[..., None] | None, on_error: Callable[[BaseException], None] | None,
                 owner: QObject | None, on_progress: Callable[[Any], None] | None = None) -> None:
        super().__init__()
        self.on_done, self.on_error, self.owner, self.on_progress = on_done, on_error, owner, on_progress
        self.work: Callable[[], Any] | None = None    # what a task runs; dropped on the UI thread
        self.done.connect(self._done)
        self.failed.connect(self._failed)
        self.called.connect(self._called)
        self.progressed.connect(self._progressed)

    @Slot(object)
    def _done(self, value: Any) -> None:
        try:
            if self.on_done is not None and _owner_alive(self.owner):
                self.on_done(value)
        finally:
            self.release()

    @Slot(object)
    def _failed(self, exc: BaseException) -> None:
        try:
            if self.on_error is not None and _owner_alive(self.owner):
                self.on_error(exc)
            else:
                log.error("background task failed", exc_info=exc)
        finally:
            self.release()

    def release(self) -> None:
        """Drop the callbacks and the owner here on the UI thread, then delete the relay."""
        self.on_done = self.on_error = self.on_progress = self.owner = self.work = None
        self.deleteLater()

    @Slot(object)
    def _progressed(self, value: Any) -> None:
        if self.on_progress is not None and _owner_alive(self.owner):
            self.on_progress(value)

    @Slot()
    def forget(self) -> None:
        self.on_done = self.owner = None

    @Slot(object)
    def _called(self, args: tuple) -> None:
        if self.on_done is not None and _owner_alive(self.owner):
            self.on_done(*args)


class Task:
    """A handle on one piece of background work: ``finished`` / ``wait(timeout_s)``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._ended = threading.Event()

    @property
    def finished(self) -> bool:
        return self._ended.is_set()

    def wait(self, timeout_s: float | None = None) -> bool:
        return self._ended.wait(timeout_s)


class _Runnable(QRunnable):
    """Runs ``relay.work`` (the relay, not this object, holds the work: whatever it captured
    is released on the UI thread)."""

    def __init__(self, relay: _Relay, task: Task) -> None:
        super().__init__()
        self.relay, self.task = relay, task
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self.relay.work()
        except BaseException as exc:  # handed to the UI thread
            if not isinstance(exc, Exception):
                log.error("background task %s ended by %r", self.task.name, exc)
            self.relay.failed.emit(exc)
        else:
            self.relay.done.emit(result)
        finally:
            self.task._ended.set()


def pool(name: str) -> QThreadPool:
    if name not in _pools:
        p = QThreadPool()
        p.setMaxThreadCount(_LANE_THREADS.get(name, 1))
        p.setExpiryTimeout(-1 if name == WRITER else 30000)
        _pools[name] = p
    return _pools[name]


def run_in_background(fn: Callable[..., Any], on_done: Callable[[Any], None] | None = None,
                      on_error: Callable[[BaseException], None] | None = None, writer: bool = False, *,
                      lane: str | None = None, owner: QObject | None = None, name: str = "",
                      on_progress: Callable[[Any], None] | None = None) -> Task:
    """Run ``fn`` on a lane's thread; ``on_done(result)`` / ``on_error(exc)`` run on the UI thread.

    With ``on_progress``, ``fn`` is called with a ``report(value)`` function; each value
    reaches ``on_progress`` on the UI thread, in order, before ``on_done``."""
    relay = _kept(_Relay(on_done, on_error, owner, on_progress))
    task = Task(name or getattr(fn, "__name__", "task"))
    emit_progress = relay.progressed.emit
    relay.work = fn if on_progress is None else (lambda: fn(emit_progress))
    pool(lane or (WRITER if writer else READER)).start(_Runnable(relay, task))
    return task


def ui_callback(fn: Callable[..., None], owner: QObject | None = None) -> Callable[..., None]:
    """A function any thread may call; ``fn(*args)`` then runs on the UI thread (dropped once
    ``owner`` is deleted). Make it on the UI thread."""
    # The relay is never deleted (a late call from a core thread must not reach a deleted
    # object); when its owner goes it just forgets the callback, on the UI thread.
    relay = _kept(_Relay(fn, None, owner))
    if owner is not None:
        owner.destroyed.connect(relay.forget)

    def call(*args: Any) -> None:
        relay.called.emit(args)
    return call


def wait_idle(timeout_ms: int = 30000) -> bool:
    """Block until every background task ended (tests, and quitting)."""
    return all(p.waitForDone(timeout_ms) for p in _pools.values())
