"""Help: the keyboard shortcuts sheet, first steps, the self-check's report, About.

The shortcuts sheet is read from the window's actual QActions and QShortcuts each time it
opens, so it lists what really works (a QShortcut describes itself with ``whatsThis``).
"""
from __future__ import annotations

from importlib import metadata
from typing import Any, Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHeaderView, QLabel, QTextBrowser, QTreeWidget,
                               QTreeWidgetItem, QVBoxLayout, QWidget)

from ..core import jobs
from .theme import icon


def version() -> str:
    try:
        return metadata.version("lectern")
    except metadata.PackageNotFoundError:
        return "development copy"


def _keys(seqs: Iterable[QKeySequence]) -> str:
    return ", ".join(s.toString(QKeySequence.NativeText) for s in seqs if not s.isEmpty())


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").split("\t")[0].strip()


def _group_of(obj: Any, window: QWidget, menus: dict[int, str]) -> str:
    """Where a shortcut works: the menu its action is in, else the pane or viewer it belongs to."""
    if isinstance(obj, QAction) and id(obj) in menus:
        return menus[id(obj)]
    w = obj.parent()
    while w is not None and w is not window:
        name = getattr(w, "help_group", "") or (w.windowTitle() if isinstance(w, QWidget) and w.isWindow() else "")
        if name:
            return name
        w = w.parent()
    return "Window"


def shortcuts(window: QWidget) -> list[tuple[str, str, str]]:
    """(group, what it does, keys) of every action and shortcut of ``window`` and its panes."""
    menus: dict[int, str] = {}
    position: dict[int, int] = {}
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        if menu is None:
            continue
        for i, act in enumerate(menu.actions()):
            menus[id(act)] = _plain(menu_action.text()) + " menu"
            position[id(act)] = i
    rows: list[tuple[str, str, str]] = []
    place: dict[tuple[str, str], int] = {}      # actions in menu order
    seen: set[tuple[str, str]] = set()
    for act in window.findChildren(QAction):
        keys = _keys(act.shortcuts())
        if not keys or act.isSeparator():
            continue
        what = _plain(act.text())
        if (what, keys) in seen:
            continue
        seen.add((what, keys))
        rows.append((_group_of(act, window, menus), what, keys))
        place[(what, keys)] = position.get(id(act), 1000)
    for sc in window.findChildren(QShortcut):
        keys = _keys([sc.key()])
        if not keys or not sc.isEnabled():
            continue
        what = sc.whatsThis() or "(not described)"
        if (what, keys) in seen:
            continue
        seen.add((what, keys))
        rows.append((_group_of(sc, window, menus), what, keys))
    order = {"File menu": 0, "View menu": 1, "Help menu": 2}
    rows.sort(key=lambda r: (order.get(r[0], 3), r[0], place.get((r[1], r[2]), 1000), r[1].lower()))
    return rows


