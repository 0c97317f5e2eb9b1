"""The one file layer: managed copies of the student's files inside the data folder."""
from __future__ import annotations

from pathlib import Path


def unique_target(folder: Path, filename: str) -> Path:
    target = folder / filename
    stem, suffix = Path(filename).stem, Path(filename).suffix
    n = 2
    while target.exists():
        target = folder / f"{stem} ({n}){suffix}"
        n += 1
    return target
