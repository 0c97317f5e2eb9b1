"""The question about deletions a sync held back is kept in the app database until the
student answers: a sync that fails or is stopped afterwards, or a restart, does not lose it
(real SQLite, moto on loopback)."""
from __future__ import annotations

import pytest

from desktop.core import jobs, library
from desktop.core.errors import JobCancelled, SyncError
from desktop.core.storage.db import open_db
from desktop.core.sync import SyncConfig, keep_held, make_client, save_config, status, sync
from desktop.core.sync.state import JOB_KIND, JOB_TARGET
from tests.core.test_sync_converge import Folder, note
from tests.s3 import free_port, s3_env, s3_server  # noqa: F401  (fixtures)

KEY = "users/ana/raw_data/Fall 2026/Biology/Reader/"


@pytest.fixture
def held(tmp_path, s3_server, s3_env):  # noqa: F811
    """A library whose last sync held back 2 deletions from the bucket (of 5 files)."""
    config = SyncConfig(s3_server.new_bucket(), "ana", s3_server.url, "us-east-1")
    a = Folder(tmp_path / "A", config)
    save_config(a.db, config)
    ids = [a.add(note(tmp_path / f"n{i}.md", f"note {i}\n")) for i in range(5)]
    a.sync()
    for doc_id in ids[:2]:
        library.delete_document(a.db, a.paths, doc_id)
    assert a.sync().counts == {"held": 2}
    return a, s3_server


def finished_job(db, result=None, error: str = "") -> None:
    job = jobs.create_job(db, JOB_KIND, {}, target=JOB_TARGET)
    jobs.claim(db, job)
    if error:
        jobs.fail(db, job, error)
    else:
        jobs.finish(db, job, result or {})


def test_the_question_outlives_a_failed_or_stopped_sync_and_a_restart(held):
    a, server = held
    ask = status.pending_deletions(a.db)
    assert ask is not None and sorted(ask.keys) == [KEY + "n0.md", KEY + "n1.md"]
    assert ask.question.startswith("This sync would delete 2 of 5 files from the bucket")

    # The next sync cannot reach the bucket: the question stays.
    dead = make_client(SyncConfig(a.config.bucket, "ana", f"http://127.0.0.1:{free_port()}", "us-east-1"))
    with pytest.raises(SyncError, match="Cannot reach"):
        sync(a.db, a.paths, a.config, client=dead)
    # One is stopped right after it planned (cancelled, or the computer went to sleep): it stays too.
    def stop() -> None:
        raise JobCancelled()

    library.import_file(a.db, a.paths, library.ensure_path(a.db, "Fall 2026", "Biology", "Reader"),
                        note(a.paths.root.parent / "new.md", "new\n"), starter=None)
    with pytest.raises(JobCancelled):
        sync(a.db, a.paths, a.config, check=stop)
    # A dry run changes nothing either.
    sync(a.db, a.paths, a.config, dry_run=True, yes_delete=True)

    restarted = open_db(a.paths.db)                   # another process, or the app opened again
    again = status.pending_deletions(restarted)
    assert again is not None and again.keys == ask.keys and again.question == ask.question
    finished_job(restarted, error="Cannot reach the bucket.")
    st = status.sync_status(restarted)
    assert st.state == status.FAILED and "2 deletions held back by a sync still wait for your answer" in st.detail
    finished_job(restarted, {"counts": {}})
    st = status.sync_status(restarted)
    assert st.state == status.HELD and st.text == "Synced just now: 2 deletions wait for you"
    assert "lectern sync --yes-delete" in st.detail

    # Another bucket has nothing waiting; back to this one, the question is there again.
    save_config(restarted, SyncConfig("another-bucket", "ana", server.url, "us-east-1"))
    assert status.pending_deletions(restarted) is None
    save_config(restarted, a.config)
    assert status.pending_deletions(restarted) is not None


def test_answering_ends_the_question(held):
    a, server = held
    keys = sorted(status.pending_deletions(a.db).keys)
    assert keep_held(a.db, a.paths, a.config, keys[:1]) == 1       # kept: it no longer waits
    assert status.pending_deletions(a.db).keys == keys[1:]
    summary = a.sync()
    assert summary.counts == {"download": 1, "held": 1}
    assert status.pending_deletions(a.db).keys == keys[1:]
    sync(a.db, a.paths, a.config, confirmed=keys[1:])                 # confirmed: deleted, answered
    assert status.pending_deletions(a.db) is None
    left = sorted(o["Key"] for o in server.client().list_objects_v2(Bucket=a.config.bucket)["Contents"])
    assert keys[0] in left and keys[1] not in left
    assert a.sync().counts == {} and status.pending_deletions(a.db) is None


def test_a_sync_stopped_after_it_held_deletions_back_still_asks(tmp_path, s3_server, s3_env):  # noqa: F811
    config = SyncConfig(s3_server.new_bucket(), "ana", s3_server.url, "us-east-1")
    a = Folder(tmp_path / "A", config)
    save_config(a.db, config)
    ids = [a.add(note(tmp_path / f"n{i}.md", f"note {i}\n")) for i in range(3)]
    a.sync()
    library.delete_document(a.db, a.paths, ids[0])
    a.add(note(tmp_path / "new.md", "new\n"))            # work to do after the plan: the stop comes first

    def stop() -> None:
        raise JobCancelled()

    assert status.pending_deletions(a.db) is None
    with pytest.raises(JobCancelled):
        sync(a.db, a.paths, a.config, check=stop)
    ask = status.pending_deletions(a.db)
    assert ask is not None and ask.keys == [KEY + "n0.md"]
