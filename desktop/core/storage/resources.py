"""Read-only files shipped with Lectern (style sheet, icons, sample course).

From source they are the package ``desktop.resources`` (the top-level resources/
folder); in a frozen bundle they sit under ``<bundle>/desktop/resources``.
"""
from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

from .config import is_frozen


def resource_path(*parts: str) -> Path:
    if is_frozen():
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent), "desktop", "resources", *parts)
    return Path(str(resources.files("desktop.resources").joinpath(*parts)))
