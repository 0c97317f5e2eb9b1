import logging
import sqlite3
import time

import numpy as np
import pytest
import soundfile as sf

from desktop.core.lectures import audio_devices
from desktop.core import lectures
from desktop.core.errors import AudioError, DiskFull
from desktop.core.lectures.recorder import Recorder
from desktop.core.lectures.recording_lock import lock_is_held, recording_lock_path
from desktop.core.lectures.recovery import recover
from tests.audio import lecture_wav, no_sound_system, virtual_mic  # noqa: F401 (fixtures)
from tests.conftest import wait_for


def best_correlation(recorded: np.ndarray, source: np.ndarray) -> float:
    """Correlation of the source with the part of the recording where it best lines up."""
    n = 1 << int(np.ceil(np.log2(len(recorded) + len(source))))
    xc = np.fft.irfft(np.fft.rfft(recorded, n) * np.conj(np.fft.rfft(source, n)), n)
    lag = int(np.argmax(xc[: len(recorded)]))
    seg = recorded[lag: lag + len(source)]
    m = min(len(seg), len(source))
    return float(np.corrcoef(seg[:m], source[:m])[0, 1])


def _start(rec: Recorder) -> int:
    rec_id = rec.start()
    wait_for(lambda: rec.frames_written > 0, 15, what="the first audio from the microphone")
    return rec_id


def test_a_recording_holds_exactly_the_sound_that_was_played(paths, db, virtual_mic, lecture_wav):
    rec = Recorder(paths, title="Photosynthesis")
    rec_id = _start(rec)
    player = virtual_mic.play(lecture_wav)
    peak = 0.0
    while player.poll() is None:
        peak = max(peak, rec.level.peak)
        time.sleep(0.05)
    target = rec.elapsed_s + 0.5
    wait_for(lambda: rec.elapsed_s >= target, 10, what="the end of the speech to arrive")
    result = rec.stop()

    assert result.error is None and result.overflows == 0
    assert peak > 0.1, "the level meter saw the speech"
    recorded, rate = sf.read(str(result.path), dtype="float32")
    source, _ = sf.read(str(lecture_wav), dtype="float32")
    assert rate == 16000 and len(recorded) == result.frames
    assert best_correlation(recorded, source) > 0.98
    row = lectures.get_recording(db, rec_id)
    assert row.state == "stopped" and row.duration_s == pytest.approx(result.duration_s)
    doc = db.execute("SELECT kind, title, recording_id FROM documents WHERE id=?", (row.document_id,)).fetchone()
    assert doc == ("lecture", "Photosynthesis", rec_id), "filed in the library (Unfiled until a subject is chosen)"
    assert not (paths.recordings / f"{rec_id}.lock").exists()


def test_the_file_is_a_valid_wav_while_it_is_being_recorded(paths, virtual_mic):
    rec = Recorder(paths)
    _start(rec)
    wait_for(lambda: rec.elapsed_s >= 2.5, 15, what="2.5 s of audio")
    info = sf.info(str(rec.path))   # the header is rewritten about once a second
    assert info.samplerate == 16000 and info.frames >= 16000
    rec.stop()


def test_paused_audio_is_left_out_and_resuming_carries_on(paths, db, virtual_mic, lecture_wav):
    rec = Recorder(paths)
    rec_id = _start(rec)
    virtual_mic.play(lecture_wav)
    wait_for(lambda: rec.elapsed_s >= 1.5, 15, what="some audio")
    rec.pause()
    assert lectures.get_recording(db, rec_id).state == "paused"
    at_pause = rec.elapsed_s
    wall = time.monotonic()
    received = rec.frames_received   # the microphone keeps delivering while paused
    wait_for(lambda: rec.frames_received >= received + 1.5 * rec.samplerate, 15, what="a 1.5 s pause")
    assert rec.elapsed_s <= at_pause + 0.1, "nothing is written while paused"
    rec.resume()
    assert lectures.get_recording(db, rec_id).state == "recording"
    wait_for(lambda: rec.elapsed_s >= at_pause + 1.0, 15, what="audio after resuming")
    result = rec.stop()
    paused_for = time.monotonic() - wall - (result.duration_s - at_pause)
    assert paused_for > 1.2
    assert sf.info(str(result.path)).frames == result.frames


