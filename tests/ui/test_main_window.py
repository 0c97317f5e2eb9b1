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


def test_the_shortcuts_sheet_lists_what_the_window_really_has(qtbot, paths, services):
    from desktop.ui.help_dialogs import ShortcutsDialog

    win = _window(qtbot, paths, services)
    QTest.keySequence(win, "Ctrl+/")
    qtbot.waitUntil(lambda: getattr(win, "shortcuts_dialog", None) is not None and win.shortcuts_dialog.isVisible(),
                    timeout=5000)
    rows = {(what, keys) for _group, what, keys in win.shortcuts_dialog.rows}
    for what, keys in (("Library", "Ctrl+1"), ("Record", "Ctrl+2"), ("Chat", "Ctrl+3"),
                       ("Background jobs", "Ctrl+J"), ("Settings…", "Ctrl+,"), ("Quit", "Ctrl+Q")):
        assert (what, keys) in rows, (what, keys, sorted(rows))
    # A shortcut added to the window later shows up the next time the sheet opens.
    from PySide6.QtGui import QAction, QKeySequence

    extra = QAction("Do a new thing", win, shortcut=QKeySequence("Ctrl+Shift+K"))
    win.addAction(extra)
    assert ("Do a new thing", "Ctrl+Shift+K") in {(w, k) for _g, w, k in ShortcutsDialog(win).rows}


def test_about_names_the_version_and_self_check_reports_what_it_checked(qtbot, paths, services):
    from importlib import metadata

    from desktop.ui.help_dialogs import version

    assert version() == metadata.version("lectern")
    win = _window(qtbot, paths, services)
    job_id = win.run_selfcheck()
    dlg = win.selfcheck_dialog
    assert dlg.isVisible() and dlg.job_id == job_id
    qtbot.waitUntil(lambda: dlg.finished_job is not None, timeout=60000)
    checked = [dlg.list.topLevelItem(i).text(0) for i in range(dlg.list.topLevelItemCount())]
    assert "Background worker" in checked and "Vector store" in checked
    assert any(c.startswith("Model for") for c in checked)
    assert dlg.summary.text() == "Everything checked works."


def test_quit_says_that_a_running_job_continues_next_time(qtbot, paths, services, db):
    win = _window(qtbot, paths, services)
    assert win.quit_question() == ""
    jobs.create_job(db, "selfcheck", {"steps": 2}, target="document:99", title="Read “Genetics reader”")
    win.ctx.monitor.poll()
    qtbot.waitUntil(lambda: win.drawer.active_count() == 1, timeout=5000)
    assert win.quit_question().startswith("1 job is running (Read “Genetics reader”). It will continue the next "
                                          "time you open Lectern.")


def test_a_pdf_imported_from_the_command_line_appears_in_the_open_window(qtbot, paths, services, tmp_path):
    from desktop.core import library
    from tests import pdfs
    from tests.conftest import lectern

    win = _window(qtbot, paths, services)
    pane = win.panes["library"]
    assert pane.stack.currentWidget() is pane.empty
    pdf = pdfs.make_course_pdf(tmp_path / "Genetics reader.pdf", n=2)
    out = lectern("ingest", str(pdf), "--semester", "Spring 2027", "--subject", "Genetics", "--book", "Reader",
                  data_dir=paths.root)
    assert out.returncode == 0, out.stderr
    qtbot.waitUntil(lambda: any(n.name == "Reader" for n in library.all_nodes(win.ctx.db))
                    and pane.stack.currentWidget() is not pane.empty, timeout=15000)
    book = next(n for n in library.all_nodes(win.ctx.db) if n.name == "Reader")
    assert pane.tree.item_for(book.id) is not None


