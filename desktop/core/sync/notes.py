"""A lecture's notes in the bucket: the student's timestamped notes (``lecture_notes``) as one
small file beside the lecture's audio, ``<audio key>.notes.json``.

It is planned like any file (same planner, same manifest); when both sides changed it since
the last agreement, the two versions are merged note by note against the agreed one (whose
bytes the manifest keeps): a note changed on one side takes that side's text, a note deleted
on one side goes only if the other did not change it, and a note whose text changed on both
sides keeps both texts. A note is known on every computer by its moment in the lecture
(``at_s``, set when it is made and never changed).
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import sqlite_utils

from ..errors import SyncError
from ..jobs import JobStarter
from ..lectures import INDEX_JOB, job_target
from ..storage.db import write_transaction
from .plan import conflict_suffix

SUFFIX = ".notes.json"
Moment = tuple[float, int]          # (at_s to the millisecond, n-th note at that moment)


def is_notes(key: str) -> bool:
    return key.endswith(SUFFIX)


def audio_key_of(notes_key: str) -> str:
    return notes_key[:-len(SUFFIX)]


def _rows(conn: Any, recording_id: int) -> list[tuple[int, float, str]]:
    return [(int(r[0]), float(r[1]), r[2]) for r in conn.execute(
        "SELECT id, at_s, text FROM lecture_notes WHERE recording_id=? AND text <> '' ORDER BY at_s, id",
        (recording_id,)).fetchall()]


def _file(notes: Iterable[tuple[float, str]], lecture_sha256: str) -> bytes:
    """One byte-exact form, so the same notes have the same sha256 on every computer. The
    lecture's audio sha256 makes each lecture's file its own (two lectures without notes
    must never look like one file moved)."""
    data = {"version": 1, "lecture": lecture_sha256,
            "notes": [{"at_s": at, "text": text} for at, text in notes]}
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def notes_bytes(db: sqlite_utils.Database, recording_id: int, lecture_sha256: str) -> bytes:
    return _file([(at, text) for _id, at, text in _rows(db.conn, recording_id)], lecture_sha256)


def all_notes(db: sqlite_utils.Database) -> dict[int, int]:
    """How many notes each lecture (recording id) has."""
    return {int(r[0]): int(r[1]) for r in db.execute(
        "SELECT recording_id, count(*) FROM lecture_notes WHERE text <> '' GROUP BY recording_id").fetchall()}


def read_notes(path: Path) -> list[tuple[float, str]]:
    """A notes file from the bucket, checked before anything of it is stored."""
    return parse(path.read_bytes())


def parse(data: bytes) -> list[tuple[float, str]]:
    try:
        notes = json.loads(data.decode("utf-8"))["notes"]
        if not isinstance(notes, list) or not all(
                isinstance(n, dict) and isinstance(n.get("text"), str) and isinstance(n.get("at_s"), (int, float))
                and not isinstance(n.get("at_s"), bool) and n["at_s"] >= 0 for n in notes):
            raise ValueError("unexpected fields")
    except (ValueError, KeyError, TypeError) as exc:
        raise SyncError(f"A lecture's notes file in the bucket could not be read ({exc}); it was not used.") from exc
    return [(float(n["at_s"]), n["text"]) for n in notes if n["text"]]


def _by_moment(notes: Iterable[tuple[float, str]]) -> dict[Moment, tuple[float, str]]:
    out: dict[Moment, tuple[float, str]] = {}
    for at, text in notes:
        moment = round(at, 3)
        n = 0
        while (moment, n) in out:       # two notes at one moment: told apart by their order
            n += 1
        out[(moment, n)] = (at, text)
    return out


def merge(base: list[tuple[float, str]] | None, mine: list[tuple[float, str]], theirs: list[tuple[float, str]],
          machine: str, day: str) -> list[tuple[float, str]]:
    """Three-way merge, note by note. ``base`` is the last agreed version (None when it is not
    known: then nothing counts as deleted, every note of either side is kept)."""
    b, m, t = _by_moment(base or []), _by_moment(mine), _by_moment(theirs)
    out: list[tuple[float, str]] = []
    for moment in sorted(set(m) | set(t)):
        here, there, agreed = m.get(moment), t.get(moment), b.get(moment)
        texts = [x[1] if x else None for x in (here, there, agreed)]
        if texts[0] == texts[1] or texts[1] == texts[2]:     # the same, or unchanged there: this side's
            kept = here
        elif texts[0] == texts[2] or here is None:           # unchanged here (or deleted here, edited there)
            kept = there
        elif there is None:                                  # deleted there, edited here: the edit stays
            kept = here
        else:                                                # typed on both sides: both texts stay
            kept = (here[0], f"{there[1]}\n\n{here[1]}{conflict_suffix(machine, day)}")
        if kept is not None:
            out.append(kept)
    return out


def store(db: sqlite_utils.Database, recording_id: int, base: list[tuple[float, str]] | None,
          theirs: list[tuple[float, str]], lecture_sha256: str, machine: str, day: str,
          starter: JobStarter | None) -> bytes:
    """Merge the bucket's notes into this lecture's and store the result, in one transaction
    (a note typed meanwhile is read inside it, so it is never overwritten). Notes keep their
    ids; only changed rows are touched. Returns the notes' file as it now is here."""
    with write_transaction(db) as conn:
        rows = _rows(conn, recording_id)
        merged = merge(base, [(at, text) for _id, at, text in rows], theirs, machine, day)
        now = _by_moment((at, text) for _id, at, text in rows)
        ids = dict(zip(now, (row_id for row_id, _at, _text in rows)))       # both in the rows' order
        want = _by_moment(merged)
        changed = False
        for moment in set(now) | set(want):
            if moment not in want:
                conn.execute("DELETE FROM lecture_notes WHERE id=?", (ids[moment],))
            elif moment not in now:
                conn.execute("INSERT INTO lecture_notes (recording_id, at_s, text, updated_at) VALUES (?,?,?,?)",
                             (recording_id, want[moment][0], want[moment][1], time.time()))
            elif want[moment][1] != now[moment][1]:
                conn.execute("UPDATE lecture_notes SET text=?, updated_at=? WHERE id=?",
                             (want[moment][1], time.time(), ids[moment]))
            else:
                continue
            changed = True
        state = conn.execute("SELECT state FROM recordings WHERE id=?", (recording_id,)).fetchone()
    if changed and starter is not None and state is not None and state[0] == "transcribed":
        # Search and chat find notes with the lecture's passages (a transcription under way
        # indexes them when it ends).
        title = db.execute("SELECT title FROM recordings WHERE id=?", (recording_id,)).fetchone()[0]
        starter.submit(INDEX_JOB, {"recording_id": recording_id}, target=job_target(recording_id),
                       title=f"Index “{title}”")
    return _file(merged, lecture_sha256)
