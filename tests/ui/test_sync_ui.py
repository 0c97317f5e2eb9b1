"""Sync in the window against a real S3 server on loopback (moto) and the real worker:
Settings → Sync, Sync now with its progress and summary, the held-deletion question, the
status bar, the interval timer, and the cloud view."""
from __future__ import annotations

import http.server
import os
import threading

import boto3
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from desktop.app import build_window
from desktop.core import jobs, library
from desktop.core.storage import settings
from desktop.core.sync import SyncConfig, save_config
from desktop.core.sync.state import CLOUD_JOB_KIND, JOB_KIND
from desktop.ui.background import wait_idle
from desktop.ui.context import AppContext
from desktop.ui.job_monitor import JobMonitor
from desktop.ui.sync import controller as controller_mod
from desktop.ui.sync.settings_page import SyncSettingsTab
from tests.s3 import SECRET_KEY, free_port, moto_server, s3_env, s3_server  # noqa: F401  (fixtures)

KEY = "users/ana/raw_data/Fall 2026/Biology/Reader/"


def test_the_controller_knows_the_sync_job_kind_before_core_loads():
    assert controller_mod.JOB_KIND == JOB_KIND


@pytest.fixture
def page(qtbot, paths, db):
    ctx = AppContext(paths=paths, db=db)
    ctx.monitor = JobMonitor(db, interval_ms=100)
    p = SyncSettingsTab(ctx)
    ctx.adopt(p)
    qtbot.addWidget(p)
    p.resize(720, 520)
    p.show()
    qtbot.waitExposed(p)
    yield p
    wait_idle()


def test_the_sync_page_is_off_by_default_tests_the_connection_and_stores_no_secret(qtbot, page, db, paths,
                                                                                   s3_server, s3_env):  # noqa: F811
    assert not page.enabled.isChecked() and not page.fields.isEnabled() and not page.test_button.isEnabled()
    page.apply()                                         # off and never set up: nothing stored
    assert settings.load(db).sync_bucket == ""
    page.enabled.setChecked(True)
    assert page.fields.isEnabled()
    bucket = s3_server.new_bucket()

    def test_with(bucket_name: str, endpoint: str) -> str:
        page.bucket.setText(bucket_name)
        page.endpoint.setText(endpoint)
        page.user.setText("ana")
        page.result.setText("")
        qtbot.mouseClick(page.test_button, Qt.LeftButton)
        qtbot.waitUntil(lambda: page.test_button.isEnabled() and bool(page.result.text())
                        and not page.result.text().startswith("Asking"), timeout=60000)
        return page.result.text()

    assert test_with(bucket, s3_server.url).startswith(f"Connected: the bucket {bucket} answers")
    assert test_with("no-such-bucket", s3_server.url) == (
        f"There is no bucket called 'no-such-bucket' at {s3_server.url}. "
        "Check the bucket name (and the endpoint URL and region).")
    closed = f"http://127.0.0.1:{free_port()}"
    assert test_with(bucket, closed).startswith(f"Cannot reach {closed}: you may be offline")
    assert test_with("a/b", s3_server.url).startswith("'a/b' is not a bucket name.")

    page.bucket.setText(bucket)
    page.endpoint.setText(s3_server.url)
    page.interval.setCurrentIndex(page.interval.findData(3600))
    page.apply()
    stored = settings.load(db)
    assert (stored.sync_bucket, stored.sync_user, stored.sync_endpoint, stored.sync_interval_s,
            stored.sync_enabled) == (bucket, "ana", s3_server.url, 3600, True)
    page.enabled.setChecked(False)                       # off: the bucket is remembered, nothing syncs
    page.apply()
    assert settings.load(db).sync_bucket == bucket and not settings.load(db).sync_enabled
    again = SyncSettingsTab(page.ctx)                    # opened again: off, with everything remembered
    qtbot.addWidget(again)
    assert not again.enabled.isChecked() and again.bucket.text() == bucket and again.interval.currentData() == 3600
    for f in paths.root.rglob("*"):
        if f.is_file():
            assert SECRET_KEY.encode() not in f.read_bytes(), f


