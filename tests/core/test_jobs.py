import threading
import time

import pytest

from desktop.core import jobs
from desktop.core.errors import JobCancelled
from tests.conftest import wait_for


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
    wait_for(ctx.cancelled, 5, what="the job to see its cancellation")
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
    wait_for(lambda: time.time() > mark, 5, interval=0.001, what="the clock to move on")
    b = jobs.create_job(db, "selfcheck")
    assert [j.id for j in jobs.changed_since(db, mark)] == [b]


def test_a_job_is_not_claimed_while_another_job_on_its_target_runs(db):
    first = jobs.create_job(db, "index_lecture", target="recording:3")
    second = jobs.create_job(db, "transcribe_recording", target="recording:3")
    elsewhere = jobs.create_job(db, "ingest_document", target="document:1")
    assert jobs.claim(db, first)
    assert not jobs.claim(db, second), "its target is busy"
    assert jobs.note_waiting(db, second)
    assert jobs.get_job(db, second).stage == jobs.WAITING_STAGE
    assert jobs.claim(db, elsewhere), "another target is not held up"
    assert jobs.next_for_target(db, "recording:3") == second
    jobs.finish(db, first)
    assert jobs.claim(db, second)
    assert jobs.next_for_target(db, "recording:3") is None


def test_jobs_on_one_target_run_in_the_order_they_were_asked_for(db):
    older = jobs.create_job(db, "index_lecture", target="recording:3")
    newer = jobs.create_job(db, "index_lecture", target="recording:3")
    assert not jobs.claim(db, newer), "an older job on the same target waits"
    assert jobs.next_for_target(db, "recording:3") == older
    assert jobs.claim(db, older)
    jobs.finish(db, older)
    assert jobs.claim(db, newer)


def test_jobs_without_a_target_are_never_held_up(db):
    a = jobs.create_job(db, "selfcheck")
    b = jobs.create_job(db, "selfcheck")
    assert jobs.claim(db, b) and jobs.claim(db, a)
    assert not jobs.note_waiting(db, a)
    assert jobs.next_for_target(db, "") is None


def test_a_job_that_keeps_crashing_the_worker_ends_failed_with_a_reason(db):
    job_id = jobs.create_job(db, "selfcheck", target="document:1")
    for crash in range(1, jobs.MAX_CRASHES):
        assert jobs.claim(db, job_id)
        assert jobs.requeue_interrupted(db) == [job_id]      # the worker died under it
        job = jobs.get_job(db, job_id)
        assert (job.state, job.crashes, job.attempts) == (jobs.QUEUED, crash, crash)
    assert jobs.claim(db, job_id)
    assert jobs.requeue_interrupted(db) == []
    job = jobs.get_job(db, job_id)
    assert job.state == jobs.FAILED and job.crashes == jobs.MAX_CRASHES
    assert job.error == "This job stopped Lectern's worker 3 times; it was not run again."
    assert jobs.reset_for_retry(db, job_id), "the student may still try again"
    assert jobs.get_job(db, job_id).crashes == 0


def test_a_job_stopped_with_its_worker_is_queued_again_without_counting_a_crash(db, paths):
    job_id = jobs.create_job(db, "selfcheck")
    jobs.claim(db, job_id)
    stopping = threading.Event()
    ctx = jobs.JobContext(db, jobs.get_job(db, job_id), paths, stopping=stopping)
    ctx.check_cancelled()
    stopping.set()
    with pytest.raises(jobs.WorkerStopping):
        ctx.check_cancelled()
    assert jobs.requeue_stopped(db, job_id) == 1
    jobs.finish(db, job_id)   # a late end from a thread that did not notice: the job stays queued
    job = jobs.get_job(db, job_id)
    assert (job.state, job.stage, job.crashes) == (jobs.QUEUED, jobs.STOPPED_STAGE, 0)
    assert jobs.requeue_interrupted(db) == [job_id]
    assert jobs.get_job(db, job_id).crashes == 0
