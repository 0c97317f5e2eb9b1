"""Microphone picker: what to record (microphone, computer audio, both), the input device list,
a "look again" button, the level meter.

Listing microphones makes PortAudio re-read the system, which can take a moment, so it
runs on the background ``audio`` lane (never beside a stream being opened).
"""
from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QSizePolicy, QToolButton, QWidget

from ...core.errors import LecternError
from ...core.lectures import audio_devices, system_audio
from ...core.storage import settings as settings_mod
from ..background import AUDIO, Task, run_in_background
from ..level_meter import LevelMeter
from ..theme import set_icon

log = logging.getLogger(__name__)


class MicrophonePicker(QWidget):
    """Rows of the recording card: Microphone [combo] [⟳] Record [source], a warning when there is none, Level."""

    devices_changed = Signal()

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.devices: list[audio_devices.InputDevice] = []
        self._signature: tuple | None = None
        self._listing: Task | None = None
        self._busy = False          # recording (or starting): the device list must not change
        self._closed = False
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(10)
        grid.addWidget(QLabel("Microphone"), 0, 0)
        self.combo = QComboBox()
        self.combo.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.combo.setAccessibleName("Microphone")
        grid.addWidget(self.combo, 0, 1)
        self.refresh_button = QToolButton()
        set_icon(self.refresh_button, "refresh")
        self.refresh_button.setToolTip("Look for microphones again")
        self.refresh_button.setAccessibleName("Look for microphones again")
        grid.addWidget(self.refresh_button, 0, 2)
        self.source_label = QLabel("Record")
        grid.addWidget(self.source_label, 0, 3)
        self.source = QComboBox()
        self.source.setAccessibleName("What to record")
        self.source.setToolTip("The microphone, what the computer plays (an online lecture, a video), or both")
        for key in system_audio.SOURCES:
            self.source.addItem(system_audio.SOURCE_LABELS[key], key)
        grid.addWidget(self.source, 0, 4)
        self.no_device = QLabel()
        self.no_device.setObjectName("DeviceWarning")
        self.no_device.setWordWrap(True)
        self.no_device.hide()
        grid.addWidget(self.no_device, 1, 1, 1, 4)
        self.meter = LevelMeter()
        grid.addWidget(QLabel("Level"), 2, 0)
        grid.addWidget(self.meter, 2, 1, 1, 4)
        grid.setColumnStretch(1, 1)

        self.refresh_button.clicked.connect(lambda: self.refresh(force=True))
        self.combo.currentIndexChanged.connect(self._on_chosen)
        self.source.currentIndexChanged.connect(lambda _i: (self._update_controls(), self.devices_changed.emit()))
        # Microphones come and go (USB, Bluetooth): look again every few seconds while shown.
        self.timer = QTimer(self)
        self.timer.setInterval(3000)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self._update_controls()

    # -- what the rest of the pane asks ---------------------------------------------------
    @property
    def has_device(self) -> bool:
        return bool(self.devices)

    @property
    def can_record(self) -> bool:
        """A microphone is there, or only the computer's sound is wanted (checked when recording starts)."""
        return self.has_device or self.chosen_source() == system_audio.SYSTEM

    def chosen_device(self) -> str:
        return self.combo.currentData() or ""

    def chosen_source(self) -> str:
        return self.source.currentData() or system_audio.MICROPHONE

    def set_busy(self, busy: bool) -> None:
        """While recording the choice is locked and the list is not re-read."""
        self._busy = busy
        self._update_controls()

    # -- listing --------------------------------------------------------------------------
    def refresh(self, force: bool = False) -> None:
        if self._closed or self._busy or (self._listing is not None and not self._listing.finished):
            return
        if not force and self._signature is not None and not self.isVisible():
            return  # nobody is looking: check again when the pane is shown
        self._listing = run_in_background(lambda: audio_devices.list_inputs(refresh=True), self._on_listed,
                                          self._on_list_failed, lane=AUDIO, owner=self, name="list-microphones")

    def _on_list_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, LecternError):
            log.error("listing microphones failed", exc_info=exc)
        self._show([], str(exc) if isinstance(exc, LecternError) else
                   f"{audio_devices.NO_DEVICE_MESSAGE} The sound system did not answer ({exc}).")

    def _on_listed(self, devices: list[audio_devices.InputDevice]) -> None:
        self._show(devices, f"{audio_devices.NO_DEVICE_MESSAGE} {audio_devices.NO_DEVICE_HINT}")

    def _show(self, devices: list[audio_devices.InputDevice], message: str) -> None:
        if self._closed:
            return
        sig = audio_devices.signature(devices)
        self.devices = devices
        if sig != self._signature:
            self._signature = sig
            wanted = settings_mod.load(self.ctx.db).input_device
            current = self.combo.currentData() if self.combo.count() else wanted
            self.combo.blockSignals(True)    # re-filling is not the student choosing
            self.combo.clear()
            for d in devices:
                self.combo.addItem(d.label, d.name)
            pick = current or wanted
            idx = self.combo.findData(pick) if pick else -1
            if idx < 0:
                idx = next((i for i, d in enumerate(devices) if d.is_default), 0)
            self.combo.setCurrentIndex(idx if devices else -1)
            self.combo.blockSignals(False)
        self.no_device.setText(message)
        self.no_device.setVisible(not devices)
        if not devices:
            self.combo.setPlaceholderText("No microphone found")
            self.meter.set_active(False)
        self._update_controls()
        self.devices_changed.emit()

    def _on_chosen(self, _index: int) -> None:
        name = self.combo.currentData()
        if name is not None:
            settings_mod.update(self.ctx.db, input_device=name)

    def _update_controls(self) -> None:
        self.combo.setEnabled(self.has_device and not self._busy
                              and self.chosen_source() != system_audio.SYSTEM)
        self.refresh_button.setEnabled(not self._busy)
        self.source.setEnabled(not self._busy)

    def shutdown(self, timeout_s: float = 5.0) -> None:
        """Stop looking, and let a listing in progress end before the sound system goes away."""
        self._closed = True
        self.timer.stop()
        if self._listing is not None:
            self._listing.wait(timeout_s)
