import os
import signal

from desktop.core import jobs
from desktop.core.runtime.supervisor import HEALTHY, WORKER
from desktop.workers.submit import cancel, retry, submit
from tests.conftest import wait_for


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
    assert retry(paths, job_id)
    wait_for(lambda: jobs.get_job(db, job_id).state == jobs.RUNNING, 30, what="the retried job to start")
    cancel(paths, job_id)
    wait_for(lambda: jobs.get_job(db, job_id).finished, 30, what="the retried job to stop")


def test_an_unknown_job_kind_fails_with_a_message(services, paths, db):
    job_id = submit(paths, "no-such-kind")
    job = wait_for(lambda: (j := jobs.get_job(db, job_id)).finished and j, 30, what="the job to end")
    assert job.state == jobs.FAILED and "does not know" in job.error
    assert services.status()[WORKER].state == HEALTHY
