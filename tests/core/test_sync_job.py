"""The sync_storage job: progress in the jobs table, cancel (before and mid-transfer), one at a time."""
from __future__ import annotations

import os
import threading

import pytest
from filelock import FileLock

from desktop.core import jobs, library
from desktop.core.errors import JobCancelled, SyncError
from desktop.core.storage.config import DataPaths
from desktop.core.storage.db import open_db
from desktop.core.sync import SyncConfig, save_config, sync
from desktop.core.sync.job import JOB_KIND, JOB_TARGET, run_job
from tests.conftest import wait_for
from tests.s3 import s3_env, s3_server  # noqa: F401  (fixtures)


class Starter:
    """Records follow-up jobs in the real jobs table (nothing runs them in these tests)."""

    def __init__(self, db) -> None:
        self.db = db

    def submit(self, kind, payload=None, target="", title=""):
        return jobs.create_job(self.db, kind, payload, target=target, title=title)

    def retry(self, job_id):
        return jobs.reset_for_retry(self.db, job_id)

    def cancel(self, job_id):
        return jobs.request_cancel(self.db, job_id)


@pytest.fixture
def bucket(s3_server, s3_env, db):  # noqa: F811
    name = s3_server.new_bucket()
    save_config(db, SyncConfig(name, "ana", s3_server.url, "us-east-1"))
    return name


def start(db, paths: DataPaths) -> jobs.JobContext:
    job_id = jobs.create_job(db, JOB_KIND, {"yes_delete": False}, target=JOB_TARGET)
    assert jobs.claim(db, job_id)
    return jobs.JobContext(db, jobs.get_job(db, job_id), paths, min_interval=0.0, starter=Starter(db))


def add(db, paths, path, data: bytes) -> int:
    path.write_bytes(data)
    result = library.import_file(db, paths, library.ensure_path(db, "S", "Sub", "Book"), path, starter=None)
    assert result.added
    return result.document_id


def test_the_job_reports_progress_and_returns_the_summary(db, paths, bucket, s3_server, tmp_path):  # noqa: F811
    add(db, paths, tmp_path / "a.md", b"alpha\n")
    add(db, paths, tmp_path / "b.md", b"beta\n")
    ctx = start(db, paths)
    result = run_job(ctx, ctx.starter)
    assert result["counts"] == {"upload": 2} and result["bytes_up"] == 11
    row = jobs.get_job(db, ctx.job_id)
    assert (row.progress, row.stage) == (1.0, "Done")
    assert s3_server.client().list_objects_v2(Bucket=bucket)["KeyCount"] == 2


def test_a_job_cancelled_before_it_starts_uploads_nothing(db, paths, bucket, s3_server, tmp_path):  # noqa: F811
    add(db, paths, tmp_path / "a.md", b"alpha\n")
    ctx = start(db, paths)
    jobs.request_cancel(db, ctx.job_id)
    with pytest.raises(JobCancelled):
        run_job(ctx, ctx.starter)
    assert s3_server.client().list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    assert db.execute("SELECT count(*) FROM sync_manifest").fetchone()[0] == 0


def test_a_job_cancelled_mid_upload_stops_and_the_next_sends_only_the_missing_parts(db, paths, bucket, s3_server,  # noqa: F811
                                                                                      tmp_path):
    add(db, paths, tmp_path / "big.md", os.urandom(96 << 20))
    (tmp_path / "big.md").unlink()
    ctx = start(open_db(paths.db), paths)     # its own connection, as in the worker
    failure: list[BaseException] = []

    def run() -> None:
        try:
            run_job(ctx, ctx.starter)
        except BaseException as exc:      # noqa: BLE001 - handed to the test thread
            failure.append(exc)
    worker = threading.Thread(target=run)
    worker.start()
    watcher = jobs.JobContext(db, jobs.get_job(db, ctx.job_id), paths)
    wait_for(lambda: not worker.is_alive() or (jobs.get_job(db, watcher.job_id).progress > 0),
             timeout=60, interval=0.01, what="upload progress")
    assert worker.is_alive(), "the upload ended before it could be cancelled"
    jobs.request_cancel(db, ctx.job_id)
    worker.join(60)
    assert [type(e) for e in failure] == [JobCancelled]
    client = s3_server.client()
    assert client.list_objects_v2(Bucket=bucket)["KeyCount"] == 0                    # nothing half-written shows
    assert db.execute("SELECT count(*) FROM sync_manifest").fetchone()[0] == 0
    uploads = client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    assert len(uploads) == 1                                                           # kept for resuming
    held = client.list_parts(Bucket=bucket, Key=uploads[0]["Key"], UploadId=uploads[0]["UploadId"]).get("Parts", [])
    assert held and sum(p["Size"] for p in held) < 96 << 20
    jobs.mark_cancelled(db, ctx.job_id)                                                # as the worker does

    again = start(db, paths)
    result = run_job(again, again.starter)
    assert result["counts"] == {"upload": 1}
    assert result["bytes_up"] == (96 << 20) - sum(p["Size"] for p in held)           # only the missing parts
    assert client.head_object(Bucket=bucket, Key=uploads[0]["Key"])["ContentLength"] == 96 << 20
    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert db.execute("SELECT count(*) FROM sync_uploads").fetchone()[0] == 0


