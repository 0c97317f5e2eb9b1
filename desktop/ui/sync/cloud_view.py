"""The cloud view: the bucket as a file manager, Semester → Subject → Book → file, each with
where it is (only here, only in the cloud, both) and its size; download a book, upload a
folder, delete from the bucket, and "Ingest new books only".

The listing is read in the background; every operation is a background job (core checks
every key), and the view follows it and reloads when it ends."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QMessageBox, QProgressBar, QPushButton, QTreeWidget,
                               QTreeWidgetItem, QVBoxLayout, QWidget)

from ...core import jobs
from ...core.errors import LecternError
from ...core.sync import cloud, remote
from ...core.sync.cloud import BOTH, ONLY_CLOUD, ONLY_HERE, REFUSED, STATE_WORDS, CloudEntry
from ...core.sync.keys import RAW_DATA
from ...core.timefmt import format_size
from ..background import thread_db
from . import actions

LEVELS = ("semester", "subject", "book", "file")
KEYS_ROLE = Qt.UserRole + 1            # the keys under a row (all of them, for a folder)


class CloudDialog(QDialog):
    def __init__(self, ctx: Any, parent: QWidget | None = None,
                 open_settings: Callable[[], None] | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.open_settings = open_settings
        self.entries: list[CloudEntry] = []
        self.by_key: dict[str, CloudEntry] = {}
        self.loading = None
        self.loaded = False
        self.job_id: int | None = None
        self.confirm_box: QMessageBox | None = None
        self.setWindowTitle("Cloud: your bucket")
        self.resize(860, 560)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 14, 16, 12)
        top = QHBoxLayout()
        self.where = QLabel("")
        self.where.setWordWrap(True)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.reload)
        top.addWidget(self.where, 1)
        top.addWidget(self.refresh_button)
        lay.addLayout(top)
        self.tree = QTreeWidget()
        self.tree.setObjectName("CloudTree")
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Name", "Where", "Size"])
        self.tree.setSelectionMode(QTreeWidget.ExtendedSelection)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeToContents)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        lay.addWidget(self.tree, 1)
        self.message = QLabel("")
        self.message.setObjectName("SyncResult")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextSelectableByMouse)
        lay.addWidget(self.message)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        self.bar.hide()
        lay.addWidget(self.bar)

        row = QHBoxLayout()
        self.download_button = QPushButton("Download")
        self.download_button.setToolTip("Bring the selected book (or files) that are only in the cloud into this "
                                        "library; they are read like any added file")
        self.download_button.clicked.connect(self.download_selected)
        self.upload_button = QPushButton("Upload folder…")
        self.upload_button.setToolTip("Add a folder of course files to a book here and to the bucket")
        self.upload_button.clicked.connect(self.pick_folder)
        self.delete_button = QPushButton("Delete from bucket…")
        self.delete_button.clicked.connect(self.delete_selected)
        self.new_books_button = QPushButton("Ingest new books only")
        self.new_books_button.setObjectName("PrimaryButton")
        self.new_books_button.setToolTip("Download and read every book that is in the bucket and not in this "
                                         "library; nothing is uploaded or deleted")
        self.new_books_button.clicked.connect(self.ingest_new_books)
        self.settings_button = QPushButton("Sync settings…")
        self.settings_button.clicked.connect(self._settings)
        self.settings_button.setVisible(open_settings is not None)
        for b in (self.download_button, self.upload_button, self.delete_button):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.settings_button)
        row.addWidget(self.new_books_button)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        row.addWidget(close)
        lay.addLayout(row)
        if ctx.monitor is not None:
            ctx.monitor.job_changed.connect(self._on_job)
        self._update_buttons()

    # -- reading the bucket ---------------------------------------------------------------------------------
    def reload(self) -> None:
        try:
            config = remote.load_config(self.ctx.db)
        except LecternError as exc:
            self.where.setText("<b>Sync is not set up.</b>")
            self._say(f"{exc} Choose a bucket in Settings → Sync.", "error")
            self.tree.clear()
            self.loaded = False
            self._update_buttons()
            return
        self.where.setText(f"Bucket <b>{config.bucket}</b> at {config.where} · your files under "
                           f"<code>users/{config.user}/</code>")
        self._say("Reading the bucket…", "busy")
        self.refresh_button.setEnabled(False)
        paths = self.ctx.paths
        self.loading = actions.ask_bucket(self, lambda: cloud.listing(thread_db(paths), paths, config), self._show,
                                          self._failed, name="cloud-listing")

    def _failed(self, message: str) -> None:
        self.refresh_button.setEnabled(True)
        self.loaded = False
        self._say(message, "error")
        self._update_buttons()

    def _show(self, entries: list[CloudEntry]) -> None:
        self.refresh_button.setEnabled(True)
        self.entries = entries
        self.by_key = {e.key: e for e in entries}
        self.loaded = True
        expanded = self._expanded()
        self.tree.clear()
        folders: dict[tuple[str, ...], QTreeWidgetItem] = {}
        refused = [e for e in entries if e.state == REFUSED]
        for e in entries:
            if e.state == REFUSED:
                continue
            parent: QTreeWidgetItem | None = None
            for depth in range(1, len(e.path)):
                prefix = e.path[:depth]
                item = folders.get(prefix)
                if item is None:
                    item = QTreeWidgetItem([prefix[-1], "", ""])
                    item.setData(0, Qt.UserRole, LEVELS[depth - 1])
                    item.setData(0, KEYS_ROLE, [])
                    if parent is None:
                        self.tree.addTopLevelItem(item)
                    else:
                        parent.addChild(item)
                    folders[prefix] = item
                item.setData(0, KEYS_ROLE, item.data(0, KEYS_ROLE) + [e.key])
                parent = item
            name = e.name + ("  (lecture recording)" if e.area != RAW_DATA else "")
            leaf = QTreeWidgetItem([name, STATE_WORDS[e.state], format_size(e.size)])
            leaf.setData(0, Qt.UserRole, "file")
            leaf.setData(0, KEYS_ROLE, [e.key])
            leaf.setToolTip(0, e.key)
            leaf.setTextAlignment(2, Qt.AlignRight | Qt.AlignVCenter)
            (parent.addChild(leaf) if parent is not None else self.tree.addTopLevelItem(leaf))
        for prefix, item in folders.items():
            inside = [self.by_key[k] for k in item.data(0, KEYS_ROLE)]
            item.setText(1, summary_of(inside))
            item.setText(2, format_size(sum(e.size for e in inside)))
            item.setTextAlignment(2, Qt.AlignRight | Qt.AlignVCenter)
            item.setExpanded(prefix in expanded or len(prefix) < 3)
        n = {s: sum(1 for e in entries if e.state == s) for s in (ONLY_HERE, ONLY_CLOUD, BOTH)}
        text = (f"{n[BOTH]} file(s) here and in the cloud, {n[ONLY_CLOUD]} only in the cloud, "
                f"{n[ONLY_HERE]} only here.")
        if not entries:
            text = "Nothing in the bucket for you yet, and nothing here to sync. Sync now puts your library there."
        if refused:
            text += (f" {len(refused)} key(s) in the bucket were refused and are never written here: "
                     + "; ".join(f"{e.key} ({e.reason})" for e in refused[:3]))
        self._say(text, "error" if refused else "ok")
        self._update_buttons()

    def _expanded(self) -> set[tuple[str, ...]]:
        out = set()

        def walk(item: QTreeWidgetItem, path: tuple[str, ...]) -> None:
            for i in range(item.childCount()):
                child = item.child(i)
                p = path + (child.text(0),)
                if child.isExpanded():
                    out.add(p)
                walk(child, p)
        walk(self.tree.invisibleRootItem(), ())
        return out

    # -- selection ----------------------------------------------------------------------------------------------
    def selected_entries(self) -> list[CloudEntry]:
        keys: dict[str, None] = {}
        for item in self.tree.selectedItems():
            for k in item.data(0, KEYS_ROLE) or []:
                keys[k] = None
        return [self.by_key[k] for k in keys if k in self.by_key]

    def select_path(self, *names: str) -> QTreeWidgetItem | None:
        """Select the row semester/subject/book/file named by ``names`` (tests, and after an upload)."""
        item = self.tree.invisibleRootItem()
        for name in names:
            item = next((item.child(i) for i in range(item.childCount())
                         if item.child(i).text(0).split("  (")[0] == name), None)
            if item is None:
                return None
        self.tree.clearSelection()
        item.setSelected(True)
        self.tree.setCurrentItem(item)
        return item

    def _update_buttons(self) -> None:
        chosen = self.selected_entries()
        busy = self.job_id is not None
        ok = self.loaded and not busy
        self.download_button.setEnabled(ok and any(e.state == ONLY_CLOUD and e.area == RAW_DATA for e in chosen))
        levels = {item.data(0, Qt.UserRole) for item in self.tree.selectedItems()}
        self.download_button.setText("Download book" if levels == {"book"} else "Download")
        self.delete_button.setEnabled(ok and any(e.state in (ONLY_CLOUD, BOTH) for e in chosen))
        self.upload_button.setEnabled(ok)
        self.new_books_button.setEnabled(ok and any(e.state == ONLY_CLOUD and e.area == RAW_DATA and not e.synced
                                                    for e in self.entries))

    # -- operations ---------------------------------------------------------------------------------------------
    def download_selected(self) -> int | None:
        keys = [e.key for e in self.selected_entries() if e.state == ONLY_CLOUD and e.area == RAW_DATA]
        return self._start("download", f"Downloading {len(keys)} file(s)…", keys=keys) if keys else None

    def ingest_new_books(self) -> int | None:
        return self._start("new_books", "Downloading the books that are only in the cloud…")

    def delete_selected(self) -> None:
        """Ask, naming what goes, then delete from the bucket."""
        chosen = [e for e in self.selected_entries() if e.state in (ONLY_CLOUD, BOTH)]
        if not chosen:
            return
        names = "\n".join(f"• {' / '.join(e.path)}" for e in chosen[:12])
        if len(chosen) > 12:
            names += f"\n…and {len(chosen) - 12} more"
        here = [e for e in chosen if e.state == BOTH]
        text = f"Delete {len(chosen)} file(s) from the bucket?"
        info = names
        if here:
            info += (f"\n\n{len(here)} of them are also in this library: they go to Lectern's trash here too "
                     "(your other computers do the same at their next sync).")
        box = QMessageBox(QMessageBox.Warning, "Delete from the bucket", text, QMessageBox.NoButton, self)
        box.setInformativeText(info)
        box.setStyleSheet("QLabel#qt_msgbox_label, QLabel#qt_msgbox_informativelabel { min-width: 440px; }")
        delete = box.addButton(f"Delete {len(chosen)} file(s)", QMessageBox.DestructiveRole)
        box.addButton(QMessageBox.Cancel)
        box.setDefaultButton(QMessageBox.Cancel)
        box.setWindowModality(Qt.WindowModal)
        keys = [e.key for e in chosen]
        box.buttonClicked.connect(lambda b: b is delete and self._start(
            "delete", f"Deleting {len(keys)} file(s) from the bucket…", keys=keys))
        self.confirm_box = box
        box.open()

    def pick_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder of course files to upload")
        if not folder:
            return
        chosen = self.selected_entries()
        start = chosen[0].path[:3] if chosen and len(chosen[0].path) >= 3 else ("", "", "")
        target = ask_destination(self, Path(folder).name, start[0], start[1])
        if target is not None:
            self.upload_folder(folder, *target)

    def upload_folder(self, folder: str, semester: str, subject: str, book: str) -> int | None:
        return self._start("upload_folder", f"Uploading {Path(folder).name} to {semester} / {subject} / {book}…",
                           folder=str(folder), semester=semester, subject=subject, book=book)

    def _start(self, op: str, text: str, **payload: Any) -> int | None:
        try:
            self.job_id = actions.cloud_job(self.ctx, op, **payload)
        except LecternError as exc:
            self._say(str(exc), "error")
            return None
        self._say(text, "busy")
        self.bar.setValue(0)
        self.bar.show()
        self._update_buttons()
        return self.job_id

    def _on_job(self, job: jobs.Job) -> None:
        if job.id != self.job_id or not shiboken6.isValid(self):
            return
        self.bar.setValue(int(job.progress * 1000))
        if job.stage and not job.finished:
            self._say(job.stage, "busy")
        if not job.finished:
            return
        self.job_id = None
        self.bar.hide()
        if job.state == jobs.DONE:
            self.reload()
            self._say(done_text(job.result), "ok")
        elif job.state == jobs.FAILED:
            self.reload()
            self._say(job.error, "error")
        else:
            self._say("Cancelled. What was done is kept.", "ok")
        self.ctx.events.library_changed.emit()
        self._update_buttons()

    def _say(self, text: str, tone: str) -> None:
        self.message.setText(text)
        self.message.setProperty("tone", tone)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)

    def _settings(self) -> None:
        if self.open_settings is not None:
            self.open_settings()
            self.reload()


def summary_of(entries: list[CloudEntry]) -> str:
    """A folder's files by where they are: '2 only in the cloud, 3 both'."""
    n = {s: sum(1 for e in entries if e.state == s) for s in (ONLY_CLOUD, ONLY_HERE, BOTH)}
    if n[BOTH] == len(entries):
        return STATE_WORDS[BOTH]
    words = {ONLY_CLOUD: "only in the cloud", ONLY_HERE: "only here", BOTH: "in both"}
    return ", ".join(f"{c} {words[s]}" for s, c in n.items() if c)