def test_a_microphone_that_vanishes_stops_the_recording_and_keeps_the_audio(paths, db, virtual_mic):
    finished = []
    rec = Recorder(paths, on_finished=finished.append)
    rec_id = _start(rec)
    wait_for(lambda: rec.elapsed_s >= 2.0, 15, what="two seconds of audio")
    virtual_mic.kill_server()  # the USB microphone is pulled out
    result = rec.wait(30)
    assert result is not None and finished == [result]
    assert isinstance(result.error, AudioError) and "stopped sending sound" in result.error.message
    assert result.duration_s >= 1.9
    assert sf.info(str(result.path)).frames == result.frames
    row = lectures.get_recording(db, rec_id)
    assert row.state == "stopped" and "unplugged" in row.error


def test_a_microphone_unplugged_mid_lecture_is_replaced_by_the_default_one_in_the_same_file(
        paths, db, virtual_mic, lecture_wav, monkeypatch):
    from tests.audio import VirtualMic

    other = VirtualMic().start()        # the laptop's own microphone, on another sound server
    try:
        changes = []
        rec = Recorder(paths, on_device_changed=changes.append)
        _start(rec)
        wait_for(lambda: rec.elapsed_s >= 2.0, 15, what="two seconds of audio")
        monkeypatch.setenv("PULSE_SERVER", other.server)   # what the system falls back to
        virtual_mic.kill_server()                          # the USB microphone is pulled out
        wait_for(lambda: rec.device_changes, 30, what="the recording to go on with another microphone")
        assert rec.running and len(changes) == 1 and "the recording goes on" in changes[0]
        at = rec.elapsed_s
        player = other.play(lecture_wav)
        wait_for(lambda: player.poll() is not None and rec.elapsed_s > at + 4, 60, what="speech on the new one")
        result = rec.stop()
    finally:
        other.stop()
    assert result is not None and result.error is None, result.error
    data, rate = sf.read(str(result.path), dtype="int16")
    assert len(data) == result.frames and sf.info(str(result.path)).frames == result.frames
    after = data[int(at * rate):].astype(np.float32) / 32768
    assert float(np.sqrt(np.mean(after ** 2))) > 0.01, "the speech on the new microphone is in the same file"
    assert lectures.get_recording(db, rec.recording_id).state == "stopped"


def test_no_microphone_is_a_plain_message_and_leaves_nothing_behind(paths, db):
    with no_sound_system():
        assert audio_devices.list_inputs(refresh=True) == []
        with pytest.raises(AudioError) as err:
            Recorder(paths).start()
    assert err.value.message == audio_devices.NO_DEVICE_MESSAGE
    assert "microphone" in err.value.hint
    assert db.execute("SELECT count(*) FROM recordings").fetchone()[0] == 0
    assert list(paths.recordings.iterdir()) == []


def test_an_unknown_microphone_name_says_which_ones_exist(paths, virtual_mic):
    devices = audio_devices.list_inputs(refresh=True)
    assert audio_devices.default_input(devices) is not None
    with pytest.raises(AudioError) as err:
        Recorder(paths, device="Imaginary USB microphone").start()
    assert "not connected" in err.value.message and devices[0].name in err.value.hint


def test_the_device_list_changes_when_a_microphone_appears(paths):
    with no_sound_system():
        before = audio_devices.signature(audio_devices.list_inputs(refresh=True))
    from tests.audio import virtual_microphone

    with virtual_microphone():
        after = audio_devices.signature(audio_devices.list_inputs(refresh=True))
    assert before == () and after != before


def test_a_nearly_full_disk_refuses_to_start_or_stops_and_keeps_the_audio(paths, db, virtual_mic):
    with pytest.raises(DiskFull):
        Recorder(paths, min_free_bytes=1 << 62).start()
    assert db.execute("SELECT count(*) FROM recordings").fetchone()[0] == 0

    rec = Recorder(paths)
    _start(rec)
    rec.stop_below_free_bytes = 1 << 62   # the disk "fills up" during the lecture
    result = rec.wait(30)
    assert isinstance(result.error, DiskFull) and "saved" in result.error.hint
    assert result.frames > 0 and sf.info(str(result.path)).frames == result.frames


