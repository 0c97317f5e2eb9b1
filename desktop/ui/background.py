"""Run slow work off the UI thread and get the result back on it, in one call.

    run_in_background(lambda: slow(), on_done=show, on_error=complain)

Writers to the library go through one single-thread pool (``writer=True``) so two
library changes never race; reads (searches) use a small pool of their own. Each
thread opens its own SQLite connection with ``thread_db``.
"""
from __future__ import annotations

import threading
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

_local = threading.local()
_alive: set["_Relay"] = set()
_pools: dict[str, QThreadPool] = {}


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


class _Relay(QObject):
    """Lives on the UI thread; its slots run there (queued from the pool thread)."""

    done = Signal(object)
    failed = Signal(object)

    def __init__(self, on_done: Callable[[Any], None] | None, on_error: Callable[[BaseException], None] | None):
        super().__init__()
        self.on_done, self.on_error = on_done, on_error
        self.done.connect(self._done)
        self.failed.connect(self._failed)

    @Slot(object)
    def _done(self, value: Any) -> None:
        _alive.discard(self)
        if self.on_done is not None:
            self.on_done(value)

    @Slot(object)
    def _failed(self, exc: BaseException) -> None:
        _alive.discard(self)
        if self.on_error is not None:
            self.on_error(exc)
        else:
            import logging

            logging.getLogger(__name__).error("background task failed", exc_info=exc)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.fn = fn
        self.relay = relay
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as exc:  # handed to the UI thread
            self.relay.failed.emit(exc)
        else:
            self.relay.done.emit(result)


def pool(name: str) -> QThreadPool:
    if name not in _pools:
        p = QThreadPool()
        p.setMaxThreadCount(1 if name == "writer" else 2)
        p.setExpiryTimeout(-1 if name == "writer" else 30000)
        _pools[name] = p
    return _pools[name]


def run_in_background(fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
                      on_error: Callable[[BaseException], None] | None = None, writer: bool = False) -> None:
    """Run ``fn`` on a pool thread; ``on_done(result)`` / ``on_error(exc)`` run on the UI thread."""
    relay = _Relay(on_done, on_error)
    _alive.add(relay)
    pool("writer" if writer else "reader").start(_Task(fn, relay))


def wait_idle(timeout_ms: int = 30000) -> bool:
    """Block until every background task ended (tests, and quitting)."""
    return all(p.waitForDone(timeout_ms) for p in _pools.values())
