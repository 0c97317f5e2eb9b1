"""UI tests: no Python Qt message handler while QtMultimedia runs.

pytest-qt captures Qt's log through a message handler written in Python. QtMultimedia's
audio threads log (no sound card, PulseAudio going away); a thread that logs then waits
for the GIL while the UI thread, holding the GIL, waits for that thread inside
``QMediaPlayer.stop()``: a deadlock that only the test harness creates. The app installs no
Python message handler, so the UI tests run as the app does: Qt logs straight to stderr.
"""
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.no_qt_log)
