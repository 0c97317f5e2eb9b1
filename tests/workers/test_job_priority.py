"""A study job runs below the window in the CPU's eyes, and its worker thread gets its own priority back after."""
import sys
import threading

import pytest

from desktop.core import jobs
from desktop.core.jobs.priority import BACKGROUND_NICE, lowered_priority, thread_nice
from desktop.core.runtime.services import JobsForTheNextWorker
from desktop.core.study import glossary
from desktop.workers.queue import execute_job
from tests.core.test_study_material import add_book, add_lecture

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="niceness per thread is Linux's"),
    # Started with `nice -n 19 make test`, the suite is already below the level a job lowers to.
    pytest.mark.skipif((thread_nice() or 0) >= BACKGROUND_NICE,
                       reason=f"the tests run at niceness {thread_nice()}, not above {BACKGROUND_NICE}"),
]


def test_a_study_job_runs_at_a_lower_priority_and_its_thread_gets_its_own_back(db, paths, tmp_path, monkeypatch):
    add_book(db, tmp_path, subject="Biology")
    add_lecture(db, subject="Biology")
    job_id = glossary.submit(db, JobsForTheNextWorker(db), glossary.subject_node(db, "biology"))
    seen: list[int | None] = []
    progress = jobs.JobContext.progress

    def noting_the_priority(ctx, *args, **kwargs):
        seen.append(thread_nice())
        return progress(ctx, *args, **kwargs)

    monkeypatch.setattr(jobs.JobContext, "progress", noting_the_priority)
    before = thread_nice()
    assert before is not None and before < BACKGROUND_NICE
    assert execute_job(paths, job_id) == jobs.DONE
    assert seen and all(n == BACKGROUND_NICE for n in seen), seen
    assert thread_nice() == before, "the worker's next job starts at the thread's own priority"


def test_the_priority_comes_back_when_the_work_fails_and_other_threads_keep_theirs():
    before = thread_nice()
    others: list[int | None] = []
    with pytest.raises(RuntimeError):
        with lowered_priority(BACKGROUND_NICE):
            assert thread_nice() == BACKGROUND_NICE
            t = threading.Thread(target=lambda: others.append(thread_nice()))   # a model's compute thread
            t.start()
            t.join()
            raise RuntimeError("the model failed")
    assert others == [BACKGROUND_NICE], "threads started by the job's thread inherit its priority"
    assert thread_nice() == before