def test_a_jobs_title_follows_a_rename_of_its_document(qtbot, paths, services, db, tmp_path):
    from desktop.core import library
    from desktop.workers.submit import QueueJobs
    from tests import pdfs

    win = _window(qtbot, paths, services)
    book = library.ensure_path(db, "Fall 2026", "Biology", "Reader")
    r = library.import_file(db, paths, book, pdfs.make_course_pdf(tmp_path / "old name.pdf", n=2),
                            starter=QueueJobs(paths, db))
    from desktop.core.library import ingest

    job_id = ingest.submit_ingest(db, paths, r.document_id, QueueJobs(paths, db))
    win.ctx.monitor.poll()
    qtbot.waitUntil(lambda: job_id in win.drawer.rows, timeout=5000)
    assert "“old name”" in win.drawer.rows[job_id].title.text()
    library.rename_document(db, r.document_id, "Genetics reader")
    win.ctx.events.library_changed.emit()
    assert "“Genetics reader”" in win.drawer.rows[job_id].title.text()


def test_the_drawer_opens_taller_than_three_rows_and_keeps_the_height_set(qtbot, paths, services):
    win = _window(qtbot, paths, services)
    win.resize(1280, 800)
    win.toggle_jobs()
    qtbot.waitUntil(lambda: win.dock.height() >= 200, timeout=3000)
    win.resizeDocks([win.dock], [300], Qt.Vertical)
    qtbot.waitUntil(lambda: abs(win.dock.height() - 300) <= 2, timeout=3000)
    win.close()
    again = _window(qtbot, paths, services)
    again.toggle_jobs()
    qtbot.waitUntil(lambda: abs(again.dock.height() - 300) <= 2, timeout=3000)


def test_narrow_windows_fold_the_side_bar_to_named_icons(qtbot, paths, services):
    win = _window(qtbot, paths, services)
    win.resize(1024, 600)
    qtbot.waitUntil(lambda: win.sidebar.width() < 100, timeout=3000)
    item = win.sidebar.item(0)
    assert item.text() == "" and item.toolTip().startswith("Library") and item.data(Qt.AccessibleTextRole) == "Library"
    win.resize(1366, 768)
    qtbot.waitUntil(lambda: win.sidebar.item(0).text().strip() == "Library", timeout=3000)


def test_the_dark_look_can_be_chosen_and_is_remembered(qtbot, paths, services):
    from PySide6.QtWidgets import QApplication

    from desktop.ui import theme

    win = _window(qtbot, paths, services)
    try:
        win.set_theme(theme.DARK)
        assert theme.current() == theme.DARK
        assert QApplication.instance().palette().window().color().lightness() < 60
        assert "#16191e" in QApplication.instance().styleSheet()
        win.close()
        again = _window(qtbot, paths, services)
        assert theme.current() == theme.DARK
        again.set_theme(theme.LIGHT)
        assert QApplication.instance().palette().window().color().lightness() > 200
    finally:
        theme.apply_theme(QApplication.instance(), theme.LIGHT)


def test_a_clean_quit_leaves_no_pid_port_or_lock_files(tmp_path):
    import json as _json

    from tests.conftest import lectern

    data = tmp_path / "data"
    out = lectern("--startup-probe", data_dir=data, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    probe = _json.loads([line for line in out.stdout.splitlines() if line.startswith("{")][-1])
    assert probe["window_visible_s"] > 0 and probe["cpu_s"] > 0
    assert sorted(p.name for p in (data / "run").iterdir()) == []


def test_a_lecture_imported_from_the_command_line_appears_in_the_record_pane(qtbot, paths, services):
    from tests.conftest import REPO, lectern

    win = _window(qtbot, paths, services)
    recent = win.panes["record"].recent
    before = recent.tree.topLevelItemCount()
    out = lectern("transcribe", str(REPO / "resources" / "sample" / "lecture-photosynthesis.ogg"), "--title",
                  "Lecture 7: Photosynthesis", "--model", "tiny.en", data_dir=paths.root)
    assert out.returncode == 0, out.stderr
    qtbot.waitUntil(lambda: recent.tree.topLevelItemCount() == before + 1, timeout=15000)
    assert recent.tree.topLevelItem(0).text(0) == "Lecture 7: Photosynthesis"
