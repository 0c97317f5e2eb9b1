"""Settings → Sync: the bucket, where it is, whose it is, how often; "Test connection" and
"Sync now" with the sync's progress; the deletions a sync held back, while they wait for an
answer (Delete, or Keep them).

Lectern stores no secret: credentials come from the standard AWS chain (a named profile
in ~/.aws, or the AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY environment variables), and
the page says so."""
from __future__ import annotations

import getpass
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QProgressBar,
                               QPushButton, QVBoxLayout, QWidget)

from ...core import jobs
from ...core.errors import LecternError
from ...core.storage import settings as settings_mod
from ...core.sync import remote
from ...core.sync.job import JOB_KIND
from ...core.sync.status import HeldDeletions, pending_deletions, sync_status
from . import actions

INTERVAL_CHOICES = ((0, "Off: only when I click Sync now"), (15 * 60, "Every 15 minutes"),
                    (60 * 60, "Every hour"), (4 * 60 * 60, "Every 4 hours"))
CREDENTIALS_NOTE = (
    "Lectern never stores your keys. It uses the standard AWS credentials of this computer: "
    "the profile named above (from ~/.aws/credentials), or the environment variables "
    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY when the profile is empty.")


def default_user() -> str:
    name = "".join(c for c in getpass.getuser() if c.isalnum() or c in "._-")
    return name.lstrip("._-") or "student"


class SyncSettingsTab(QWidget):
    title = "Sync"

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.test_task = None
        self.job_id: int | None = None
        stored = remote.stored_config(ctx.db)
        on = remote.is_set_up(ctx.db)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 16, 16, 16)
        lay.setSpacing(10)
        self.enabled = QCheckBox("Keep this library in an S3 bucket (the same library on every computer)")
        self.enabled.setChecked(on)
        self.enabled.toggled.connect(self._enable_fields)
        lay.addWidget(self.enabled)

        self.fields = QWidget()
        form = QFormLayout(self.fields)
        form.setContentsMargins(24, 0, 0, 0)
        form.setVerticalSpacing(8)
        self.bucket = QLineEdit(stored.bucket)
        self.bucket.setPlaceholderText("my-course-bucket")
        form.addRow("Bucket", self.bucket)
        self.endpoint = QLineEdit(stored.endpoint)
        self.endpoint.setPlaceholderText("Empty for Amazon S3; https://… for another S3-compatible store")
        form.addRow("Endpoint URL", self.endpoint)
        self.region = QLineEdit(stored.region)
        self.region.setPlaceholderText("us-east-1")
        form.addRow("Region", self.region)
        self.user = QLineEdit(stored.user or default_user())
        self.user.setToolTip("Your files go under users/<user id>/ in the bucket; other users' files are never touched.")
        form.addRow("User id", self.user)
        self.profile = QLineEdit(stored.profile)
        self.profile.setPlaceholderText("Empty: the AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY environment variables")
        form.addRow("AWS profile", self.profile)
        note = QLabel(CREDENTIALS_NOTE)
        note.setObjectName("Hint")
        note.setWordWrap(True)
        form.addRow("", note)
        self.interval = QComboBox()
        for seconds, label in INTERVAL_CHOICES:
            self.interval.addItem(label, seconds)
        current = self.interval.findData(settings_mod.load(ctx.db).sync_interval_s)   # kept while sync is off
        self.interval.setCurrentIndex(max(0, current))
        form.addRow("Sync automatically", self.interval)
        lay.addWidget(self.fields)

        row = QHBoxLayout()
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self.test_connection)
        self.sync_button = QPushButton("Sync now")
        self.sync_button.setObjectName("PrimaryButton")
        self.sync_button.clicked.connect(self.sync_now)
        self.cancel_button = QPushButton("Cancel sync")
        self.cancel_button.clicked.connect(self.cancel_sync)
        self.cancel_button.hide()
        row.addWidget(self.test_button)
        row.addWidget(self.sync_button)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        lay.addLayout(row)
        self.result = QLabel("")
        self.result.setObjectName("SyncResult")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextSelectableByMouse)
        lay.addWidget(self.result)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        self.bar.hide()
        lay.addWidget(self.bar)
        self.last = QLabel("")
        self.last.setObjectName("Hint")
        self.last.setWordWrap(True)
        lay.addWidget(self.last)
        self.held_box = QWidget()
        held_lay = QVBoxLayout(self.held_box)
        held_lay.setContentsMargins(0, 4, 0, 0)
        self.held_text = QLabel("")
        self.held_text.setObjectName("SyncHeld")
        self.held_text.setWordWrap(True)
        held_lay.addWidget(self.held_text)
        held_row = QHBoxLayout()
        self.delete_held_button = QPushButton("Delete")
        self.delete_held_button.clicked.connect(self.delete_held)
        self.keep_held_button = QPushButton("Keep them")
        self.keep_held_button.clicked.connect(self.keep_held)
        held_row.addWidget(self.delete_held_button)
        held_row.addWidget(self.keep_held_button)
        held_row.addStretch(1)
        held_lay.addLayout(held_row)
        self.held_box.hide()
        self.held_keys: list[str] = []
        self.keep_task = None
        lay.addWidget(self.held_box)
        lay.addStretch(1)
        self._enable_fields(on)
        self._show_status()
        if ctx.monitor is not None:
            ctx.monitor.job_changed.connect(self._on_job)

    # -- the form ---------------------------------------------------------------------------------------
    def _enable_fields(self, on: bool) -> None:
        self.fields.setEnabled(on)
        self.test_button.setEnabled(on)
        self.sync_button.setEnabled(on)

    def config(self) -> remote.SyncConfig:
        return remote.SyncConfig(self.bucket.text().strip(), self.user.text().strip(), self.endpoint.text().strip(),
                                 self.region.text().strip(), self.profile.text().strip())

    def apply(self) -> None:
        """Save (raises LecternError naming the wrong field when sync is on)."""
        on = self.enabled.isChecked()
        config = self.config()
        if not on and not remote.stored_config(self.ctx.db).bucket and not config.bucket:
            return                      # never set up and still off: nothing to store
        remote.save_config(self.ctx.db, config, enabled=on, interval_s=int(self.interval.currentData() or 0))

    # -- test connection -------------------------------------------------------------------------------------
    def test_connection(self) -> None:
        try:
            config = remote.check_config(self.config())
        except LecternError as exc:
            self._say(str(exc), "error")
            return
        self.test_button.setEnabled(False)
        self._say(f"Asking {config.where} for the bucket {config.bucket}…", "busy")
        self.test_task = actions.ask_bucket(self, lambda: remote.check_connection(config), self._tested,
                                            self._test_failed, name="sync-test", failure="The test failed: ")

    def _tested(self, result: dict) -> None:
        self.test_button.setEnabled(self.enabled.isChecked())
        n = result.get("objects", 0)
        more = "+" if result.get("truncated") else ""
        self._say(f"Connected: the bucket {result['bucket']} answers ({result['seconds']:.1f} s). "
                  f"{n}{more} file(s) of {result['user']} are in it.", "ok")

    def _test_failed(self, message: str) -> None:
        self.test_button.setEnabled(self.enabled.isChecked())
        self._say(message, "error")

    def _say(self, text: str, tone: str) -> None:
        self.result.setText(text)
        self.result.setProperty("tone", tone)
        self.result.style().unpolish(self.result)
        self.result.style().polish(self.result)

    # -- sync now ------------------------------------------------------------------------------------------------
    def sync_now(self) -> None:
        """Save the form, then start a sync (as the student asked: its summary is shown)."""
        try:
            self.apply()
        except LecternError as exc:
            self._say(str(exc), "error")
            return
        try:
            self.job_id = actions.sync_now(self.ctx)
        except LecternError as exc:
            self._say(str(exc), "error")
            return
        self._say("Sync started. You can close Settings: the sync goes on in the background.", "busy")
        self._show_status()

    def cancel_sync(self) -> None:
        st = sync_status(self.ctx.db)
        if st.job_id is not None and st.state == "running":
            self.ctx.cancel(st.job_id)

    def _on_job(self, job: jobs.Job) -> None:
        if job.kind == JOB_KIND:
            self._show_status(job)

    def _show_status(self, job: jobs.Job | None = None) -> None:
        st = sync_status(self.ctx.db)
        running = st.state == "running"
        self.bar.setVisible(running)
        self.cancel_button.setVisible(running)
        self.sync_button.setEnabled(self.enabled.isChecked() and not running)
        if running:
            self.bar.setValue(int(st.progress * 1000))
            self.last.setText(f"<b>{st.text}</b> {st.detail}")
        elif st.state == "held":        # its question is shown below, with its buttons
            self.last.setText(f"<b>{st.text}.</b>")
        elif st.state != "off":
            self.last.setText(f"<b>{st.text}.</b> {st.detail}")
        else:
            self.last.setText("")
        self._show_held(None if running or st.state == "off" else pending_deletions(self.ctx.db))

    # -- deletions a sync held back ---------------------------------------------------------------------
    def _show_held(self, held: HeldDeletions | None) -> None:
        self.held_keys = list(held.keys) if held is not None else []
        self.held_box.setVisible(held is not None)
        if held is None:
            return
        names = "<br>".join(f"• {escape(n)}" for n in held.names[:8])
        if len(held.names) > 8:
            names += f"<br>…and {len(held.names) - 8} more"
        question = escape(held.question).replace("\n\n", "<br>")
        self.held_text.setText(f"<b>{escape(held.short)}.</b><br>{question}<br>{names}")
        self.delete_held_button.setText(held.delete_label)
        self.keep_held_button.setText(held.keep_label)
        self.keep_held_button.setEnabled(True)

    def delete_held(self) -> None:
        """Delete what the sync held back (a sync that deletes only those)."""
        try:
            self.job_id = actions.confirm_deletions(self.ctx, self.held_keys)
        except LecternError as exc:
            self._say(str(exc), "error")
            return
        self._say("Deleting them: a sync that deletes only those has started.", "busy")
        self._show_status()

    def keep_held(self) -> None:
        """Keep them: nothing is deleted, and the next sync copies them back where they are missing."""
        keys = list(self.held_keys)

        def kept(_n: int) -> None:
            self._say(f"Kept {len(keys)} file(s): nothing was deleted. A sync copies them back where they are "
                      "missing.", "ok")
            try:
                self.job_id = actions.sync_now(self.ctx)
            except LecternError as exc:
                self._say(str(exc), "error")
            self._show_status()

        def failed(message: str) -> None:
            self.keep_held_button.setEnabled(True)
            self._say(message, "error")
        try:
            self.keep_held_button.setEnabled(False)
            self.keep_task = actions.keep_files(self.ctx, self, keys, kept, failed)
        except LecternError as exc:
            failed(str(exc))
