"""Composition root: lock the data folder, start the children, show the window."""
from __future__ import annotations

import asyncio
import json
import logging
import sys
import time

import psutil

from .core.storage.config import DataPaths
from .core.storage.db import open_db
from .core.errors import AlreadyRunning
from .core.runtime.logs import setup_logging
from .core.runtime.services import app_lock
from .core.runtime.supervisor import Supervisor

log = logging.getLogger(__name__)
_T0 = time.perf_counter()


def _process_age_s() -> float:
    """Seconds since this process started (includes interpreter start-up)."""
    try:
        return time.time() - psutil.Process().create_time()
    except psutil.Error:
        return time.perf_counter() - _T0


def build_window(paths: DataPaths, supervisor: Supervisor | None):
    """Create the main window and its context (used by the app and by tests)."""
    from .ui.context import AppContext
    from .ui.job_monitor import JobMonitor
    from .ui.main_window import MainWindow

    db = open_db(paths.db)
    ctx = AppContext(paths=paths, db=db, supervisor=supervisor)
    ctx.monitor = JobMonitor(db)
    window = MainWindow(ctx)
    ctx.monitor.start()
    return window


def upgrade_data_folder(paths: DataPaths) -> None:
    """Finish upgrading a data folder made by an older release (files by id, then a re-index job)."""
    from .core.library import upgrade
    from .workers.submit import QueueJobs

    db = open_db(paths.db)
    try:
        upgrade.upgrade_data_folder(db, paths, QueueJobs(paths, db))
    finally:
        db.conn.close()


def _preload() -> None:
    """Import the plain-Python part of what the window uses before Qt is loaded.

    Once PySide6 is imported it looks at the source of every module imported after it (for
    its ``__feature__`` switches); modules already imported are spared that (0.1-0.15 s)."""
    import numpy  # noqa: F401
    import sqlite_utils  # noqa: F401

    from .core import chat, lectures, library, search, study, sync  # noqa: F401
    from .core.runtime import services  # noqa: F401


def run_gui(paths: DataPaths, startup_probe: bool = False) -> int:
    _preload()
    import qasync
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from .ui.theme import apply_theme, prepare

    paths.ensure()
    setup_logging(paths.logs, "app")
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Lectern")
    app.setDesktopFileName("lectern")
    prepare(app)
    lock = app_lock(paths)
    try:
        lock.acquire()
    except AlreadyRunning as exc:
        print(f"lectern: {exc}", file=sys.stderr)
        if not startup_probe:
            QMessageBox.warning(None, "Lectern is already open", str(exc))
        return 1

    upgrade_data_folder(paths)      # before the worker starts: no job may race the file moves
    supervisor = Supervisor(paths)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    window = build_window(paths, supervisor)
    apply_theme(app)               # styled once, whole (not widget by widget as the window was built)

    def first_paint() -> None:
        # The worker and the vector store start once the window is on screen: on a two-core
        # laptop their start-up (the vector store alone imports for over a second) otherwise
        # competes with the window's own for the processor.
        shown_at = _process_age_s()
        log.info("window painted %.3f s after process start", shown_at)
        supervisor.start()
        if startup_probe:
            print(json.dumps({"window_visible_s": round(shown_at, 3), "cpu_s": round(time.process_time(), 3),
                              "painted_at": time.time()}), flush=True)
            QTimer.singleShot(0, app.quit)

    _painted = _FirstPaint(window, first_paint)  # noqa: F841 (kept alive while the loop runs)
    window.show()

    app.aboutToQuit.connect(lambda: (window.save_state(), window.shutdown(), supervisor.stop()))
    _quit_on_signals(app)
    try:
        with loop:  # closing the loop joins its executor threads before Qt goes away
            loop.run_forever()  # returns when the application quits
    finally:
        # A clean quit leaves no pid, port or lock files behind (removed while still held, so no
        # second Lectern can take a lock on a file that is about to go).
        _clear_run_files(paths, lock)
        lock.release()
    return 0


def _clear_run_files(paths: DataPaths, lock) -> None:
    for f in paths.run.glob("*"):
        if f.is_file() and f.suffix in (".pid", ".port", ".heartbeat"):
            f.unlink(missing_ok=True)
    from .core.runtime.instance import InstanceLock

    for other in paths.run.glob("*.lock"):     # locks of our children (the worker's), unless still held
        if other != lock.path and other.name != "sync.lock" and not InstanceLock(other).held_elsewhere():
            other.unlink(missing_ok=True)
    lock.path.unlink(missing_ok=True)


class _FirstPaint:
    """Calls ``fn`` once, when ``window`` has been painted for the first time."""

    def __init__(self, window, fn) -> None:
        from PySide6.QtCore import QEvent, QObject, QTimer

        self.done = False
        outer = self

        class Filter(QObject):
            def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt name)
                if event.type() == QEvent.Paint and not outer.done:
                    outer.done = True
                    obj.removeEventFilter(self)
                    QTimer.singleShot(0, fn)      # after this paint reaches the screen
                return False

        self.filter = Filter(window)
        window.installEventFilter(self.filter)

        def late() -> None:                       # no paint seen (a hidden or minimised start)
            if not outer.done:
                outer.done = True
                window.removeEventFilter(self.filter)
                fn()
        QTimer.singleShot(3000, late)


def _quit_on_signals(app) -> None:
    """SIGTERM/SIGINT close the window properly, so the children are stopped too."""
    import signal

    from PySide6.QtCore import QTimer

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: QTimer.singleShot(0, app.quit))
    # Python runs signal handlers only between bytecodes: wake the interpreter regularly.
    waker = QTimer(app)
    waker.timeout.connect(lambda: None)
    waker.start(250)

