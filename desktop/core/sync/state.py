"""What the window needs to know about sync cheaply (without loading the S3 client): the job
kinds, whether sync is on, how often it runs by itself, when the next one is due, and the
deletions a sync held back that still wait for the student's answer."""
from __future__ import annotations

import json
import time
from typing import Any

import sqlite_utils

from .. import jobs
from ..storage import settings as settings_store

JOB_KIND = "sync_storage"          # one sync
CLOUD_JOB_KIND = "sync_cloud"      # one operation of the cloud view
JOB_TARGET = "sync"                # both on one target: never two at once
INTERVALS = (0, 15 * 60, 60 * 60, 4 * 60 * 60)      # automatic sync: off, 15 min, 1 h, 4 h
RETRY_FIRST_S = 60.0               # after a failed sync (offline, server down): 1, 2, 4... minutes


def is_set_up(db: sqlite_utils.Database) -> bool:
    """A bucket is chosen and sync is turned on."""
    s = settings_store.load(db)
    return bool(s.sync_bucket) and s.sync_enabled


def interval(db: sqlite_utils.Database) -> int:
    """Seconds between automatic syncs (0: only on demand, or sync is off)."""
    s = settings_store.load(db)
    return s.sync_interval_s if s.sync_bucket and s.sync_enabled else 0


def next_sync_at(db: Any, interval_s: float, now: float | None = None) -> float | None:
    """When an automatic sync is due (epoch seconds), for the window's interval timer.

    None when syncing only on demand (``interval_s`` 0); infinity while one is queued or
    running. After failures it retries sooner than the interval, backing off (1, 2, 4...
    minutes, never later than the interval), so an offline laptop catches up soon after it
    is back without knocking every few seconds."""
    if interval_s <= 0:
        return None
    now = time.time() if now is None else now
    recent = [j for j in jobs.list_jobs(db, limit=200) if j.kind == JOB_KIND][:20]
    if not recent:
        return now
    if not recent[0].finished:
        return float("inf")
    failures = 0
    for j in recent:
        if j.state != jobs.FAILED:
            break
        failures += 1
    last = recent[0].finished_at or now
    if failures:
        return last + min(interval_s, RETRY_FIRST_S * 2 ** (failures - 1))
    return last + interval_s


def target_of(endpoint: str, bucket: str, user: str) -> str:
    """Names a bucket (and a user in it) in the manifest and in the held question."""
    return f"{endpoint.rstrip('/') or 's3'}|{bucket}|{user}"


def current_target(db: sqlite_utils.Database) -> str | None:
    """The target sync is set up for (None while it is off)."""
    s = settings_store.load(db)
    return target_of(s.sync_endpoint, s.sync_bucket, s.sync_user) if s.sync_bucket and s.sync_enabled else None


# -- deletions waiting for the student's answer -----------------------------------------------------------
# Kept in the app's key-value rows (the settings table), so the question outlives a failed
# sync, a quit window and a restart, and the window and ``lectern sync`` see the same one.
HELD_KEY = "sync.held"


def remember_held(db: sqlite_utils.Database, target: str, held: list[dict[str, Any]], remote_files: int,
                  synced_files: int) -> None:
    """What the latest sync of ``target`` held back (nothing: the question is answered or moot)."""
    if not held:
        db.execute("DELETE FROM settings WHERE key=?", (HELD_KEY,))
        return
    record = {"target": target, "held": held, "remote_files": int(remote_files), "synced_files": int(synced_files),
              "asked_at": time.time()}
    db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?,?)", (HELD_KEY, json.dumps(record)))


def held_record(db: sqlite_utils.Database, target: str | None = None) -> dict[str, Any] | None:
    """The deletions still waiting for an answer, for ``target`` (default: the bucket sync is set
    up for now; the question of another bucket does not count), in a sync result's shape."""
    target = current_target(db) if target is None else target
    row = db.execute("SELECT value FROM settings WHERE key=?", (HELD_KEY,)).fetchone()
    if row is None or target is None:
        return None
    try:
        record = json.loads(row[0])
    except ValueError:
        return None
    if not isinstance(record, dict) or record.get("target") != target or not record.get("held"):
        return None
    return record


def answered(db: sqlite_utils.Database, target: str, keys: list[str]) -> None:
    """The student answered for these keys (kept them): they no longer wait."""
    record = held_record(db, target)
    if record is None:
        return
    left = [a for a in record["held"] if a.get("key") not in set(keys)]
    remember_held(db, target, left, record.get("remote_files", 0), record.get("synced_files", 0))
