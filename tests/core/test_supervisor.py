import os
import signal
import subprocess
import sys
import time

import pytest

from desktop.core.errors import AlreadyRunning
from desktop.core.runtime.instance import InstanceLock
from desktop.core.runtime.supervisor import (HEALTHY, RESTARTING, UNHEALTHY, VECTOR_STORE, WORKER, Child,
                                             HeartbeatWatch, Supervisor, restart_delay, worker_heartbeat_file)
from desktop.core.search.vectorstore import VectorStore
from tests.conftest import REPO, wait_for


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
    sup = Supervisor(paths)
    sup._children.clear()
    sup._add(Child("broken", lambda: [sys.executable, "-c", "import sys; sys.exit(3)"], lambda: False))
    sup.start(monitor=False)
    restarted_at: dict[int, float] = {}

    def third_restart() -> bool:
        sup.check_once()
        n = sup.status()["broken"].restarts
        restarted_at.setdefault(n, time.monotonic())
        return n >= 3

    try:
        wait_for(third_restart, 30, what="three restarts")
        st = sup.status()["broken"]
        assert st.state == RESTARTING and "code 3" in st.detail
        # The first restart follows at once, then after 1 s, 2 s ... (without back-off: ~20 a second).
        assert restarted_at[2] - restarted_at[1] >= 0.9
        assert restarted_at[3] - restarted_at[2] >= 1.9
    finally:
        sup.stop()


def test_the_restart_back_off_grows_to_half_a_minute():
    assert [restart_delay(n) for n in range(1, 9)] == [0, 1, 2, 4, 8, 16, 30, 30]


def test_status_answers_at_once_while_a_child_is_restarted(services, paths):
    """The window asks for status() on its UI thread: it must never wait on a child."""
    services.grace_s = 1.5
    old = services.pid(VECTOR_STORE)
    os.kill(old, signal.SIGSTOP)   # a hung vector store: every heartbeat now waits for its timeout
    seen: set[str] = set()
    took: list[float] = []

    def restarted() -> bool:
        t0 = time.perf_counter()
        st = services.status()[VECTOR_STORE]
        took.append(time.perf_counter() - t0)
        seen.add(st.state)
        return services.pid(VECTOR_STORE) != old and st.state == HEALTHY

    wait_for(restarted, 60, interval=0.005, what="the hung vector store replaced")
    assert {UNHEALTHY, RESTARTING} & seen, seen
    slow = sorted(t for t in took if t >= 0.05)
    assert not slow, f"{len(slow)} of {len(took)} status() calls took 50 ms or more: {slow}"
    assert services.status()[VECTOR_STORE].restarts == 1


def test_a_worker_whose_heartbeat_file_looks_old_is_not_killed(services, paths):
    """After a suspend/resume the wall clock is far ahead of the file's mtime; that is no death."""
    services.grace_s = 2.0
    pid = services.pid(WORKER)
    beat = worker_heartbeat_file(paths)
    first = int(beat.read_text().split()[1])
    past = time.time() - 3600

    def four_more_beats() -> bool:
        try:
            os.utime(beat, (past, past))
            return int(beat.read_text().split()[1]) >= first + 4
        except (OSError, IndexError, ValueError):   # caught between the worker's writes
            return False

    wait_for(four_more_beats, 30, interval=0.02, what="the worker to go on beating")
    st = services.status()[WORKER]
    assert services.pid(WORKER) == pid and st.restarts == 0 and st.state == HEALTHY, st


def test_a_heartbeat_counts_only_when_it_changes(paths):
    beat = paths.run / "beat"
    beat.write_text("1")
    watch = HeartbeatWatch(beat, max_age_s=0.3)
    assert not watch.alive(), "a file found as it is proves nothing (it may be stale)"
    beat.write_text("2")
    assert watch.alive()
    wait_for(lambda: not watch.alive(), 5, what="the silent heartbeat to count as dead")
    beat.unlink()
    assert not watch.alive()


def test_a_second_process_cannot_take_the_instance_lock(paths):
    path = paths.run / "lectern.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; "
         "from desktop.core.runtime.instance import InstanceLock; "
         f"lock = InstanceLock(Path({str(path)!r})).acquire(); print('held', flush=True); sys.stdin.read()"],
        cwd=str(REPO), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        lock = InstanceLock(path)
        assert lock.held_elsewhere()
        with pytest.raises(AlreadyRunning, match=f"process {holder.pid}"):
            lock.acquire()
    finally:
        holder.stdin.close()
        holder.wait(10)
    lock = InstanceLock(path)
    assert not lock.held_elsewhere(), "the lock died with its process"
    with lock:
        assert path.read_text() == str(os.getpid())
