"""What the window needs to know about sync cheaply (without loading the S3 client): the job
kinds, whether sync is on, how often it runs by itself, and when the next one is due."""
from __future__ import annotations

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
