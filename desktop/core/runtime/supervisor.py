"""Starts, watches, restarts and stops Lectern's child processes.

The UI process (or a headless CLI command) is the supervisor. Children are started
through Lectern's own entry point - ``python -m desktop ROLE`` from source, the
executable itself when frozen - in their own process group, with a pid file so a
child orphaned by a crash is found and stopped at the next start. A monitor thread
checks health and restarts a dead child; the UI only reads ``status()``.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..storage.config import DATA_DIR_ENV, DataPaths, apply_offline_env, is_frozen
from ..search import vectorstore

log = logging.getLogger(__name__)

STARTING, HEALTHY, UNHEALTHY, RESTARTING, STOPPED = "starting", "healthy", "unhealthy", "restarting", "stopped"
WORKER, VECTOR_STORE = "worker", "vector-store"


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
        src_root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = src_root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def worker_heartbeat_file(paths: DataPaths) -> Path:
    return paths.run / "worker.heartbeat"


def worker_healthy(paths: DataPaths, max_age_s: float = 6.0) -> bool:
    try:
        return time.time() - worker_heartbeat_file(paths).stat().st_mtime < max_age_s
    except OSError:
        return False


@dataclass
class ChildState:
    name: str
    state: str = STOPPED
    pid: int | None = None
    restarts: int = 0
    started_at: float = 0.0
    detail: str = ""
    quick_failures: int = 0      # consecutive deaths soon after a start: drives the back-off
    next_try: float = 0.0
    waiting: bool = False        # dead, waiting for next_try before the restart


@dataclass
class Child:
    name: str
    argv: Callable[[], list[str]]
    healthy: Callable[[], bool]
    before_start: Callable[[], None] = lambda: None
    proc: subprocess.Popen | None = None
    status: ChildState = field(default_factory=lambda: ChildState(""))


def _pid_cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class Supervisor:
    def __init__(self, paths: DataPaths, grace_s: float = 30.0) -> None:
        self.paths = paths.ensure()
        self.grace_s = grace_s           # how long a (re)started child may take to get healthy
        self.chroma_port = vectorstore.read_port(paths) or free_port()
        self._children: dict[str, Child] = {}
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._add(Child(VECTOR_STORE, self._chroma_argv, lambda: vectorstore.heartbeat(self.chroma_port, 0.5),
                        before_start=self._write_port))
        self._add(Child(WORKER, lambda: lectern_command("worker"), lambda: worker_healthy(self.paths),
                        before_start=lambda: worker_heartbeat_file(self.paths).unlink(missing_ok=True)))

    # -- children ---------------------------------------------------------------------------
    def _add(self, child: Child) -> None:
        child.status = ChildState(child.name)
        self._children[child.name] = child

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
            cmd = _pid_cmdline(pid)
            if cmd and name in cmd and str(self.paths.root) in _environ_of(pid, cmd):
                log.warning("stopping %s left over from an earlier run (pid %s)", name, pid)
                _kill_group(pid)
                killed.append(pid)
            pf.unlink(missing_ok=True)
        return killed

    def _spawn(self, child: Child) -> None:
        child.before_start()
        out = open(self.paths.logs / f"{child.name}.out", "ab")
        child.proc = subprocess.Popen(
            child.argv(), env=child_env(self.paths), cwd=str(self.paths.root), stdin=subprocess.DEVNULL,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
        out.close()
        self._pidfile(child.name).write_text(str(child.proc.pid))
        child.status.pid = child.proc.pid
        child.status.started_at = time.time()
        child.status.state = STARTING
        log.info("started %s (pid %s)", child.name, child.proc.pid)

    def start(self, monitor: bool = True) -> None:
        self.cleanup_stale()
        with self._lock:
            for child in self._children.values():
                self._spawn(child)
        if monitor:
            self._stop.clear()
            self._thread = threading.Thread(target=self._monitor, name="supervisor", daemon=True)
            self._thread.start()

    def check_once(self) -> None:
        """Update health; restart any child that died or never became healthy."""
        with self._lock:
            for child in self._children.values():
                if self._stop.is_set() or child.proc is None:
                    continue
                st = child.status
                code = child.proc.poll()
                if code is not None:
                    # Back off when a child keeps dying right after its start (a broken install
                    # must not spin the CPU): 0 s, 1 s, 2 s, 4 s ... up to 30 s between tries.
                    if not st.waiting:
                        lived = time.time() - st.started_at
                        st.quick_failures = st.quick_failures + 1 if lived < 10 else 0
                        delay = min(30.0, 2.0 ** (st.quick_failures - 2)) if st.quick_failures > 1 else 0.0
                        st.waiting, st.next_try = True, time.time() + delay
                        st.state = RESTARTING
                        st.detail = f"exited with code {code}; restarting" + (f" in {delay:.0f} s" if delay else "")
                        log.warning("%s (pid %s) exited with %s", child.name, child.proc.pid, code)
                    if time.time() >= st.next_try:
                        st.waiting = False
                        st.restarts += 1
                        self._spawn(child)
                        st.state = RESTARTING
                    continue
                ok = child.healthy()
                if ok:
                    st.state, st.detail = HEALTHY, ""
                elif time.time() - st.started_at > self.grace_s:
                    st.state, st.detail = UNHEALTHY, "not answering; restarting"
                    log.warning("%s is not answering; restarting", child.name)
                    _kill_group(child.proc.pid)
                    child.proc.wait(10)
                    st.restarts += 1
                    self._spawn(child)
                    st.state = RESTARTING
                elif st.state == HEALTHY:
                    st.state = UNHEALTHY

    def _monitor(self) -> None:
        while not self._stop.wait(0.5):
            try:
                self.check_once()
            except Exception:  # the monitor must outlive any one failure
                log.exception("supervisor check failed")

    def wait_healthy(self, timeout: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._thread is None:
                self.check_once()
            if all(c.status.state == HEALTHY for c in self._children.values()):
                return True
            time.sleep(0.1)
        return False

    def status(self) -> dict[str, ChildState]:
        with self._lock:
            return {n: ChildState(**c.status.__dict__) for n, c in self._children.items()}

    def pid(self, name: str) -> int | None:
        child = self._children[name]
        return child.proc.pid if child.proc else None

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(5)
        with self._lock:
            for child in self._children.values():
                if child.proc and child.proc.poll() is None:
                    try:
                        os.killpg(child.proc.pid, signal.SIGTERM)
                    except ProcessLookupError:
                        pass
            for child in self._children.values():
                if child.proc:
                    try:
                        child.proc.wait(timeout)
                    except subprocess.TimeoutExpired:
                        _kill_group(child.proc.pid)
                        child.proc.wait(5)
                    child.status.state = STOPPED
                self._pidfile(child.name).unlink(missing_ok=True)


def _environ_of(pid: int, fallback: str) -> str:
    try:
        return Path(f"/proc/{pid}/environ").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return fallback


def _kill_group(pid: int) -> None:
    for fn in (os.killpg, os.kill):
        try:
            fn(pid, signal.SIGKILL)
            return
        except (ProcessLookupError, PermissionError):
            continue