class ShortcutsDialog(QDialog):
    """Help → Keyboard shortcuts (Ctrl+/)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(620, 560)
        lay = QVBoxLayout(self)
        intro = QLabel("Everything in Lectern works from the keyboard: Tab moves between fields, Space or Enter "
                       "presses the focused button, and these keys do the rest.")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["What", "Keys"])
        self.tree.setRootIsDecorated(False)
        self.tree.header().setSectionResizeMode(0, QHeaderView.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeToContents)
        self.tree.header().setStretchLastSection(False)
        self.rows = shortcuts(window)
        bold = self.font()
        bold.setBold(True)
        group = None
        for g, what, keys in self.rows:
            if g != group:
                head = QTreeWidgetItem([g, ""])
                head.setFont(0, bold)
                head.setFlags(Qt.ItemIsEnabled)
                self.tree.addTopLevelItem(head)
                group = g
            self.tree.addTopLevelItem(QTreeWidgetItem([f"  {what}", keys]))
        lay.addWidget(self.tree, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        lay.addWidget(buttons)


FIRST_STEPS = """
<h2>First steps with Lectern</h2>
<ol>
<li><b>Fill your library.</b> In <i>Library</i> (Ctrl+1), create a semester, a subject and a book, then drop
PDFs, slides or notes onto the book, or use <i>Add files…</i> (Ctrl+O). <i>Import folder…</i> (Ctrl+Shift+O)
takes a whole folder of semesters, subjects and books. Lectern reads everything in the background: the
State column and the jobs drawer (Ctrl+J) show how far it is.</li>
<li><b>Record a lecture.</b> In <i>Record</i> (Ctrl+2), pick the microphone, give the lecture a title and a
subject, and press Record (Ctrl+R; Space pauses). Captions appear while you record; the full transcript is
made on your computer after Stop. Audio or video files can be imported there too.</li>
<li><b>Ask your material.</b> In <i>Chat</i> (Ctrl+3), choose what the chat looks at (everything, a subject,
chosen books and lectures) and ask. Every answer cites the page or the minute it comes from: click a
citation to open the page or play the lecture there.</li>
<li><b>Study.</b> Summaries, flashcards and the glossary are made from the same material, with the same
citations.</li>
</ol>
<p>Nothing leaves your computer: the models run here. Settings (Ctrl+,) choose the models, the language and
the microphone; Help → Keyboard shortcuts (Ctrl+/) lists every key.</p>
"""


class FirstStepsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("First steps")
        self.resize(640, 520)
        lay = QVBoxLayout(self)
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(False)
        self.text.setHtml(FIRST_STEPS)
        lay.addWidget(self.text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)


class SelfCheckDialog(QDialog):
    """What the self-check looked at and what it found, filled in as its job runs."""

    def __init__(self, job_id: int, monitor: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job_id = job_id
        self.setWindowTitle("Self-check")
        self.resize(640, 360)
        lay = QVBoxLayout(self)
        self.summary = QLabel("Checking… a small job goes through the background worker, the models and the "
                              "vector store.")
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.list = QTreeWidget()
        self.list.setHeaderLabels(["Checked", "Result"])
        self.list.setRootIsDecorated(False)
        self.list.header().setSectionResizeMode(0, QHeaderView.ResizeToContents)
        self.list.header().setSectionResizeMode(1, QHeaderView.Stretch)
        self.list.setWordWrap(True)
        lay.addWidget(self.list, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.finished_job: jobs.Job | None = None
        self._show_rows([("Background worker", "waiting for it to take the job…", None)])
        if monitor is not None:
            monitor.job_changed.connect(self._on_job)

    def _show_rows(self, rows: list[tuple[str, str, bool | None]]) -> None:
        self.list.clear()
        for what, result, ok in rows:
            item = QTreeWidgetItem([what, result])
            item.setToolTip(1, result)
            if ok is not None:
                item.setIcon(0, icon("check" if ok else "close", "ready" if ok else "failed"))
            self.list.addTopLevelItem(item)

    def _on_job(self, job: jobs.Job) -> None:
        if job.id != self.job_id:
            return
        if job.state == jobs.RUNNING:
            self._show_rows([("Background worker", f"took the job: {job.stage}", True)])
        elif job.state == jobs.DONE:
            self.finished_job = job
            r = job.result or {}
            rows = [("Background worker", "ran the job to its end", True)]
            for role, path in sorted((r.get("models") or {}).items()):
                rows.append((f"Model for {role}", f"present: {path}", True))
            if "embedding_dims" in r:
                rows.append(("Embeddings", f"sample sentences embedded ({r['embedding_dims']} dimensions)", True))
            if "vector_store_top" in r:
                rows.append(("Vector store", "stored and found the sample sentences again", True))
            self._show_rows(rows)
            self.summary.setText("Everything checked works.")
        elif job.state in (jobs.FAILED, jobs.CANCELLED):
            self.finished_job = job
            what = "failed" if job.state == jobs.FAILED else "was cancelled"
            self._show_rows([("Background worker", f"the check {what}: {job.error or job.stage}", False)])
            self.summary.setText(f"The self-check {what}. {job.error or ''}".strip())
