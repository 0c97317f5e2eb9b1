"""Opens the real window on a prepared data folder and looks at every pane and dialog at
several window sizes, in one process per scale factor (Qt reads QT_SCALE_FACTOR once).

    QT_SCALE_FACTOR=1.5 python -m tests.ui.layout_probe --data-dir D --out DIR [--themes light,dark]

Prints one JSON object: {"views": n, "faults": [...], "shots": DIR, "seconds": s}. A fault is
a visible widget smaller than its minimum size hint, two sibling widgets drawn over each
other, text cut so that it cannot be read, an icon-only button without a name for screen
readers, a symbol character that depends on the fonts, text too faint to read on its
background, or a dialog that does not fit the smallest screen.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

SIZES = ((1024, 600), (1280, 720), (1366, 768), (1920, 1080), (2560, 1440))
SMALLEST_SCREEN = (1024, 600 - 40)     # what a dialog may use on a 1024x600 screen (panel and title bar)
MIN_VISIBLE_CHARS = 10                 # an elided cell shows at least this much of its text
# Characters every font has (Latin, punctuation Lectern writes with, a few arrows).
SAFE = set(range(0x20, 0x250)) | {0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2026, 0x2039,
                                   0x203A, 0x2190, 0x2192, 0x2212, 0x00D7, 0x2009, 0x202F, 0x00A0}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--themes", default="light,dark")
    ap.add_argument("--sizes", default="")
    args = ap.parse_args()
    os.environ["LECTERN_DATA_DIR"] = os.path.abspath(args.data_dir)
    t0 = time.perf_counter()
    scale = os.environ.get("QT_SCALE_FACTOR", "1")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sizes = SIZES if not args.sizes else tuple(tuple(int(v) for v in s.split("x")) for s in args.sizes.split(","))

    from PySide6.QtWidgets import QApplication

    from desktop.app import build_window
    from desktop.core.storage.config import DataPaths
    from desktop.ui import theme

    app = QApplication.instance() or QApplication(sys.argv)
    themes = [t for t in args.themes.split(",") if t]
    theme.prepare(app, themes[0])
    win = build_window(DataPaths.current(), None)
    win.show()
    probe = Probe(app, out, scale, keep={sizes[0], sizes[-1]})
    _show_content(win)
    for look in themes:
        theme.apply_theme(app, look)
        # The dark look is looked at on the smallest and the largest size (the light one on all).
        for w, h in (sizes if look == themes[0] else (sizes[0], sizes[-1])):
            probe.window_at(win, w, h, look)
        probe.dialogs(win, look)
        probe.viewers(win, look)
    print(json.dumps({"views": probe.views, "faults": probe.faults, "shots": str(out), "scale": scale,
                      "seconds": round(time.perf_counter() - t0, 1)}), flush=True)
    # Nothing to keep: no waiting for the panes' background readers (a settings page checking
    # that each chat model loads) to finish.
    os._exit(0)


def _show_content(win) -> None:
    """The chat pane shows the stored chat (a question, an answer and its sources)."""
    from desktop.core import chat

    chats = chat.list_chats(win.ctx.db)
    pane = win.panes.get("chat")
    if chats and pane is not None and hasattr(pane, "open_chat"):
        pane.open_chat(chats[0].id)


class Probe:
    def __init__(self, app, out: Path, scale: str, keep: set) -> None:
        self.app, self.out, self.scale = app, out, scale
        # Screenshots of the smallest and the largest size, of the dialogs, and of any view
        # with a fault (all of them with LECTERN_LAYOUT_ALL_SHOTS=1): a 5120x2880 PNG takes a second.
        self.keep = {f"{w}x{h}@" for w, h in keep}
        self.all_shots = os.environ.get("LECTERN_LAYOUT_ALL_SHOTS") == "1"
        self.faults: list[str] = []
        self.views = 0

    # -- driving the window ------------------------------------------------------------------
    def settle(self) -> None:
        from PySide6.QtCore import QCoreApplication, QEvent

        for _ in range(4):
            QCoreApplication.sendPostedEvents(None, QEvent.LayoutRequest)
            self.app.processEvents()

    def window_at(self, win, w: int, h: int, look: str) -> None:
        win.resize(w, h)
        self.settle()
        where = f"{look} {w}x{h}@{self.scale}"
        if (win.width(), win.height()) != (w, h):
            self.faults.append(f"{where}: the window cannot be {w}x{h}; it stays {win.width()}x{win.height()} "
                               f"(minimum {win.minimumWidth()}x{win.minimumHeight()})")
        for key in list(win.panes):
            win.show_pane(key)
            self.settle()
            self.look_at(win, f"{where} {key}", f"{look}-{w}x{h}@{self.scale}-{key}")
        win.show_pane(next(iter(win.panes)))
        win.dock.show()
        self.settle()
        self.look_at(win, f"{where} jobs drawer", f"{look}-{w}x{h}@{self.scale}-drawer")
        win.dock.hide()

    def dialogs(self, win, look: str) -> None:
        from desktop.ui.help_dialogs import FirstStepsDialog, SelfCheckDialog, ShortcutsDialog
        from desktop.ui.library_dialogs import ChooseBookDialog
        from desktop.ui.scope_picker import ScopeDialog
        from desktop.ui.settings_dialog import SettingsDialog
        from desktop.core.search.scope import Scope

        db = win.ctx.db
        made = [("settings", lambda: SettingsDialog(win.ctx, win)),
                ("shortcuts", lambda: ShortcutsDialog(win)),
                ("first-steps", lambda: FirstStepsDialog(win)),
                ("selfcheck", lambda: SelfCheckDialog(0, None, win)),
                ("choose-book", lambda: ChooseBookDialog(db, None, "these 3 files", win)),
                ("scope", lambda: ScopeDialog(db, Scope(), win))]
        for name, make in made:
            dlg = make()
            pages = [None]
            tabs = getattr(dlg, "tabs", None)
            if tabs is not None:
                pages = list(range(tabs.count()))
            dlg.show()
            self.settle()
            size = dlg.size()
            if size.width() > SMALLEST_SCREEN[0] or size.height() > SMALLEST_SCREEN[1]:
                self.faults.append(f"{look}@{self.scale} dialog {name}: opens at {size.width()}x{size.height()}, "
                                   f"larger than a {SMALLEST_SCREEN[0]}x{SMALLEST_SCREEN[1]} screen")
            for page in pages:
                label = name
                if page is not None:
                    tabs.setCurrentIndex(page)
                    label = f"{name} {tabs.tabText(page)}"
                    self.settle()
                self.look_at(dlg, f"{look}@{self.scale} dialog {label}",
                             f"{look}@{self.scale}-dialog-{label.replace(' ', '-').lower()}")
            shutdown = getattr(dlg, "shutdown", None)
            if shutdown:
                shutdown()
            dlg.close()
            dlg.deleteLater()
            self.settle()

    def viewers(self, win, look: str) -> None:
        """The transcript viewer and the PDF viewer as they open (they must fit a small screen too)."""
        from desktop.core import library

        db = win.ctx.db
        docs = [d for n in library.all_nodes(db) for d in library.documents_in(db, n.id)]
        opened = []
        lecture = next((d for d in docs if d.kind == "lecture" and d.recording_id), None)
        if lecture is not None and "record" in win.panes:
            win.ctx.events.open_recording_requested.emit(lecture.recording_id, 0.0)
            opened.append(("transcript", getattr(win.panes["record"], "transcript_viewer", None)))
        pdf = next((d for d in docs if d.kind == "pdf"), None)
        if pdf is not None and "library" in win.panes:
            win.panes["library"].open_document(pdf.id, 2)
            opened.append(("pdf", getattr(win.panes["library"], "viewer", None)))
        for name, viewer in opened:
            if viewer is None:
                continue
            self.settle()
            frame, room = viewer.frameGeometry(), viewer.screen().availableGeometry()
            if frame.width() > room.width() or frame.height() > room.height():
                self.faults.append(f"{look}@{self.scale} {name} viewer: opens at {frame.width()}x{frame.height()}, "
                                   f"larger than its {room.width()}x{room.height()} screen")
            self.look_at(viewer, f"{look}@{self.scale} {name} viewer", f"{look}@{self.scale}-viewer-{name}")
            viewer.close()
            self.settle()

    # -- looking -----------------------------------------------------------------------------
    def look_at(self, top, where: str, shot: str) -> None:
        self.views += 1
        pm = top.grab()
        image = pm.toImage()
        found = check_widget_tree(top, image)
        self.faults.extend(f"{where}: {f}" for f in found)
        if found or self.all_shots or "dialog" in shot or "viewer" in shot or any(k in shot for k in self.keep):
            pm.save(str(self.out / f"{shot}.png"), "PNG", 90)


# -- the checks ------------------------------------------------------------------------------
def _visible(w, top) -> bool:
    return w.isVisibleTo(top) and w.width() > 0 and w.height() > 0 and not w.isWindow()


def _in_layout(layout, w) -> bool:
    if layout is None:
        return False
    for i in range(layout.count()):
        item = layout.itemAt(i)
        if item.widget() is w:
            return True
        if item.layout() is not None and _in_layout(item.layout(), w):
            return True
    return False


def _describe(w) -> str:
    name = w.objectName() or ""
    text = ""
    for attr in ("text", "title", "windowTitle"):
        f = getattr(w, attr, None)
        if callable(f):
            try:
                t = f()
            except TypeError:
                continue
            if isinstance(t, str) and t.strip():
                text = t.strip().replace("\n", " ")[:40]
                break
    parent = w.parentWidget()
    pname = ""
    while parent is not None and not pname:
        pname = parent.objectName() or ""
        parent = parent.parentWidget()
    return (f"{type(w).__name__}" + (f"#{name}" if name else "") + (f" '{text}'" if text else "")
            + (f" in #{pname}" if pname else ""))


def _min_size(w):
    """What a layout would give a widget at least (Qt's own rule, qSmartMinSize)."""
    from PySide6.QtWidgets import QSizePolicy

    hint = w.minimumSizeHint()
    pol = w.sizePolicy()
    mw = w.minimumWidth() or (hint.width() if pol.horizontalPolicy() != QSizePolicy.Ignored else 0)
    mh = w.minimumHeight() or (hint.height() if pol.verticalPolicy() != QSizePolicy.Ignored else 0)
    shrinks = (QSizePolicy.Preferred, QSizePolicy.Maximum, QSizePolicy.Ignored, QSizePolicy.Expanding)
    if pol.horizontalPolicy() not in shrinks and not w.minimumWidth():
        mw = max(mw, w.sizeHint().width())
    if pol.verticalPolicy() not in shrinks and not w.minimumHeight():
        mh = max(mh, w.sizeHint().height())
    return max(mw, 0), max(mh, 0)


def _plain_text(w) -> str:
    from PySide6.QtGui import QTextDocument
    from PySide6.QtCore import Qt

    text = w.text()
    if "<" in text and (getattr(w, "textFormat", lambda: Qt.PlainText)() != Qt.PlainText):
        doc = QTextDocument()
        doc.setHtml(text)
        return doc.toPlainText()
    return text


def _contrast(a, b) -> float:
    def lum(c) -> float:
        def ch(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
        return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF())
    la, lb = lum(a), lum(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def _background(image, top, w):
    """The most common colour under a widget in the grabbed picture of its window."""
    from collections import Counter

    from PySide6.QtGui import QColor

    dpr = image.devicePixelRatio()
    pos = w.mapTo(top, w.rect().topLeft())
    x0, y0 = int(pos.x() * dpr), int(pos.y() * dpr)
    x1, y1 = min(image.width(), int((pos.x() + w.width()) * dpr)), min(image.height(), int((pos.y() + w.height()) * dpr))
    if x1 <= x0 or y1 <= y0:
        return None
    counts: Counter = Counter()
    step = max(1, (x1 - x0) // 24)
    for y in range(y0, y1, max(1, (y1 - y0) // 8)):
        for x in range(x0, x1, step):
            counts[image.pixel(x, y)] += 1
    return QColor.fromRgb(counts.most_common(1)[0][0]) if counts else None


def check_widget_tree(top, image=None) -> list[str]:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QAbstractScrollArea, QLabel, QScrollArea,
                                   QSplitter, QSplitterHandle, QStackedWidget, QTabBar, QTreeView)

    faults: list[str] = []
    widgets = [w for w in top.findChildren(QWidget_) if _visible(w, top)]
    for w in widgets:
        desc = _describe(w)
        parent = w.parentWidget()
        # 1. squeezed below what it needs
        if parent is not None and _in_layout(parent.layout(), w) and not isinstance(parent, QSplitter):
            mw, mh = _min_size(w)
            if w.hasHeightForWidth() and not w.minimumHeight():     # wrapped text: its height at its width
                mh = max(0, w.heightForWidth(w.width()))
            if w.width() < mw - 1 or w.height() < mh - 1:
                faults.append(f"{desc} is {w.width()}x{w.height()}, below its minimum {mw}x{mh}")
        # 2. text that cannot be read
        if isinstance(w, QLabel) and w.pixmap().isNull() and w.text().strip():
            text = _plain_text(w)
            cr = w.contentsRect()
            if w.wordWrap():
                if w.heightForWidth(w.width()) > w.height() + 2:
                    faults.append(f"{desc}: wrapped text needs {w.heightForWidth(w.width())} px of height, "
                                  f"has {w.height()} (lines are cut)")
            else:
                need = max(w.fontMetrics().horizontalAdvance(line) for line in text.splitlines() or [""])
                if need > cr.width() + 2 and not w.property("elides"):
                    faults.append(f"{desc}: text needs {need} px, has {cr.width()} (cut)")
        if isinstance(w, QAbstractButton):
            text = w.text().replace("&", "").strip()
            if text and w.width() < w.sizeHint().width() - 2:
                faults.append(f"{desc}: text needs {w.sizeHint().width()} px, has {w.width()} (cut)")
            if not text and not w.icon().isNull() and not (w.accessibleName() or w.toolTip()):
                faults.append(f"{desc}: icon-only button without an accessible name or tooltip")
        # 3. symbols the fonts may not have, on buttons (an empty box where the symbol should be)
        if isinstance(w, QAbstractButton):
            bad = sorted({c for c in w.text() if ord(c) not in SAFE and not c.isalnum()})
            if bad:
                faults.append(f"{desc}: symbol characters {''.join(bad)!r} depend on the fonts (use an icon)")
        # A page in a scroll area scrolls down, never sideways (something in it is too wide).
        if isinstance(w, QScrollArea) and w.horizontalScrollBar().isVisible():
            faults.append(f"{desc}: scrolls sideways (its page needs {w.widget().minimumSizeHint().width()} px, "
                          f"has {w.viewport().width()})" if w.widget() else f"{desc}: scrolls sideways")
        # 4. item views: names cut to a few characters
        if isinstance(w, QAbstractItemView) and not isinstance(w, QTabBar):
            faults.extend(_check_view(w, desc))
        # 5. legible: text colour against what is behind it
        if image is not None and isinstance(w, (QLabel, QAbstractButton)) and w.text().strip() \
                and "color" not in w.text() and w.isEnabled() \
                and (not isinstance(w, QLabel) or w.pixmap().isNull()):
            bg = _background(image, top, w)
            fg = w.palette().color(w.foregroundRole())
            if bg is not None and _contrast(fg, bg) < 3.0:
                faults.append(f"{desc}: text {fg.name()} on {bg.name()} is too faint (contrast "
                              f"{_contrast(fg, bg):.1f} < 3)")
    # 6. siblings drawn over each other
    parents = {id(w.parentWidget()): w.parentWidget() for w in widgets if w.parentWidget() is not None}
    for parent in parents.values():
        if isinstance(parent, (QStackedWidget, QSplitterHandle)) or isinstance(parent, QAbstractScrollArea):
            continue
        kids = [k for k in parent.children() if isinstance(k, QWidget_) and _visible(k, top)]
        for i, a in enumerate(kids):
            for b in kids[i + 1:]:
                inter = a.geometry().intersected(b.geometry())
                if inter.width() > 2 and inter.height() > 2:
                    faults.append(f"{_describe(a)} and {_describe(b)} overlap by {inter.width()}x{inter.height()}")
    return faults


def _check_view(view, desc: str) -> list[str]:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QHeaderView, QTreeView

    if isinstance(view, QHeaderView):
        return []
    model = view.model()
    if model is None:
        return []
    faults = []
    full = view.objectName() == "LibraryTree"      # the library's names are shown in full
    fm = view.fontMetrics()
    rows = []

    def walk(parent, depth: int) -> None:
        for r in range(min(model.rowCount(parent), 60)):
            idx = model.index(r, 0, parent)
            rows.append(idx)
            if isinstance(view, QTreeView) and view.isExpanded(idx) and depth < 4:
                walk(idx, depth + 1)

    from PySide6.QtCore import QModelIndex

    walk(QModelIndex(), 0)
    vp = view.viewport().rect()
    for idx in rows:
        text = idx.data(Qt.DisplayRole)
        if not isinstance(text, str) or not text.strip() or "<" in text:
            continue
        rect = view.visualRect(idx)
        if rect.isEmpty() or not vp.intersects(rect):
            continue
        avail = min(rect.right(), vp.right()) - rect.left() - 10
        if idx.data(Qt.DecorationRole) is not None:
            avail -= view.iconSize().width() if view.iconSize().isValid() else 20
        font = idx.data(Qt.FontRole)
        metrics = fm if font is None else type(fm)(font)
        if metrics.horizontalAdvance(text) <= avail:
            continue
        shown = metrics.elidedText(text, Qt.ElideRight, max(0, avail)).rstrip("…")
        if full or len(shown) < min(len(text), MIN_VISIBLE_CHARS):
            faults.append(f"{desc}: '{text}' is cut to '{shown}…' ({avail} px for {metrics.horizontalAdvance(text)})")
    return faults


try:
    from PySide6.QtWidgets import QWidget as QWidget_
except ImportError:  # pragma: no cover
    QWidget_ = object


if __name__ == "__main__":
    sys.exit(main())