@pytest.fixture
def window(qtbot, s3_server, s3_env, paths, db, services):  # noqa: F811  (S3 keys in the environment first)
    bucket = s3_server.new_bucket()
    save_config(db, SyncConfig(bucket, "ana", s3_server.url, "us-east-1"))
    win = build_window(paths, services)
    win.ctx.monitor._timer.setInterval(100)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    win.bucket = bucket
    yield win
    wait_idle()


def add_note(db, paths, tmp_path, name: str, data: bytes, book: str = "Reader") -> int:
    path = tmp_path / name
    path.write_bytes(data)
    node = library.ensure_path(db, "Fall 2026", "Biology", book)
    result = library.import_file(db, paths, node, path, starter=None)
    assert result.added
    return result.document_id


def finished(win, kind: str = JOB_KIND) -> list[jobs.Job]:
    return [j for j in jobs.list_jobs(win.ctx.db) if j.kind == kind and j.finished]


def keys(server, bucket) -> list[str]:
    return sorted(o["Key"] for o in server.client().list_objects_v2(Bucket=bucket).get("Contents", []))


def test_sync_now_shows_progress_in_files_and_bytes_then_a_summary_and_the_status(qtbot, window, db, paths,
                                                                                  tmp_path, s3_server):  # noqa: F811
    win = window
    qtbot.waitUntil(lambda: win.sync.status_button.text() == "Not synced yet", timeout=5000)
    add_note(db, paths, tmp_path, "big notes.md", os.urandom(48 << 20))
    add_note(db, paths, tmp_path, "week 1.md", b"osmosis\n")
    stages: list[str] = []
    bars: list[bool] = []
    win.ctx.monitor.job_changed.connect(lambda j: j.kind == JOB_KIND and (stages.append(j.stage),
                                                                          bars.append(win.sync.bar.isVisible())))
    assert "Sync now" in [a.text() for a in win.file_menu.actions()]
    win.sync.sync_action.trigger()
    qtbot.waitUntil(lambda: bool(finished(win)), timeout=120000)
    [job] = finished(win)
    assert job.state == jobs.DONE, job.error
    assert any("Uploading big notes.md: file" in s and "MB of" in s for s in stages), stages
    assert any(bars), "the status bar showed the sync's progress bar"
    qtbot.waitUntil(lambda: win.sync.banner.isVisible(), timeout=5000)
    assert "Sync done." in win.sync.banner.label.text() and "2 uploaded, 0 downloaded" in win.sync.banner.label.text()
    assert win.sync.status_button.text() == "Synced just now"
    assert "2 uploaded" in win.sync.status_button.toolTip()
    assert win.drawer.rows[job.id].bar.value() == 1000
    assert keys(s3_server, win.bucket) == [KEY + "big notes.md", KEY + "week 1.md"]


