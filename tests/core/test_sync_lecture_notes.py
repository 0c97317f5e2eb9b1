"""The student's notes in a lecture through the bucket (moto on loopback, real SQLite): they
reach the other computer with the lecture, an edit follows, an edit on both sides keeps both
texts, and a deletion reaches the other side only for a note both had agreed on."""
from __future__ import annotations

import pytest

from desktop.core import jobs
from desktop.core.lectures import add_note, notes, save_note
from desktop.core.sync import SyncConfig, cloud, manifest
from desktop.core.sync.notes import merge
from tests.core.test_sync_lectures import Computer, transcribed_lecture
from tests.s3 import s3_env, s3_server  # noqa: F401  (fixtures)

AUDIO = "users/ana/lectures/Fall 2026/Biology/Lectures/Lecture 1.wav"
NOTES = AUDIO + ".notes.json"


@pytest.fixture
def two(tmp_path, s3_server, s3_env):  # noqa: F811
    config = SyncConfig(s3_server.new_bucket(), "ana", s3_server.url, "us-east-1")
    return Computer(tmp_path / "A", config), Computer(tmp_path / "B", config), s3_server, config.bucket


def noted(c: Computer) -> list[tuple[float, str]]:
    return [(n.at_s, n.text) for n in notes(c.db, c.lecture()["id"])]


def note_id(c: Computer, at_s: float) -> int:
    return next(n.id for n in notes(c.db, c.lecture()["id"]) if n.at_s == at_s)


def index_jobs(c: Computer) -> int:
    return sum(1 for j in jobs.list_jobs(c.db) if j.kind == "index_lecture")


def test_notes_reach_the_other_computer_and_an_edit_follows(two, tmp_path):
    a, b, server, bucket = two
    rec = transcribed_lecture(a, tmp_path)
    add_note(a.db, rec, 0.4, "Chloroplasts: look at the diagram on slide 3")
    add_note(a.db, rec, 2.25, "Exam question!")
    assert a.sync() == {"upload": 3}
    listed = sorted(o["Key"] for o in server.client().list_objects_v2(Bucket=bucket)["Contents"])
    assert listed == [AUDIO, AUDIO + ".lecture.json", NOTES]

    assert b.sync() == {"download": 3}
    assert noted(b) == noted(a) == [(0.4, "Chloroplasts: look at the diagram on slide 3"), (2.25, "Exam question!")]
    assert a.sync() == {} and b.sync() == {}                # the same notes have the same bytes on both

    # The cloud view shows the lecture once; `lectern sync ls` shows its notes file too.
    assert [e.key for e in cloud.listing(b.db, b.paths, b.config)] == [AUDIO]
    every = cloud.listing(b.db, b.paths, b.config, prefix="lectures/", every_key=True)
    assert {e.key: (e.state, e.synced) for e in every}[NOTES] == ("both", True)

    # An edit on A later reaches B, in the same note (its id stays), and B indexes it again.
    kept_id = note_id(b, 2.25)
    indexed = index_jobs(b)
    save_note(a.db, note_id(a, 2.25), "Exam question: the Calvin cycle")
    assert a.sync() == {"upload": 1}
    assert b.sync() == {"update_local": 1}
    assert noted(b) == [(0.4, "Chloroplasts: look at the diagram on slide 3"), (2.25, "Exam question: the Calvin cycle")]
    assert note_id(b, 2.25) == kept_id
    assert index_jobs(b) == indexed + 1


def test_a_note_edited_on_both_sides_keeps_both_texts(two, tmp_path):
    a, b, server, bucket = two
    rec = transcribed_lecture(a, tmp_path)
    add_note(a.db, rec, 1.5, "Light reactions")
    a.sync()
    b.sync()
    save_note(a.db, note_id(a, 1.5), "Light reactions: in the thylakoids")
    save_note(b.db, note_id(b, 1.5), "Light reactions need water")
    add_note(b.db, b.lecture()["id"], 2.5, "Ask about RuBisCO")
    assert a.sync() == {"upload": 1}
    assert b.sync() == {"merge": 1}
    assert a.sync() == {"update_local": 1}
    assert noted(a) == noted(b)
    [(at, both), last] = noted(b)
    assert at == 1.5 and "Light reactions: in the thylakoids" in both and "Light reactions need water" in both
    assert "conflict from" in both
    assert last == (2.5, "Ask about RuBisCO")
    assert a.sync() == {} and b.sync() == {}


def test_a_deleted_note_goes_on_the_other_side_only_once_it_was_synced(two, tmp_path):
    a, b, server, bucket = two
    rec = transcribed_lecture(a, tmp_path)
    for at, text in ((0.5, "first"), (1.5, "second"), (2.5, "third")):
        add_note(a.db, rec, at, text)
    a.sync()
    b.sync()
    # A deletes a note both had; B meanwhile writes one A never saw, and edits another.
    assert save_note(a.db, note_id(a, 1.5), "") is None
    add_note(b.db, b.lecture()["id"], 1.75, "typed on B, never synced")
    save_note(b.db, note_id(b, 2.5), "third, edited on B")
    assert a.sync() == {"upload": 1}
    assert b.sync() == {"merge": 1}
    expected = [(0.5, "first"), (1.75, "typed on B, never synced"), (2.5, "third, edited on B")]
    assert noted(b) == expected
    assert a.sync() == {"update_local": 1}
    assert noted(a) == expected

    # A note deleted on one side and edited on the other is kept (the edit wins over the deletion).
    save_note(a.db, note_id(a, 0.5), "")
    save_note(b.db, note_id(b, 0.5), "first, and more")
    assert a.sync() == {"upload": 1}
    assert b.sync() == {"merge": 1}
    assert (0.5, "first, and more") in noted(b)

    # Every note deleted: the file stays (with none), so the other side loses them too.
    a.sync()
    for n in notes(a.db, rec):
        save_note(a.db, n.id, "")
    assert a.sync() == {"upload": 1}
    assert b.sync() == {"update_local": 1}
    assert noted(b) == [] and noted(a) == []
    assert a.sync() == {} and b.sync() == {}


