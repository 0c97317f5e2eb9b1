"""The look: a light and a dark palette, the style sheet in both, and icons drawn from SVG.

The look follows the system (``QStyleHints.colorScheme()``, and its changes while Lectern
runs) unless the student chose one in View → Appearance, or ``LECTERN_THEME`` is set to
``light`` or ``dark`` (screenshots, tests).

``resources/style.qss`` is written in the light colours. The dark look is the same sheet
with each colour replaced by its dark counterpart, chosen by what the colour paints: a
text colour (``color``, ``selection-color``) becomes light, a surface or a border
becomes dark. ``DARK_TEXT`` / ``DARK_SURFACE`` give the counterparts of the colours the
sheet uses; a colour not listed there gets a computed one (lightness turned over).

Icons are SVGs in ``resources/icons`` whose strokes are ``#cbd5e1``; ``icon(name)`` draws
them in the look's icon colour, and ``set_icon(widget, name)`` keeps a button's icon in
step when the look changes. Never put a symbol character in a button's text: the fonts
on a student's machine may not have it.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from ..core.storage.resources import resource_path

THEME_ENV = "LECTERN_THEME"
LIGHT, DARK, SYSTEM = "light", "dark", "system"
ICON_STROKE = "#cbd5e1"

# Named colours the code paints with (states, links, icons), in each look.
COLORS = {
    LIGHT: {"text": "#1f2933", "muted": "#6b7280", "icon": "#334155", "icon_on_accent": "#ffffff",
            "sidebar_icon": "#cbd5e1", "accent": "#2563eb", "link": "#1d4ed8", "ready": "#047857",
            "failed": "#b91c1c", "busy": "#1d4ed8", "locked": "#b45309", "warning": "#b45309",
            "healthy": "#10b981", "starting": "#f59e0b", "stopped": "#9ca3af", "empty_icon": "#94a3b8",
            "window": "#f6f7f9", "surface": "#ffffff", "focus": "#2563eb"},
    DARK: {"text": "#e5e7eb", "muted": "#9ca3af", "icon": "#cbd5e1", "icon_on_accent": "#ffffff",
           "sidebar_icon": "#cbd5e1", "accent": "#3b82f6", "link": "#93c5fd", "ready": "#34d399",
           "failed": "#f87171", "busy": "#93c5fd", "locked": "#fbbf24", "warning": "#fbbf24",
           "healthy": "#10b981", "starting": "#f59e0b", "stopped": "#9ca3af", "empty_icon": "#64748b",
           "window": "#16191e", "surface": "#1f242c", "focus": "#60a5fa"},
}

# Dark counterparts of the sheet's light colours, by what they paint.
DARK_SURFACE = {
    "white": "#1f242c", "#ffffff": "#1f242c", "#f6f7f9": "#16191e", "#f8fafc": "#1b1f26", "#f9fafb": "#1b1f26",
    "#f3f4f6": "#232932", "#f1f5f9": "#272e38", "#eef1f5": "#1b2027", "#e5e7eb": "#2d3440",
    "#e2e8f0": "#2d3440", "#d8dee6": "#333b47", "#d1d5db": "#3a4350", "#cbd5e1": "#3f4957",
    "#dbeafe": "#1e3a5f", "#eff6ff": "#172a45", "#bfdbfe": "#1e3a8a", "#93c5fd": "#2b4c7e",
    "#fef2f2": "#3b1a1d", "#fecaca": "#6b2a2e", "#fffbeb": "#362b12", "#fcd34d": "#7a5d12",
    "#fca5a5": "#7f3a3a", "#111827": "#0b0e13", "#1f2a37": "#11161d", "#2f3b4b": "#222c39",
}
DARK_TEXT = {
    "#1f2933": "#e5e7eb", "#111827": "#f3f4f6", "#374151": "#d1d5db", "#4b5563": "#b6bcc6",
    "#6b7280": "#9ca3af", "#334155": "#cbd5e1", "#1e3a8a": "#bfdbfe", "#991b1b": "#fecaca",
    "#b91c1c": "#f87171", "#047857": "#34d399", "#b45309": "#fbbf24", "#dc2626": "#f87171",
    "#1d4ed8": "#93c5fd", "#fef2f2": "#fef2f2", "white": "white", "#f9fafb": "#f9fafb",
    "#e5e7eb": "#e5e7eb", "#d1d5db": "#d1d5db", "#9ca3af": "#9ca3af", "#94a3b8": "#7c8798",
}
_TEXT_PROPS = ("color", "selection-color")
_COLOR = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b|\bwhite\b|\bblack\b")
_DECL = re.compile(r"([a-z-]+)\s*:\s*([^;{}]+)")
_BLOCK = re.compile(r"\{([^{}]*)\}")


class _Notifier(QObject):
    changed = Signal(str)       # the look now shown: "light" | "dark"


_state = {"preference": None, "scheme": LIGHT, "connected": False}
_notifier: _Notifier | None = None


def notifier() -> _Notifier:
    """Emits ``changed(scheme)`` after the look changed (panes repaint what they drew themselves)."""
    global _notifier
    if _notifier is None:
        _notifier = _Notifier(QApplication.instance())
    return _notifier


def resource_text(name: str) -> str:
    return resource_path(name).read_text(encoding="utf-8")


# -- choosing the look --------------------------------------------------------------------------
def preference() -> str:
    """What was asked for: ``LECTERN_THEME`` first, then the student's choice, else follow the system."""
    env = os.environ.get(THEME_ENV, "").strip().lower()
    if env in (LIGHT, DARK, SYSTEM):
        return env
    return _state["preference"] or SYSTEM