def test_held_deletions_are_asked_plainly_and_only_confirmed_ones_go(qtbot, window, db, paths, tmp_path,
                                                                     s3_server):  # noqa: F811
    win = window
    ids = [add_note(db, paths, tmp_path, f"n{i}.md", f"note {i}\n".encode()) for i in range(5)]
    win.sync.sync_now()
    qtbot.waitUntil(lambda: len(finished(win)) == 1, timeout=60000)
    for doc_id in ids[:2]:
        library.delete_document(db, paths, doc_id)
    win.sync.sync_now()
    qtbot.waitUntil(lambda: win.sync.question_box is not None and win.sync.question_box.isVisible(), timeout=60000)
    box = win.sync.question_box
    assert box.text().startswith("This sync would delete 2 of 5 files from the bucket")
    assert "n0.md" in box.informativeText() and "n1.md" in box.informativeText()
    assert len(keys(s3_server, win.bucket)) == 5           # nothing deleted before the answer
    delete = next(b for b in box.buttons() if b.text() == "Delete")
    qtbot.mouseClick(delete, Qt.LeftButton)
    qtbot.waitUntil(lambda: len(finished(win)) == 3, timeout=60000)
    last = finished(win)[0]
    assert last.payload["confirmed"] and last.result["counts"] == {"delete_remote": 2}
    assert keys(s3_server, win.bucket) == [KEY + f"n{i}.md" for i in (2, 3, 4)]

    library.delete_document(db, paths, ids[2])             # this time the student keeps it
    win.sync.sync_now()
    qtbot.waitUntil(lambda: len(finished(win)) == 4 and win.sync.question_box.isVisible(), timeout=60000)
    keep = next(b for b in win.sync.question_box.buttons() if b.text().startswith("Keep them"))
    qtbot.mouseClick(keep, Qt.LeftButton)
    qtbot.waitUntil(lambda: len(finished(win)) == 5, timeout=60000)
    assert finished(win)[0].result["counts"] == {"download": 1}
    assert "n2" in {d["title"] for d in db.query("SELECT title FROM documents")}   # back in this library
    assert keys(s3_server, win.bucket) == [KEY + f"n{i}.md" for i in (2, 3, 4)]


def test_a_failed_sync_says_why_in_the_status_bar_and_the_timer_backs_off(qtbot, window, db):
    win = window
    save_config(db, SyncConfig(win.bucket, "ana", f"http://127.0.0.1:{free_port()}", "us-east-1"),
                interval_s=15 * 60)
    first = win.sync.tick()
    assert first is not None and win.sync.tick() is None       # never a second while one waits or runs
    qtbot.waitUntil(lambda: bool(finished(win)), timeout=90000)
    qtbot.waitUntil(lambda: win.sync.status_button.text().startswith("Sync failed: Cannot reach"), timeout=5000)
    assert "offline" in win.sync.status_button.toolTip()
    assert not win.sync.banner.isVisible()                      # an automatic sync only tells the status bar
    failed_at = finished(win)[0].finished_at
    assert win.sync.tick(now=failed_at + 30) is None             # backs off: first retry after a minute
    assert win.sync.tick(now=failed_at + 61) is not None


