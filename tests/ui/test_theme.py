"""The look: follows the system's colour scheme, can be forced, and reaches widgets' own sheets."""
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel

from desktop.ui import theme


def test_the_look_follows_the_systems_colour_scheme_while_running(qtbot, qapp, monkeypatch):
    monkeypatch.delenv(theme.THEME_ENV, raising=False)
    hints = QGuiApplication.styleHints()
    seen: list[str] = []
    theme.notifier().changed.connect(seen.append)
    try:
        theme.apply_theme(qapp, theme.SYSTEM)
        assert theme.current() == theme.LIGHT
        # What Qt says when the desktop switches (the offscreen platform has no desktop to switch).
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
        qtbot.waitUntil(lambda: theme.current() == theme.DARK, timeout=3000)
        assert qapp.palette().window().color().lightness() < 60 and seen[-1] == theme.DARK
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
        qtbot.waitUntil(lambda: theme.current() == theme.LIGHT, timeout=3000)
        theme.apply_theme(qapp, theme.LIGHT)          # the student's own choice wins over the system
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
        assert theme.current() == theme.LIGHT
    finally:
        theme.notifier().changed.disconnect(seen.append)
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
        theme.apply_theme(qapp, theme.LIGHT)


def test_lectern_theme_forces_a_look_over_the_students_choice(qapp, monkeypatch):
    monkeypatch.setenv(theme.THEME_ENV, "dark")
    try:
        assert theme.apply_theme(qapp, theme.LIGHT) == theme.DARK
    finally:
        monkeypatch.delenv(theme.THEME_ENV)
        theme.apply_theme(qapp, theme.LIGHT)


def test_a_widgets_own_light_sheet_turns_dark_and_back(qtbot, qapp, monkeypatch):
    monkeypatch.delenv(theme.THEME_ENV, raising=False)
    label = QLabel("12 cards due")
    qtbot.addWidget(label)
    label.setStyleSheet("font-size: 18pt; color: #111827; background: #ffffff;")
    label.show()
    try:
        theme.apply_theme(qapp, theme.DARK)
        assert "#f3f4f6" in label.styleSheet() and "#1f242c" in label.styleSheet()
        label.setStyleSheet("color: #6b7280;")               # a sheet set later is turned too
        assert label.styleSheet() == "color: #9ca3af;"
    finally:
        theme.apply_theme(qapp, theme.LIGHT)
    assert label.styleSheet() == "color: #6b7280;"
