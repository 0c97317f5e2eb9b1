"""The one window: side bar, the panes, jobs drawer, health in the status bar, menus.

The side bar folds to its icons when the window is narrow; splitters, the drawer's
height, the window's place and the last pane are remembered in ``<data>/window.ini``.
Lists follow changes other processes make (the worker, ``lectern import``): the window
checks a cheap fingerprint of the library every second and a half.
"""
from __future__ import annotations

import re

from PySide6.QtCore import QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (QApplication, QDockWidget, QLabel, QListWidget, QListWidgetItem, QMainWindow,
                               QMessageBox, QPushButton, QSizePolicy, QSplitter, QStackedWidget, QVBoxLayout, QWidget,
                               QHBoxLayout)

from ..core import jobs, library, models
from ..core.catalog.version import data_version, library_version
from ..core.errors import LecternError
from ..core.runtime.supervisor import HEALTHY, VECTOR_STORE, WORKER
from ..core.storage import settings
from . import theme
from .background import wait_idle
from .chat_pane import ChatPane
from .context import AppContext
from .health_bar import HealthLight
from .jobs_drawer import JobsDrawer
from .library import LibraryPane
from .record import RecordPane
from .study import StudyPane
from .sync import SyncController
from .theme import icon as theme_icon
from .widgets import Banner

PANES = (("library", "Library", "library", "Ctrl+1"), ("record", "Record", "record", "Ctrl+2"),
         ("chat", "Chat", "chat", "Ctrl+3"), ("study", "Study", "study", "Ctrl+4"))

SIDEBAR_WIDE, SIDEBAR_NARROW = 190, 68
COMPACT_BELOW = 1180            # window width under which the side bar shows only its icons
LABEL = Qt.UserRole + 1
_QUOTED = re.compile(r"“[^”]*”")