def test_the_cloud_view_lists_downloads_uploads_and_deletes(qtbot, window, db, paths, tmp_path, s3_server):  # noqa: F811
    win = window
    client = s3_server.client()
    for name, body in (("chapter 1.md", b"# Cells\n"), ("chapter 2.md", b"# Membranes\n")):
        client.put_object(Bucket=win.bucket, Key=f"users/ana/raw_data/Fall 2026/Biology/Textbook/{name}", Body=body)
    client.put_object(Bucket=win.bucket, Key="users/ana/raw_data/Spring 2027/Physics/Notes/forces.md", Body=b"F=ma\n")
    add_note(db, paths, tmp_path, "mine.md", b"only here\n")
    pane = win.panes["library"]
    qtbot.mouseClick(pane.cloud_button, Qt.LeftButton)
    dialog = win.sync.cloud_dialog
    qtbot.waitUntil(lambda: dialog.isVisible() and dialog.loaded, timeout=30000)
    assert "2 only in the cloud" in dialog.tree.topLevelItem(0).text(1) or dialog.tree.topLevelItemCount() == 2
    assert dialog.message.text().startswith("0 file(s) here and in the cloud, 3 only in the cloud, 1 only here")

    assert dialog.select_path("Fall 2026", "Biology", "Textbook") is not None
    assert dialog.download_button.isEnabled()
    qtbot.mouseClick(dialog.download_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: bool(finished(win, CLOUD_JOB_KIND)), timeout=60000)
    qtbot.waitUntil(lambda: dialog.message.text().startswith("Downloaded 2 file(s)"), timeout=30000)
    qtbot.waitUntil(lambda: dialog.loaded and dialog.select_path("Fall 2026", "Biology", "Textbook") is not None
                    and dialog.tree.currentItem().text(1) == "Here and in the cloud", timeout=30000)
    titles = {d["title"] for d in db.query("SELECT title FROM documents")}
    assert {"chapter 1", "chapter 2", "mine"} <= titles

    dialog.select_path("Fall 2026", "Biology", "Textbook", "chapter 2.md")
    qtbot.mouseClick(dialog.delete_button, Qt.LeftButton)
    box = dialog.confirm_box
    assert box.isVisible() and "Fall 2026 / Biology / Textbook / chapter 2.md" in box.informativeText()
    assert "also in this library" in box.informativeText()
    qtbot.mouseClick(next(b for b in box.buttons() if b.text().startswith("Delete 1")), Qt.LeftButton)
    qtbot.waitUntil(lambda: len(finished(win, CLOUD_JOB_KIND)) == 2, timeout=60000)
    qtbot.waitUntil(lambda: dialog.message.text().startswith("Deleted 1 file(s) from the bucket"), timeout=30000)
    assert "users/ana/raw_data/Fall 2026/Biology/Textbook/chapter 2.md" not in keys(s3_server, win.bucket)

    folder = tmp_path / "Lab sheets"
    folder.mkdir()
    (folder / "lab 1.md").write_text("pipettes\n")
    dialog.upload_folder(str(folder), "Fall 2026", "Biology", "Lab sheets")
    qtbot.waitUntil(lambda: len(finished(win, CLOUD_JOB_KIND)) == 3, timeout=60000)
    qtbot.waitUntil(lambda: dialog.message.text().startswith("Uploaded 1 file(s)"), timeout=30000)
    assert "users/ana/raw_data/Fall 2026/Biology/Lab sheets/lab 1.md" in keys(s3_server, win.bucket)

    qtbot.waitUntil(lambda: dialog.new_books_button.isEnabled(), timeout=30000)
    qtbot.mouseClick(dialog.new_books_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: len(finished(win, CLOUD_JOB_KIND)) == 4, timeout=60000)
    qtbot.waitUntil(lambda: dialog.message.text().startswith("Downloaded 1 file(s)"), timeout=30000)
    assert "forces" in {d["title"] for d in db.query("SELECT title FROM documents")}
    assert all(j.state == jobs.DONE for j in finished(win, CLOUD_JOB_KIND))
    assert not [b for b in dialog.findChildren(QMessageBox) if b.isVisible()]


def test_a_sync_is_cancelled_from_the_status_bar_and_keeps_what_was_done(qtbot, window, db, paths, tmp_path,
                                                                         s3_server):  # noqa: F811
    win = window
    add_note(db, paths, tmp_path, "a.md", b"small\n")
    add_note(db, paths, tmp_path, "huge.md", os.urandom(160 << 20))
    win.sync.sync_now()
    qtbot.waitUntil(lambda: win.sync.bar.isVisible() and win.sync.bar.value() > 0, timeout=60000)
    assert win.sync.status_button.text().startswith("Syncing…") and win.sync.cancel_action.isEnabled()
    win.sync.cancel_action.trigger()
    qtbot.waitUntil(lambda: bool(finished(win)), timeout=60000)
    assert finished(win)[0].state == jobs.CANCELLED
    qtbot.waitUntil(lambda: win.sync.banner.isVisible(), timeout=5000)
    assert win.sync.banner.label.text().startswith("Sync cancelled.")
    assert win.sync.status_button.text() == "Sync cancelled just now"
    assert KEY + "huge.md" not in keys(s3_server, win.bucket)       # never half there


