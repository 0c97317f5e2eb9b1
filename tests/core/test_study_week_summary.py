"""A subject's week: the lectures of one subject recorded in one ISO week (with the student's
notes) summarised in parts and merged by the real tiny model in a real job; each key point
cites its lecture and second. Also the week itself, and the summaries table's migration 12."""
from __future__ import annotations

import sqlite3
import time
from datetime import datetime

import pytest

from desktop.core import catalog, jobs, lectures
from desktop.core.errors import StudyError
from desktop.core.runtime.services import JobsForTheNextWorker
from desktop.core.storage import db as dbmod
from desktop.core.study import cards_from, grounding, material, overview, store, summaries
from desktop.core.study.weeks import Week, lectures as week_lectures, recent_weeks
from desktop.core.study.writer import open_writer
from desktop.workers.queue import execute_job
from tests.pdfs import TOPICS

TINY = "smollm2-135m"
W48 = Week(2026, 48)        # Monday 23 – Sunday 29 November 2026


def lecture_on(db, when: datetime, title: str, topics: list[int], subject: str = "Biology",
               semester: str = "Fall 2026") -> int:
    """A transcribed lecture recorded at ``when`` (local time): one 40 s segment per sentence of each topic."""
    node = catalog.ensure_path(db, semester, subject)
    said = [s.strip().rstrip(".") + "." for i in topics for s in TOPICS[i][1].split(". ")]
    rec = int(db.execute("INSERT INTO recordings (title, node_id, path, state, duration_s, created_at)"
                         " VALUES (?,?,?,?,?,?)", (title, node, f"recordings/{title}.wav", "ready", 40.0 * len(said),
                                                   when.timestamp())).lastrowid)
    for i, text in enumerate(said):
        db.execute("INSERT INTO segments (recording_id, idx, start_s, end_s, text) VALUES (?,?,?,?,?)",
                   (rec, i, 40.0 * i, 40.0 * i + 38.0, text))
    doc = catalog.add_document(db, node, "lecture", title, f"{rec}.wav", f"recordings/{title}.wav",
                               f"sha-{title}", 1000, recording_id=rec, state="ready")
    db.execute("UPDATE recordings SET document_id = ? WHERE id = ?", (doc, rec))
    return doc


@pytest.fixture
def week(db) -> dict[str, int]:
    """Biology: two lectures in week 48 (one with a note), one the week before; Chemistry one in week 48."""
    made = {"tuesday": lecture_on(db, datetime(2026, 11, 24, 10, 15), "Biology, Tuesday", [0, 1]),
            "thursday": lecture_on(db, datetime(2026, 11, 26, 14, 0), "Biology, Thursday", [2, 4]),
            "earlier": lecture_on(db, datetime(2026, 11, 20, 9, 0), "Biology, week 47", [3]),
            "chemistry": lecture_on(db, datetime(2026, 11, 25, 9, 0), "Chemistry, Wednesday", [5],
                                    subject="Chemistry")}
    rec = catalog.get_document(db, made["thursday"]).recording_id
    made["note"] = lectures.add_note(db, rec, 85.0, "Rubisco fixes carbon dioxide in the Calvin cycle.").id
    made["subject"] = catalog.get_document(db, made["tuesday"]).node_id
    return made


def test_a_week_is_read_and_shown_in_iso_weeks():
    assert Week.parse("2026-W48") == W48 == Week.parse(" 2026w48 ")
    assert W48.monday.isoformat() == "2026-11-23" and str(W48) == "2026-W48"
    assert W48.days == "23–29 Nov 2026" and Week(2026, 49).days == "30 Nov – 6 Dec 2026"
    assert Week(2026, 1).days == "29 Dec 2025 – 4 Jan 2026" and Week(2026, 1).previous() == Week(2025, 52)
    assert Week.of(datetime(2026, 11, 29, 23, 59).timestamp()) == W48
    assert Week.of(datetime(2026, 11, 30, 0, 0).timestamp()) == Week(2026, 49)
    assert W48.end - W48.start >= 7 * 86400 - 3600
    for bad, words in (("2026-W54", "has no week 54"), ("next week", "not a week"), ("", "not a week")):
        with pytest.raises(StudyError, match=words):
            Week.parse(bad)


