import sqlite3
import subprocess
from desktop.workers.submit import QueueJobs

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest

from desktop.core import jobs
from desktop.core import lectures
from desktop.core import library
from desktop.core.storage import settings
from desktop.core.storage.db import open_db
from desktop.core.errors import ModelMissing
from desktop.ui.context import AppContext
from desktop.ui.job_monitor import JobMonitor
from desktop.ui.record import RecordPane
from desktop.ui.theme import resource_text
from tests.audio import lecture_wav, no_sound_system, virtual_mic  # noqa: F401 (fixtures)
from tests.conftest import REPO, wait_for
from tests.core.test_recovery import start_cli_recording

SHOTS = REPO / "shots"
KNOWN_WORDS = ("photosynthesis", "plants", "light", "oxygen", "carbon", "sugar")
# The tiny model under load sometimes mishears the synthetic voice's "photosynthesis" and
# "carbon"; four of six still proves the lecture itself was transcribed.
ENOUGH_WORDS = 4


def make_pane(qtbot, paths, services=None) -> RecordPane:
    db = open_db(paths.db)
    ctx = AppContext(paths=paths, db=db, supervisor=services)
    ctx.monitor = JobMonitor(db)
    ctx.monitor.start()
    pane = RecordPane(ctx)
    ctx.adopt(pane)
    pane.setStyleSheet(resource_text("style.qss"))
    # Closing the pane (pytest-qt does at teardown) shuts it down; the monitor is the test's.
    qtbot.addWidget(pane, before_close_func=lambda _w: ctx.monitor.stop())
    pane.resize(1100, 820)
    pane.show()
    qtbot.waitExposed(pane)
    return pane


def activate(qtbot, widget) -> None:
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow, timeout=5000)


