"""A horizontal microphone level meter: loudness bar, peak-hold tick, dB scale, in the colours of the look
now shown (light or dark)."""
from __future__ import annotations

import math
import time

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from . import theme

FLOOR_DB = -60.0


def _to_unit(db: float) -> float:
    return max(0.0, min(1.0, (db - FLOOR_DB) / -FLOOR_DB))


class LevelMeter(QWidget):
    """Call ``set_level(rms, peak)`` (linear 0..1) a few times a second."""

    HOLD_S = 1.5

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LevelMeter")
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.setMinimumHeight(34)
        self.setAccessibleName("Microphone level")
        self._rms_db = FLOOR_DB
        self._shown_db = FLOOR_DB
        self._peak_db = FLOOR_DB
        self._peak_at = 0.0
        self._active = False

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(360, 34)

    @property
    def rms_db(self) -> float:
        return self._rms_db

    def set_active(self, active: bool) -> None:
        self._active = active
        if not active:
            self._rms_db = self._shown_db = self._peak_db = FLOOR_DB
        self.update()

    def set_level(self, rms: float, peak: float) -> None:
        self._active = True
        self._rms_db = 20 * math.log10(max(rms, 1e-6))
        # Rise at once, fall smoothly: easier to read than a jittery bar.
        self._shown_db = self._rms_db if self._rms_db > self._shown_db else max(self._rms_db, self._shown_db - 3.0)
        pdb = 20 * math.log10(max(peak, 1e-6))
        now = time.monotonic()
        if pdb >= self._peak_db or now - self._peak_at > self.HOLD_S:
            self._peak_db, self._peak_at = pdb, now
        self.setToolTip(f"Level {self._rms_db:.0f} dBFS, peak {self._peak_db:.0f} dBFS")
        self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        bar = QRectF(0, 2, self.width(), 16)
        p.setPen(Qt.NoPen)
        p.setBrush(self.palette().color(QPalette.Midlight))   # the empty track, in the look now shown
        p.drawRoundedRect(bar, 5, 5)
        if self._active:
            grad = QLinearGradient(bar.topLeft(), bar.topRight())
            grad.setColorAt(0.0, QColor("#22c55e"))
            grad.setColorAt(_to_unit(-12), QColor("#84cc16"))
            grad.setColorAt(_to_unit(-6), QColor("#eab308"))
            grad.setColorAt(1.0, QColor("#dc2626"))
            fill = QRectF(bar)
            fill.setWidth(bar.width() * _to_unit(self._shown_db))
            p.setBrush(grad)
            p.drawRoundedRect(fill, 5, 5)
            x = bar.width() * _to_unit(self._peak_db)
            p.setPen(QPen(theme.qcolor("text"), 2))
            p.drawLine(int(x), int(bar.top()), int(x), int(bar.bottom()))
        # Scale: -60 ... 0 dBFS
        p.setPen(theme.qcolor("muted"))
        font = p.font()
        font.setPointSizeF(max(6.5, font.pointSizeF() * 0.75))
        p.setFont(font)
        for db in (-60, -40, -20, -12, -6, 0):
            x = self.width() * _to_unit(db)
            align = Qt.AlignLeft if db == -60 else (Qt.AlignRight if db == 0 else Qt.AlignHCenter)
            rect = QRectF(x - 20 if align == Qt.AlignHCenter else (x if db == -60 else x - 40), 19, 40, 14)
            p.drawText(rect, align | Qt.AlignVCenter, f"{db}")
        p.end()
