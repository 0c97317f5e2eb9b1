"""Study statistics from what Lectern already holds: hours recorded and transcribed, pages and
lectures indexed, questions asked, cards reviewed, due and mature; per subject, per week,
and the streak of days studied. Read-only; nothing leaves the machine.
"""
from __future__ import annotations

import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import sqlite_utils

from .review import MATURE_DAYS, interval_of
from .store import ACTIVE, DRAFT

UNFILED = "(no subject)"


def subject_ids(db: sqlite_utils.Database) -> dict[int, int]:
    """node id -> the id of the subject it is in (semester nodes map to nothing)."""
    nodes = {r["id"]: r for r in db.query("SELECT id, parent_id, level FROM nodes")}
    out: dict[int, int] = {}
    for node_id in nodes:
        current: int | None = node_id
        while current is not None and current in nodes:
            if nodes[current]["level"] == "subject":
                out[node_id] = current
                break
            current = nodes[current]["parent_id"]
    return out


def _subjects(db: sqlite_utils.Database) -> dict[int, str]:
    """node id -> the name of the subject it is in."""
    names = {r["id"]: r["name"] for r in db.query("SELECT id, name FROM nodes WHERE level = 'subject'")}
    return {node: names[subject] for node, subject in subject_ids(db).items()}


def _week(ts: float) -> str:
    year, week, _ = datetime.fromtimestamp(ts).isocalendar()
    return f"{year}-W{week:02d}"


def streak(days: set[date], today: date) -> int:
    """Days in a row with some study, ending today (or yesterday: today is not over yet)."""
    day = today if today in days else today - timedelta(days=1)
    n = 0
    while day in days:
        n += 1
        day -= timedelta(days=1)
    return n


def collect(db: sqlite_utils.Database, now: float | None = None) -> dict[str, Any]:
    now = time.time() if now is None else now
    subject_of = _subjects(db)
    per_subject: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    per_week: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    active_days: set[date] = set()

    recorded = transcribed = 0.0
    for r in db.query("SELECT r.node_id, r.duration_s, r.created_at, EXISTS (SELECT 1 FROM segments s"
                      " WHERE s.recording_id = r.id) AS has_text FROM recordings r"):
        hours = float(r["duration_s"] or 0) / 3600
        subject = subject_of.get(r["node_id"], UNFILED)
        recorded += hours
        per_subject[subject]["hours_recorded"] += hours
        per_week[_week(r["created_at"])]["hours_recorded"] += hours
        active_days.add(datetime.fromtimestamp(r["created_at"]).date())
        if r["has_text"]:
            transcribed += hours
            per_subject[subject]["hours_transcribed"] += hours

    pages = lectures = 0
    for r in db.query("SELECT d.node_id, d.kind, count(DISTINCT c.page) AS pages FROM documents d"
                      " JOIN chunks c ON c.document_id = d.id GROUP BY d.id"):
        subject = subject_of.get(r["node_id"], UNFILED)
        if r["kind"] == "lecture":
            lectures += 1
            per_subject[subject]["lectures_indexed"] += 1
        else:
            pages += r["pages"]
            per_subject[subject]["pages_indexed"] += r["pages"]

    questions = 0
    for r in db.query("SELECT created_at FROM messages WHERE role = 'user'"):
        questions += 1
        per_week[_week(r["created_at"])]["questions_asked"] += 1
        active_days.add(datetime.fromtimestamp(r["created_at"]).date())

    reviews = 0
    for r in db.query("SELECT v.reviewed_at, d.node_id FROM reviews v JOIN cards c ON c.id = v.card_id"
                      " LEFT JOIN documents d ON d.id = c.document_id"):
        reviews += 1
        per_subject[subject_of.get(r["node_id"], UNFILED)]["cards_reviewed"] += 1
        per_week[_week(r["reviewed_at"])]["cards_reviewed"] += 1
        active_days.add(datetime.fromtimestamp(r["reviewed_at"]).date())

    cards = {"active": 0, "drafts": 0, "due": 0, "mature": 0}
    for r in db.query("SELECT c.status, c.due, c.fsrs, d.node_id FROM cards c"
                      " LEFT JOIN documents d ON d.id = c.document_id WHERE c.status IN (?, ?)", [ACTIVE, DRAFT]):
        if r["status"] == DRAFT:
            cards["drafts"] += 1
            continue
        subject = per_subject[subject_of.get(r["node_id"], UNFILED)]
        cards["active"] += 1
        subject["cards"] += 1
        if r["due"] is not None and r["due"] <= now:
            cards["due"] += 1
            subject["cards_due"] += 1
        if interval_of(r["fsrs"], r["due"]) >= MATURE_DAYS:
            cards["mature"] += 1
            subject["cards_mature"] += 1

    return {
        "hours_recorded": round(recorded, 2), "hours_transcribed": round(transcribed, 2),
        "pages_indexed": pages, "lectures_indexed": lectures, "questions_asked": questions,
        "cards_reviewed": reviews, "cards_due": cards["due"], "cards_mature": cards["mature"],
        "cards_active": cards["active"], "cards_draft": cards["drafts"],
        "streak_days": streak(active_days, datetime.fromtimestamp(now).date()),
        "per_subject": {k: _rounded(v) for k, v in sorted(per_subject.items())},
        "per_week": {k: _rounded(v) for k, v in sorted(per_week.items())},
    }


def _rounded(d: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 2) if isinstance(v, float) and not v.is_integer() else int(v) for k, v in sorted(d.items())}
