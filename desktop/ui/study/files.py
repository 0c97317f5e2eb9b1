"""Save dialogs of the Study pane that remember the last folder the student chose."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QWidget

KEY = "study/last_folder"


def _settings(ctx: Any) -> QSettings:
    return QSettings(str(ctx.paths.root / "window.ini"), QSettings.IniFormat)


def last_folder(ctx: Any) -> str:
    folder = str(_settings(ctx).value(KEY, "") or "")
    return folder if folder and Path(folder).is_dir() else str(Path.home())


def remember(ctx: Any, path: Path) -> None:
    s = _settings(ctx)
    s.setValue(KEY, str(path.parent))
    s.sync()


def ask_save_path(ctx: Any, parent: QWidget, title: str, name: str, filters: str) -> Path | None:
    """A save dialog opened in the last folder used; the choice becomes the next last folder."""
    chosen, chosen_filter = QFileDialog.getSaveFileName(parent, title, str(Path(last_folder(ctx)) / name), filters)
    if not chosen:
        return None
    path = Path(chosen)
    if not path.suffix and "(*." in chosen_filter:
        path = path.with_suffix("." + chosen_filter.split("(*.")[1].split(")")[0].split()[0])
    remember(ctx, path)
    return path
