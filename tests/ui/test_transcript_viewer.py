import wave

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtMultimedia import QMediaPlayer
from PySide6.QtTest import QTest

from desktop.core import jobs
from desktop.core import lectures
from desktop.core import library
from desktop.core.storage import settings
from desktop.core.storage.db import open_db
from desktop.ui.context import AppContext
from desktop.ui.job_monitor import JobMonitor
from desktop.ui.theme import resource_text
from desktop.ui.transcript import TranscriptViewer
from desktop.core.lectures.live_transcriber import LiveTranscriber
from desktop.core.lectures.wavfile import WavWriter
from tests.audio import lecture_wav  # noqa: F401 (fixture)
from tests.ui.test_record_pane import activate, shot


@pytest.fixture
def ctx(paths):
    db = open_db(paths.db)
    c = AppContext(paths=paths, db=db)
    c.monitor = JobMonitor(db)
    c.monitor.start()
    yield c
    c.monitor.stop()
    c.monitor.deleteLater()   # deleted on the UI thread, not wherever its last reference drops


def transcribed(ctx, wav, qtbot) -> int:
    settings.update(ctx.db, transcription_model="whisper-tiny.en")
    node = library.ensure_path(ctx.db, "Fall 2026", "Biology 101")
    rec_id = lectures.import_media(ctx.db, ctx.paths, wav, node, "Lecture 1: Light", starter=ctx)
    job_id = jobs.latest_for_target(ctx.db, lectures.job_target(rec_id)).id
    qtbot.waitUntil(lambda: jobs.get_job(ctx.db, job_id).state == jobs.DONE, timeout=180000)
    return rec_id


def open_viewer(qtbot, ctx, rec_id, **kw) -> TranscriptViewer:
    v = TranscriptViewer(ctx, rec_id, **kw)
    v.setStyleSheet(resource_text("style.qss"))
    qtbot.addWidget(v)
    v.show()
    qtbot.waitExposed(v)
    return v


def click_row(qtbot, v: TranscriptViewer, row: int) -> None:
    rect = v.table.visualItemRect(v.table.item(row, 0))
    qtbot.mouseClick(v.table.viewport(), Qt.LeftButton, pos=rect.center())


def test_the_viewer_plays_follows_searches_fixes_and_exports(qtbot, ctx, services, lecture_wav, tmp_path):
    rec_id = transcribed(ctx, lecture_wav, qtbot)
    v = open_viewer(qtbot, ctx, rec_id)
    segs = lectures.segments(ctx.db, rec_id)
    assert v.table.rowCount() == len(segs) >= 2
    assert "Biology 101" in v.subtitle.text()

    # Clicking a line plays from there, and the highlight follows the speech.
    click_row(qtbot, v, 1)
    qtbot.waitUntil(lambda: v.is_playing() and v.position_s() >= segs[1].start_s, timeout=15000)
    assert v.current_segment() == 1 and v.table.item(1, 1).font().bold()
    if len(segs) > 2:
        qtbot.waitUntil(lambda: v.current_segment() == 2, timeout=int((segs[2].start_s - segs[1].start_s + 5) * 1000))
        assert not v.table.item(1, 1).font().bold()
    activate(qtbot, v)
    QTest.keyClick(v, Qt.Key_Space)
    qtbot.waitUntil(lambda: not v.is_playing(), timeout=5000)

    # Search within the transcript.
    v.search.setText("oxygen")
    hits = [i for i, s in enumerate(segs) if "oxygen" in s.text.lower()]
    assert v.matches() == hits and v.match_label.text() == f"1 of {len(hits)}"
    assert v.table.currentRow() == hits[0]
    v.search.setText("xylophone")
    assert v.matches() == [] and v.match_label.text() == "No match"
    v.search.clear()

    # Correct a line: saved, searchable at once, re-indexed in the background.
    row = hits[0]
    v.table.item(row, 1).setText(segs[row].text + " (see page kryptonite)")
    fixed = lectures.segments(ctx.db, rec_id)[row]
    assert fixed.edited and "kryptonite" in fixed.text and "Saved" in v.status_text
    assert ctx.db.execute("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH 'kryptonite'").fetchone()[0] == 1
    index_job = jobs.latest_for_target(ctx.db, lectures.job_target(rec_id))
    assert index_job.kind == lectures.INDEX_JOB
    qtbot.waitUntil(lambda: jobs.get_job(ctx.db, index_job.id).state == jobs.DONE, timeout=60000)
    v.table.item(0, 1).setText("   ")   # an empty line is refused and put back
    assert v.table.item(0, 1).text() == segs[0].text and "cannot be empty" in v.status_text
    assert lectures.segments(ctx.db, rec_id)[0].text == segs[0].text

    for fmt in ("txt", "srt", "vtt", "md"):
        out = v.export(tmp_path / f"lecture.{fmt}")
        assert out is not None and "kryptonite" in out.read_text(encoding="utf-8")
    assert (tmp_path / "lecture.srt").read_text().startswith("1\n00:00:0")
    v.search.setText("light")
    qtbot.wait(200)  # let the layout settle before the picture
    shot(v, "transcript_viewer.png")
    v.close()