def _hold_write_lock(paths) -> sqlite3.Connection:
    """Another process's long write transaction (an import, a job) holding SQLite's write lock."""
    other = sqlite3.connect(str(paths.db), isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_a_busy_database_at_stop_finishes_the_file_first_then_saves_the_row(paths, db, virtual_mic):
    finished = []
    rec = Recorder(paths, title="Busy", save_row_for_s=60, on_finished=finished.append)
    rec_id = _start(rec)
    wait_for(lambda: rec.elapsed_s >= 1.0, 15, what="a second of audio")
    other = _hold_write_lock(paths)
    try:
        rec.stop(wait=False)
        wait_for(lambda: rec.saving, 15, what="the recorder to reach its final save")
        # The audio is complete and valid while the row still waits for the database.
        assert sf.info(str(rec.path)).frames == rec.frames_written > 0
        assert lectures.get_recording(db, rec_id).state == "recording" and not finished
    finally:
        other.execute("ROLLBACK")   # the other writer finishes
        other.close()
    result = rec.wait(30)
    assert result is not None and finished == [result]
    assert result.filed and result.error is None
    row = lectures.get_recording(db, rec_id)
    assert row.state == "stopped" and row.duration_s == pytest.approx(result.duration_s) and row.document_id


def test_a_database_busy_past_the_bound_still_ends_the_recording_and_recovery_files_it(paths, db, virtual_mic,
                                                                                        caplog):
    finished = []
    rec = Recorder(paths, title="Very busy", save_row_for_s=1.5, on_finished=finished.append)
    rec_id = _start(rec)
    wait_for(lambda: rec.elapsed_s >= 1.0, 15, what="a second of audio")
    other = _hold_write_lock(paths)
    try:
        with caplog.at_level(logging.ERROR, logger="desktop.core.lectures"):
            result = rec.stop(wait=True)   # the default wait outlasts the bounded save
        # The Record pane gets its answer instead of "Saving…" forever.
        assert result is not None and finished == [result]
        assert not result.filed and "next time it starts" in result.error.message
        assert sf.info(str(result.path)).frames == result.frames > 0
        assert any("stayed busy" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)
        assert not lock_is_held(recording_lock_path(paths, rec_id)), "recovery may take it over"
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert lectures.get_recording(db, rec_id).state == "recording"

    found = recover(db, paths)   # the next start of Lectern
    assert [f.recording_id for f in found] == [rec_id] and found[0].ok
    assert found[0].duration_s == pytest.approx(result.duration_s)
    assert "saved but not yet filed" in found[0].message, "not called an interrupted recording"
    row = lectures.get_recording(db, rec_id)
    assert row.state == "recovered" and row.document_id is not None


def _portaudio_logged(caplog, words: str) -> bool:
    return any(r.name == "desktop.core.lectures.audio_devices" and words in r.getMessage()
               for r in caplog.records)


def test_a_microphone_gone_between_listing_and_recording_says_so_and_logs_portaudio(paths, db, virtual_mic, caplog):
    devices = audio_devices.list_inputs(refresh=True)
    name = audio_devices.default_input(devices).name
    virtual_mic.kill_server()   # unplugged while the picker still shows it
    with caplog.at_level(logging.WARNING), pytest.raises(AudioError) as err:
        Recorder(paths, device=name).start()
    assert err.value.message == f"The microphone {name!r} is no longer available."
    assert _portaudio_logged(caplog, "PortAudio: "), "the cause is in the log"
    assert db.execute("SELECT count(*) FROM recordings").fetchone()[0] == 0


def test_an_invalid_device_index_is_explained_and_logged(caplog):
    sd = audio_devices.sounddevice()
    with pytest.raises(sd.PortAudioError) as raw:
        sd.check_input_settings(device=999, samplerate=16000, channels=1, dtype="int16")
    with caplog.at_level(logging.WARNING):
        err = audio_devices.explain(raw.value, "USB mic")
    assert err.message == "The microphone 'USB mic' is no longer available."
    assert _portaudio_logged(caplog, "Error querying device 999")


def test_a_sound_system_that_fails_to_start_is_not_called_no_microphone(paths, tmp_path, monkeypatch, caplog):
    broken = tmp_path / "asound.conf"
    broken.write_text("pcm.broken { {{ \n")    # a damaged ALSA configuration
    monkeypatch.setenv("ALSA_CONFIG_PATH", str(broken))
    try:
        with caplog.at_level(logging.WARNING), pytest.raises(AudioError) as err:
            audio_devices.list_inputs(refresh=True)
        assert err.value.message == audio_devices.SOUND_SYSTEM_MESSAGE != audio_devices.NO_DEVICE_MESSAGE
        assert "Error initializing PortAudio" in err.value.hint
        assert _portaudio_logged(caplog, "Error initializing PortAudio")
        with pytest.raises(AudioError) as err:
            Recorder(paths).start()   # PortAudio is still down: the same plain answer, nothing left behind
        assert err.value.message == audio_devices.SOUND_SYSTEM_MESSAGE
        assert list(paths.recordings.iterdir()) == []
    finally:
        monkeypatch.delenv("ALSA_CONFIG_PATH")
        audio_devices.reinitialize()   # the sound system comes back
    audio_devices.list_inputs()


def test_pause_and_resume_do_not_wait_on_a_busy_database(paths, db, virtual_mic):
    rec = Recorder(paths)
    rec_id = _start(rec)
    other = _hold_write_lock(paths)
    try:
        began = time.monotonic()
        rec.pause()
        rec.resume()
        assert time.monotonic() - began < 5, "the window's thread is not held up for the busy timeout"
        assert rec.running and not rec.paused
    finally:
        other.execute("ROLLBACK")
        other.close()
    result = rec.stop()
    assert result.filed and lectures.get_recording(db, rec_id).state == "stopped"


def test_notes_typed_during_a_lecture_survive_a_kill_and_are_indexed_with_it(paths, db, virtual_mic):
    import os
    import signal

    from desktop.core.lectures.chunking import lecture_chunks
    from tests.core.test_recovery import start_cli_recording

    proc, _ = start_cli_recording(paths)
    rec_id = wait_for(lambda: db.execute("SELECT max(id) FROM recordings").fetchone()[0], 10, what="its row")
    wav = paths.recordings / f"{rec_id}.wav"
    wait_for(lambda: wav.exists() and wav.stat().st_size > 4096 + 2 * 16000 * 2, 30, what="2 s of audio")
    first = lectures.add_note(db, rec_id, 1.0, "Photosynthesis needs light")
    second = lectures.add_note(db, rec_id, 1.8, "Exam")   # saved as typed: first "Exam", then more
    lectures.save_note(db, second.id, "Exam question on chlorophyll")
    os.kill(proc.pid, signal.SIGKILL)     # kill -9 in the middle of the lecture
    proc.wait(10)
    found = recover(db, paths)
    assert [r.recording_id for r in found] == [rec_id] and found[0].ok
    assert "Your 2 notes were kept." in found[0].message
    kept = lectures.notes(db, rec_id)
    assert [(n.at_s, n.text) for n in kept] == [(1.0, "Photosynthesis needs light"),
                                                 (1.8, "Exam question on chlorophyll")]
    assert kept[0].id == first.id
    # They are passages of the lecture, at their second, marked as the student's.
    chunks = lecture_chunks([lectures.Segment(1, 0, 0.0, 1.5, "Good morning", False),
                             lectures.Segment(2, 1, 1.5, 2.5, "Today: plants", False)], kept)
    assert [(c.start_s, c.kind) for c in chunks] == [(0.0, None), (1.0, lectures.NOTE_KIND),
                                                      (1.8, lectures.NOTE_KIND)]
    assert lectures.moment_label(lectures.NOTE_KIND, 751.0) == "your note at 12:31"
    with pytest.raises(Exception, match="no longer in the library"):
        lectures.add_note(db, rec_id + 99, 0.0, "A note for nothing")


def test_two_streams_are_summed_with_clipping_protection_and_a_stalled_one_is_filled_with_silence():
    from desktop.core.lectures.system_audio import Mixer

    mix = Mixer(channels=1, max_lag_frames=800)
    mic = np.full(400, 1000, np.int16)
    assert mix.add(0, mic) is None, "waits for the computer's sound"
    out = mix.add(1, np.full(400, 30000, np.int16))
    assert out is not None and out.shape == (400, 1) and int(out.max()) == 31000
    loud = mix.add(0, np.full(400, 30000, np.int16))
    assert loud is None
    out = mix.add(1, np.full(400, 30000, np.int16))
    assert int(out.max()) == 32767 and mix.clipped == 400, "clipped, never wrapped around"
    assert mix.add(0, np.full(500, 5, np.int16)) is None   # the computer's stream stalls...
    out = mix.add(0, np.full(400, 5, np.int16))            # ...for longer than the lag allowed
    assert out is not None and len(out) == 900 and int(out.max()) == 5, "the microphone goes on alone"
