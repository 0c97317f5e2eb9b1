"""Rotating log files, one per process role, under <data>/logs."""
from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"


def setup_logging(logs_dir: Path, role: str, level: int = logging.INFO, console: bool = False) -> Path:
    logs_dir.mkdir(parents=True, exist_ok=True)
    path = logs_dir / f"{role}.log"
    root = logging.getLogger()
    root.setLevel(level)
    for h in list(root.handlers):
        if getattr(h, "_lectern", False):
            root.removeHandler(h)
    fh = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    fh.setFormatter(logging.Formatter(_FORMAT))
    fh._lectern = True  # type: ignore[attr-defined]
    root.addHandler(fh)
    if console:
        sh = logging.StreamHandler()
        sh.setFormatter(logging.Formatter(_FORMAT))
        sh._lectern = True  # type: ignore[attr-defined]
        root.addHandler(sh)
    return path
