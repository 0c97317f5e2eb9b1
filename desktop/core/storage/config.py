"""Where Lectern keeps its state, and the process-wide offline switches.

All state lives in one data folder: the platform default from platformdirs, or
``LECTERN_DATA_DIR`` (set by ``--data-dir`` too). Nothing here imports Qt.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "Lectern"
DATA_DIR_ENV = "LECTERN_DATA_DIR"


def apply_offline_env() -> None:
    """Keep every library off the network. Must run before onnxruntime/chromadb import."""
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env).expanduser().resolve() if env else default_data_dir()


def model_cache_dir() -> Path:
    """Assembled default models, shared by all data folders of this user.

    Kept outside the data folder so that tests (which use fresh data folders) and
    the student's real library share one verified copy of ~600 MB of weights.
    """
    env = os.environ.get("LECTERN_MODEL_CACHE")
    if env:
        return Path(env).expanduser().resolve()
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)) / "models"


@dataclass(frozen=True)
class DataPaths:
    root: Path

    @property
    def db(self) -> Path:
        return self.root / "app.db"

    @property
    def queue_db(self) -> Path:
        return self.root / "queue.db"

    @property
    def library(self) -> Path:
        return self.root / "library"

    @property
    def recordings(self) -> Path:
        return self.root / "recordings"

    @property
    def chroma(self) -> Path:
        return self.root / "chroma"

    @property
    def models(self) -> Path:
        return self.root / "models"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def run(self) -> Path:
        """Pid files, port files and the instance lock."""
        return self.root / "run"

    def ensure(self) -> "DataPaths":
        for p in (self.root, self.recordings, self.chroma, self.models, self.logs, self.run):
            p.mkdir(parents=True, exist_ok=True)
        return self

    @classmethod
    def current(cls) -> "DataPaths":
        return cls(data_dir())
