"""Upgrading a data folder made by the previous release (8b4b6a6) keeps everything.

The fixture was made by that release's own code (tests/fixtures/make_old_datafolder.py):
two books both called "Reader", a lecture imported into Unfiled, transcribed, one line
corrected, then re-filed under Genetics; chats whose scopes were saved by names.
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from desktop.core import chat, jobs
from desktop.core.lectures import recordings
from desktop.core.library import upgrade
from desktop.core.runtime.services import app_lock
from desktop.core.runtime.supervisor import Supervisor
from desktop.core.search import index, retrieval
from desktop.core.search.scope import Scope, resolve_document_ids
from desktop.core.storage import db as dbmod
from desktop.core.storage.config import DataPaths
from desktop.workers.submit import QueueJobs
from tests.conftest import REPO, lectern, wait_for

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "datafolder-8b4b6a6.tar.gz"
EXPECTED = json.loads(FIXTURE.with_name("datafolder-8b4b6a6.json").read_text())


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def old(paths: DataPaths) -> DataPaths:
    """The previous release's data folder, unpacked where this test's data folder is."""
    with tarfile.open(FIXTURE) as tar:
        tar.extractall(paths.root, filter="data")
    # A chat whose book was deleted before the upgrade: it must keep finding nothing.
    conn = sqlite3.connect(paths.db)
    conn.execute("INSERT INTO chats (title, scope, created_at, updated_at) VALUES ('Gone', ?, 0, 0)",
                 (json.dumps({"semester": "", "subject": "", "books": ["Deleted book"], "document_ids": []}),))
    conn.commit()
    conn.close()
    return paths


def _files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_the_migration_backs_up_app_db_and_translates_scopes_to_ids(old):
    db = dbmod.open_db(old.db)
    assert dbmod.schema_version(db) == len(dbmod.MIGRATIONS)
    backup = dbmod.backup_file(old.db, 1)
    assert backup.exists()
    with sqlite3.connect(backup) as b:          # the previous release's database, as it was
        assert b.execute("SELECT max(version) FROM schema_version").fetchone()[0] == 1
        assert "semester" in {r[1] for r in b.execute("PRAGMA table_info(chunks)")}

    scopes = {r["id"]: Scope.from_dict(json.loads(r["scope"])) for r in db.query("SELECT id, scope FROM chats")}
    fall = db.execute("SELECT id FROM nodes WHERE name='Fall 2025'").fetchone()[0]
    assert scopes[EXPECTED["chats"]["scoped"]] == Scope(node_ids=(EXPECTED["chem_reader"],))  # not Biology's "Reader"
    assert scopes[EXPECTED["chats"]["lecture"]] == Scope(document_ids=(EXPECTED["lecture"]["document_id"],))
    assert scopes[EXPECTED["chats"]["semester"]] == Scope(node_ids=(fall,))
    gone = [s for cid, s in scopes.items() if cid not in EXPECTED["chats"].values()][0]
    assert not gone.is_everything and resolve_document_ids(db, gone) == []
    assert {c for c in (r[1] for r in db.execute("PRAGMA table_info(chunks)"))} >= {"document_id", "vector_state"}
    assert not {"semester", "subject", "book"} & {r[1] for r in db.execute("PRAGMA table_info(chunks)")}
    # Opening again changes nothing and makes no second backup.
    dbmod.open_db(old.db)
    assert [p.name for p in old.root.glob("app.db.bak-*")] == [backup.name]


def test_an_upgraded_folder_keeps_every_document_lecture_correction_and_chat_and_answers(old):
    db = dbmod.open_db(old.db)
    report = upgrade.upgrade_data_folder(db, old, QueueJobs(old, db))
    assert report["files"] == {"moved": 3, "missing": 0, "gone": 0, "failed": 0} and report["reindex_job"]

    for doc_id, exp in EXPECTED["documents"].items():
        row = db.execute("SELECT title, kind, node_id, path FROM documents WHERE id=?", (int(doc_id),)).fetchone()
        assert row[:3] == (exp["title"], exp["kind"], exp["node_id"])
        assert row[3] == f"files/{doc_id}/{Path(exp['old_path']).name}"
        assert _sha(old.root / row[3]) == exp["sha256"]
        assert not (old.root / exp["old_path"]).exists()
        assert db.execute("SELECT count(*) FROM chunks WHERE document_id=?", (int(doc_id),)).fetchone()[0] == \
            exp["chunks"]
    assert len(_files_under(old.root / "files")) == len(EXPECTED["documents"])
    assert _files_under(old.root / "library") == []          # moved, not copied; folders left as they were

    lec = EXPECTED["lecture"]
    rec = recordings.get_recording(db, lec["recording_id"])
    assert rec.node_id == EXPECTED["genetics"] and rec.document_id == lec["document_id"]
    assert rec.path == db.execute("SELECT path FROM documents WHERE id=?", (lec["document_id"],)).fetchone()[0]
    assert recordings.audio_path(db, old, rec).exists()
    segs = recordings.segments(db, lec["recording_id"])
    assert len(segs) == lec["segments"]
    fixed = [s for s in segs if s.id == lec["corrected_segment"]][0]
    assert fixed.text == lec["correction"] and fixed.edited

    for key, chat_id in EXPECTED["chats"].items():
        assert chat.get_chat(db, chat_id)
    cited = chat.messages(db, EXPECTED["chats"]["lecture"])[-1]
    assert cited.sources and cited.sources[0].start_s is not None and cited.sources[0].recording_id == rec.id

    lock = app_lock(old).acquire()
    sup = Supervisor(old)
    try:
        sup.start()
        assert sup.wait_healthy(90), sup.status()
        job = wait_for(lambda: (j := jobs.get_job(db, report["reindex_job"])).finished and j, 180, 0.1, "reindex")
        assert job.state == jobs.DONE, job.error
        assert job.result["metadata_updated"] == sum(d["chunks"] for d in EXPECTED["documents"].values())
        assert job.result["embedded"] == 0              # the old vectors are kept, only their metadata changes
        assert index.pending_vectors(db) == 0
        store = retrieval.open_store(old, db)
        metas = store._call("get", include=["metadatas"])["metadatas"]
        assert metas and not any({"semester", "subject", "book"} & set(m) for m in metas)

        scoped = chat.get_chat(db, EXPECTED["chats"]["scoped"]).scope
        for mode in retrieval.MODES:
            hits = retrieval.search(db, store, "how is a titration done", scoped, k=5, mode=mode)
            assert hits and {h.document_id for h in hits} == {EXPECTED["books"]["chem"]}, mode
            lecture = retrieval.search(db, store, "polymerase five prime direction",
                                       chat.get_chat(db, EXPECTED["chats"]["lecture"]).scope, k=1, mode=mode)
            assert lecture[0].recording_id == rec.id and lecture[0].start_s is not None, mode
            assert lecture[0].subject == "Genetics"
        # A second start finds nothing left to do.
        again = upgrade.upgrade_data_folder(db, old, QueueJobs(old, db))
        assert again == {"files": {"moved": 0, "missing": 0, "gone": 0, "failed": 0}, "reindex_job": None}
    finally:
        sup.stop()
        lock.release()


_UPGRADE = """
import sys
from pathlib import Path
from desktop.core.library import upgrade
from desktop.core.storage.config import DataPaths
from desktop.core.storage.db import open_db
paths = DataPaths(Path(sys.argv[1]))
db = open_db(paths.db)
print(upgrade.move_managed_files(db, paths))
"""


def test_an_upgrade_killed_midway_finishes_on_the_next_start_with_nothing_lost_or_doubled(old, tmp_path):
    flag = tmp_path / "go-on"
    env = {**os.environ, upgrade.PAUSE_AFTER_ENV: "1", upgrade.PAUSE_FILE_ENV: str(flag), "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", _UPGRADE, str(old.root)], env=env, cwd=REPO)
    try:
        wait_for(lambda: Path(str(flag) + ".reached").exists() or proc.poll() is not None, 60, 0.05, "first move")
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    db = dbmod.open_db(old.db)
    states = dict(db.execute("SELECT document_id, state FROM file_moves").fetchall())
    assert sorted(states.values()) == ["done", "planned", "planned"]

    # Also the worst moment for one of the others: renamed, its row not updated yet.
    pending = db.execute("SELECT document_id, old_path, new_path FROM file_moves WHERE state='planned'"
                         " ORDER BY document_id").fetchone()
    (old.root / pending[2]).parent.mkdir(parents=True)
    os.rename(old.root / pending[1], old.root / pending[2])

    assert upgrade.move_managed_files(db, old) == {"moved": 2, "missing": 0, "gone": 0, "failed": 0}
    assert upgrade.move_managed_files(db, old) == {"moved": 0, "missing": 0, "gone": 0, "failed": 0}
    files = _files_under(old.root / "files")
    assert len(files) == len(EXPECTED["documents"]) and _files_under(old.root / "library") == []
    for doc_id, exp in EXPECTED["documents"].items():
        path = db.execute("SELECT path FROM documents WHERE id=?", (int(doc_id),)).fetchone()[0]
        assert path.startswith(f"files/{doc_id}/") and _sha(old.root / path) == exp["sha256"]
    rec = recordings.get_recording(db, EXPECTED["lecture"]["recording_id"])
    assert (old.root / rec.path).exists()


def test_the_command_line_upgrades_an_old_folder_and_searches_it_by_names_resolved_to_ids(old):
    out = lectern("search", "how is a titration done", "--subject", "Chemistry", "--book", "Reader", "--json",
                  data_dir=old.root)
    assert out.returncode == 0, out.stderr
    hits = json.loads(out.stdout)
    assert hits and {h["document"] for h in hits} == {EXPECTED["books"]["chem"]}       # not Biology's "Reader"
    db = dbmod.open_db(old.db)
    assert db.execute("SELECT count(*) FROM file_moves WHERE state='done'").fetchone()[0] == 3
    assert _files_under(old.root / "library") == []
    job = jobs.latest_for_target(db, upgrade.REINDEX_TARGET)
    assert job is not None and job.kind == upgrade.REINDEX_JOB       # started with the worker of that command
    missing = lectern("search", "titration", "--subject", "History", "--json", data_dir=old.root)
    assert missing.returncode != 0 and "no subject called 'History'" in missing.stdout + missing.stderr


def test_without_the_old_vector_store_the_reindex_job_embeds_everything_again(old):
    import shutil

    shutil.rmtree(old.root / "chroma")       # e.g. the student copied the folder without it
    db = dbmod.open_db(old.db)
    report = upgrade.upgrade_data_folder(db, old, QueueJobs(old, db))
    lock = app_lock(old).acquire()
    sup = Supervisor(old)
    try:
        sup.start()
        assert sup.wait_healthy(90), sup.status()
        job = wait_for(lambda: (j := jobs.get_job(db, report["reindex_job"])).finished and j, 180, 0.1, "reindex")
        assert job.state == jobs.DONE, job.error
        assert job.progress == 1.0
        assert job.result["embedded"] == sum(d["chunks"] for d in EXPECTED["documents"].values())
        store = retrieval.open_store(old, db)
        scoped = chat.get_chat(db, EXPECTED["chats"]["scoped"]).scope
        hits = retrieval.search(db, store, "how is a titration done", scoped, k=3, mode="vector")
        assert hits and {h.document_id for h in hits} == {EXPECTED["books"]["chem"]} and hits[0].page == 2
    finally:
        sup.stop()
        lock.release()


def test_a_file_missing_before_the_upgrade_is_reported_and_the_rest_still_moves(old):
    lost = EXPECTED["documents"]["1"]["old_path"]
    (old.root / lost).unlink()
    db = dbmod.open_db(old.db)
    assert upgrade.move_managed_files(db, old) == {"moved": 2, "missing": 1, "gone": 0, "failed": 0}
    assert db.execute("SELECT path FROM documents WHERE id=1").fetchone()[0] == lost     # row left as it was
    assert db.execute("SELECT state FROM file_moves WHERE document_id=1").fetchone()[0] == "missing"
    assert len(_files_under(old.root / "files")) == 2


def test_the_window_finishes_the_upgrade_before_it_starts_the_worker(old):
    from desktop.app import upgrade_data_folder

    upgrade_data_folder(old)          # what run_gui calls right after taking the data folder's lock
    db = dbmod.open_db(old.db)
    assert db.execute("SELECT count(*) FROM file_moves WHERE state='done'").fetchone()[0] == 3
    job = jobs.latest_for_target(db, upgrade.REINDEX_TARGET)
    assert job is not None and job.state == jobs.QUEUED and job.kind == upgrade.REINDEX_JOB
    upgrade_data_folder(old)          # a second start: no second job
    assert [j.id for j in jobs.list_jobs(db) if j.kind == upgrade.REINDEX_JOB] == [job.id]


def test_a_file_that_cannot_be_moved_now_stays_found_and_moves_at_the_next_start(old):
    (old.root / "files").mkdir(exist_ok=True)
    (old.root / "files" / "2").write_text("in the way")      # where document 2's folder must go
    db = dbmod.open_db(old.db)
    assert upgrade.move_managed_files(db, old) == {"moved": 2, "missing": 0, "gone": 0, "failed": 1}
    row = db.execute("SELECT path FROM documents WHERE id=2").fetchone()[0]
    assert row == EXPECTED["documents"]["2"]["old_path"] and (old.root / row).exists()
    (old.root / "files" / "2").unlink()
    assert upgrade.move_managed_files(db, old) == {"moved": 1, "missing": 0, "gone": 0, "failed": 0}
    row = db.execute("SELECT path FROM documents WHERE id=2").fetchone()[0]
    assert row.startswith("files/2/") and _sha(old.root / row) == EXPECTED["documents"]["2"]["sha256"]
