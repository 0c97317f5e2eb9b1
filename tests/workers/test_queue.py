"""The queue side of jobs on one target, run in this process against a real queue.db (no consumer)."""
from desktop.core import jobs
from desktop.workers.queue import execute_job, huey_for


def _pending(paths) -> list[int]:
    return [task.args[1] for task in huey_for(paths.queue_db).pending()]


def test_the_end_of_a_job_starts_the_one_waiting_behind_it(paths, db):
    first = jobs.create_job(db, "no-such-kind", target="document:7")
    second = jobs.create_job(db, "no-such-kind", target="document:7")
    assert execute_job(paths, second) == "skipped", "an older job on its target comes first"
    assert jobs.get_job(db, second).stage == jobs.WAITING_STAGE
    assert _pending(paths) == []
    assert execute_job(paths, first) == jobs.FAILED
    assert _pending(paths) == [second], "the job that ended enqueued the one behind it"
    assert execute_job(paths, second) == jobs.FAILED


def test_a_waiting_job_is_started_when_the_job_before_it_is_cancelled(paths, db):
    older = jobs.create_job(db, "no-such-kind", target="recording:2")
    newer = jobs.create_job(db, "no-such-kind", target="recording:2")
    assert execute_job(paths, newer) == "skipped"
    jobs.request_cancel(db, older)                        # cancelled before its turn came
    assert execute_job(paths, older) == "skipped"         # its queue message still arrives
    assert _pending(paths) == [newer]
    assert execute_job(paths, newer) == jobs.FAILED
    assert jobs.get_job(db, older).state == jobs.CANCELLED


def test_a_running_job_starts_follow_up_jobs_through_its_context(paths, db, monkeypatch):
    from desktop.workers.handlers import HANDLERS

    monkeypatch.setitem(HANDLERS, "starts-another",
                        lambda ctx: {"child": ctx.starter.submit("no-such-kind", target="document:9")})
    parent = jobs.create_job(db, "starts-another")
    assert execute_job(paths, parent) == jobs.DONE
    child = jobs.get_job(db, parent).result["child"]
    assert jobs.get_job(db, child).state == jobs.QUEUED
    assert _pending(paths) == [child]
