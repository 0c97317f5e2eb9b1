"""File dialogs that open where the student last was, remembered per purpose.

    files = open_files(self, ctx, "add-files", "Add files to your library", FILTER)
    folder = existing_folder(self, ctx, "import-folder", "Import a folder")
    path = save_file(self, ctx, "export-transcript", "Export the transcript", "Lecture 1.srt", FILTER)

The folders live in ``<data>/window.ini`` (group ``folders``), beside the window's place.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QWidget


def _settings(ctx: Any) -> QSettings:
    return QSettings(str(ctx.paths.root / "window.ini"), QSettings.IniFormat)


def last_folder(ctx: Any, purpose: str) -> str:
    """The folder last used for ``purpose`` (if it still exists), else the home folder."""
    saved = str(_settings(ctx).value(f"folders/{purpose}", "") or "")
    return saved if saved and Path(saved).is_dir() else str(Path.home())


def remember_folder(ctx: Any, purpose: str, path: str) -> None:
    p = Path(path)
    folder = p if p.is_dir() else p.parent
    s = _settings(ctx)
    s.setValue(f"folders/{purpose}", str(folder))
    s.sync()


def open_files(parent: QWidget, ctx: Any, purpose: str, title: str, filters: str) -> list[str]:
    files, _ = QFileDialog.getOpenFileNames(parent, title, last_folder(ctx, purpose), filters)
    if files:
        remember_folder(ctx, purpose, files[0])
    return files


def open_file(parent: QWidget, ctx: Any, purpose: str, title: str, filters: str) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, title, last_folder(ctx, purpose), filters)
    if path:
        remember_folder(ctx, purpose, path)
    return path


def existing_folder(parent: QWidget, ctx: Any, purpose: str, title: str) -> str:
    folder = QFileDialog.getExistingDirectory(parent, title, last_folder(ctx, purpose))
    if folder:
        remember_folder(ctx, purpose, folder)
    return folder


def save_file(parent: QWidget, ctx: Any, purpose: str, title: str, name: str, filters: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, title, str(Path(last_folder(ctx, purpose)) / name), filters)
    if path:
        remember_folder(ctx, purpose, path)
    return path