def system_scheme() -> str:
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", lambda: None)()
    if scheme in (None, Qt.ColorScheme.Unknown):
        scheme = _state.get("system_said")          # what the last colorSchemeChanged said
    return DARK if scheme == Qt.ColorScheme.Dark else LIGHT


def _system_changed(app: QApplication, scheme) -> None:
    _state["system_said"] = scheme
    if preference() == SYSTEM:
        apply_theme(app)


def current() -> str:
    """The look now shown: ``"light"`` or ``"dark"``."""
    return _state["scheme"]


def is_dark() -> bool:
    return current() == DARK


def color(name: str) -> str:
    """A named colour (``"failed"``, ``"muted"``, ``"link"``…) in the look now shown."""
    return COLORS[current()][name]


def qcolor(name: str) -> QColor:
    return QColor(color(name))


def prepare(app: QApplication, choice: str | None = None) -> str:
    """Choose the look and set its palette, without the style sheet (which is applied once the
    window is built: styling each widget as it is added costs a third of the start-up)."""
    if choice is not None:
        _state["preference"] = choice
    pref = preference()
    _state["scheme"] = system_scheme() if pref == SYSTEM else pref
    app.setPalette(palette(_state["scheme"]))
    return _state["scheme"]


def apply_theme(app: QApplication, choice: str | None = None) -> str:
    """Style the application: Fusion, the palette and the sheet of the chosen look. Returns it.

    ``choice`` is the student's ``light`` / ``dark`` / ``system`` (None keeps the last one)."""
    if choice is not None:
        _state["preference"] = choice
    app.setStyle("Fusion")
    pref = preference()
    scheme = system_scheme() if pref == SYSTEM else pref
    changed = scheme != _state["scheme"]
    _state["scheme"] = scheme
    app.setPalette(palette(scheme))
    app.setStyleSheet(stylesheet(scheme))
    _follow_widget_sheets(app, scheme)
    if not _state["connected"]:
        hints = QGuiApplication.styleHints()
        if hasattr(hints, "colorSchemeChanged"):
            hints.colorSchemeChanged.connect(lambda scheme: _system_changed(app, scheme))
        _state["connected"] = True
    if changed:
        _refresh_icons()
        notifier().changed.emit(scheme)
    return scheme


# -- palette and sheet ----------------------------------------------------------------------------
def palette(scheme: str) -> QPalette:
    c = COLORS[scheme]
    p = QPalette()
    dark = scheme == DARK
    roles = {
        QPalette.Window: c["window"], QPalette.WindowText: c["text"], QPalette.Base: c["surface"],
        QPalette.AlternateBase: "#1b1f26" if dark else "#f8fafc", QPalette.Text: c["text"],
        QPalette.Button: c["surface"], QPalette.ButtonText: c["text"], QPalette.BrightText: "#ffffff",
        QPalette.Highlight: "#2563eb", QPalette.HighlightedText: "#ffffff", QPalette.Link: c["link"],
        QPalette.ToolTipBase: "#2d3440" if dark else "#fffbe6", QPalette.ToolTipText: c["text"],
        QPalette.PlaceholderText: "#7c8798" if dark else "#8a94a3", QPalette.Mid: "#3a4350" if dark else "#cbd5e1",
        QPalette.Dark: "#0b0e13" if dark else "#9ca3af", QPalette.Light: "#2d3440" if dark else "#ffffff",
        QPalette.Midlight: "#272e38" if dark else "#e5e7eb", QPalette.Shadow: "#000000",
    }
    for role, value in roles.items():
        p.setColor(role, QColor(value))
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText):
        p.setColor(QPalette.Disabled, role, QColor("#6b7280" if dark else "#9ca3af"))
    return p


def dark_color(value: str, text: bool) -> str:
    """The dark counterpart of a light sheet colour; ``text``: it colours text (else a surface or border)."""
    key = value.lower()
    table = DARK_TEXT if text else DARK_SURFACE
    if key in table:
        return table[key]
    c = QColor(key)
    if not c.isValid():
        return value
    h, s, l, a = c.getHslF()
    if text:
        l = 1.0 - l if l < 0.55 else l
    elif l > 0.7:          # a light surface or border (strong colours such as the accent stay)
        l, s = 0.09 + (1.0 - l) * 0.9, s * 0.5
    return QColor.fromHslF(max(h, 0.0), s, min(max(l, 0.0), 1.0), a).name()


