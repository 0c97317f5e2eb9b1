"""The student's settings: one typed object with a version, stored in app.db."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any

import sqlite_utils

SETTINGS_VERSION = 1
_KEY = "settings"


@dataclass
class Settings:
    version: int = SETTINGS_VERSION
    # Models: a registry id or a path the student added ("" = default for the role)
    transcription_model: str = ""
    transcription_language: str = ""     # "" = detect automatically
    chat_model: str = ""
    embeddings_model: str = ""
    chat_context: int = 4096
    chat_threads: int = 0                # 0 = number of cores
    extra_models: tuple[str, ...] = ()   # GGUF files / Whisper folders added with "Add model…"
    # Recording
    input_device: str = ""               # "" = system default
    live_captions: bool = True
    # Sync (optional)
    sync_bucket: str = ""
    sync_endpoint: str = ""
    sync_profile: str = ""
    sync_user: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Settings":
        data = _migrate(dict(data))
        known = {f.name for f in fields(cls)}
        clean = {k: v for k, v in data.items() if k in known}
        if "extra_models" in clean:
            clean["extra_models"] = tuple(clean["extra_models"])
        return cls(**clean)


def _migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring an older saved settings object up to SETTINGS_VERSION, step by step."""
    data.setdefault("version", 1)
    data["version"] = SETTINGS_VERSION
    return data


def load(db: sqlite_utils.Database) -> Settings:
    row = db.execute("SELECT value FROM settings WHERE key = ?", (_KEY,)).fetchone()
    if not row:
        return Settings()
    try:
        return Settings.from_dict(json.loads(row[0]))
    except (ValueError, TypeError):
        return Settings()


def save(db: sqlite_utils.Database, settings: Settings) -> None:
    data = asdict(settings)
    data["extra_models"] = list(settings.extra_models)
    db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (_KEY, json.dumps(data)))


def update(db: sqlite_utils.Database, **changes: Any) -> Settings:
    s = load(db)
    for k, v in changes.items():
        if not hasattr(s, k):
            raise AttributeError(f"unknown setting {k}")
        setattr(s, k, v)
    save(db, s)
    return s
