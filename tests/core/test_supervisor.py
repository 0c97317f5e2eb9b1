import os
import signal

from desktop.core.runtime.supervisor import HEALTHY, VECTOR_STORE, WORKER, Supervisor
from desktop.core.search.vectorstore import VectorStore
from tests.conftest import wait_for


def test_a_killed_vector_store_is_restarted_and_answers_again(services, paths):
    vs = VectorStore(paths, "supervisor-test")
    vs.upsert(["a"], [[1.0, 0.0, 0.0]], ["alpha"], [{"n": 1}])
    old = services.pid(VECTOR_STORE)
    os.kill(old, signal.SIGKILL)
    wait_for(lambda: services.pid(VECTOR_STORE) != old, 15, what="a new vector store process")
    wait_for(lambda: services.status()[VECTOR_STORE].state == HEALTHY, 30, what="the vector store healthy again")
    assert services.status()[VECTOR_STORE].restarts == 1
    hit = vs.query([1.0, 0.0, 0.0], 1)
    assert hit["ids"][0] == ["a"], "vectors stored before the crash are still there"


def test_children_left_by_a_crashed_supervisor_are_cleaned_up(paths):
    first = Supervisor(paths)
    first.start(monitor=False)
    assert first.wait_healthy(60)
    orphans = [first.pid(WORKER), first.pid(VECTOR_STORE)]
    # The first supervisor "crashes": it never stops its children.
    second = Supervisor(paths)
    try:
        killed = second.cleanup_stale()
        assert sorted(killed) == sorted(orphans)
        for pid in orphans:
            wait_for(lambda: first._children[WORKER].proc.poll() is not None
                     and first._children[VECTOR_STORE].proc.poll() is not None, 10, what="orphans gone")
    finally:
        second.stop()
        first.stop()


def test_a_child_that_keeps_crashing_is_retried_with_back_off(paths):
    import sys
    import time

    from desktop.core.runtime.supervisor import RESTARTING, Child

    sup = Supervisor(paths)
    sup._children.clear()
    sup._add(Child("broken", lambda: [sys.executable, "-c", "import sys; sys.exit(3)"], lambda: False))
    sup.start(monitor=False)
    try:
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            sup.check_once()
            time.sleep(0.05)
        st = sup.status()["broken"]
        assert st.state == RESTARTING and "code 3" in st.detail
        # Without back-off it would have been restarted ~100 times in 6 s.
        assert 2 <= st.restarts <= 5, st.restarts
    finally:
        sup.stop()