def test_without_the_agreed_version_nothing_is_deleted(two, tmp_path):
    a, b, server, bucket = two
    rec = transcribed_lecture(a, tmp_path)
    add_note(a.db, rec, 0.5, "first")
    add_note(a.db, rec, 1.5, "second")
    a.sync()
    b.sync()
    entry = manifest.load(b.db, b.config.target)[NOTES]
    assert manifest.agreed_content(b.db, b.config.target, entry) is not None
    b.db.execute("DELETE FROM settings WHERE key LIKE 'sync.agreed|%'")     # the kept version is lost
    save_note(a.db, note_id(a, 1.5), "")
    add_note(b.db, b.lecture()["id"], 2.5, "new on B")
    a.sync()
    assert b.sync() == {"merge": 1}
    assert noted(b) == [(0.5, "first"), (1.5, "second"), (2.5, "new on B")]     # kept: never lost


def test_merge_note_by_note():
    base = [(1.0, "a"), (2.0, "b"), (3.0, "c")]
    mine = [(1.0, "a mine"), (2.0, "b"), (4.0, "d")]          # edited 1, deleted 3, added 4
    theirs = [(1.0, "a"), (3.0, "c"), (5.0, "e")]              # deleted 2, added 5
    assert merge(base, mine, theirs, "lab", "2026-12-07") == [(1.0, "a mine"), (4.0, "d"), (5.0, "e")]
    both = merge([(1.0, "a")], [(1.0, "mine")], [(1.0, "theirs")], "lab", "2026-12-07")
    assert both == [(1.0, "theirs\n\nmine (conflict from lab 2026-12-07)")]
    assert merge(None, [(1.0, "x")], [(2.0, "y")], "lab", "d") == [(1.0, "x"), (2.0, "y")]


def test_notes_follow_a_renamed_lecture_and_go_with_a_deleted_one(two, tmp_path):
    from desktop.core import library

    a, b, server, bucket = two
    rec = transcribed_lecture(a, tmp_path)
    add_note(a.db, rec, 0.5, "first")
    add_note(a.db, rec, 1.5, "second")
    a.sync()
    b.sync()
    library.rename_document(a.db, a.lecture()["document_id"], "Photosynthesis")
    assert a.sync() == {"move_remote": 3}
    assert b.sync() == {"move_local": 3}
    moved = "users/ana/lectures/Fall 2026/Biology/Lectures/Photosynthesis.wav.notes.json"
    assert manifest.agreed_content(b.db, b.config.target, manifest.load(b.db, b.config.target)[moved]) is not None
    save_note(a.db, note_id(a, 0.5), "")                     # the agreed version moved too: deletions still go
    add_note(b.db, b.lecture()["id"], 2.5, "new on B")
    a.sync()
    assert b.sync() == {"merge": 1}
    assert noted(b) == [(1.5, "second"), (2.5, "new on B")]

    a.sync()
    library.delete_document(a.db, a.paths, a.lecture()["document_id"])
    assert a.sync(yes_delete=True) == {"delete_remote": 3}
    assert server.client().list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    assert b.sync(yes_delete=True) == {"delete_local": 1, "forget": 2}
    assert list(b.db.query("SELECT * FROM recordings")) == []
    assert b.db.execute("SELECT count(*) FROM settings WHERE key LIKE 'sync.agreed|%'").fetchone()[0] == 0


def test_a_lecture_deleted_on_a_stays_on_b_when_its_notes_changed_there_since(two, tmp_path):
    from desktop.core import library

    a, b, server, bucket = two
    rec = transcribed_lecture(a, tmp_path)
    add_note(a.db, rec, 0.5, "first")
    a.sync()
    b.sync()
    save_note(b.db, note_id(b, 0.5), "first, and what B typed since")
    library.delete_document(a.db, a.paths, a.lecture()["document_id"])
    assert a.sync(yes_delete=True) == {"delete_remote": 3}
    # Even confirmed, the deletion does not take the lecture B typed in: it is kept and sent again.
    assert b.sync(yes_delete=True) == {"upload": 2, "delete_local": 1}      # the transcript is sent next time
    assert noted(b) == [(0.5, "first, and what B typed since")]
    assert b.sync() == {"upload": 1}
    assert a.sync() == {"download": 3}
    assert noted(a) == [(0.5, "first, and what B typed since")]


def test_deleting_a_lecture_from_the_cloud_view_takes_its_notes_file_too(two, tmp_path):
    a, b, server, bucket = two
    rec = transcribed_lecture(a, tmp_path)
    add_note(a.db, rec, 0.5, "first")
    a.sync()
    result = cloud.delete(b.db, b.paths, b.config, [AUDIO])
    assert result["deleted"] == [AUDIO]
    assert server.client().list_objects_v2(Bucket=bucket)["KeyCount"] == 0