def darken_sheet(sheet: str) -> str:
    def decl(m: re.Match) -> str:
        prop, value = m.group(1), m.group(2)
        text = prop in _TEXT_PROPS
        return f"{prop}: " + _COLOR.sub(lambda c: dark_color(c.group(0), text), value)
    if "{" not in sheet:            # a widget's own sheet may be bare declarations
        return _DECL.sub(decl, sheet)
    return _BLOCK.sub(lambda b: "{" + _DECL.sub(decl, b.group(1)) + "}", sheet)


class _DarkWidgetSheets(QObject):
    """In the dark look, a widget's own style sheet (written in light colours, like the main
    sheet) is given its dark counterpart when the widget is first polished or its sheet changes."""

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt name)
        kind = event.type()
        if (kind == QEvent.Polish or kind == QEvent.StyleChange) and isinstance(obj, QWidget):
            _darken_widget(obj)
        return False


def _darken_widget(w: QWidget) -> None:
    sheet = w.styleSheet()
    if not sheet or sheet == w.property("lecternDarkSheet"):
        return
    dark = darken_sheet(sheet)
    w.setProperty("lecternLightSheet", sheet)
    w.setProperty("lecternDarkSheet", dark)
    if dark != sheet:
        w.setStyleSheet(dark)


def _follow_widget_sheets(app: QApplication, scheme: str) -> None:
    global _dark_filter
    if scheme == DARK:
        if _dark_filter is None:
            _dark_filter = _DarkWidgetSheets(app)
            app.installEventFilter(_dark_filter)
        for w in app.allWidgets():
            _darken_widget(w)
    else:
        if _dark_filter is not None:
            app.removeEventFilter(_dark_filter)
            _dark_filter = None
        for w in app.allWidgets():
            light = w.property("lecternLightSheet")
            if light:
                w.setProperty("lecternDarkSheet", None)
                w.setProperty("lecternLightSheet", None)
                w.setStyleSheet(light)


_dark_filter: _DarkWidgetSheets | None = None


def focus_rules(scheme: str) -> str:
    """A ring that shows where the keyboard is, on everything that takes focus."""
    ring = COLORS[scheme]["focus"]
    return (f"\nQPushButton:focus, QToolButton:focus {{ border: 2px solid {ring}; }}"
            f"\nQLineEdit:focus, QComboBox:focus, QPlainTextEdit:focus, QTextEdit:focus, QSpinBox:focus,"
            f" QDoubleSpinBox:focus {{ border: 2px solid {ring}; }}"
            f"\nQTreeView:focus, QTableView:focus, QListView:focus {{ border: 2px solid {ring}; }}"
            f"\nQCheckBox:focus, QRadioButton:focus {{ outline: none; border: 1px dashed {ring}; }}"
            f"\nQSlider:focus {{ border: 1px dashed {ring}; }}"
            f"\nQPushButton#PrimaryButton:focus, QPushButton#DangerButton:focus, QPushButton#RecordButton:focus"
            f" {{ border: 2px solid {'#ffffff' if scheme == DARK else '#111827'}; }}"
            f"\n#Sidebar::item:focus {{ border: 2px solid #93c5fd; }}"
            f"\n#HealthLight QLabel {{ padding: 0; }}\n")


@lru_cache(maxsize=4)
def _sheet(scheme: str, source: str) -> str:
    return (darken_sheet(source) if scheme == DARK else source) + focus_rules(scheme)


def stylesheet(scheme: str) -> str:
    return _sheet(scheme, resource_text("style.qss"))


# -- icons ---------------------------------------------------------------------------------------
def _svg(name: str, color: str | None) -> bytes:
    svg = resource_path("icons", f"{name}.svg").read_text(encoding="utf-8")
    return (svg.replace(ICON_STROKE, color) if color else svg).encode()


def icon_pixmap(name: str, size: int, color: str | None = None, dpr: float = 1.0):
    """resources/icons/<name>.svg rendered sharp at ``size`` logical pixels (strokes recoloured)."""
    from PySide6.QtCore import QByteArray
    from PySide6.QtGui import QPainter, QPixmap
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(_svg(name, color)))
    px = max(1, round(size * dpr))
    pm = QPixmap(px, px)
    pm.fill(Qt.transparent)
    painter = QPainter(pm)
    renderer.render(painter)
    painter.end()
    pm.setDevicePixelRatio(dpr)
    return pm


def icon(name: str, color: str | None = None):
    """A QIcon of resources/icons/<name>.svg; ``color`` a colour or a name of ``COLORS`` (default: icon)."""
    from PySide6.QtGui import QIcon

    value = COLORS[current()].get(color or "icon", color)
    ic = QIcon()
    for size in (16, 20, 24, 32, 40, 48, 64, 96):
        ic.addPixmap(icon_pixmap(name, size, value))
    return ic


def set_icon(widget: QWidget, name: str, color: str | None = None) -> None:
    """Give a button (or an action) its icon and keep it in the look's colours when the look changes."""
    widget.setProperty("lecternIcon", name)
    widget.setProperty("lecternIconColor", color or "")
    widget.setIcon(icon(name, color))


def _refresh_icons() -> None:
    app = QApplication.instance()
    if app is None:
        return
    for w in app.allWidgets():
        name = w.property("lecternIcon")
        if name and hasattr(w, "setIcon"):
            w.setIcon(icon(name, w.property("lecternIconColor") or None))
