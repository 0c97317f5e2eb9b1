"""The student's settings: one typed object with a version, stored in app.db.

Settings that cannot be read (broken JSON, a value of the wrong type) are never just
replaced: the old text is kept aside (a ``settings.bad-<time>`` row and a file of that
name next to app.db), the cause is logged, the readable values are kept, and a notice
waits for the window to show it (``pending_notice``).
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import sqlite_utils

from .db import write_transaction

log = logging.getLogger(__name__)

SETTINGS_VERSION = 1
_KEY = "settings"
_NOTICE_KEY = "settings.notice"
_BAD_PREFIX = "settings.bad-"


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
    chat_preload: bool = True            # load the chat model before the first question (idle / pane shown)
    extra_models: tuple[str, ...] = ()   # GGUF files / Whisper folders added with "Add model…"
    # Recording
    input_device: str = ""               # "" = system default
    live_captions: bool = True
    transcribe_while_recording: bool = True   # False: wait until Stop (saves battery)
    # Course files: text recognition of scans and photos ("auto" | "always" | "never"),
    # and its languages in Tesseract's "eng+deu" form ("" = English)
    ocr_mode: str = "auto"
    ocr_languages: str = ""
    transcribe_only_plugged_in: bool = False  # True: on battery the transcript waits until Stop
    # Sync (optional)
    sync_bucket: str = ""
    sync_endpoint: str = ""
    sync_profile: str = ""
    sync_user: str = ""
    sync_region: str = ""
    sync_enabled: bool = True            # False: the bucket is remembered, nothing syncs
    sync_interval_s: int = 0             # automatic sync every N seconds (0: only on demand)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Settings":
        """Settings from saved data; values of the wrong type fall back to their defaults."""
        return _checked(data)[0]


def _valid(default: Any, value: Any) -> bool:
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, str):
        return isinstance(value, str)
    if isinstance(default, tuple):
        return isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)
    return True


def _checked(data: dict[str, Any]) -> tuple[Settings, list[str]]:
    """(settings, names of the values that were unreadable and replaced by defaults)."""
    data = _migrate(dict(data))
    defaults = Settings()
    clean: dict[str, Any] = {}
    bad: list[str] = []
    for f in fields(Settings):
        if f.name not in data:
            continue
        if _valid(getattr(defaults, f.name), data[f.name]):
            clean[f.name] = tuple(data[f.name]) if f.name == "extra_models" else data[f.name]
        else:
            bad.append(f.name)
    return Settings(**clean), bad


def _migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring an older saved settings object up to SETTINGS_VERSION, step by step."""
    data.setdefault("version", 1)
    data["version"] = SETTINGS_VERSION
    return data


def load(db: sqlite_utils.Database) -> Settings:
    row = db.execute("SELECT value FROM settings WHERE key = ?", (_KEY,)).fetchone()
    if not row:
        return Settings()
    raw = row[0]
    try:
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError(f"expected an object, found {type(data).__name__}")
    except (ValueError, TypeError) as exc:
        return _keep_aside(db, raw, Settings(), [], f"not readable ({exc})")
    settings, bad = _checked(data)
    if bad:
        return _keep_aside(db, raw, settings, bad, f"unreadable value(s): {', '.join(bad)}")
    return settings


def _db_folder(db: sqlite_utils.Database) -> Path | None:
    for _seq, name, file in db.execute("PRAGMA database_list").fetchall():
        if name == "main" and file:
            return Path(file).parent
    return None


def _keep_aside(db: sqlite_utils.Database, raw: Any, settings: Settings, bad: list[str], cause: str) -> Settings:
    """Keep the unreadable settings aside, store what could be read, leave a notice."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    with write_transaction(db) as conn:
        current = conn.execute("SELECT value FROM settings WHERE key = ?", (_KEY,)).fetchone()
        if current is None or current[0] != raw:
            return settings   # another process has just dealt with it
        key, n = _BAD_PREFIX + stamp, 1
        while conn.execute("SELECT 1 FROM settings WHERE key = ?", (key,)).fetchone():
            n += 1
            key = f"{_BAD_PREFIX}{stamp}-{n}"
        conn.execute("INSERT INTO settings (key, value) VALUES (?, ?)", (key, raw))
        conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (_KEY, _dumps(settings)))
        name = f"{key}.json"
        if bad:
            notice = (f"Some of your settings could not be read ({', '.join(bad)}), so Lectern uses their defaults. "
                      f"The old settings were kept as {name} in your data folder.")
        else:
            notice = ("Your settings could not be read, so Lectern started with its default settings. "
                      f"The old settings were kept as {name} in your data folder.")
        conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (_NOTICE_KEY, notice))
    folder = _db_folder(db)
    if folder is not None:   # a readable copy beside app.db (the row above is the one that cannot fail)
        try:
            (folder / name).write_text(raw if isinstance(raw, str) else repr(raw), encoding="utf-8")
        except OSError as exc:
            log.warning("could not write %s: %s", folder / name, exc)
    log.warning("settings were %s; kept them as %r and started with defaults for them", cause, key)
    return settings


def pending_notice(db: sqlite_utils.Database) -> str:
    """A message for the student about their settings ("" when there is none)."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", (_NOTICE_KEY,)).fetchone()
    return row[0] if row else ""


def dismiss_notice(db: sqlite_utils.Database) -> None:
    """The student has seen the notice."""
    db.execute("DELETE FROM settings WHERE key = ?", (_NOTICE_KEY,))


def _dumps(settings: Settings) -> str:
    data = asdict(settings)
    data["extra_models"] = list(settings.extra_models)
    return json.dumps(data)


def save(db: sqlite_utils.Database, settings: Settings) -> None:
    db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (_KEY, _dumps(settings)))


def update(db: sqlite_utils.Database, **changes: Any) -> Settings:
    s = load(db)
    for k, v in changes.items():
        if not hasattr(s, k):
            raise AttributeError(f"unknown setting {k}")
        setattr(s, k, v)
    save(db, s)
    return s
