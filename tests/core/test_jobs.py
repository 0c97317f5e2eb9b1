import time

import pytest

from desktop.core import jobs
from desktop.core.errors import JobCancelled


def test_a_job_moves_from_queued_to_done(db):
    job_id = jobs.create_job(db, "selfcheck", {"steps": 1}, target="x:1", title="Check")
    assert jobs.get_job(db, job_id).state == jobs.QUEUED
    assert jobs.claim(db, job_id)
    assert not jobs.claim(db, job_id), "a running job cannot be claimed twice"
    jobs.finish(db, job_id, {"ok": True})
    job = jobs.get_job(db, job_id)
    assert (job.state, job.progress, job.result, job.attempts) == (jobs.DONE, 1.0, {"ok": True}, 1)


def test_cancelling_a_queued_job_ends_it_and_it_is_never_claimed(db):
    job_id = jobs.create_job(db, "selfcheck")
    assert jobs.request_cancel(db, job_id) == jobs.CANCELLED
    assert not jobs.claim(db, job_id)
    assert jobs.reset_for_retry(db, job_id)
    assert jobs.claim(db, job_id)


def test_a_running_job_sees_its_cancellation(db, paths):
    job_id = jobs.create_job(db, "selfcheck")
    jobs.claim(db, job_id)
    ctx = jobs.JobContext(db, jobs.get_job(db, job_id), paths)
    ctx.check_cancelled()
    jobs.request_cancel(db, job_id)
    time.sleep(0.25)
    with pytest.raises(JobCancelled):
        ctx.check_cancelled()


def test_progress_is_throttled_but_forced_writes_land(db, paths):
    job_id = jobs.create_job(db, "selfcheck")
    jobs.claim(db, job_id)
    ctx = jobs.JobContext(db, jobs.get_job(db, job_id), paths, min_interval=10)
    ctx.progress(0.1, "one")
    ctx.progress(0.2, "two")
    assert jobs.get_job(db, job_id).progress == pytest.approx(0.1)
    ctx.progress(0.5, "half", force=True)
    job = jobs.get_job(db, job_id)
    assert (job.progress, job.stage) == (0.5, "half")


def test_jobs_left_running_are_queued_again_at_worker_start(db):
    a = jobs.create_job(db, "selfcheck")
    b = jobs.create_job(db, "selfcheck")
    c = jobs.create_job(db, "selfcheck")
    jobs.claim(db, a)
    jobs.claim(db, c)
    jobs.finish(db, c)
    assert jobs.requeue_interrupted(db) == [a, b]
    assert jobs.get_job(db, a).state == jobs.QUEUED
    assert jobs.get_job(db, c).state == jobs.DONE


def test_changed_since_returns_only_newer_rows(db):
    a = jobs.create_job(db, "selfcheck")
    mark = jobs.get_job(db, a).updated_at
    time.sleep(0.01)
    b = jobs.create_job(db, "selfcheck")
    assert [j.id for j in jobs.changed_since(db, mark)] == [b]