def test_only_one_sync_at_a_time_per_library(db, paths, bucket, s3_server):  # noqa: F811
    with FileLock(str(paths.run / "sync.lock")):
        with pytest.raises(SyncError, match="already running"):
            sync(db, paths, SyncConfig(bucket, "ana", s3_server.url, "us-east-1"))


def test_an_unfinished_upload_no_longer_needed_is_given_up(db, paths, bucket, s3_server):  # noqa: F811
    from desktop.core.sync.manifest import Pending, PendingUploads

    client = s3_server.client()
    config = SyncConfig(bucket, "ana", s3_server.url, "us-east-1")
    key = "users/ana/raw_data/S/Sub/Book/deleted since.md"
    upload_id = client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    PendingUploads(db, config.target).save(Pending(key, upload_id, "0" * 64, 16 << 20))
    assert sync(db, paths, config).counts == {}
    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert db.execute("SELECT count(*) FROM sync_uploads").fetchone()[0] == 0


def test_a_worker_asked_to_quit_mid_download_stops_at_once_and_keeps_nothing_half_written(db, paths, bucket,  # noqa: F811
                                                                                         s3_server):
    from desktop.core.jobs import WorkerStopping

    client = s3_server.client()
    client.put_object(Bucket=bucket, Key="users/ana/raw_data/S/Sub/Book/big.md", Body=os.urandom(48 << 20))
    # the job runs on its own connection, as in the worker: one sqlite3 connection shared by two
    # threads interleaves their savepoints ("no such savepoint")
    ctx = start(open_db(paths.db), paths)
    ctx.stopping = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            run_job(ctx, ctx.starter)
        except BaseException as exc:      # noqa: BLE001 - handed to the test thread
            failure.append(exc)
    worker = threading.Thread(target=run)
    worker.start()
    wait_for(lambda: not worker.is_alive() or jobs.get_job(db, ctx.job_id).progress > 0, timeout=60,
             interval=0.01, what="download progress")
    assert worker.is_alive(), "the download ended before the worker could be asked to quit"
    ctx.stopping.set()
    worker.join(30)
    assert not worker.is_alive(), "the sync did not stop"
    assert [type(e) for e in failure] == [WorkerStopping]
    assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == 0


def test_automatic_syncs_back_off_after_failures_and_wait_for_a_running_one(db):
    from desktop.core.sync.job import next_sync_at

    assert next_sync_at(db, 0) is None                          # on demand only
    assert next_sync_at(db, 900, now=1000.0) == 1000.0          # never synced: now

    def ended(state: str, at: float) -> None:
        job_id = jobs.create_job(db, JOB_KIND, {}, target=JOB_TARGET)
        assert jobs.claim(db, job_id)
        if state == jobs.DONE:
            jobs.finish(db, job_id, {})
        else:
            jobs.fail(db, job_id, "Cannot reach the bucket: you may be offline.")
        db.execute("UPDATE jobs SET finished_at=? WHERE id=?", (at, job_id))

    ended(jobs.DONE, 100.0)
    assert next_sync_at(db, 900) == 1000.0
    ended(jobs.FAILED, 2000.0)
    assert next_sync_at(db, 900) == 2060.0                      # 1 minute after the first failure
    ended(jobs.FAILED, 3000.0)
    ended(jobs.FAILED, 4000.0)
    assert next_sync_at(db, 900) == 4240.0                      # then 2, 4... minutes
    for t in range(5):
        ended(jobs.FAILED, 5000.0 + t)
    assert next_sync_at(db, 900) == 5004.0 + 900                # never later than the interval
    running = jobs.create_job(db, JOB_KIND, {}, target=JOB_TARGET)
    assert next_sync_at(db, 900) == float("inf")
    jobs.request_cancel(db, running)
