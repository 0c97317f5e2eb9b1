"""Lectures through the bucket (moto on loopback): the audio and its transcript with the
student's corrections reach the other computer, which does not transcribe it again; a
correction on either side follows, corrections on both sides are merged; rename and
delete propagate like a book's."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from desktop.core import jobs, library
from desktop.core.catalog import file_at, file_sha256
from desktop.core.lectures import edit_segment, import_media, segments
from desktop.core.storage.config import DataPaths
from desktop.core.storage.db import open_db
from desktop.core.sync import SyncConfig, sync
from tests.s3 import s3_env, s3_server  # noqa: F401  (fixtures)

LINES = [(0.0, 1.0, "Photosynthesis happens in chloroplasts."), (1.0, 2.0, "Light reactions split water."),
         (2.0, 3.0, "The Calvin cycle fixes carbon.")]


class Starter:
    """Records follow-up jobs in the real jobs table (no worker runs them here)."""

    def __init__(self, db) -> None:
        self.db = db

    def submit(self, kind, payload=None, target="", title=""):
        return jobs.create_job(self.db, kind, payload, target=target, title=title)

    def retry(self, job_id):
        return False

    def cancel(self, job_id):
        return jobs.request_cancel(self.db, job_id)


class Computer:
    def __init__(self, root: Path, config: SyncConfig) -> None:
        self.paths = DataPaths(root).ensure()
        self.db = open_db(self.paths.db)
        self.config = config

    def sync(self, **kw) -> dict[str, int]:
        summary = sync(self.db, self.paths, self.config, starter=Starter(self.db), **kw)
        assert summary.errors == [], summary.errors
        return summary.counts

    def lecture(self):
        rows = list(self.db.query("SELECT * FROM recordings"))
        assert len(rows) == 1
        return rows[0]

    def lines(self) -> list[tuple[str, bool]]:
        return [(s.text, s.edited) for s in segments(self.db, self.lecture()["id"])]

    def correct(self, n: int, text: str) -> None:
        edit_segment(self.db, segments(self.db, self.lecture()["id"])[n].id, text)


@pytest.fixture
def two(tmp_path, s3_server, s3_env):  # noqa: F811
    config = SyncConfig(s3_server.new_bucket(), "ana", s3_server.url, "us-east-1")
    return Computer(tmp_path / "A", config), Computer(tmp_path / "B", config), s3_server, config.bucket


def transcribed_lecture(c: Computer, tmp_path: Path) -> int:
    """A lecture on computer A as the transcription job leaves it (one line corrected by the student)."""
    wav = tmp_path / "lecture.wav"
    t = np.arange(3 * 16000) / 16000
    soundfile.write(wav, (0.2 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 16000)
    book = library.ensure_path(c.db, "Fall 2026", "Biology", "Lectures")
    rec_id = import_media(c.db, c.paths, wav, book, "Lecture 1", starter=None)
    c.db.conn.executemany("INSERT INTO segments (recording_id, idx, start_s, end_s, text, edited) VALUES (?,?,?,?,?,?)",
                     [(rec_id, i, a, b, text, int(i == 1)) for i, (a, b, text) in enumerate(LINES)])
    c.db.execute("UPDATE recordings SET state='transcribed', language='en', model='base' WHERE id=?", (rec_id,))
    c.db.execute("UPDATE documents SET state='ready' WHERE recording_id=?", (rec_id,))
    return rec_id


def test_a_lecture_reaches_the_other_computer_with_its_corrections_and_is_not_transcribed_again(two, tmp_path):
    a, b, server, bucket = two
    transcribed_lecture(a, tmp_path)
    assert a.sync() == {"upload": 2}
    keys = sorted(o["Key"] for o in server.client().list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == ["users/ana/lectures/Fall 2026/Biology/Lectures/Lecture 1.wav",
                    "users/ana/lectures/Fall 2026/Biology/Lectures/Lecture 1.wav.lecture.json"]

    assert b.sync() == {"download": 2}
    rec = b.lecture()
    assert (rec["title"], rec["state"], rec["language"]) == ("Lecture 1", "transcribed", "en")
    assert b.lines() == a.lines() == [(LINES[0][2], False), (LINES[1][2], True), (LINES[2][2], False)]
    assert file_sha256(file_at(b.paths, rec["path"])) == file_sha256(file_at(a.paths, a.lecture()["path"]))
    kinds = [j.kind for j in jobs.list_jobs(b.db)]
    assert kinds == ["index_lecture"]                      # indexed from the transcript, never transcribed
    assert library.where_is(b.db, rec["node_id"]) == "Fall 2026 / Biology / Lectures"
    assert a.sync() == {} and b.sync() == {}              # the same transcript has the same bytes on both

    # A correction on B reaches A.
    b.correct(0, "Photosynthesis happens in the chloroplasts.")
    assert b.sync() == {"upload": 1}
    assert a.sync() == {"update_local": 1}
    assert a.lines()[0] == ("Photosynthesis happens in the chloroplasts.", True)

    # Corrections on both sides at once: merged, every corrected line kept, on both computers.
    a.correct(2, "The Calvin cycle fixes carbon dioxide.")
    b.correct(1, "The light reactions split water.")
    assert a.sync() == {"upload": 1}
    assert b.sync() == {"merge": 1}
    assert a.sync() == {"update_local": 1}
    expected = [("Photosynthesis happens in the chloroplasts.", True), ("The light reactions split water.", True),
                ("The Calvin cycle fixes carbon dioxide.", True)]
    assert a.lines() == b.lines() == expected
    assert a.sync() == {} and b.sync() == {}


def test_a_lecture_renamed_then_deleted_on_a_follows_on_b(two, tmp_path):
    a, b, server, bucket = two
    transcribed_lecture(a, tmp_path)
    a.sync()
    b.sync()
    library.rename_document(a.db, a.lecture()["document_id"], "Photosynthesis")
    assert a.sync() == {"move_remote": 2}
    assert b.sync() == {"move_local": 2}
    assert b.lecture()["title"] == "Photosynthesis" and len(b.lines()) == 3

    library.delete_document(a.db, a.paths, a.lecture()["document_id"])
    assert a.sync(yes_delete=True) == {"delete_remote": 2}
    assert server.client().list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    # The bucket is now empty for lectures: that looks like an accident, so B asks first.
    summary = sync(b.db, b.paths, b.config)
    assert summary.counts == {"held": 2} and "Nothing was deleted here" in summary.notices[0]
    assert b.sync(yes_delete=True) == {"delete_local": 1, "forget": 1}     # the transcript went with it
    assert list(b.db.query("SELECT * FROM recordings")) == []
    assert [p.suffix for p in (b.paths.root / "trash").iterdir()] == [".wav"]


def test_a_transcript_being_redone_here_is_neither_deleted_nor_overwritten(two, tmp_path):
    a, b, server, bucket = two
    transcribed_lecture(a, tmp_path)
    a.sync()
    b.sync()
    rec = a.lecture()["id"]
    for state in ("transcribing", "failed"):       # re-transcription under way, then failed
        a.db.execute("UPDATE recordings SET state=? WHERE id=?", (state, rec))
        a.db.execute("DELETE FROM segments WHERE recording_id=? AND edited=0", (rec,))
        assert a.sync(yes_delete=True) == {}
    assert server.client().list_objects_v2(Bucket=bucket)["KeyCount"] == 2
    b.correct(0, "Corrected on B meanwhile.")
    assert b.sync() == {"upload": 1}
    assert a.sync() == {}                            # waits until the lecture here has a transcript again
    a.db.execute("UPDATE recordings SET state='transcribed' WHERE id=?", (rec,))
    assert a.sync() == {"merge": 1}
    assert ("Corrected on B meanwhile.", True) in a.lines() and (LINES[1][2], True) in a.lines()
