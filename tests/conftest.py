"""Shared fixtures: a fresh data folder per test, real services, offscreen Qt."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["ORT_DISABLE_TELEMETRY"] = "1"
os.environ["HF_HUB_OFFLINE"] = "1"

from desktop.core.storage.config import DATA_DIR_ENV, DataPaths  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def paths(tmp_path, monkeypatch) -> DataPaths:
    root = tmp_path / "data"
    monkeypatch.setenv(DATA_DIR_ENV, str(root))
    return DataPaths(root).ensure()


@pytest.fixture
def db(paths):
    from desktop.core.storage.db import open_db

    return open_db(paths.db)


@pytest.fixture
def services(paths):
    """The real supervisor with its real children (Chroma server and Huey consumer)."""
    from desktop.core.runtime.services import app_lock
    from desktop.core.runtime.supervisor import Supervisor

    lock = app_lock(paths).acquire()
    sup = Supervisor(paths)
    try:
        sup.start()
        assert sup.wait_healthy(90), sup.status()
        yield sup
    finally:  # also when start-up failed: never leave children behind
        sup.stop()
        lock.release()


@pytest.fixture(scope="session", autouse=True)
def _qt_audio_without_test_sound_servers(qapp):
    """Let Qt's audio layer start once, before any test's private PulseAudio server exists.

    Tests start and kill private PulseAudio servers for the virtual microphone; Qt's
    multimedia keeps one process-wide connection, which must not be made to one of
    those short-lived servers (a player stopping against a dead server can block).
    """
    old = os.environ.pop("PULSE_SERVER", None)
    try:
        from PySide6.QtMultimedia import QMediaDevices

        QMediaDevices.audioOutputs()
    finally:
        if old is not None:
            os.environ["PULSE_SERVER"] = old
    yield


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def lectern(*args: str, data_dir: Path | None = None, timeout: float = 300, **kw) -> subprocess.CompletedProcess:
    """Run the real CLI in a subprocess."""
    env = dict(os.environ)
    if data_dir is not None:
        env[DATA_DIR_ENV] = str(data_dir)
    return subprocess.run([sys.executable, "-m", "desktop", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=str(REPO), **kw)