def test_a_lecture_being_recorded_fills_in_as_its_lines_land_and_the_viewer_fits_a_small_screen(
        qtbot, ctx, lecture_wav, tmp_path):
    settings.update(ctx.db, transcription_model="whisper-tiny.en")
    with wave.open(str(lecture_wav)) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    db = ctx.db
    rec_id = db.execute("INSERT INTO recordings (title, path, source, state, samplerate, channels, created_at)"
                        " VALUES ('Live lecture', 'recordings/1.wav', 'microphone', 'recording', 16000, 1, 0)"
                        ).lastrowid
    path = ctx.paths.recordings / "1.wav"
    writer = WavWriter(path, 16000, 1)
    live = LiveTranscriber(ctx.paths, rec_id, path, model="tiny.en", index=False, min_window_s=3, max_window_s=6,
                           poll_s=0.05).start()
    half = len(pcm) // 2
    writer.write(pcm[:half].tobytes())
    writer.sync()
    note = lectures.add_note(db, rec_id, 2.0, "Ask about the dark reactions")
    v = open_viewer(qtbot, ctx, rec_id)
    assert "being recorded" in v.subtitle.text()
    qtbot.waitUntil(lambda: len(v.segments) >= 1, timeout=90000)
    first = len(v.segments)
    assert any(ln.kind == "note" and ln.text == note.text for ln in v.lines), "the note is at its moment"
    writer.write(pcm[half:].tobytes())
    writer.close()
    live.finish()
    assert live.wait(120) is not None, live.error
    later = lectures.add_note(db, rec_id, len(pcm) / 16000 - 1, "Dark reactions = Calvin cycle")
    qtbot.waitUntil(lambda: len(v.segments) == len(lectures.segments(db, rec_id)) > first
                    and any(ln.text == later.text for ln in v.lines), timeout=10000)
    assert [ln.id for ln in v.segments] == [s.id for s in lectures.segments(db, rec_id)], "each line once, in order"
    # Recorded to the end: the whole audio can be played now, not what there was when it opened.
    qtbot.waitUntil(lambda: v.player.duration() >= (len(pcm) / 16000 - 0.5) * 1000, timeout=15000)
    starts = [ln.start_s for ln in v.lines]
    assert starts == sorted(starts), "notes sit among the lines at their second"
    note_row = v.table.row_of("note", note.id)
    assert not v.table.item(note_row, 0).icon().isNull() and v.table.item(note_row, 1).font().italic()

    # A note can be reworded from the viewer; the export carries it.
    v.table.item(note_row, 1).setText("Ask about the light-independent reactions")
    assert lectures.get_note(db, note.id).text == "Ask about the light-independent reactions"
    out = v.export(tmp_path / "live.md")
    assert "Your note: Ask about the light-independent reactions" in out.read_text(encoding="utf-8")

    # It fits a 1024×600 screen.
    hint = v.minimumSizeHint()
    assert hint.width() <= 1000 and hint.height() <= 540, hint
    v.resize(1000, 540)
    qtbot.wait(100)   # let the layout settle before the picture
    shot(v, "transcript_viewer_live_1000x540.png")
    assert not v.is_playing(), "it never starts playing by itself"
    activate(qtbot, v)
    QTest.keySequence(v, QKeySequence("Ctrl+W"))
    qtbot.waitUntil(lambda: not v.isVisible(), timeout=5000)


def test_it_does_not_play_by_itself_and_says_play_again_at_the_end(qtbot, ctx, lecture_wav):
    rec_id = lectures.import_media(ctx.db, ctx.paths, lecture_wav, None, "Lecture 4", starter=None)
    v = open_viewer(qtbot, ctx, rec_id)
    qtbot.waitUntil(lambda: v.player.mediaStatus() in (QMediaPlayer.LoadedMedia, QMediaPlayer.BufferedMedia),
                    timeout=15000)
    qtbot.waitUntil(lambda: v.player.duration() > 0, timeout=5000)
    assert not v.is_playing() and v.play_button.text() == "Play"
    v.seek(v.player.duration() / 1000.0 - 1.5, play=True)
    qtbot.waitUntil(lambda: v.is_playing() and v.play_button.text() == "Pause", timeout=10000)
    qtbot.waitUntil(lambda: v.player.mediaStatus() == QMediaPlayer.EndOfMedia, timeout=15000)
    qtbot.waitUntil(lambda: v.play_button.text() == "Play", timeout=2000)
    v.toggle_play()   # Play at the end starts again from the beginning
    qtbot.waitUntil(lambda: v.is_playing() and v.position_s() < 5, timeout=10000)
    v.close()


