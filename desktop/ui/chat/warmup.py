"""Keeps the chat model warm: loads it (and the embedder, and the vector store's client)
in the background when the Chat pane is first shown, or once the window has been left
alone for a few seconds, so the first answer starts at once.

A question asked while this runs waits for the same load (core's model host loads a
model once); nothing is loaded twice.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from ...core import chat
from ...core.storage import settings as settings_mod
from ..background import LONG, Task, run_in_background, thread_db
from .model_banner import configured_model_state

log = logging.getLogger(__name__)
IDLE_MS = 5000    # no key, click or scroll for this long: the window is idle
_INPUT = (QEvent.KeyPress, QEvent.MouseButtonPress, QEvent.Wheel)


class ChatWarmer(QObject):
    """Starts the warm-up once (unless Settings → Chat says to wait for the first question); says when it is done (``warmed``: what was loaded and how long it took)."""

    warmed = Signal(dict)

    def __init__(self, ctx: Any, store: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._store = store
        self.reason = ""              # "shown" or "idle" once started
        self.result: dict[str, Any] | None = None
        self.task: Task | None = None
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(IDLE_MS)
        self._idle.timeout.connect(lambda: self.start("idle"))
        self._watching = False

    @property
    def started(self) -> bool:
        return bool(self.reason)

    def watch_idle(self) -> None:
        """Warm up once no key, click or scroll has come for ``IDLE_MS``."""
        app = QApplication.instance()
        if self.started or app is None or self._watching:
            return
        app.installEventFilter(self)
        self._watching = True
        self._idle.start()

    def _stop_watching(self) -> None:
        self._idle.stop()
        app = QApplication.instance()
        if self._watching and app is not None:
            app.removeEventFilter(self)
        self._watching = False

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt name)
        if event.type() in _INPUT and self._watching:
            self._idle.start()   # the student is busy: wait again
        return False

    def start(self, reason: str) -> None:
        """Load and warm now, in the background (once)."""
        self._stop_watching()
        if self.started or not settings_mod.load(self.ctx.db).chat_preload:
            return   # once; or the student chose to load the model at the first question
        _label, ready = configured_model_state(self.ctx.db)
        if not ready:
            return   # nothing prepared to load: the answer will say so
        self.reason = reason
        paths, store = self.ctx.paths, self._store()
        self.task = run_in_background(lambda: chat.warm_up(thread_db(paths), store), self._done, self._failed,
                                      lane=LONG, owner=self, name="chat-warm-up")

    def again(self, reason: str) -> None:
        """Warm up once more (another model was chosen in the settings)."""
        if self.task is not None and not self.task.finished:
            return   # the running warm-up reads the settings when it loads: it serves
        self.reason = ""
        self.result = None
        self.start(reason)

    def _done(self, result: dict[str, Any]) -> None:
        self.result = result
        log.info("chat warmed (%s): %s", self.reason, result)
        self.warmed.emit(result)

    def _failed(self, exc: BaseException) -> None:
        log.warning("chat warm-up failed", exc_info=exc)
        self.result = {"error": str(exc)}
        self.warmed.emit(self.result)

    def shutdown(self) -> None:
        self._stop_watching()
