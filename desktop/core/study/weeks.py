"""ISO weeks of a subject's lectures: '2026-W48' read and shown, its days in the student's
local time, and the lectures of a subject recorded in it (by id, in the order they were recorded).

A lecture belongs to the week its recording was made in (``recordings.created_at``).
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlite_utils

from .. import catalog
from ..errors import StudyError

_WEEK = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)
# How far back the Study pane offers weeks (a year of a subject is plenty to choose from).
MAX_WEEKS_BACK = 60


@dataclass(frozen=True, order=True)
class Week:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> "Week":
        """'2026-W48' (or '2026W48', '2026-w48') -> Week(2026, 48); StudyError for anything else."""
        m = _WEEK.match(text or "")
        if not m:
            raise StudyError(f"'{text}' is not a week.", "Write it as an ISO week, like 2026-W48.")
        year, number = int(m.group(1)), int(m.group(2))
        try:
            date.fromisocalendar(year, number, 1)
        except ValueError:
            raise StudyError(f"{year} has no week {number}.", "ISO weeks run from W01 to W52 (W53 in some years).") \
                from None
        return cls(year, number)

    @classmethod
    def of(cls, timestamp: float) -> "Week":
        """The week a moment falls in, in local time."""
        iso = datetime.fromtimestamp(timestamp).isocalendar()
        return cls(iso[0], iso[1])

    @classmethod
    def this(cls) -> "Week":
        return cls.of(time.time())

    def __str__(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def start(self) -> float:
        """Monday 00:00 local time, as a timestamp."""
        return datetime.combine(self.monday, datetime.min.time()).timestamp()

    @property
    def end(self) -> float:
        """The next Monday 00:00 local time (the week is start <= t < end)."""
        return datetime.combine(self.monday + timedelta(days=7), datetime.min.time()).timestamp()

    def previous(self) -> "Week":
        iso = (self.monday - timedelta(days=7)).isocalendar()
        return Week(iso[0], iso[1])

    @property
    def days(self) -> str:
        """'23–29 Nov 2026', '30 Nov – 6 Dec 2026', '29 Dec 2025 – 4 Jan 2026'."""
        first, last = self.monday, self.monday + timedelta(days=6)
        if first.year != last.year:
            return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"
        if first.month != last.month:
            return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
        return f"{first.day}–{last.day} {last:%b %Y}"

    @property
    def label(self) -> str:
        """'week 48 (23–29 Nov 2026)'."""
        return f"week {self.number} ({self.days})"


def lectures(db: sqlite_utils.Database, subject_id: int, week: Week) -> list[catalog.Document]:
    """The subject's lectures (anywhere under it) recorded in ``week``, oldest first."""
    docs = {d.id: d for d in catalog.documents_under(db, subject_id) if d.kind == "lecture" and d.recording_id}
    if not docs:
        return []
    marks = ",".join("?" * len(docs))
    rows = db.execute(f"SELECT d.id FROM documents d JOIN recordings r ON r.id = d.recording_id"
                      f" WHERE d.id IN ({marks}) AND r.created_at >= ? AND r.created_at < ?"
                      f" ORDER BY r.created_at, d.id", [*docs, week.start, week.end]).fetchall()
    return [docs[int(r[0])] for r in rows]


def lecture_counts(db: sqlite_utils.Database, subject_id: int) -> dict[Week, int]:
    """How many of the subject's lectures each week holds (weeks with none are left out)."""
    ids = [d.recording_id for d in catalog.documents_under(db, subject_id) if d.kind == "lecture" and d.recording_id]
    counts: dict[Week, int] = {}
    if not ids:
        return counts
    for (created,) in db.execute(f"SELECT created_at FROM recordings WHERE id IN ({','.join('?' * len(ids))})",
                                 ids).fetchall():
        week = Week.of(float(created))
        counts[week] = counts.get(week, 0) + 1
    return counts


def recent_weeks(db: sqlite_utils.Database, subject_id: int, now: Week | None = None) -> list[tuple[Week, int]]:
    """This week, then every earlier week back to the subject's first lecture (at most
    ``MAX_WEEKS_BACK``), newest first, each with its number of lectures (0 for none). A week
    after this one that has lectures (a clock put forward) comes first."""
    now = now or Week.this()
    counts = lecture_counts(db, subject_id)
    first = min(counts, default=now)
    out = [(w, n) for w, n in sorted(counts.items(), reverse=True) if w > now]
    week = now
    while len(out) < MAX_WEEKS_BACK and week >= first:
        out.append((week, counts.get(week, 0)))
        week = week.previous()
    return out
