"""Live captions: the on/off switch and the text a few seconds behind the speaker.

The captioner (a small Whisper on its own thread) is started with a recording and
stopped with it; its captions reach this widget on the UI thread through ``ui_callback``.
"""
from __future__ import annotations

import html
from typing import Any

import numpy as np
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QTextBrowser, QVBoxLayout, QWidget

from ...core.lectures.captions import LiveCaptioner
from ...core.storage import settings as settings_mod
from ..background import LONG, Task, run_in_background, ui_callback

PLACEHOLDER = "Captions appear here a few seconds after the speaker while you record."
KEEP_FINALS = 60


class CaptionsView(QWidget):
    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.captioner: LiveCaptioner | None = None
        self._stopping: list[Task] = []
        self._finals: list[str] = []
        self._partial = ""
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        title = QLabel("Live captions")
        title.setObjectName("SectionTitle")
        head.addWidget(title)
        head.addStretch(1)
        self.toggle = QCheckBox("Show live captions")
        self.toggle.setToolTip("A quick transcript a few seconds behind the speaker. "
                               "The full transcript is made after you stop.")
        head.addWidget(self.toggle)
        lay.addLayout(head)
        self.text = QTextBrowser()
        self.text.setObjectName("Captions")
        self.text.setMinimumHeight(48)   # on a small screen the recording card comes first
        self.text.setPlaceholderText(PLACEHOLDER)
        lay.addWidget(self.text, 1)
        self.toggle.setChecked(settings_mod.load(ctx.db).live_captions)
        self.toggle.toggled.connect(lambda on: settings_mod.update(self.ctx.db, live_captions=on))
        self._deliver = ui_callback(self._on_caption, owner=self)
        self._deliver_error = ui_callback(self.text.setPlaceholderText, owner=self)

    # -- a recording's captions ---------------------------------------------------------------
    def begin(self) -> None:
        """A recording is starting: clear the text and listen if the student wants captions."""
        self._finals, self._partial = [], ""
        self.text.clear()
        if not self.toggle.isChecked():
            return
        self.captioner = LiveCaptioner(16000, self._deliver, self._deliver_error)
        self.captioner.start()
        self.text.setPlaceholderText("Listening… captions appear a few seconds after the speaker.")

    def set_samplerate(self, rate: int) -> None:
        """The microphone's real rate, known once it opened (any thread)."""
        cap = self.captioner
        if cap is not None:
            cap.samplerate = rate

    def feed(self, block: np.ndarray, paused: bool) -> None:
        """Called by the recorder's writer thread for every block: stays cheap."""
        cap = self.captioner
        if cap is not None:
            cap.feed(block, paused)

    def end(self) -> None:
        """The recording ended: stop captioning without holding up the window."""
        cap, self.captioner = self.captioner, None
        if cap is not None:
            self._stopping = [t for t in self._stopping if not t.finished]
            self._stopping.append(run_in_background(lambda: cap.stop(flush=False), lane=LONG,
                                                    name="stop-captions"))

    def shutdown(self, timeout_s: float = 5.0) -> None:
        """Stop the captioner and wait for it, so its model thread never outlives the pane."""
        cap, self.captioner = self.captioner, None
        if cap is not None:
            cap.stop(timeout=timeout_s)
        for task in self._stopping:
            task.wait(timeout_s)
        self._stopping = []

    # -- text ------------------------------------------------------------------------------------
    def _on_caption(self, cap: Any) -> None:
        if cap.skipped_s >= 1:
            self._finals.append("…")
        if cap.final:
            if cap.text:
                self._finals.append(cap.text)
            self._finals = self._finals[-KEEP_FINALS:]
            self._partial = ""
        else:
            self._partial = cap.text
        body = " ".join(html.escape(t) for t in self._finals)
        if self._partial:
            body += f' <span style="color:#9ca3af; font-style:italic">{html.escape(self._partial)}</span>'
        self.text.setHtml(f'<div style="font-size:13pt; line-height:140%">{body}</div>')
        sb = self.text.verticalScrollBar()
        sb.setValue(sb.maximum())

    def captions_text(self) -> str:
        return " ".join(self._finals + ([self._partial] if self._partial else []))