class _WebPage(http.server.BaseHTTPRequestHandler):
    """A web server that is not an S3 store (a wrong endpoint URL)."""

    def do_GET(self):
        body = b"<html><body>Welcome to our university</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_test_connection_names_access_denied_a_wrong_endpoint_and_a_skewed_clock(qtbot, page, tmp_path,
                                                                                 s3_env):  # noqa: F811
    from tests.e2e.test_sync_cli import _ClockAhead

    page.enabled.setChecked(True)
    page.user.setText("ana")

    def test_with(bucket: str, endpoint: str) -> str:
        page.bucket.setText(bucket)
        page.endpoint.setText(endpoint)
        page.result.setText("")
        qtbot.mouseClick(page.test_button, Qt.LeftButton)
        qtbot.waitUntil(lambda: page.test_button.isEnabled() and bool(page.result.text())
                        and not page.result.text().startswith("Asking"), timeout=60000)
        return page.result.text()

    with moto_server(tmp_path, INITIAL_NO_AUTH_ACTION_COUNT="3") as server:   # checks credentials after 3 calls
        iam = boto3.client("iam", endpoint_url=server.url, aws_access_key_id="x", aws_secret_access_key="y",
                           region_name="us-east-1")
        iam.create_user(UserName="student")
        key = iam.create_access_key(UserName="student")["AccessKey"]
        server.client().create_bucket(Bucket="course")
        os.environ.update(AWS_ACCESS_KEY_ID=key["AccessKeyId"], AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"])
        assert test_with("course", server.url).startswith("Access to the bucket 'course' was denied.")
    for handler, expected in ((_WebPage, "does not answer like an S3 store"),
                              (_ClockAhead, "Your computer's clock is 23 minutes off")):
        web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=web.serve_forever, daemon=True).start()
        try:
            url = f"http://127.0.0.1:{web.server_address[1]}"
            assert expected in test_with("course", url)
        finally:
            web.shutdown()
            web.server_close()


# -- the held-deletion question waits until it is answered ---------------------------------------------------
def hold_two_deletions(qtbot, win, db, paths, tmp_path) -> None:
    """Five notes synced, two deleted here; the sync that follows holds their deletion back."""
    ids = [add_note(db, paths, tmp_path, f"n{i}.md", f"note {i}\n".encode()) for i in range(5)]
    win.sync.sync_now()
    qtbot.waitUntil(lambda: len(finished(win)) == 1, timeout=60000)
    for doc_id in ids[:2]:
        library.delete_document(db, paths, doc_id)
    win.sync.sync_now()
    qtbot.waitUntil(lambda: win.sync.question_box is not None and win.sync.question_box.isVisible(), timeout=60000)


def test_the_question_comes_back_when_lectern_is_opened_again_until_it_is_answered(qtbot, window, db, paths,
                                                                                    tmp_path, s3_server,  # noqa: F811
                                                                                    services):
    win = window
    hold_two_deletions(qtbot, win, db, paths, tmp_path)
    win.close()                                   # quit without answering

    again = build_window(paths, services)
    again.ctx.monitor._timer.setInterval(100)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    qtbot.waitUntil(lambda: again.sync.question_box is not None and again.sync.question_box.isVisible(),
                    timeout=10000)
    box = again.sync.question_box
    assert box.text().startswith("This sync would delete 2 of 5 files from the bucket")
    assert "n0.md" in box.informativeText() and "n1.md" in box.informativeText()
    assert again.sync.status_button.text() == "Synced just now: 2 deletions wait for you"
    assert again.sync.held_action.isVisible()
    box.close()                                   # closed without an answer: still offered from the status bar
    assert not box.isVisible() and len(keys(s3_server, win.bucket)) == 5
    again.sync.held_action.trigger()
    qtbot.waitUntil(lambda: again.sync.question_box.isVisible(), timeout=5000)
    delete = next(b for b in again.sync.question_box.buttons() if b.text() == "Delete")
    qtbot.mouseClick(delete, Qt.LeftButton)
    qtbot.waitUntil(lambda: len(finished(again)) == 3, timeout=60000)
    assert finished(again)[0].result["counts"] == {"delete_remote": 2}
    assert keys(s3_server, win.bucket) == [KEY + f"n{i}.md" for i in (2, 3, 4)]
    qtbot.waitUntil(lambda: again.sync.status_button.text() == "Synced just now", timeout=5000)
    assert not again.sync.held_action.isVisible()