def test_a_subjects_week_is_its_lectures_of_that_week_with_the_students_notes(db, week):
    assert [d.id for d in week_lectures(db, week["subject"], W48)] == [week["tuesday"], week["thursday"]]
    pieces = material.load_week(db, week["subject"], W48)
    assert [p.document_id for p in pieces] == sorted(p.document_id for p in pieces), "lecture after lecture"
    assert {p.document_id for p in pieces} == {week["tuesday"], week["thursday"]}
    thursday = [p for p in pieces if p.document_id == week["thursday"]]
    assert [p.start_s for p in thursday] == sorted(p.start_s for p in thursday)
    note = next(i for i, p in enumerate(thursday) if p.text.startswith("Rubisco fixes"))
    assert thursday[note].start_s == 85.0 and thursday[note - 1].start_s == 80.0, "the note sits at its second"
    # One lecture per part: its points come from that lecture.
    assert all(len({p.document_id for p in part}) == 1 for part in material.windows(pieces, 200))

    counts = dict(recent_weeks(db, week["subject"], now=Week(2026, 49)))
    assert counts == {Week(2026, 49): 0, W48: 2, Week(2026, 47): 1}
    with pytest.raises(StudyError, match=r"no lectures of Biology in week 46 \(9–15 Nov 2026\)"):
        material.load_week(db, week["subject"], Week(2026, 46))
    with pytest.raises(StudyError, match="not a subject"):
        material.load_week(db, catalog.get_node(db, week["subject"]).parent_id, W48)
    with pytest.raises(StudyError, match="no subject 999"):
        summaries.submit_week(db, JobsForTheNextWorker(db), 999, W48)


def test_a_week_is_summarised_in_parts_and_merged_each_point_citing_its_lecture_and_second(paths, db, week,
                                                                                         monkeypatch):
    monkeypatch.setattr(summaries, "WINDOW_CHARS", 300)   # parts of two or three sentences: several a lecture
    monkeypatch.setattr(summaries, "MAX_POINTS", 3)       # fewer points than the parts give: merges must run
    job_id = summaries.submit_week(db, JobsForTheNextWorker(db), week["subject"], W48, model=TINY)
    assert execute_job(paths, job_id) == jobs.DONE, jobs.get_job(db, job_id).error
    job = jobs.get_job(db, job_id)
    assert job.result["lectures"] == 2 and job.result["parts"] >= 4 and job.result["reduce_rounds"] >= 1, job.result
    summary = summaries.latest_week(db, week["subject"], W48)
    assert summary is not None and summary.id == job.result["summary_id"] and summary.document_id is None
    assert summary.week == W48 and summary.subject_id == week["subject"]
    texts = {(p.document_id, p.start_s): p.text for p in material.load_week(db, week["subject"], W48)}
    for p in summary.points:
        assert p.document_id in (week["tuesday"], week["thursday"]) and p.page is None
        assert (p.document_id, p.start_s) in texts, "it cites a second of that lecture"
        assert p.support >= grounding.SUPPORT_THRESHOLD
    assert summaries.latest(db, week["tuesday"]) is None, "a week's summary is not a lecture's"

    md = summaries.to_markdown(db, summary)
    assert md.startswith("# Biology — week 48 (23–29 Nov 2026)")
    assert md.count("lectern://document/") == len(summary.points)
    for p in summary.points:
        assert f"{catalog.get_document(db, p.document_id).title}, " in md
    assert summary.as_dict()["week"] == "2026-W48" and set(summary.as_dict()["lectures"]) <= {week["tuesday"],
                                                                                              week["thursday"]}
    rows = overview.summary_rows(db, week["subject"])
    assert [r.id for r in rows] == [summary.id] and rows[0].label == "Week 48, 23–29 Nov 2026"
    assert overview.summary_rows(db, catalog.get_document(db, week["chemistry"]).node_id) == []

    _deck, ids = cards_from.summary_cards(db, summary.id)
    for card_id in ids:
        card = store.get_card(db, card_id)
        assert store.get_deck(db, card.deck_id).name == catalog.get_document(db, card.document_id).title, \
            "a week's card goes to the deck of the lecture it cites"


def test_the_progress_of_a_week_says_whose_lecture_is_read(db, week):
    stages: list[str] = []
    summary, stats = summaries.summarise_week(db, open_writer(db, TINY), week["subject"], W48,
                                              progress=lambda _f, stage: stages.append(stage))
    assert stages[:2] == ["Reading part 1 of 2 (Biology, Tuesday)", "Reading part 2 of 2 (Biology, Thursday)"]
    assert stats["lectures"] == 2 and summary.week == W48


def test_summaries_made_before_migration_12_are_kept_and_a_week_needs_its_subject(paths, monkeypatch):
    monkeypatch.setattr(dbmod, "MIGRATIONS", dbmod.MIGRATIONS[:11])
    old = dbmod.open_db(paths.db)
    old.execute("INSERT INTO summaries (id, document_id, page_from, page_to, points, grounded_share, model, job_id,"
                " created_at) VALUES (7, 3, 2, 4, ?, 0.9, 'qwen', NULL, ?)",
                ('[{"text": "Mitochondria make ATP.", "document_id": 3, "page": 2, "start_s": null, '
                 '"support": 1.0}]', time.time()))
    monkeypatch.undo()
    assert dbmod.migrate(old) == len(dbmod.MIGRATIONS) == 12
    assert dbmod.backup_file(paths.db, 11).exists()
    kept = summaries.get_summary(old, 7)
    assert (kept.document_id, kept.pages, kept.week, kept.points[0].page) == (3, (2, 4), None, 2)
    assert summaries.latest(old, 3).id == 7
    with pytest.raises(sqlite3.IntegrityError):
        old.execute("INSERT INTO summaries (points, created_at) VALUES ('[]', 0)")
