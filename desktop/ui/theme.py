"""Loads the style sheet shipped in resources (works frozen too)."""
from __future__ import annotations

from importlib import resources

from PySide6.QtWidgets import QApplication


def resource_text(name: str) -> str:
    return resources.files("desktop.resources").joinpath(name).read_text(encoding="utf-8")


def apply_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    app.setStyleSheet(resource_text("style.qss"))
