"""The one window: side bar, three panes, jobs drawer, health in the status bar."""
from __future__ import annotations

from PySide6.QtCore import QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QDockWidget, QLabel, QListWidget, QListWidgetItem, QMainWindow, QMessageBox,
                               QPushButton, QStackedWidget, QVBoxLayout, QWidget, QHBoxLayout)

from ..core import models
from ..core.runtime.supervisor import HEALTHY, VECTOR_STORE, WORKER
from ..core.storage import settings
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


class MainWindow(QMainWindow):
    services_healthy = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        ctx.adopt(self)
        self.setWindowTitle("Lectern")
        self.setWindowIcon(theme_icon("lectern"))
        self.setMinimumSize(960, 620)
        self.settings = QSettings(str(ctx.paths.root / "window.ini"), QSettings.IniFormat)

        # Side bar + panes
        self.sidebar = QListWidget()
        self.sidebar.setObjectName("Sidebar")
        self.sidebar.setFixedWidth(190)
        self.sidebar.setIconSize(QSize(22, 22))
        self.stack = QStackedWidget()
        self.panes: dict[str, QWidget] = {
            "library": LibraryPane(ctx), "record": RecordPane(ctx), "chat": ChatPane(ctx),
            "study": StudyPane(ctx)}
        for key, label, icon, shortcut in PANES:
            item = QListWidgetItem(theme_icon(icon), f"  {label}")
            item.setData(Qt.UserRole, key)
            item.setToolTip(f"{label} ({shortcut})")
            self.sidebar.addItem(item)
            self.stack.addWidget(self.panes[key])
        self.sidebar.currentRowChanged.connect(self._on_row)
        side = QWidget()
        side.setObjectName("SidebarBox")
        sl = QVBoxLayout(side)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.setSpacing(0)
        title = QLabel("Lectern")
        title.setObjectName("AppTitle")
        sub = QLabel("Your lectures and books, offline")
        sub.setObjectName("AppSubtitle")
        sl.addWidget(title)
        sl.addWidget(sub)
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
        self.drawer = JobsDrawer()
        self.drawer.cancel_requested.connect(ctx.cancel)
        self.drawer.retry_requested.connect(ctx.retry)
        self.dock = QDockWidget("Background jobs", self)
        self.dock.setObjectName("JobsDock")
        self.dock.setWidget(self.drawer)
        self.dock.setFeatures(QDockWidget.DockWidgetClosable)
        self.addDockWidget(Qt.BottomDockWidgetArea, self.dock)
        self.dock.hide()

        # Status bar
        self.worker_light = HealthLight("Worker")
        self.store_light = HealthLight("Vector store")
        self.models_light = HealthLight("Models")
        self.jobs_button = QPushButton("Jobs")
        self.jobs_button.setFlat(True)
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
        self._health_timer = QTimer(self)
        self._health_timer.setInterval(500)
        self._health_timer.timeout.connect(self.refresh_health)
        self._health_timer.start()
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
        settings = QAction("Settings…", self, shortcut=QKeySequence.Preferences, triggered=self.open_settings)
        settings.setShortcuts([QKeySequence("Ctrl+,")])
        file_menu.addAction(settings)
        file_menu.addSeparator()
        quit_action = QAction("Quit", self, shortcut=QKeySequence.Quit, triggered=self.close)
        file_menu.addAction(quit_action)
        view = self.menuBar().addMenu("&View")
        for key, label, _icon, shortcut in PANES:
            act = QAction(label, self, shortcut=QKeySequence(shortcut))
            act.triggered.connect(lambda _=False, k=key: self.show_pane(k))
            view.addAction(act)
            self.addAction(act)
        view.addSeparator()
        jobs = QAction("Background jobs", self, shortcut=QKeySequence("Ctrl+J"), triggered=self.toggle_jobs)
        view.addAction(jobs)
        self.addAction(jobs)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(QAction("Run self-check", self, triggered=self.run_selfcheck))
        help_menu.addAction(QAction("About Lectern", self, triggered=self._about))

    def _about(self) -> None:
        QMessageBox.about(self, "About Lectern",
                          f"<b>Lectern</b><br>Record lectures, keep your course library and chat with it, "
                          f"offline.<br><br>Data folder: {self.ctx.paths.root}")

    def open_settings(self) -> None:
        from .settings_dialog import SettingsDialog

        SettingsDialog(self.ctx, self).exec()

    def run_selfcheck(self) -> int:
        job_id = self.ctx.submit("selfcheck", {"steps": 4, "delay_s": 0.3}, title="Self-check")
        self.dock.show()
        return job_id

    # -- panes ----------------------------------------------------------------------------
    def _on_row(self, row: int) -> None:
        if row >= 0:
            self.stack.setCurrentIndex(row)

    def show_pane(self, key: str) -> None:
        keys = [k for k, *_ in PANES]
        self.sidebar.setCurrentRow(keys.index(key))

    def current_pane(self) -> str:
        return PANES[max(0, self.stack.currentIndex())][0]

    def toggle_jobs(self) -> None:
        self.dock.setVisible(not self.dock.isVisible())

    # -- jobs and health --------------------------------------------------------------------
    def _on_job_changed(self, job) -> None:
        self.drawer.update_job(job)
        n = self.drawer.active_count()
        self.jobs_button.setText(f"Jobs ({n} running)" if n else "Jobs")

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
            self.resize(1200, 780)
        keys = [k for k, *_ in PANES]
        last = self.settings.value("pane", "library")
        self.sidebar.setCurrentRow(keys.index(last) if last in keys else 0)

    def save_state(self) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("pane", self.current_pane())
        self.settings.sync()

    def shutdown(self) -> None:
        """Stop what the panes started (recording, players, threads); safe to call twice."""
        self._health_timer.stop()
        self.sync.timer.stop()
        if self.ctx.monitor is not None:
            self.ctx.monitor.stop()
        for pane in self.panes.values():
            stop = getattr(pane, "shutdown", None)
            if stop is not None:
                stop()
        wait_idle(10000)   # a library change in progress lands whole

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
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
