"""Starts, watches, restarts and stops Lectern's child processes.

The UI process (or a headless CLI command) is the supervisor. Children are started
through Lectern's own entry point - ``python -m desktop ROLE`` from source, the
executable itself when frozen - in their own process group, with a pid file so a
child orphaned by a crash is found and stopped at the next start.

A monitor thread does every check, kill, wait and restart. The UI only reads
``status()``, a snapshot that thread publishes: it never takes a lock held across an
HTTP call or a process wait, so the window cannot freeze while a child restarts.
All timing is monotonic: a suspend/resume or a clock change does not make a working
child look dead.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import psutil
from tenacity import Retrying, retry_if_result, stop_after_delay, wait_fixed

from ..storage.config import DATA_DIR_ENV, DataPaths, apply_offline_env, is_frozen
from ..search import vectorstore

log = logging.getLogger(__name__)

STARTING, HEALTHY, UNHEALTHY, RESTARTING, STOPPED = "starting", "healthy", "unhealthy", "restarting", "stopped"
WORKER, VECTOR_STORE = "worker", "vector-store"
QUICK_DEATH_S = 10.0    # a child that dies sooner than this after its start counts as a quick failure


def lectern_command(*args: str) -> list[str]:
    """argv that runs Lectern itself with ``args`` (frozen or from source)."""
    if is_frozen():
        return [sys.executable, *args]
    return [sys.executable, "-m", "desktop", *args]


def child_env(paths: DataPaths) -> dict[str, str]:
    apply_offline_env()
    env = dict(os.environ)
    env[DATA_DIR_ENV] = str(paths.root)
    if not is_frozen():
        src_root = str(Path(__file__).resolve().parents[3])
        env["PYTHONPATH"] = src_root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def worker_heartbeat_file(paths: DataPaths) -> Path:
    return paths.run / "worker.heartbeat"


_UNSEEN = object()


class HeartbeatWatch:
    """Is a heartbeat file still being rewritten?

    Judged by when this process last saw the file change (monotonic clock), never by its
    mtime against the wall clock: after a suspend/resume the wall clock jumps ahead while
    the worker simply has not had a chance to write yet.
    """

    def __init__(self, path: Path, max_age_s: float = 6.0) -> None:
        self.path = path
        self.max_age_s = max_age_s
        self._seen: object = _UNSEEN
        self._changed_at: float | None = None

    def reset(self, absent: bool = False) -> None:
        """Forget what was seen; ``absent`` when the file was just deleted (its creation then counts)."""
        self._seen = None if absent else _UNSEEN
        self._changed_at = None

    def _signature(self) -> tuple[int, bytes] | None:
        try:
            return self.path.stat().st_mtime_ns, self.path.read_bytes()
        except OSError:
            return None

    def alive(self) -> bool:
        now = time.monotonic()
        sig = self._signature()
        if sig != self._seen:
            if self._seen is not _UNSEEN:   # the first look proves nothing: the file may be stale
                self._changed_at = now
            self._seen = sig
        return sig is not None and self._changed_at is not None and now - self._changed_at < self.max_age_s


def wait_until(check: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    """Call ``check`` until it returns True (then True) or ``timeout`` seconds pass (then False)."""
    retrying = Retrying(stop=stop_after_delay(timeout), wait=wait_fixed(interval),
                        retry=retry_if_result(lambda ok: not ok), retry_error_callback=lambda _state: False)
    return bool(retrying(check))


def restart_delay(quick_failures: int) -> float:
    """Back-off before restarting a child that keeps dying right after its start (a broken
    install must not spin the CPU): 0 s, 1 s, 2 s, 4 s ... up to 30 s."""
    return min(30.0, 2.0 ** (quick_failures - 2)) if quick_failures > 1 else 0.0


@dataclass
class ChildState:
    """What the UI sees of one child (a copy; the supervisor's thread publishes new ones)."""
    name: str
    state: str = STOPPED
    pid: int | None = None
    restarts: int = 0
    started_at: float = 0.0      # wall clock, for display only
    detail: str = ""


@dataclass
class Child:
    name: str
    argv: Callable[[], list[str]]
    healthy: Callable[[], bool]
    before_start: Callable[[], None] = lambda: None
    proc: subprocess.Popen | None = None
    status: ChildState = field(default_factory=lambda: ChildState(""))
    started_mono: float = 0.0
    last_ok_mono: float = 0.0
    quick_failures: int = 0      # consecutive deaths soon after a start: drives the back-off
    next_try_mono: float = 0.0
    waiting: bool = False        # dead, waiting for next_try before the restart


def _is_ours(pid: int, name: str, root: Path) -> bool:
    """Is ``pid`` a Lectern child called ``name`` serving the data folder ``root``?"""
    try:
        proc = psutil.Process(pid)
        cmd = " ".join(proc.cmdline())
        env = proc.environ()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False
    return name in cmd and env.get(DATA_DIR_ENV) == str(root)


def _kill_group(pid: int) -> None:
    for fn in (os.killpg, os.kill):
        try:
            fn(pid, signal.SIGKILL)
            return
        except (ProcessLookupError, PermissionError):
            continue


class Supervisor:
    def __init__(self, paths: DataPaths, grace_s: float = 30.0) -> None:
        self.paths = paths.ensure()
        self.grace_s = grace_s           # how long a child may go without answering before a restart
        self.chroma_port = vectorstore.read_port(paths) or free_port()
        self._children: dict[str, Child] = {}
        self._check_lock = threading.Lock()   # one checker at a time; status() never takes it
        self._snapshot: dict[str, ChildState] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._heartbeat = HeartbeatWatch(worker_heartbeat_file(self.paths))
        self._add(Child(VECTOR_STORE, self._chroma_argv, lambda: vectorstore.heartbeat(self.chroma_port, 0.5),
                        before_start=self._write_port))
        self._add(Child(WORKER, lambda: lectern_command("worker"), self._heartbeat.alive,
                        before_start=self._clear_heartbeat))

    # -- children ---------------------------------------------------------------------------
    def _add(self, child: Child) -> None:
        child.status = ChildState(child.name)
        self._children[child.name] = child
        self._publish()

    def _publish(self) -> None:
        # A new dict of copies, swapped in one assignment: readers never see a half-made state.
        self._snapshot = {n: replace(c.status) for n, c in self._children.items()}

    def _chroma_argv(self) -> list[str]:
        return lectern_command("vector-store", "--port", str(self.chroma_port))

    def _write_port(self) -> None:
        # Keep the port across restarts unless something else took it meanwhile.
        try:
            with socket.socket() as s:
                s.bind(("127.0.0.1", self.chroma_port))
        except OSError:
            self.chroma_port = free_port()
        vectorstore.port_file(self.paths).write_text(str(self.chroma_port))

    def _clear_heartbeat(self) -> None:
        worker_heartbeat_file(self.paths).unlink(missing_ok=True)
        self._heartbeat.reset(absent=True)

    def _pidfile(self, name: str) -> Path:
        return self.paths.run / f"{name}.pid"

    def cleanup_stale(self) -> list[int]:
        """Stop children a crashed supervisor left behind (found by pid file)."""
        killed = []
        for name in self._children:
            pf = self._pidfile(name)
            try:
                pid = int(pf.read_text().strip())
            except (OSError, ValueError):
                continue
            if _is_ours(pid, name, self.paths.root):
                log.warning("stopping %s left over from an earlier run (pid %s)", name, pid)
                _kill_group(pid)
                killed.append(pid)
            pf.unlink(missing_ok=True)
        return killed

    def _spawn(self, child: Child) -> None:
        child.before_start()
        out = open(self.paths.logs / f"{child.name}.out", "ab")
        try:
            child.proc = subprocess.Popen(
                child.argv(), env=child_env(self.paths), cwd=str(self.paths.root), stdin=subprocess.DEVNULL,
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )
        finally:
            out.close()
        self._pidfile(child.name).write_text(str(child.proc.pid))
        child.started_mono = child.last_ok_mono = time.monotonic()
        child.status.pid = child.proc.pid
        child.status.started_at = time.time()
        child.status.state = STARTING
        log.info("started %s (pid %s)", child.name, child.proc.pid)

    def start(self, monitor: bool = True) -> None:
        self.cleanup_stale()
        with self._check_lock:
            for child in self._children.values():
                self._spawn(child)
            self._publish()
        if monitor:
            self._stop.clear()
            self._thread = threading.Thread(target=self._monitor, name="supervisor", daemon=True)
            self._thread.start()

    def check_once(self) -> None:
        """Update health; restart any child that died or stopped answering."""
        with self._check_lock:
            for child in self._children.values():
                if self._stop.is_set() or child.proc is None:
                    continue
                self._check(child)
                self._publish()

    def _check(self, child: Child) -> None:
        st = child.status
        now = time.monotonic()
        code = child.proc.poll() if child.proc else None
        if code is not None:
            if not child.waiting:
                lived = now - child.started_mono
                child.quick_failures = child.quick_failures + 1 if lived < QUICK_DEATH_S else 0
                delay = restart_delay(child.quick_failures)
                child.waiting, child.next_try_mono = True, now + delay
                st.state = RESTARTING
                st.detail = f"exited with code {code}; restarting" + (f" in {delay:.0f} s" if delay else "")
                log.warning("%s (pid %s) exited with %s", child.name, st.pid, code)
            if now >= child.next_try_mono:
                child.waiting = False
                self._restart(child)
            return
        if child.healthy():
            st.state, st.detail = HEALTHY, ""
            child.last_ok_mono = now
        elif now - child.last_ok_mono > self.grace_s:
            # Not answering for grace_s in a row (monotonic: time in suspend does not count).
            st.state, st.detail = UNHEALTHY, "not answering; restarting"
            log.warning("%s has not answered for %.0f s; restarting", child.name, now - child.last_ok_mono)
            self._publish()
            assert child.proc is not None
            _kill_group(child.proc.pid)
            try:
                child.proc.wait(10)
            except subprocess.TimeoutExpired:
                log.error("%s (pid %s) did not die after SIGKILL", child.name, child.proc.pid)
            self._restart(child)
        elif st.state == HEALTHY:
            st.state, st.detail = UNHEALTHY, "not answering"

    def _restart(self, child: Child) -> None:
        child.status.restarts += 1
        child.status.state = RESTARTING
        self._publish()
        self._spawn(child)
        child.status.state = RESTARTING

    def _monitor(self) -> None:
        while not self._stop.wait(0.5):
            try:
                self.check_once()
            except Exception:  # the monitor must outlive any one failure
                log.exception("supervisor check failed")

    def wait_healthy(self, timeout: float = 60.0) -> bool:
        def all_healthy() -> bool:
            if self._thread is None:
                self.check_once()
            return all(s.state == HEALTHY for s in self.status().values())

        return wait_until(all_healthy, timeout, interval=0.1)

    def status(self) -> dict[str, ChildState]:
        """What the monitor thread last saw. Never blocks (the UI calls it from a timer)."""
        return dict(self._snapshot)

    def pid(self, name: str) -> int | None:
        child = self._children[name]
        return child.proc.pid if child.proc else None

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(15)
        with self._check_lock:
            for child in self._children.values():
                if child.proc and child.proc.poll() is None:
                    try:
                        os.killpg(child.proc.pid, signal.SIGTERM)
                    except ProcessLookupError:
                        pass
            deadline = time.monotonic() + timeout
            for child in self._children.values():
                if child.proc:
                    try:
                        child.proc.wait(max(0.1, deadline - time.monotonic()))
                    except subprocess.TimeoutExpired:
                        log.warning("%s did not stop within %.0f s; killing it", child.name, timeout)
                        _kill_group(child.proc.pid)
                        child.proc.wait(5)
                    child.status.state = STOPPED
                self._pidfile(child.name).unlink(missing_ok=True)
            self._publish()
