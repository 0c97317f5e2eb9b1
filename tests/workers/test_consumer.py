import os
import signal

from desktop.core import jobs
from desktop.core.runtime.services import app_lock
from desktop.core.runtime.supervisor import HEALTHY, WORKER, Supervisor
from desktop.workers.submit import cancel, retry, submit
from tests.conftest import wait_for

LONG = {"steps": 20, "delay_s": 0.1, "vector_store": False}
SHORT = {"steps": 2, "delay_s": 0.05, "vector_store": False}


def _finished(db, job_id: int, timeout: float = 90) -> jobs.Job:
    return wait_for(lambda: (j := jobs.get_job(db, job_id)).finished and j, timeout, what=f"job {job_id} to end")


def test_a_real_consumer_runs_the_selfcheck_to_done(services, paths, db):
    job_id = submit(paths, "selfcheck", {"steps": 2, "delay_s": 0.05}, title="Self-check")
    job = wait_for(lambda: (j := jobs.get_job(db, job_id)).finished and j, 60, what="the job to finish")
    assert job.state == jobs.DONE, job.error
    assert job.result["embedding_dims"] == 384
    assert job.result["vector_store_top"] == "selfcheck-1"
    assert job.attempts == 1


def test_killing_the_worker_mid_job_restarts_it_and_the_job_ends_done_once(services, paths, db):
    job_id = submit(paths, "selfcheck", {"steps": 40, "delay_s": 0.1}, title="Long self-check")
    wait_for(lambda: jobs.get_job(db, job_id).progress > 0.3, 60, what="the job to be under way")
    victim = services.pid(WORKER)
    os.killpg(victim, signal.SIGKILL)
    wait_for(lambda: services.pid(WORKER) != victim, 15, what="a new worker")
    job = wait_for(lambda: (j := jobs.get_job(db, job_id)).finished and j, 90, what="the resumed job to finish")
    assert job.state == jobs.DONE, job.error
    assert job.attempts == 2, "it ran once, was interrupted, and ran once more"
    assert job.result["attempt"] == 2
    assert services.status()[WORKER].restarts == 1
    done = [j for j in jobs.list_jobs(db) if j.id == job_id]
    assert len(done) == 1 and done[0].state == jobs.DONE


def test_cancel_then_retry_a_running_job(services, paths, db):
    job_id = submit(paths, "selfcheck", {"steps": 50, "delay_s": 0.1})
    wait_for(lambda: jobs.get_job(db, job_id).state == jobs.RUNNING, 60, what="the job to start")
    cancel(paths, job_id)
    wait_for(lambda: jobs.get_job(db, job_id).state == jobs.CANCELLED, 30, what="the job to stop")
    assert jobs.get_job(db, job_id).stage == "Cancelled"
    assert retry(paths, job_id)
    wait_for(lambda: jobs.get_job(db, job_id).state == jobs.RUNNING, 30, what="the retried job to start")
    cancel(paths, job_id)
    job = wait_for(lambda: (j := jobs.get_job(db, job_id)).finished and j, 30, what="the retried job to stop")
    assert job.state == jobs.CANCELLED, (job.state, job.error)
    assert job.attempts == 2


def test_an_unknown_job_kind_fails_with_a_message(services, paths, db):
    job_id = submit(paths, "no-such-kind")
    job = wait_for(lambda: (j := jobs.get_job(db, job_id)).finished and j, 30, what="the job to end")
    assert job.state == jobs.FAILED and "does not know" in job.error
    assert services.status()[WORKER].state == HEALTHY


def test_jobs_on_one_target_never_run_at_the_same_time_in_either_order(services, paths, db):
    # recording:1 gets the long job first, recording:2 the short one first. The consumer has
    # two threads, so without serialisation each target's second job would start at once.
    pairs = {"recording:1": [], "recording:2": []}
    for target, payload in (("recording:1", LONG), ("recording:2", SHORT),
                            ("recording:1", SHORT), ("recording:2", LONG)):
        pairs[target].append(submit(paths, "selfcheck", payload, target=target))
    done = {job_id: _finished(db, job_id) for ids in pairs.values() for job_id in ids}
    assert all(j.state == jobs.DONE for j in done.values()), [(j.id, j.error) for j in done.values()]
    for target, (first, second) in pairs.items():
        a, b = done[first], done[second]
        assert b.started_at >= a.finished_at, f"{target}: the second job started before the first ended"
    # The control: jobs on different targets do run side by side (the test can see an overlap).
    long_1, short_2 = done[pairs["recording:1"][0]], done[pairs["recording:2"][0]]
    assert short_2.started_at < long_1.finished_at and long_1.started_at < short_2.finished_at


def test_a_job_that_keeps_stopping_the_worker_ends_failed_and_the_worker_stays_up(services, paths, db):
    job_id = submit(paths, "selfcheck", {"steps": 400, "delay_s": 0.1, "vector_store": False})
    for run in range(1, jobs.MAX_CRASHES + 1):
        wait_for(lambda: (j := jobs.get_job(db, job_id)).state == jobs.RUNNING and j.attempts == run, 90,
                 what=f"run {run} of the job")
        victim = services.pid(WORKER)
        os.killpg(victim, signal.SIGKILL)   # the job "crashes" its worker
        wait_for(lambda: services.pid(WORKER) != victim, 30, what="a new worker")
    job = _finished(db, job_id)
    assert job.state == jobs.FAILED
    assert job.error == "This job stopped Lectern's worker 3 times; it was not run again."
    assert (job.attempts, job.crashes) == (3, 3), "it was not started a fourth time"
    wait_for(lambda: services.status()[WORKER].state == HEALTHY, 60, what="the worker healthy")
    other = _finished(db, submit(paths, "selfcheck", SHORT))
    assert other.state == jobs.DONE, "the worker goes on with other jobs"


def test_quitting_puts_a_running_job_back_and_it_resumes_at_the_next_start(paths, db):
    lock = app_lock(paths).acquire()
    first = Supervisor(paths)
    second = Supervisor(paths)
    try:
        first.start()
        assert first.wait_healthy(90), first.status()
        job_id = submit(paths, "selfcheck", {"steps": 60, "delay_s": 0.1, "vector_store": False})
        wait_for(lambda: jobs.get_job(db, job_id).progress > 0.25, 90, what="the job to be under way")
        worker = first._children[WORKER].proc
        first.stop()   # what quitting Lectern does
        assert worker.returncode == 0, "the worker stopped by itself; it was not killed"
        job = jobs.get_job(db, job_id)
        assert (job.state, job.stage, job.crashes) == (jobs.QUEUED, jobs.STOPPED_STAGE, 0)
        second.start()
        job = _finished(db, job_id)
        assert job.state == jobs.DONE, job.error
        assert (job.attempts, job.crashes, job.result["attempt"]) == (2, 0, 2)
    finally:
        second.stop()
        first.stop()
        lock.release()
