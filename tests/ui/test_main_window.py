from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from desktop.app import build_window
from desktop.core import jobs


def _window(qtbot, paths, services):
    win = build_window(paths, services)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=5000)
    return win


def test_window_opens_with_every_pane_reachable_by_keyboard(qtbot, paths, services, tmp_path):
    win = _window(qtbot, paths, services)
    for key, shortcut in (("record", "Ctrl+2"), ("chat", "Ctrl+3"), ("library", "Ctrl+1")):
        QTest.keySequence(win, shortcut)
        assert win.current_pane() == key
        assert win.stack.currentWidget() is win.panes[key]
    qtbot.waitUntil(win.all_healthy, timeout=30000)
    assert "ready" in win.worker_light.text() and "ready" in win.store_light.text()
    win.grab().save(str(tmp_path / "main_window.png"))


def test_window_remembers_its_last_pane(qtbot, paths, services):
    win = _window(qtbot, paths, services)
    win.show_pane("chat")
    win.close()
    again = _window(qtbot, paths, services)
    assert again.current_pane() == "chat"


def test_the_jobs_drawer_follows_a_real_job_to_done(qtbot, paths, services):
    win = _window(qtbot, paths, services)
    seen: list[float] = []
    win.ctx.monitor.job_changed.connect(lambda j: seen.append(j.progress))
    with qtbot.waitSignal(win.ctx.monitor.job_finished, timeout=60000) as blocker:
        job_id = win.run_selfcheck()
    job = blocker.args[0]
    assert job.id == job_id and job.state == jobs.DONE
    assert any(0 < p < 1 for p in seen), "progress between start and end was seen"
    row = win.drawer.rows[job_id]
    assert row.bar.value() == 1000 and "Done" in row.stage.text()
    assert win.dock.isVisible()


def test_the_status_bar_shows_a_restarting_worker(qtbot, paths, services):
    import os
    import signal

    from desktop.core.runtime.supervisor import WORKER

    win = _window(qtbot, paths, services)
    qtbot.waitUntil(win.all_healthy, timeout=30000)
    os.killpg(services.pid(WORKER), signal.SIGKILL)
    qtbot.waitUntil(lambda: win.worker_light.state != "healthy", timeout=10000)
    qtbot.waitUntil(lambda: win.worker_light.state == "healthy", timeout=30000)
    assert "restarted 1" in win.worker_light.toolTip()


def test_unreadable_settings_are_told_in_the_window_until_the_student_says_ok(qtbot, paths, services, db):
    from desktop.core.storage import settings

    db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('settings', '{\"chat_model\": ')")
    settings.load(db)                                   # what any process reading them first does
    win = _window(qtbot, paths, services)
    assert win.notice.isVisible() and "could not be read" in win.notice.label.text()
    [ok] = win.notice.buttons
    qtbot.mouseClick(ok, Qt.LeftButton)
    assert not win.notice.isVisible() and settings.pending_notice(db) == ""
    again = _window(qtbot, paths, services)
    assert not again.notice.isVisible()