def shot(widget, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    assert widget.grab().save(str(SHOTS / name))


def test_a_lecture_recorded_from_the_microphone_is_captioned_then_transcribed(
        qtbot, paths, services, virtual_mic, lecture_wav):
    db = open_db(paths.db)
    settings.update(db, transcription_model="whisper-tiny.en", live_captions=True)
    subject = library.ensure_path(db, "Fall 2026", "Biology 101")
    pane = make_pane(qtbot, paths, services)
    qtbot.waitUntil(pane.controller.record_button.isEnabled, timeout=20000)  # the microphone was found
    assert pane.microphone.combo.count() >= 1
    pane.details.subject_combo.setCurrentIndex(pane.details.subject_combo.findData(subject))
    pane.details.title_edit.setText("Lecture 3: Photosynthesis")

    activate(qtbot, pane)
    QTest.keySequence(pane, QKeySequence("Ctrl+R"))
    qtbot.waitUntil(lambda: pane.is_recording and pane.recorder.frames_written > 0, timeout=20000)
    rec_id = pane.current_recording_id
    pane.setFocus()
    QTest.keyClick(pane, Qt.Key_Space)
    assert pane.recorder.paused and pane.controller.status.text() == "Paused"
    QTest.keyClick(pane, Qt.Key_Space)
    assert not pane.recorder.paused and "Recording" in pane.controller.status.text()

    player = virtual_mic.play(lecture_wav)
    levels: list[float] = []
    qtbot.waitUntil(lambda: levels.append(pane.microphone.meter.rms_db) or any(
        w in pane.captions_text().lower() for w in KNOWN_WORDS), timeout=60000)
    qtbot.waitUntil(lambda: levels.append(pane.microphone.meter.rms_db) or sum(
        w in pane.captions_text().lower() for w in KNOWN_WORDS) >= 2 or player.poll() is not None, timeout=60000)
    shot(pane, "record_pane_recording.png")   # mid-lecture: meter moving, captions showing
    qtbot.waitUntil(lambda: player.poll() is not None, timeout=60000)
    qtbot.waitUntil(lambda: "sugar" in pane.captions_text().lower() or pane.recorder.elapsed_s > 26, timeout=30000)
    assert max(levels) > -40, "the level meter moved with the speech"
    assert pane.controller.elapsed.text() != "0:00"

    QTest.keySequence(pane, QKeySequence("Ctrl+R"))
    qtbot.waitUntil(lambda: not pane.is_recording and pane.controller.status.text() == "Saved", timeout=20000)
    qtbot.waitUntil(lambda: pane.recent_status(rec_id) == "Transcribed", timeout=180000)
    text = lectures.transcript_text(db, rec_id).lower()
    heard = [w for w in KNOWN_WORDS if w in text]
    assert len(heard) >= ENOUGH_WORDS, text
    rec = lectures.get_recording(db, rec_id)
    doc = library.get_document(db, rec.document_id)
    assert (doc.node_id, doc.title, doc.state) == (subject, "Lecture 3: Photosynthesis", "ready")

    # Chat's citations open the lecture at a second and play from there.
    pane.ctx.events.open_recording_requested.emit(rec_id, 6.0)
    viewer = pane.transcript_viewer
    assert viewer is not None and viewer.recording_id == rec_id
    qtbot.waitUntil(lambda: viewer.is_playing() and viewer.position_s() >= 6.0, timeout=15000)
    assert viewer.current_segment() == viewer.segment_at(viewer.position_s()) >= 0
    shot(viewer, "transcript_viewer_from_pane.png")
    viewer.close()


def test_without_a_microphone_the_pane_says_so_and_still_works(qtbot, paths):
    with no_sound_system():
        pane = make_pane(qtbot, paths)
        qtbot.waitUntil(pane.microphone.no_device.isVisible, timeout=20000)
        assert "No microphone was found" in pane.microphone.no_device.text()
        assert not pane.controller.record_button.isEnabled()
        activate(qtbot, pane)
        QTest.keySequence(pane, QKeySequence("Ctrl+R"))   # nothing happens, nothing breaks
        pane.start_recording()
        assert pane.message_banner.isVisible() and "No microphone" in pane.message_banner.label.text()
        assert not pane.is_recording
        assert pane.importer.isEnabled(), "importing recordings still works"
        assert pane.recent.empty.isVisible()
        shot(pane, "record_pane_no_microphone.png")


def test_a_recording_cut_by_a_crash_is_offered_back_at_the_next_start(qtbot, paths, virtual_mic):
    proc, _ = start_cli_recording(paths)
    wav = wait_for(lambda: next(paths.recordings.glob("*.wav"), None), 10, what="the recording's file")
    # 16 kHz mono from the virtual microphone; a header is well under 4 KiB whatever the format.
    wait_for(lambda: wav.stat().st_size >= 4096 + 2.5 * 16000 * 2, 30, what="2.5 s of audio on disk")
    proc.kill()  # kill -9 in the middle of the lecture
    proc.wait(10)
    pane = make_pane(qtbot, paths)   # Lectern starts again
    qtbot.waitUntil(pane.recovery.isVisible, timeout=20000)
    found = pane.recovery.recovered
    assert len(found) == 1 and found[0].ok and found[0].duration_s > 1.5
    assert found[0].title in pane.recovery.label.text()
    assert "being transcribed" in pane.recovery.label.text()
    db = open_db(paths.db)
    job = jobs.latest_for_target(db, lectures.job_target(found[0].recording_id))
    assert job is not None and job.kind == lectures.TRANSCRIBE_JOB
    assert "Recovered" in pane.recent_status(found[0].recording_id)
    pane.recovery.buttons[0].click()   # "Open"
    assert pane.transcript_viewer is not None and pane.transcript_viewer.recording_id == found[0].recording_id
    pane.transcript_viewer.close()


def test_an_imported_mp3_is_filed_and_transcribed(qtbot, paths, services, lecture_wav, tmp_path):
    db = open_db(paths.db)
    settings.update(db, transcription_model="whisper-tiny.en")
    subject = library.ensure_path(db, "Fall 2026", "Biology 101")
    mp3 = tmp_path / "recorded on my phone.mp3"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(lecture_wav), "-b:a", "64k", str(mp3)], check=True)
    pane = make_pane(qtbot, paths, services)
    pane.details.subject_combo.setCurrentIndex(pane.details.subject_combo.findData(subject))
    pane.import_files([mp3])
    qtbot.waitUntil(lambda: pane.recent.tree.topLevelItemCount() == 1 and pane.importer.isEnabled(), timeout=30000)
    rec_id = pane.recent.tree.topLevelItem(0).data(0, Qt.UserRole)
    qtbot.waitUntil(lambda: pane.recent_status(rec_id) == "Transcribed", timeout=180000)
    rec = lectures.get_recording(db, rec_id)
    assert rec.title == "recorded on my phone" and rec.source == "import" and rec.node_id == subject
    text = lectures.transcript_text(db, rec_id).lower()
    assert sum(w in text for w in KNOWN_WORDS) >= ENOUGH_WORDS, text


def test_transcription_settings_are_saved_and_a_bad_folder_is_refused(qtbot, paths, tmp_path):
    from desktop.ui.settings_transcription import TranscriptionSettingsTab

    db = open_db(paths.db)
    tab = TranscriptionSettingsTab(AppContext(paths=paths, db=db))
    qtbot.addWidget(tab)
    assert tab.model.currentData() == "whisper-base", "base is the default"
    tab.model.setCurrentIndex(tab.model.findData("whisper-tiny.en"))
    tab.language.setCurrentIndex(tab.language.findData("en"))
    tab.captions.setChecked(False)
    tab.apply()
    saved = settings.load(db)
    assert (saved.transcription_model, saved.transcription_language, saved.live_captions) == (
        "whisper-tiny.en", "en", False)
    tab.add_model_folder(str(tmp_path))   # an empty folder is no Whisper model
    with pytest.raises(ModelMissing):
        tab.apply()
    assert settings.load(db).transcription_model == "whisper-tiny.en", "nothing changed"