class MainWindow(QMainWindow):
    services_healthy = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        ctx.adopt(self)
        self.setWindowTitle("Lectern")
        self.setWindowIcon(theme_icon("lectern"))
        self.setMinimumSize(880, 520)
        self.settings = QSettings(str(ctx.paths.root / "window.ini"), QSettings.IniFormat)
        self._compact: bool | None = None
        self._asked_to_quit = False
        self.selfcheck_dialog = None
        chosen = str(self.settings.value("theme", "") or "")
        app = QApplication.instance()
        if chosen in (theme.LIGHT, theme.DARK, theme.SYSTEM) and app is not None:
            if app.styleSheet():
                theme.apply_theme(app, chosen)       # already styled: restyle now
            else:
                theme.prepare(app, chosen)           # the style sheet follows once the window is built

        # Side bar + panes
        self.sidebar = QListWidget()
        self.sidebar.setObjectName("Sidebar")
        self.sidebar.setAccessibleName("Panes")
        self.sidebar.setFixedWidth(SIDEBAR_WIDE)
        self.sidebar.setIconSize(QSize(22, 22))
        self.sidebar.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.stack = QStackedWidget()
        self.panes: dict[str, QWidget] = {
            "library": LibraryPane(ctx), "record": RecordPane(ctx), "chat": ChatPane(ctx),
            "study": StudyPane(ctx)}
        for key, label, icon, shortcut in PANES:
            item = QListWidgetItem(theme_icon(icon, "sidebar_icon"), f"  {label}")
            item.setData(Qt.UserRole, key)
            item.setData(LABEL, label)
            item.setData(Qt.AccessibleTextRole, label)
            item.setToolTip(f"{label} ({shortcut})")
            self.sidebar.addItem(item)
            self.stack.addWidget(self.panes[key])
            self.panes[key].help_group = f"{label} pane"
        self.sidebar.currentRowChanged.connect(self._on_row)
        side = QWidget()
        side.setObjectName("SidebarBox")
        sl = QVBoxLayout(side)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.setSpacing(0)
        self.app_title = QLabel("Lectern")
        self.app_title.setObjectName("AppTitle")
        self.app_subtitle = QLabel("Your lectures and books, offline")
        self.app_subtitle.setObjectName("AppSubtitle")
        self.app_subtitle.setWordWrap(True)
        sl.addWidget(self.app_title)
        sl.addWidget(self.app_subtitle)
        sl.addWidget(self.sidebar)
        central = QWidget()
        cl = QHBoxLayout(central)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.setSpacing(0)
        cl.addWidget(side)
        body = QWidget()
        bl = QVBoxLayout(body)
        bl.setContentsMargins(16, 12, 16, 8)
        self.notice = Banner("warning")     # things the student must know at start, e.g. unreadable settings
        bl.addWidget(self.notice)
        self.sync = SyncController(ctx, self)   # status-bar item, Sync now, Cloud…, its banner, the interval timer
        bl.addWidget(self.sync.banner)
        bl.addWidget(self.stack)
        cl.addWidget(body, 1)
        self.setCentralWidget(central)

        # Jobs drawer
        self.drawer = JobsDrawer(title_for=self.job_title)
        self.drawer.cancel_requested.connect(ctx.cancel)
        self.drawer.retry_requested.connect(ctx.retry)
        self.dock = QDockWidget("Background jobs", self)
        self.dock.setObjectName("JobsDock")
        self.dock.setWidget(self.drawer)
        self.dock.setFeatures(QDockWidget.DockWidgetClosable)
        self.addDockWidget(Qt.BottomDockWidgetArea, self.dock)
        self.dock.hide()
        self.dock.visibilityChanged.connect(self._dock_shown)

        # Status bar
        self.worker_light = HealthLight("Worker")
        self.store_light = HealthLight("Vector store")
        self.models_light = HealthLight("Models")
        self.jobs_button = QPushButton("Jobs")
        self.jobs_button.setObjectName("JobsButton")
        self.jobs_button.setFlat(True)
        self.jobs_button.setToolTip("Show or hide the background jobs (Ctrl+J)")
        self.jobs_button.clicked.connect(self.toggle_jobs)
        self.statusBar().addPermanentWidget(self.sync.status_widget)
        for w in (self.worker_light, self.store_light, self.models_light):
            self.statusBar().addPermanentWidget(w)
        self.statusBar().addPermanentWidget(self.jobs_button)

        self._build_menus()
        self._show_settings_notice()
        if ctx.monitor is not None:
            ctx.monitor.job_changed.connect(self._on_job_changed)
        ctx.events.pane_requested.connect(self.show_pane)
        ctx.events.library_changed.connect(self.drawer.retitle)
        self._health_timer = QTimer(self)
        self._health_timer.setInterval(500)
        self._health_timer.timeout.connect(self.refresh_health)
        self._health_timer.start()
        self._data_version = -1
        self._library_version: tuple = ()
        self._library_timer = QTimer(self)
        self._library_timer.setInterval(1500)
        self._library_timer.timeout.connect(self.check_library)
        self._library_timer.start()
        QTimer.singleShot(0, self, self.check_library)
        self._check_models()
        self._restore()

    # -- menus and shortcuts -------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.file_menu = file_menu  # panes add their actions (Add files…, Import folder…)
        pane_actions = [a for pane in self.panes.values() for a in getattr(pane, "file_actions", [])]
        for act in pane_actions:
            file_menu.addAction(act)
            self.addAction(act)     # their shortcuts work from every pane
        if pane_actions:
            file_menu.addSeparator()
        for act in (self.sync.sync_action, self.sync.cloud_action):
            file_menu.addAction(act)
            self.addAction(act)
        file_menu.addSeparator()
        settings_action = QAction("Settings…", self, triggered=self.open_settings)
        settings_action.setShortcuts([QKeySequence("Ctrl+,")])
        file_menu.addAction(settings_action)
        self.addAction(settings_action)
        file_menu.addSeparator()
        quit_action = QAction("Quit", self, shortcut=QKeySequence("Ctrl+Q"), triggered=self.request_quit)
        file_menu.addAction(quit_action)
        self.addAction(quit_action)
        view = self.menuBar().addMenu("&View")
        self.view_menu = view
        for key, label, _icon, shortcut in PANES:
            act = QAction(label, self, shortcut=QKeySequence(shortcut))
            act.triggered.connect(lambda _=False, k=key: self.show_pane(k))
            view.addAction(act)
            self.addAction(act)
        view.addSeparator()
        jobs_action = QAction("Background jobs", self, shortcut=QKeySequence("Ctrl+J"), triggered=self.toggle_jobs)
        view.addAction(jobs_action)
        self.addAction(jobs_action)
        view.addSeparator()
        look = view.addMenu("Appearance")
        group = QActionGroup(self)
        chosen = theme.preference()
        for value, label in ((theme.SYSTEM, "Follow the system"), (theme.LIGHT, "Light"), (theme.DARK, "Dark")):
            act = QAction(label, self, checkable=True)
            act.setChecked(value == chosen)
            act.triggered.connect(lambda _=False, v=value: self.set_theme(v))
            group.addAction(act)
            look.addAction(act)
        help_menu = self.menuBar().addMenu("&Help")
        self.help_menu = help_menu
        keys = QAction("Keyboard shortcuts", self, triggered=self.show_shortcuts)
        keys.setShortcuts([QKeySequence("Ctrl+/"), QKeySequence("F1")])
        help_menu.addAction(keys)
        self.addAction(keys)
        help_menu.addAction(QAction("First steps", self, triggered=self.show_first_steps))
        help_menu.addSeparator()
        help_menu.addAction(QAction("Run self-check", self, triggered=self.run_selfcheck))
        help_menu.addAction(QAction("About Lectern", self, triggered=self._about))

    def _about(self) -> None:
        from .help_dialogs import version

        QMessageBox.about(self, "About Lectern",
                          f"<b>Lectern {version()}</b><br>Record lectures, keep your course library and chat "
                          f"with it, offline.<br><br>Data folder: {self.ctx.paths.root}")

    def show_shortcuts(self) -> None:
        from .help_dialogs import ShortcutsDialog

        self.shortcuts_dialog = ShortcutsDialog(self)
        self.shortcuts_dialog.show()

    def show_first_steps(self) -> None:
        from .help_dialogs import FirstStepsDialog

        self.first_steps_dialog = FirstStepsDialog(self)
        self.first_steps_dialog.show()

    def set_theme(self, choice: str) -> None:
        self.settings.setValue("theme", choice)
        theme.apply_theme(QApplication.instance(), choice)

    def open_settings(self) -> None:
        from .settings_dialog import SettingsDialog

        SettingsDialog(self.ctx, self).exec()

    def run_selfcheck(self) -> int:
        """Run a real job through the worker and show what it checked and found."""
        from .help_dialogs import SelfCheckDialog

        job_id = self.ctx.submit("selfcheck", {"steps": 4, "delay_s": 0.3}, title="Self-check")
        self.selfcheck_dialog = SelfCheckDialog(job_id, self.ctx.monitor, self)
        self.selfcheck_dialog.show()
        self.dock.show()
        return job_id

    # -- panes ----------------------------------------------------------------------------
    def _on_row(self, row: int) -> None:
        if row >= 0:
            # Only the pane shown counts for the window's minimum size (a hidden pane's needs
            # must not squeeze the jobs drawer or keep the window from being small).
            for i in range(self.stack.count()):
                policy = QSizePolicy.Preferred if i == row else QSizePolicy.Ignored
                self.stack.widget(i).setSizePolicy(policy, policy)
            self.stack.setCurrentIndex(row)
            self.stack.updateGeometry()

    def show_pane(self, key: str) -> None:
        keys = [k for k, *_ in PANES]
        self.sidebar.setCurrentRow(keys.index(key))

    def current_pane(self) -> str:
        return PANES[max(0, self.stack.currentIndex())][0]

    def toggle_jobs(self) -> None:
        self.dock.setVisible(not self.dock.isVisible())

    def _dock_shown(self, visible: bool) -> None:
        """The drawer opens at the height the student left it (at first a third of the window)."""
        if visible:
            saved = int(self.settings.value("drawer_height", 0) or 0)
            height = saved or min(max(self.height() // 3, 160), 320)
            self.resizeDocks([self.dock], [min(height, max(120, self.height() - 330))], Qt.Vertical)
        else:
            self._remember_drawer()

    def _remember_drawer(self) -> None:
        if self.dock.isVisible() and self.dock.height() > 60:
            self.settings.setValue("drawer_height", self.dock.height())

    def set_compact(self, compact: bool) -> None:
        """Side bar with icons only (narrow windows) or with names."""
        if compact == self._compact:
            return
        self._compact = compact
        self.sidebar.setFixedWidth(SIDEBAR_NARROW if compact else SIDEBAR_WIDE)
        self.app_title.setVisible(not compact)
        self.app_subtitle.setVisible(not compact)
        for i in range(self.sidebar.count()):
            item = self.sidebar.item(i)
            item.setText("" if compact else f"  {item.data(LABEL)}")

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        self.set_compact(event.size().width() < COMPACT_BELOW)
        super().resizeEvent(event)

    # -- jobs and health --------------------------------------------------------------------
    def _on_job_changed(self, job) -> None:
        self.drawer.update_job(job)
        n = self.drawer.active_count()
        self.jobs_button.setText(f"Jobs ({n} running)" if n else "Jobs")

    def job_title(self, job: jobs.Job) -> str:
        """A job's title with the current name of what it works on (it may have been renamed since)."""
        kind, _, key = job.target.partition(":")
        if not key.isdigit() or not _QUOTED.search(job.title or ""):
            return job.title
        name = None
        try:
            if kind == "document":
                doc = library.get_document(self.ctx.db, int(key))
                name = doc.title if doc is not None else None
            elif kind == "recording":
                from ..core import lectures

                name = lectures.get_recording(self.ctx.db, int(key)).title
        except (LecternError, LookupError):
            name = None
        return _QUOTED.sub(lambda _m: f"“{name}”", job.title, count=1) if name else job.title

    def check_library(self) -> None:
        """Another process changed the library (worker, command line): tell the panes to reload."""
        try:
            dv = data_version(self.ctx.db)
            if dv == self._data_version:
                return
            self._data_version = dv
            version = library_version(self.ctx.db)
        except Exception:  # a locked or closing database: try again on the next tick
            return
        if self._library_version and version != self._library_version:
            self.ctx.events.library_changed.emit()
        self._library_version = version

    def refresh_health(self) -> None:
        self.drawer.tick()
        sup = self.ctx.supervisor
        if sup is None:
            return
        status = sup.status()
        for light, name in ((self.worker_light, WORKER), (self.store_light, VECTOR_STORE)):
            st = status[name]
            detail = st.detail or f"pid {st.pid}, restarted {st.restarts} time(s)"
            light.set_state(st.state, detail)
        if self.all_healthy():
            self.services_healthy.emit()

    def all_healthy(self) -> bool:
        return all(l.state == HEALTHY for l in (self.worker_light, self.store_light, self.models_light))

    def _check_models(self) -> None:
        # Cheap: registry lookups against verified markers, no model is loaded here.
        problems = [f"The {role} model ({models.DEFAULTS[role]}) is not prepared. Run `lectern models --prepare`."
                    for role in models.ROLES if not models.ready(models.DEFAULTS[role])]
        if problems:
            self.models_light.set_state("missing", "\n".join(problems))
        else:
            self.models_light.set_state(HEALTHY, "Transcription, chat and embedding models are installed.")

    # -- geometry ------------------------------------------------------------------------
    def _restore(self) -> None:
        geo = self.settings.value("geometry")
        if geo is not None:
            self.restoreGeometry(geo)
        else:
            screen = self.screen().availableGeometry() if self.screen() else None
            w, h = 1280, 820
            if screen is not None and screen.width() > 0:
                w, h = min(w, int(screen.width() * 0.94)), min(h, int(screen.height() * 0.92))
            self.resize(max(w, self.minimumWidth()), max(h, self.minimumHeight()))
        for split in self._splitters():
            saved = self.settings.value(f"splitters/{split.objectName()}")
            if saved is not None and split.restoreState(saved):
                split.setProperty("restored", True)
            split.splitterMoved.connect(lambda *_a, s=split: s.setProperty("moved", True))
        keys = [k for k, *_ in PANES]
        last = self.settings.value("pane", "library")
        self.sidebar.setCurrentRow(keys.index(last) if last in keys else 0)
        self.set_compact(self.width() < COMPACT_BELOW)

    def _splitters(self) -> list[QSplitter]:
        """The named splitters of the panes (their proportions are the student's)."""
        return [s for s in self.findChildren(QSplitter) if s.objectName()]

    def save_state(self) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self._remember_drawer()
        self.settings.setValue("pane", self.current_pane())
        for split in self._splitters():
            if split.property("moved") or split.property("restored"):
                self.settings.setValue(f"splitters/{split.objectName()}", split.saveState())
        self.settings.sync()

    def shutdown(self) -> None:
        """Stop what the panes started (recording, players, threads); safe to call twice."""
        self._health_timer.stop()
        self.sync.timer.stop()
        self._library_timer.stop()
        if self.ctx.monitor is not None:
            self.ctx.monitor.stop()
        for pane in self.panes.values():
            stop = getattr(pane, "shutdown", None)
            if stop is not None:
                stop()
        wait_idle(10000)   # a library change in progress lands whole

    def running_jobs(self) -> list[jobs.Job]:
        return [r.job for r in self.drawer.rows.values() if r.job.state in (jobs.QUEUED, jobs.RUNNING)]

    def quit_question(self) -> str:
        """What Quit says while jobs run ("" when none does)."""
        running = self.running_jobs()
        if not running:
            return ""
        n = len(running)
        what = f"1 job is running ({self.job_title(running[0])})" if n == 1 else f"{n} jobs are running"
        return f"{what}. {'It' if n == 1 else 'They'} will continue the next time you open Lectern."

    def request_quit(self) -> bool:
        """File → Quit (Ctrl+Q): say what happens to running jobs, then close."""
        question = self.quit_question()
        if question:
            box = QMessageBox(QMessageBox.Question, "Quit Lectern?", question, parent=self)
            quit_button = box.addButton("Quit", QMessageBox.AcceptRole)
            box.addButton("Keep Lectern open", QMessageBox.RejectRole)
            box.setDefaultButton(quit_button)
            box.exec()
            if box.clickedButton() is not quit_button:
                return False
        self._asked_to_quit = True
        return self.close()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        # Closed by the window manager's button: ask like Quit does (a close from code does not ask).
        if event.spontaneous() and not self._asked_to_quit and self.quit_question():
            event.ignore()
            QTimer.singleShot(0, self, self.request_quit)
            return
        self.save_state()
        self.shutdown()
        super().closeEvent(event)

    def _show_settings_notice(self) -> None:
        """Settings that could not be read were kept aside by core: say so once, until dismissed."""
        notice = settings.pending_notice(self.ctx.db)
        if not notice:
            return

        def understood() -> None:
            settings.dismiss_notice(self.ctx.db)
            self.notice.hide()

        self.notice.show_message(notice, [("OK", understood)])
