"""lectern record --transcribe: with --wait the command ends with the full transcript; without
it the rest of the transcript is a queued job and the command says where it went."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from desktop.core.storage.db import open_db
from tests.audio import LECTURE_TEXT, silence_padded, speech_wav, virtual_mic  # noqa: F401 (fixture)
from tests.conftest import REPO, wait_for


def _start(paths, *args: str) -> subprocess.Popen:
    env = dict(os.environ, LECTERN_DATA_DIR=str(paths.root))
    return subprocess.Popen([sys.executable, "-m", "desktop", "record", *args], cwd=str(REPO), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _when_recording(paths) -> None:
    wait_for(lambda: any(p.stat().st_size > 16000 for p in paths.recordings.glob("*.wav")), 90,
             what="the recording to start")


def test_record_transcribe_wait_prints_the_full_transcript_soon_after_the_end(paths, virtual_mic, tmp_path):
    lecture = silence_padded(speech_wav(LECTURE_TEXT, tmp_path / "raw.wav"), tmp_path / "lecture.wav", 0.3, 1.0)
    proc = _start(paths, "--seconds", "24", "--transcribe", "--wait", "--json", "--model", "tiny.en")
    try:
        _when_recording(paths)
        virtual_mic.play(lecture)
        out, err = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    data = json.loads(out)
    assert data["recording_id"] >= 1 and abs(data["duration_s"] - 24) < 0.5
    assert data["dropped_frames"] == 0
    assert 0 <= data["transcript_ready_s"] < 30, data["transcript_ready_s"]
    text = data["text"].lower()
    assert "photosynthesis" in text and "oxygen" in text
    db = open_db(paths.db)
    state, doc_state = db.execute("SELECT r.state, d.state FROM recordings r JOIN documents d ON d.recording_id = r.id"
                                  " WHERE r.id=?", (data["recording_id"],)).fetchone()
    assert (state, doc_state) == ("transcribed", "ready")


def test_record_transcribe_without_wait_says_where_the_job_went(paths, virtual_mic):
    proc = _start(paths, "--seconds", "3", "--transcribe", "--model", "tiny.en")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    job_id = open_db(paths.db).execute("SELECT max(id) FROM jobs WHERE kind='transcribe_recording'").fetchone()[0]
    assert job_id and f"job {job_id}" in out and str(paths.queue_db) in out and "lectern worker" in out


def test_lectern_transcript_exports_the_notes_at_their_moment(paths, tmp_path):
    from desktop.core import lectures
    from desktop.core.chat.source import Source
    from tests.conftest import lectern

    db = open_db(paths.db)
    rec_id = db.execute("INSERT INTO recordings (title, path, source, state, samplerate, channels, created_at)"
                        " VALUES ('Lecture 7', 'recordings/1.wav', 'microphone', 'stopped', 16000, 1, 0)").lastrowid
    for i, (a, b, text) in enumerate([(0.0, 4.0, "Entropy measures disorder."), (752.0, 756.0, "The second law.")]):
        db.execute("INSERT INTO segments (recording_id, idx, start_s, end_s, text, edited) VALUES (?,?,?,?,?,0)",
                   (rec_id, i, a, b, text))
    lectures.add_note(db, rec_id, 751.0, "Second law on the exam")
    out = lectern("transcript", str(rec_id), "--format", "md", data_dir=paths.root)
    assert out.returncode == 0, out.stderr
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("**[")]
    assert lines == ["**[0:00]** Entropy measures disorder.  ", "**[12:31]** *✎ Your note: Second law on the exam*  ",
                     "**[12:32]** The second law."]
    srt = lectern("transcript", str(rec_id), "--format", "srt", data_dir=paths.root).stdout
    assert "00:12:31,000 --> 00:12:35,000\n[Your note] Second law on the exam" in srt
    cited = Source(n=1, document_id=1, kind=lectures.NOTE_KIND, title="Lecture 7", text="Second law on the exam",
                   start_s=751.0)
    assert cited.label() == "Lecture 7, your note at 12:31"