def test_the_question_is_asked_again_after_a_sync_that_failed(qtbot, window, db, paths, tmp_path,
                                                              s3_server):  # noqa: F811
    win = window
    hold_two_deletions(qtbot, win, db, paths, tmp_path)
    win.sync.question_box.close()                 # not answered
    client = s3_server.client()                   # the bucket is removed meanwhile: the next sync fails
    for key in keys(s3_server, win.bucket):
        client.delete_object(Bucket=win.bucket, Key=key)
    client.delete_bucket(Bucket=win.bucket)
    win.sync.sync_now()
    qtbot.waitUntil(lambda: len(finished(win)) == 3, timeout=60000)
    assert finished(win)[0].state == jobs.FAILED
    qtbot.waitUntil(lambda: win.sync.question_box.isVisible(), timeout=5000)
    assert win.sync.question_box.text().startswith("This sync would delete 2 of 5 files from the bucket")
    assert win.sync.status_button.text().startswith("Sync failed: There is no bucket")
    assert "2 deletions held back by a sync still wait for your answer" in win.sync.status_button.toolTip()


def held_in_core(db, paths, tmp_path, s3_server) -> SyncConfig:  # noqa: F811
    """The same state through core (no window): a sync held back 2 deletions of 5."""
    from desktop.core.sync import sync

    config = SyncConfig(s3_server.new_bucket(), "ana", s3_server.url, "us-east-1")
    save_config(db, config)
    ids = [add_note(db, paths, tmp_path, f"n{i}.md", f"note {i}\n".encode()) for i in range(5)]
    sync(db, paths, config)
    for doc_id in ids[:2]:
        library.delete_document(db, paths, doc_id)
    assert sync(db, paths, config).counts == {"held": 2}
    return config


def test_settings_shows_the_waiting_question_and_keeping_answers_it(qtbot, page, db, paths, tmp_path, s3_server,
                                                                    s3_env):  # noqa: F811
    from desktop.core.sync import manifest
    from desktop.core.sync.status import pending_deletions

    config = held_in_core(db, paths, tmp_path, s3_server)
    tab = SyncSettingsTab(page.ctx)
    qtbot.addWidget(tab)
    tab.show()
    assert tab.held_box.isVisible()
    assert "2 deletions wait for you" in tab.held_text.text() and "n0.md" in tab.held_text.text()
    assert "This sync would delete 2 of 5 files from the bucket" in tab.held_text.text()
    assert tab.keep_held_button.text() == "Keep them (they come back to this library)"
    qtbot.mouseClick(tab.keep_held_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not tab.held_box.isVisible(), timeout=30000)
    assert pending_deletions(db) is None
    assert not {KEY + "n0.md", KEY + "n1.md"} & set(manifest.load(db, config.target))
    [job] = [j for j in jobs.list_jobs(db) if j.kind == JOB_KIND]     # the sync that copies them back
    assert "confirmed" not in job.payload
    assert tab.result.text().startswith("Kept 2 file(s): nothing was deleted.")


def test_settings_delete_starts_a_sync_that_deletes_only_those(qtbot, page, db, paths, tmp_path, s3_server,
                                                               s3_env):  # noqa: F811
    held_in_core(db, paths, tmp_path, s3_server)
    tab = SyncSettingsTab(page.ctx)
    qtbot.addWidget(tab)
    tab.show()
    assert tab.held_box.isVisible()
    qtbot.mouseClick(tab.delete_held_button, Qt.LeftButton)
    [job] = [j for j in jobs.list_jobs(db) if j.kind == JOB_KIND]
    assert sorted(job.payload["confirmed"]) == [KEY + "n0.md", KEY + "n1.md"]
    assert not tab.held_box.isVisible()           # the answer is being carried out