def test_opening_at_a_second_reports_that_position_at_once(qtbot, ctx, lecture_wav):
    rec_id = lectures.import_media(ctx.db, ctx.paths, lecture_wav, None, "Lecture 2", starter=None)
    v = open_viewer(qtbot, ctx, rec_id, start_s=7.5, autoplay=True)
    assert v.recording_id == rec_id and v.position_s() == pytest.approx(7.5)
    qtbot.waitUntil(lambda: v.is_playing() and v.player.position() >= 7400, timeout=15000)
    assert v.empty.isVisible() and "no transcript yet" in v.empty.text().lower()
    v.close()


def test_the_transcript_appears_when_the_job_finishes(qtbot, ctx, services, lecture_wav):
    settings.update(ctx.db, transcription_model="whisper-tiny.en")
    rec_id = lectures.import_media(ctx.db, ctx.paths, lecture_wav, None, "Lecture 3", starter=None)
    v = open_viewer(qtbot, ctx, rec_id)
    assert v.empty.isVisible() and v.table.rowCount() == 0
    ctx.submit(lectures.TRANSCRIBE_JOB, lectures.transcription_payload(rec_id), target=lectures.job_target(rec_id))
    qtbot.waitUntil(lambda: v.table.rowCount() > 0, timeout=180000)   # lines show as they are made
    assert not v.empty.isVisible() and "whisper-tiny.en" in v.subtitle.text()
    job = jobs.latest_for_target(ctx.db, lectures.job_target(rec_id))
    qtbot.waitUntil(lambda: jobs.get_job(ctx.db, job.id).finished, timeout=180000)
    qtbot.waitUntil(lambda: v.table.rowCount() == len(lectures.segments(ctx.db, rec_id)), timeout=5000)
    v.close()


def test_summarise_and_make_cards_from_the_viewer_read_the_corrected_transcript_and_open_the_study_pane(
        qtbot, ctx, services):
    from desktop.core.study import material, store, summaries
    from desktop.ui.study import StudyPane
    from tests.core.test_study_material import add_lecture

    settings.update(ctx.db, chat_model="smollm2-135m")
    db = ctx.db
    lecture = add_lecture(db, subject="Genetics")
    rec_id = db.execute("SELECT recording_id FROM documents WHERE id=?", (lecture,)).fetchone()[0]
    study = StudyPane(ctx)
    qtbot.addWidget(study)
    asked = []
    ctx.events.pane_requested.connect(asked.append)
    live = db.execute("INSERT INTO recordings (title, path, state, created_at) VALUES ('Now', 'r/2.wav', 'recording',"
                      " 0)").lastrowid
    busy = open_viewer(qtbot, ctx, live)
    assert not busy.summarise_button.isEnabled() and not busy.cards_button.isEnabled(), "nothing to read yet"
    assert "transcribed" in busy.summarise_button.toolTip()
    busy.close()

    v = open_viewer(qtbot, ctx, rec_id)
    assert v.summarise_button.isEnabled() and v.cards_button.isEnabled()
    row = 2
    corrected = "Mendel's law of segregation: the two alleles of a gene separate into different gametes."
    v.table.editItem(v.table.item(row, 1))                 # the student is still typing the correction…
    editor = v.table.indexWidget(v.table.model().index(row, 1))
    editor.setText(corrected)
    assert lectures.segments(db, rec_id)[row].text != corrected
    job_id = v.make_cards()                                # …and asks for cards: the correction is saved first
    assert lectures.segments(db, rec_id)[row].text == corrected and lectures.segments(db, rec_id)[row].edited
    assert any(p.text == corrected for p in material.load(db, lecture))
    job = jobs.get_job(db, job_id)
    assert job.kind == "study_cards" and job.payload["document_id"] == lecture and job.payload["pages"] is None
    assert asked == ["study"] and "Study pane" in v.status_text
    maker = study.cards.maker
    assert study.current_section() == "cards" and maker.strip.job_id == job_id
    qtbot.waitUntil(lambda: jobs.get_job(db, job_id).finished, timeout=300000)
    assert jobs.get_job(db, job_id).state == jobs.DONE, jobs.get_job(db, job_id).error
    made = store.cards(db, document_id=lecture)
    start = lectures.segments(db, rec_id)[row].start_s
    assert any(c.start_s == start and "gametes" in c.front + c.back for c in made), [c.front for c in made]

    summary_job = v.summarise()
    assert jobs.get_job(db, summary_job).payload["document_id"] == lecture and asked == ["study", "study"]
    assert study.current_section() == "summaries" and study.summaries.strip.job_id == summary_job
    qtbot.waitUntil(lambda: study.summaries.summary is not None, timeout=300000)
    assert study.summaries.summary.id == summaries.latest(db, lecture).id
    v.close()