def test_a_lecture_can_be_renamed_and_filed_after_it_was_recorded(qtbot, paths, lecture_wav):
    db = open_db(paths.db)
    rec_id = lectures.import_media(db, paths, lecture_wav, None, "Lecture 1", starter=QueueJobs(paths, db))
    physics = library.ensure_path(db, "Fall 2026", "Physics")
    pane = make_pane(qtbot, paths)
    pane.recent.tree.setCurrentItem(pane.recent.tree.topLevelItem(0))   # pick it in "Recent lectures"
    assert pane.current_recording_id == rec_id and pane.details.title_edit.text() == "Lecture 1"
    assert "Lecture 1" in pane.details.caption.text() and pane.details.next_button.isVisible()
    pane.details.title_edit.setText("Lecture 1: Optics")
    pane.details.title_edit.editingFinished.emit()
    pane.details.subject_combo.setCurrentIndex(pane.details.subject_combo.findData(physics))
    rec = lectures.get_recording(db, rec_id)
    doc = library.get_document(db, rec.document_id)
    assert (rec.title, rec.node_id, doc.title, doc.node_id) == ("Lecture 1: Optics", physics, "Lecture 1: Optics",
                                                                physics)
    assert pane.recent.tree.topLevelItem(0).text(1) == "Physics"
    pane.details.next_button.click()   # now prepare the next recording; the last one is left alone
    assert pane.current_recording_id is None and pane.details.title_edit.text() == ""
    assert pane.details.title_edit.placeholderText() == "Lecture 2", "numbered after the lectures already in Physics"
    pane.details.subject_combo.setCurrentIndex(0)
    assert lectures.get_recording(db, rec_id).node_id == physics


def test_a_recording_whose_row_cannot_be_saved_says_so_and_keeps_the_audio(qtbot, paths, virtual_mic):
    pane = make_pane(qtbot, paths)
    qtbot.waitUntil(pane.controller.record_button.isEnabled, timeout=20000)
    pane.start_recording()
    qtbot.waitUntil(lambda: pane.is_recording and pane.recorder.frames_written >= 16000, timeout=20000)
    rec = pane.recorder
    rec.save_row_for_s = 0.5
    busy = sqlite3.connect(paths.db, timeout=0)   # another writer holds the library for a long time
    busy.execute("BEGIN IMMEDIATE")
    try:
        pane.stop_recording()
        qtbot.waitUntil(lambda: not pane.is_recording and "Saving" not in pane.controller.status.text(),
                        timeout=20000)
        assert pane.message_banner.isVisible()
        assert "next time it starts" in pane.message_banner.label.text()
        assert pane.controller.record_button.isEnabled(), "the student can record the next lecture"
    finally:
        busy.rollback()
        busy.close()
    assert rec.path.stat().st_size >= 16000 * 2, "the audio is on disk"
    db = open_db(paths.db)
    assert jobs.latest_for_target(db, lectures.job_target(rec.recording_id)) is None, "queued at the next start"


def test_closing_the_pane_finishes_the_recording_and_releases_player_and_microphone(qtbot, paths, virtual_mic):
    import shiboken6

    db = open_db(paths.db)
    pane = make_pane(qtbot, paths)
    qtbot.waitUntil(pane.controller.record_button.isEnabled, timeout=20000)
    pane.start_recording()
    qtbot.waitUntil(lambda: pane.is_recording and pane.recorder.frames_written >= 16000, timeout=20000)
    pane.stop_recording()
    qtbot.waitUntil(lambda: pane.controller.status.text() == "Saved", timeout=20000)
    first = pane.current_recording_id
    viewer = pane.open_recording(first, 0.0)
    qtbot.waitUntil(viewer.is_playing, timeout=15000)
    player = viewer.player

    pane.start_recording()   # a second lecture is being recorded when the window goes
    qtbot.waitUntil(lambda: pane.is_recording and pane.recorder.frames_written >= 16000, timeout=20000)
    rec = pane.recorder
    pane.close()
    assert not rec.running and rec.result is not None and rec.result.frames >= 16000, "the file was finished"
    assert lectures.get_recording(db, rec.recording_id).state == "stopped"
    assert jobs.latest_for_target(db, lectures.job_target(rec.recording_id)) is not None, "queued for later"
    qtbot.waitUntil(lambda: not shiboken6.isValid(player), timeout=5000)   # released by the event loop
    assert not pane.microphone.timer.isActive() and not pane.controller.meter_timer.isActive()
    assert pane.transcript_viewer is None
