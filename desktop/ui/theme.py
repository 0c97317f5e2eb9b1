"""Loads the style sheet shipped in resources (works frozen too)."""
from __future__ import annotations

from PySide6.QtWidgets import QApplication

from ..core.storage.resources import resource_path


def resource_text(name: str) -> str:
    return resource_path(name).read_text(encoding="utf-8")


def apply_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    app.setStyleSheet(resource_text("style.qss"))



def _svg(name: str, color: str | None) -> bytes:
    svg = resource_path("icons", f"{name}.svg").read_text(encoding="utf-8")
    return (svg.replace("#cbd5e1", color) if color else svg).encode()


def icon_pixmap(name: str, size: int, color: str | None = None):
    """resources/icons/<name>.svg rendered sharp at ``size`` (strokes #cbd5e1 recoloured)."""
    from PySide6.QtCore import QByteArray, Qt
    from PySide6.QtGui import QPainter, QPixmap
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(_svg(name, color)))
    pm = QPixmap(size, size)
    pm.fill(Qt.transparent)
    painter = QPainter(pm)
    renderer.render(painter)
    painter.end()
    return pm


def icon(name: str, color: str | None = None):
    from PySide6.QtGui import QIcon

    ic = QIcon()
    for size in (16, 24, 32, 48, 64):
        ic.addPixmap(icon_pixmap(name, size, color))
    return ic
