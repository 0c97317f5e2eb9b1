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


def run_gui(paths: DataPaths, startup_probe: bool = False) -> int:
    import qasync
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from .ui.theme import apply_theme

    paths.ensure()
    setup_logging(paths.logs, "app")
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Lectern")
    app.setDesktopFileName("lectern")
    apply_theme(app)
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
    supervisor.start()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    window = build_window(paths, supervisor)
    window.show()
    shown_at = _process_age_s()
    log.info("window shown %.3f s after process start", shown_at)

    if startup_probe:
        def report() -> None:
            print(json.dumps({"window_visible_s": round(shown_at, 3)}), flush=True)
            app.quit()
        QTimer.singleShot(0, report)

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
    lock.path.unlink(missing_ok=True)


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

