"""Transcription while recording: windows cut at pauses, no duplicates at window edges,
a question in Chat during the lecture citing it, the transcript complete at Stop, and a
kill -9 mid-lecture after which only the rest is transcribed."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import wave
from pathlib import Path

import jiwer
import numpy as np
import pytest

from desktop.core import chat, jobs, lectures
from desktop.core.lectures.live_transcriber import LiveTranscriber, attach
from desktop.core.lectures.recorder import Recorder
from desktop.core.lectures.recovery import recover
from desktop.core.lectures.transcribe import load_whisper, transcribe_array
from desktop.core.lectures.wavfile import WavWriter
from desktop.core.lectures.windows import RATE, find_cut, recheck_cut
from desktop.core import models
from desktop.core.search.retrieval import open_store
from desktop.workers.submit import QueueJobs
from tests.audio import LECTURE_TEXT, silence_padded, speech_wav, virtual_mic  # noqa: F401 (fixture)
from tests.conftest import REPO, wait_for

SECOND_PART = ("Now a word about entropy. Entropy measures how spread out energy is. "
               "In any closed system entropy never decreases. That is the second law of thermodynamics.")


def _pcm(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")


def _words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split()


def _no_overlaps(db, rec_id: int, repeated_speech: bool = False) -> list:
    segs = lectures.segments(db, rec_id)
    for a, b in zip(segs, segs[1:]):
        assert b.start_s >= a.end_s - 0.01, f"segments overlap at a window edge: {a} / {b}"
    texts = [s.text for s in segs]
    assert repeated_speech or len(set(texts)) == len(texts), f"a line was stored twice: {texts}"
    return segs


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("live-speech")
    one = speech_wav(LECTURE_TEXT, d / "one.wav")
    two = speech_wav(SECOND_PART, d / "two.wav")
    lecture = d / "lecture.wav"
    subprocess.run(["sox", str(one), str(two), str(lecture)], check=True)
    return {"one": one, "two": two, "lecture": silence_padded(lecture, d / "padded.wav", 0.5, 1.5)}


def test_windows_are_cut_inside_pauses_and_never_inside_words(speech):
    a, b = _pcm(speech["one"]).astype(np.float32) / 32768, _pcm(speech["two"]).astype(np.float32) / 32768
    gap = np.zeros(int(0.8 * RATE), dtype=np.float32)
    audio = np.concatenate([a, gap, b])
    assert find_cut(audio, min_s=len(audio) / RATE + 1) is None, "too short for a window: wait"
    # With room for one cut only in the long gap between the two parts, it is in that gap.
    cut = find_cut(audio, min_s=len(a) / RATE - 0.2, max_s=len(a) / RATE + 0.9)
    assert cut is not None and len(a) <= cut <= len(a) + len(gap), (cut, len(a))
    # Any cut it picks, at any window size, falls in silence.
    for min_s in (2.0, 4.0, 6.0, 9.0):
        cut = find_cut(audio, min_s=min_s, max_s=min_s + 6)
        if cut is None:
            continue
        around = audio[max(0, cut - 800): cut + 800]
        assert float(np.sqrt(np.mean(around ** 2))) < 0.01, f"cut at {cut / RATE:.2f}s is inside speech"
    # Speech with no pause long enough is still cut by max_s, at its quietest moment.
    cut = find_cut(a, min_s=1.0, max_s=2.0)
    assert cut is not None and cut <= 2 * RATE
    assert find_cut(audio[:1000], final=True) == 1000, "at Stop the rest is one window"


class _SkipsASentence:
    """The real Whisper model, except that reading a whole window (not a half) leaves out the segment
    in its middle: Whisper's own jump over a sentence, which cannot be brought about on demand."""

    def __init__(self, model, window_samples: int) -> None:
        self.model, self.window_samples = model, window_samples
        self.left_out = ""

    def transcribe(self, audio, **kw):
        segs, info = self.model.transcribe(audio, **kw)
        segs = list(segs)
        if len(audio) == self.window_samples and len(segs) >= 3:
            self.left_out = segs.pop(len(segs) // 2).text
        return iter(segs), info


def test_a_window_read_with_a_sentence_left_out_is_read_again_in_halves(paths, speech):
    audio = _pcm(speech["lecture"]).astype(np.float32) / 32768
    model = load_whisper(models.resolve(models.TRANSCRIPTION, "whisper-tiny.en"))
    whole = [(s.start, s.end) for s in model.transcribe(audio, language="en", vad_filter=True)[0]]
    assert recheck_cut(audio, whole) is None, "a whole reading is not read again"
    cut = recheck_cut(audio, whole[:len(whole) // 3] + whole[len(whole) // 3 + 2:])
    assert cut is not None and abs(cut - len(audio) // 2) < 0.25 * len(audio), "split near the middle"
    around = audio[max(0, cut - 800): cut + 800]
    assert float(np.sqrt(np.mean(around ** 2))) < 0.01, "the split is in a pause"

    live = LiveTranscriber(paths, 1, paths.recordings / "none.wav")
    skipping = _SkipsASentence(model, len(audio))
    read, language = live._read_window(skipping, audio, "en", "")
    text = " ".join(t for _, _, t in read)
    assert live.rereads == 1 and language == "en"
    # The sentence the whole reading left out is back (Whisper words a few things differently
    # from one reading to the next, so its longer words are what is compared).
    left_out = {w for w in _words(skipping.left_out) if len(w) > 3}
    assert left_out and len(left_out & set(_words(text))) >= 0.7 * len(left_out), (left_out, text)
    assert len(_words(text)) >= 0.9 * len(_words(" ".join(s.text for s in model.transcribe(
        audio, language="en", vad_filter=True)[0])))
    assert all(b2 >= a1 for (a1, _, _), (b2, _, _) in zip(read, read[1:])), "in time order"


def test_small_windows_leave_no_duplicates_and_match_a_transcription_of_the_finished_file(paths, db, speech):
    """The file grows faster than real time; windows of 4-10 s make many edges."""
    pcm = _pcm(speech["lecture"])
    rec_id = db.execute("INSERT INTO recordings (title, path, source, state, samplerate, channels, created_at)"
                        " VALUES ('Edges', 'recordings/1.wav', 'microphone', 'recording', 16000, 1, 0)").lastrowid
    path = paths.recordings / f"{rec_id}.wav"
    writer = WavWriter(path, 16000, 1)
    live = LiveTranscriber(paths, rec_id, path, model="tiny.en", index=False, min_window_s=4, max_window_s=10,
                           poll_s=0.1).start()
    for i in range(0, len(pcm), 1600):
        writer.write(pcm[i:i + 1600].tobytes())
        time.sleep(0.025)   # 4x real time
    writer.close()
    live.finish()
    assert live.wait(120) is not None, live.error
    assert len(live.windows) >= 3, live.windows
    segs = _no_overlaps(db, rec_id)
    live_words = _words(" ".join(s.text for s in segs))
    model = load_whisper(models.resolve(models.TRANSCRIPTION, "whisper-tiny.en"))
    after, _ = transcribe_array(model, pcm.astype(np.float32) / 32768, "en")
    after_words = _words(" ".join(s.text for s in after))
    # Nothing lost or doubled at the edges: about as many words as were spoken (counted against
    # the script, not against the finished file's transcript, which drops or adds words of its
    # own), and about as right as the finished file (tiny.en with 4-10 s windows has less context
    # than it has in a whole file; the app's windows are 20-60 s).
    spoken = _words(LECTURE_TEXT + " " + SECOND_PART)
    assert 0.9 <= len(live_words) / len(spoken) <= 1.1, (spoken, live_words)
    script = " ".join(spoken)
    assert jiwer.wer(script, " ".join(live_words)) <= jiwer.wer(script, " ".join(after_words)) + 0.15
    assert "photosynthesis" in live_words and "law" in live_words[-10:]
    state, live_until = db.execute("SELECT state, live_until_s FROM recordings WHERE id=?", (rec_id,)).fetchone()
    assert state == "transcribed" and live_until == pytest.approx(len(pcm) / RATE, abs=0.01)


def test_chat_cites_the_live_lecture_and_the_transcript_is_complete_at_stop(paths, db, services, virtual_mic,
                                                                             speech):
    rec = Recorder(paths, title="Thermodynamics")
    rec_id = rec.start()
    live = attach(rec, model="tiny.en", min_window_s=6, max_window_s=20)
    try:
        wait_for(lambda: rec.frames_written > 0, 15, what="sound from the microphone")
        player = virtual_mic.play(speech["lecture"])
        # Ask during the lecture, once something of it is indexed.
        wait_for(lambda: db.execute("SELECT count(*) FROM chunks c JOIN documents d ON d.id = c.document_id "
                                    "WHERE d.recording_id=?", (rec_id,)).fetchone()[0], 90,
                 what="the first passage of the live lecture in the index")
        assert rec.running
        answerer = chat.Answerer(db, open_store(paths, db), use_llm=False)
        events = list(answerer.ask(chat.create_chat(db), "What does chlorophyll absorb?"))
        sources = events[-1].message.sources
        assert sources and sources[0].kind == "lecture" and sources[0].recording_id == rec_id
        assert sources[0].start_s is not None and sources[0].start_s < rec.elapsed_s
        # Pause a moment: the file (and so every timestamp) leaves the paused time out.
        rec.pause()
        time.sleep(0.3)
        rec.resume()
        wait_for(lambda: player.poll() is not None, 60, what="the end of the lecture")
        wait_for(lambda: rec.elapsed_s > live.status().transcribed_s + 1.0, 5)   # trailing silence recorded
        result = rec.stop()
        stopped = time.monotonic()
        assert result is not None and result.error is None and result.overflows == 0
        # The Record pane queues a transcription at Stop: it waits for the live one and adds nothing.
        job_id = lectures.submit_transcription(db, paths, rec_id, QueueJobs(paths, db), model="tiny.en")
        assert live.wait(60) is not None, live.error
        ready_s = live.finished_at - stopped
        assert ready_s < 30, f"the transcript took {ready_s:.1f}s after Stop"
        count = len(lectures.segments(db, rec_id))
        job = wait_for(lambda: (j := jobs.get_job(db, job_id)) and j.finished and j, 120, what="the job queued at Stop")
        assert job.state == jobs.DONE and job.result["done_while_recording"] and job.result["new_segments"] == 0
        segs = _no_overlaps(db, rec_id)
        assert len(segs) == count
        assert segs[-1].end_s <= result.duration_s + 0.05
        text = " ".join(s.text for s in segs).lower()
        assert "photosynthesis" in text and "second law" in text
        assert lectures.get_recording(db, rec_id).state == "transcribed"
        assert db.execute("SELECT state FROM documents WHERE recording_id=?", (rec_id,)).fetchone()[0] == "ready"
    finally:   # a failure must not leave the microphone stream or the transcriber running into the next test
        if rec.running:
            rec.stop()
        live.abandon(60)


def test_after_a_kill_mid_lecture_recovery_keeps_the_segments_and_transcribes_only_the_rest(
        paths, db, services, virtual_mic, speech):
    env = dict(os.environ, LECTERN_DATA_DIR=str(paths.root))
    proc = subprocess.Popen([sys.executable, "-m", "desktop", "record", "--seconds", "120", "--transcribe",
                             "--model", "tiny.en", "--json"], cwd=str(REPO), env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        rec_id = wait_for(lambda: db.execute("SELECT max(id) FROM recordings").fetchone()[0], 60,
                          what="the recording to start")
        wait_for(lambda: (paths.recordings / f"{rec_id}.wav").exists()
                 and (paths.recordings / f"{rec_id}.wav").stat().st_size > 32000, 30)
        # More lecture after it (other words, so no line can repeat): the first window (45-60 s) is
        # stored while speech still follows.
        from bench.bench_live_transcription import reference_prose

        more = speech_wav(reference_prose(150), paths.root / "more.wav")   # about a minute of other words
        longer = paths.root / "lecture-longer.wav"
        subprocess.run(["sox", str(speech["lecture"]), str(more), str(longer)], check=True)
        virtual_mic.play(longer)
        live_until = wait_for(lambda: db.execute("SELECT live_until_s FROM recordings WHERE id=?",
                                                 (rec_id,)).fetchone()[0], 150, what="a first stored window")
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    kept = [(s.id, s.start_s, s.text) for s in lectures.segments(db, rec_id)]
    assert kept and all(s[1] < live_until for s in kept)

    found = recover(db, paths)
    assert [r.recording_id for r in found] == [rec_id] and found[0].duration_s > live_until
    assert "transcript up to" in found[0].message
    job_id = lectures.submit_transcription(db, paths, rec_id, QueueJobs(paths, db), model="tiny.en")
    job = wait_for(lambda: (j := jobs.get_job(db, job_id)) and j.finished and j, 180, what="the job")
    assert job.state == jobs.DONE, job.error
    assert job.result["resumed_from_s"] == pytest.approx(live_until)
    segs = _no_overlaps(db, rec_id)
    assert [(s.id, s.start_s, s.text) for s in segs[:len(kept)]] == kept, "the stored segments were kept as they were"
    assert all(s.start_s >= live_until - 0.01 for s in segs[len(kept):])
    assert job.result["new_segments"] == len(segs) - len(kept) > 0, "the rest, and only the rest, was transcribed"
    assert lectures.get_recording(db, rec_id).state == "transcribed"


def test_on_battery_it_waits_until_stop_then_transcribes_it_all(paths, db, speech):
    from desktop.core.storage import settings

    settings.update(db, transcribe_while_recording=False)
    pcm = _pcm(speech["one"])
    rec_id = db.execute("INSERT INTO recordings (title, path, source, state, samplerate, channels, created_at)"
                        " VALUES ('Battery', 'recordings/1.wav', 'microphone', 'recording', 16000, 1, 0)").lastrowid
    path = paths.recordings / f"{rec_id}.wav"
    writer = WavWriter(path, 16000, 1)
    live = LiveTranscriber(paths, rec_id, path, model="tiny.en", index=False, min_window_s=2, poll_s=0.05).start()
    writer.write(pcm.tobytes())
    writer.sync()
    wait_for(lambda: live.status().state == "waiting for Stop", 10)
    assert "after Stop" in live.status().message and live.status().behind_s > 5
    assert not lectures.segments(db, rec_id), "nothing is transcribed before Stop"
    writer.close()
    live.finish()
    assert live.wait(60) is not None, live.error
    assert "photosynthesis" in " ".join(s.text for s in lectures.segments(db, rec_id)).lower()


def test_only_when_plugged_in_it_waits_on_battery_and_goes_on_when_plugged_in(paths, db, speech, tmp_path):
    from desktop.core.storage import settings

    settings.update(db, transcribe_while_recording=True, transcribe_only_plugged_in=True)
    supply = tmp_path / "power_supply"
    for name, files in (("BAT0", {"type": "Battery", "present": "1", "status": "Discharging"}),
                        ("AC", {"type": "Mains", "online": "0"})):
        (supply / name).mkdir(parents=True)
        for key, value in files.items():
            (supply / name / key).write_text(value + "\n")
    pcm = _pcm(speech["one"])
    rec_id = db.execute("INSERT INTO recordings (title, path, source, state, samplerate, channels, created_at)"
                        " VALUES ('Unplugged', 'recordings/1.wav', 'microphone', 'recording', 16000, 1, 0)").lastrowid
    path = paths.recordings / f"{rec_id}.wav"
    writer = WavWriter(path, 16000, 1)
    live = LiveTranscriber(paths, rec_id, path, model="tiny.en", index=False, min_window_s=2, poll_s=0.05,
                           power_supply=supply).start()
    writer.write(pcm.tobytes())
    writer.sync()
    wait_for(lambda: live.status().state == "waiting for Stop", 10)
    assert "saving battery" in live.status().message and not lectures.segments(db, rec_id)
    (supply / "AC" / "online").write_text("1\n")     # plugged in again, still recording
    wait_for(lambda: lectures.segments(db, rec_id), 60, what="the transcript to go on once plugged in")
    assert live.status().state in ("transcribing", "finishing") and not live.done.is_set()
    writer.close()
    live.finish()
    assert live.wait(60) is not None, live.error
    assert "photosynthesis" in lectures.transcript_text(db, rec_id).lower()


def test_the_status_says_how_far_behind_the_transcript_is():
    from desktop.core.lectures.live_transcriber import LiveStatus

    assert LiveStatus(1, "transcribing", 60.0, 310.0, 12).message == "Transcript 4 min behind"
    assert LiveStatus(1, "transcribing", 290.0, 310.0, 12).message == "Transcript up to date"
    assert LiveStatus(1, "transcribing", 0.0, 4000.0, 12).message == "Transcript 1 h 07 min behind"
    assert LiveStatus(1, "finishing", 290.0, 310.0, 12).message == "Finishing the transcript…"
    assert LiveStatus(1, "done", 310.0, 310.0, 12).message == "Transcript ready"


def test_on_battery_means_a_discharging_battery_and_no_supply_online(tmp_path):
    from desktop.core.lectures import power

    def supply(name: str, **files: str) -> None:
        (tmp_path / name).mkdir()
        for key, value in files.items():
            (tmp_path / name / key).write_text(value + "\n")

    assert not power.on_battery(tmp_path / "absent"), "no power supply folder: plugged in"
    supply("BAT0", type="Battery", present="1", status="Discharging")
    supply("AC", type="Mains", online="0")
    assert power.on_battery(tmp_path)
    assert power.wait_until_stop(True, True, tmp_path) and not power.wait_until_stop(True, False, tmp_path)
    assert power.wait_until_stop(False, False, tmp_path), "the student asked for the transcript after Stop"
    (tmp_path / "AC" / "online").write_text("1\n")
    assert not power.on_battery(tmp_path) and not power.wait_until_stop(True, True, tmp_path)


def test_when_it_cannot_keep_up_it_falls_behind_says_so_and_catches_up_after_stop(paths, db, speech):
    pcm = np.tile(_pcm(speech["lecture"]), 3)      # ~75 s of lecture arriving in about a second
    rec_id = db.execute("INSERT INTO recordings (title, path, source, state, samplerate, channels, created_at)"
                        " VALUES ('Fast', 'recordings/1.wav', 'microphone', 'recording', 16000, 1, 0)").lastrowid
    path = paths.recordings / f"{rec_id}.wav"
    writer = WavWriter(path, 16000, 1)
    live = LiveTranscriber(paths, rec_id, path, model="tiny.en", index=False, min_window_s=5, max_window_s=15,
                           poll_s=0.05).start()
    for i in range(0, len(pcm), 16000):
        writer.write(pcm[i:i + 16000].tobytes())
        time.sleep(0.015)
    behind = live.status()
    assert behind.behind_s > 30, behind
    writer.close()
    live.finish()
    assert live.wait(120) is not None, live.error
    done = live.status()
    assert done.state == "done" and done.behind_s == 0 and done.transcribed_s == pytest.approx(len(pcm) / RATE, abs=0.01)
    text = " ".join(s.text for s in _no_overlaps(db, rec_id, repeated_speech=True)).lower()
    assert text.count("photosynthesis") == 3, "each of the three lectures once, none twice"