def done_text(result: dict) -> str:
    op = result.get("op")
    if op == "delete":
        gone, here = len(result.get("deleted", [])), len(result.get("trashed_here", []))
        text = f"Deleted {gone} file(s) from the bucket."
        if here:
            text += f" {here} copy(ies) here went to Lectern's trash."
        if result.get("refused"):
            text += f" {len(result['refused'])} refused: {result['refused'][0]['reason']}."
        return text
    if op in ("download", "new_books"):
        n = int(result.get("counts", {}).get("download", 0))
        text = (f"Downloaded {n} file(s); they are being read now." if n else "Nothing new to download.")
    else:
        n = int(result.get("counts", {}).get("upload", 0))
        text = f"Uploaded {n} file(s); they are in this library and in the bucket."
    skipped = result.get("skipped", [])
    if skipped:
        text += f" {len(skipped)} skipped ({skipped[0].get('reason', '')})."
    if result.get("refused"):
        text += f" {len(result['refused'])} refused."
    return text


def ask_destination(parent: QWidget, book: str, semester: str = "", subject: str = "") -> tuple[str, str, str] | None:
    """Where an uploaded folder goes: Semester / Subject / Book (the book named after the folder)."""
    dialog = QDialog(parent)
    dialog.setWindowTitle("Upload to which book?")
    form = QFormLayout(dialog)
    fields = [QLineEdit(semester), QLineEdit(subject), QLineEdit(book)]
    for label, field in zip(("Semester", "Subject", "Book"), fields):
        form.addRow(label, field)
    note = QLabel("The files go into this book here and into the bucket; folders are made as needed.")
    note.setObjectName("Hint")
    note.setWordWrap(True)
    form.addRow(note)
    buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    form.addRow(buttons)
    while dialog.exec() == QDialog.Accepted:
        names = tuple(f.text().strip() for f in fields)
        if all(names):
            return names  # type: ignore[return-value]
        note.setText("Fill in all three names.")
    return None
