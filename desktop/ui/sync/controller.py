"""The window's side of sync: the status-bar item ("Synced 5 min ago", "Sync failed: …",
"Syncing… 40 %" with its bar), the Sync now and Cloud… actions, the banner with a sync's
summary, the question when a sync held deletions back, and the interval timer.

The question is core's (kept in the app database until it is answered): it is asked when
the window opens and after every sync while it waits, whether that sync worked or not, and
the status-bar menu offers it again.

Everything follows the jobs table (through the window's job monitor), so a sync started
from the settings page, the menu, the timer or the command line shows the same way.

The sync core (and its S3 client) is loaded once the window is up, not on its way up."""
from __future__ import annotations

import logging
import time
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QMenu, QMessageBox, QProgressBar, QToolButton, QWidget

from ...core import jobs
from ...core.errors import LecternError
from ..widgets import Banner

JOB_KIND = "sync_storage"     # core.sync.state.JOB_KIND (checked by the tests), known before core loads

log = logging.getLogger(__name__)
TICK_MS = 30_000          # how often the interval timer looks whether a sync is due


class SyncController(QObject):
    """Owned by the main window; ``status_widget`` goes in its status bar, ``banner`` above the
    panes, ``sync_action`` / ``cloud_action`` in its menu."""

    def __init__(self, ctx: Any, window: QWidget) -> None:
        super().__init__(window)
        self.ctx, self.window = ctx, window
        self.question_box: QMessageBox | None = None
        self.details_box: QMessageBox | None = None
        self.cloud_dialog = None
        self.keep_task = None

        self.sync_action = QAction("Sync now", window, shortcut=QKeySequence("Ctrl+Shift+S"))
        self.sync_action.setToolTip("Sync the library with your S3 bucket (Ctrl+Shift+S)")
        self.sync_action.triggered.connect(self.sync_now)
        self.cloud_action = QAction("Cloud…", window)
        self.cloud_action.setToolTip("What is in your bucket, and what is only here or only there")
        self.cloud_action.triggered.connect(self.open_cloud)
        self.cancel_action = QAction("Cancel sync", window, triggered=self.cancel_sync)
        self.settings_action = QAction("Sync settings…", window, triggered=self.open_settings)
        self.held_action = QAction("Delete or keep…", window, triggered=self.ask_again)
        self.held_action.setToolTip("Deletions a sync held back wait for your answer")
        self.held_action.setVisible(False)

        self.status_widget = QWidget()
        row = QHBoxLayout(self.status_widget)
        row.setContentsMargins(0, 0, 8, 0)
        row.setSpacing(6)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setFixedSize(90, 8)
        self.bar.hide()
        self.status_button = QToolButton()
        self.status_button.setObjectName("SyncStatus")
        self.status_button.setAutoRaise(True)
        self.status_button.setPopupMode(QToolButton.InstantPopup)
        menu = QMenu(self.status_button)
        for act in (self.held_action, self.sync_action, self.cancel_action, self.cloud_action, self.settings_action):
            menu.addAction(act)
        self.status_button.setMenu(menu)
        row.addWidget(self.bar)
        row.addWidget(self.status_button)
        self.banner = Banner("info")

        if ctx.monitor is not None:
            ctx.monitor.job_changed.connect(self._on_job_changed)
            ctx.monitor.job_finished.connect(self._on_job_finished)
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        self.status_widget.hide()
        QTimer.singleShot(0, self, self.start)        # after the window is shown

    # -- status -------------------------------------------------------------------------------------------
    def start(self) -> None:
        """The window is up: show the status, and ask again what a sync left unanswered."""
        self.refresh()
        self.ask_again()

    def refresh(self) -> None:
        """Show how the last sync went ("N min ago" moves on with the timer)."""
        from ...core.sync.status import sync_status

        st = sync_status(self.ctx.db)
        self.status_button.setText(st.text)
        self.status_button.setToolTip(st.detail)
        self.status_button.setProperty("state", st.state)
        self.status_button.style().unpolish(self.status_button)
        self.status_button.style().polish(self.status_button)
        running = st.state == "running"
        self.bar.setVisible(running)
        self.bar.setValue(int(st.progress * 1000))
        self.cancel_action.setEnabled(running)
        self.sync_action.setEnabled(not running)
        self.status_widget.setVisible(st.state != "off" or running)
        self.held_action.setVisible(not running and self._waiting() is not None)

    def _waiting(self) -> Any:
        from ...core.sync.status import pending_deletions

        return pending_deletions(self.ctx.db)

    def _on_job_changed(self, job: jobs.Job) -> None:
        if job.kind == JOB_KIND:
            self.refresh()

    def _on_job_finished(self, job: jobs.Job) -> None:
        if job.kind != JOB_KIND:
            return
        from ...core.sync.status import counts, describe

        self.refresh()
        by_hand = bool(job.payload.get("by_hand"))
        self.ask_again()          # also after a failed or cancelled sync: the question still waits
        if job.state == jobs.DONE:
            n = counts(job.result)
            if by_hand or n["conflicts"] or n["refused"] or n["failed"]:
                self.tell(f"<b>Sync done.</b> {describe(job.result)}", "info",
                          [("Details", lambda r=job.result: self.show_details(r))])
        elif job.state == jobs.FAILED and by_hand:
            self.tell(f"<b>Sync failed.</b> {job.error}", "warning", [("Try again", self.sync_now)])
        elif job.state == jobs.CANCELLED and by_hand:
            self.tell("Sync cancelled. What was done is kept; the next sync does the rest.", "info")

    def tell(self, text: str, kind: str, buttons: list = ()) -> None:
        self.banner.setProperty("kind", kind)
        self.banner.style().unpolish(self.banner)
        self.banner.style().polish(self.banner)
        self.banner.show_message(text, buttons)

    def show_details(self, result: dict) -> None:
        from ...core.sync.status import describe

        lines = [describe(result), ""]
        for title, items, field in (("Conflicts (both copies kept)", [a for a in result.get("actions", [])
                                                                      if a.get("op") in ("conflict", "merge")], "key"),
                                    ("Failed", result.get("errors", []), "error"),
                                    ("Skipped", result.get("skipped", []), "reason"),
                                    ("Refused keys", result.get("refused", []), "reason")):
            if items:
                lines.append(f"{title}:")
                lines += [f"  • {i.get('key', i.get('document_id', ''))}" + (f": {i[field]}" if field != "key" else "")
                          for i in items[:50]]
        lines += result.get("notices", [])
        box = QMessageBox(QMessageBox.Information, "What the sync did", describe(result),
                          QMessageBox.Close, self.window)
        box.setDetailedText("\n".join(lines))
        box.setWindowModality(Qt.NonModal)
        self.details_box = box
        box.open()

    # -- held deletions ----------------------------------------------------------------------------------------
    def ask_again(self) -> bool:
        """Ask about the deletions that still wait for an answer (not while a sync runs: it may be
        the answer being carried out). True when the question is shown."""
        from ...core.sync.status import RUNNING, sync_status

        held = self._waiting()
        if held is None or sync_status(self.ctx.db).state == RUNNING:
            return False
        self.ask_about_deletions(held)
        return True

    def ask_about_deletions(self, held: Any) -> None:
        """The fail-safe stopped some deletions: ask plainly, re-run with only those confirmed."""
        if self.question_box is not None and shiboken6.isValid(self.question_box):
            if self.question_box.isVisible() and self.question_box.property("keys") == held.keys:
                return                   # already asking this
            self.question_box.close()
        names = "\n".join(f"• {n}" for n in held.names[:12])
        if len(held.names) > 12:
            names += f"\n…and {len(held.names) - 12} more"
        box = QMessageBox(QMessageBox.Question, "Delete these files?", held.question, QMessageBox.NoButton,
                          self.window)
        box.setInformativeText(names)
        box.setStyleSheet("QLabel#qt_msgbox_label, QLabel#qt_msgbox_informativelabel { min-width: 480px; }")
        delete = box.addButton(held.delete_label, QMessageBox.DestructiveRole)
        keep = box.addButton(held.keep_label, QMessageBox.RejectRole)
        box.setDefaultButton(keep)
        box.setWindowModality(Qt.NonModal)
        box.setProperty("keys", list(held.keys))

        def answered(button) -> None:
            if button is delete:
                self.confirm_deletions(held.keys)
            elif button is keep:
                self.keep_files(held.keys)
        box.buttonClicked.connect(answered)
        self.question_box = box
        box.open()

    def confirm_deletions(self, keys: list[str]) -> None:
        from . import actions

        try:
            actions.confirm_deletions(self.ctx, keys)
        except LecternError as exc:
            self.tell(str(exc), "warning")
            return
        self.refresh()

    def keep_files(self, keys: list[str]) -> None:
        from . import actions

        def kept(n: int) -> None:
            self.tell(f"Kept {len(keys)} file(s): nothing was deleted. They are copied back where they are "
                      "missing now.", "info")
            self.sync_now()

        def failed(message: str) -> None:
            self.tell(message, "warning", [("Keep them", lambda: self.keep_files(keys))])
        try:
            self.keep_task = actions.keep_files(self.ctx, self.status_widget, keys, kept, failed)
        except LecternError as exc:
            self.tell(str(exc), "warning")

    # -- actions -------------------------------------------------------------------------------------------------
    def sync_now(self) -> int | None:
        from . import actions

        try:
            job_id = actions.sync_now(self.ctx)
        except LecternError as exc:
            self.tell(str(exc), "warning", [("Sync settings…", self.open_settings)])
            return None
        self.banner.hide()
        self.refresh()
        return job_id

    def cancel_sync(self) -> None:
        from ...core.sync.status import sync_status

        st = sync_status(self.ctx.db)
        if st.job_id is not None and st.state == "running":
            self.ctx.cancel(st.job_id)

    def open_settings(self) -> None:
        from ..settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.ctx, self.window)
        for i, page in enumerate(dialog.pages):
            if getattr(page, "title", "") == "Sync":
                dialog.tabs.setCurrentIndex(i)
        dialog.exec()
        self.refresh()

    def open_cloud(self) -> None:
        from .cloud_view import CloudDialog

        if self.cloud_dialog is None or not shiboken6.isValid(self.cloud_dialog):
            self.cloud_dialog = CloudDialog(self.ctx, self.window, open_settings=self.open_settings)
        self.cloud_dialog.show()
        self.cloud_dialog.raise_()
        self.cloud_dialog.reload()

    # -- the interval ----------------------------------------------------------------------------------------------
    def tick(self, now: float | None = None) -> int | None:
        """Start an automatic sync when one is due (never while one runs; sooner after a
        failure, backing off as core says). Returns the job id when one was started."""
        from ...core.sync.state import interval, next_sync_at

        self.refresh()
        seconds = interval(self.ctx.db)
        if not seconds:
            return None
        due = next_sync_at(self.ctx.db, seconds, now)
        if due is None or due > (time.time() if now is None else now):
            return None
        from ...core.sync.job import submit_sync

        try:
            return submit_sync(self.ctx)
        except LecternError as exc:
            log.warning("automatic sync not started: %s", exc)
            return None
