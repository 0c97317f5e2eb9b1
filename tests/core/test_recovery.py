import json
import os
import subprocess
import sys
import time

import numpy as np
import soundfile as sf

from desktop.core import lectures
from desktop.core.lectures.recorder import wav_header
from desktop.core.lectures.recovery import recover, repair_wav
from tests.audio import lecture_wav, virtual_mic  # noqa: F401 (fixtures)
from tests.conftest import REPO, lectern
from tests.core.test_recorder import best_correlation


def start_cli_recording(paths, seconds: int = 30) -> tuple[subprocess.Popen, float]:
    """`lectern record` in its own process; returns it once audio is flowing, with that moment."""
    proc = subprocess.Popen([sys.executable, "-m", "desktop", "record", "--seconds", str(seconds), "--json"],
                            cwd=str(REPO), env=dict(os.environ, LECTERN_DATA_DIR=str(paths.root)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if "started" in line:
            return proc, time.monotonic()
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError(f"lectern record did not start: {proc.stderr.read()}")


def test_kill_9_mid_lecture_then_restart_recovers_at_least_99_percent(paths, db, virtual_mic, lecture_wav):
    proc, started = start_cli_recording(paths)
    virtual_mic.play(lecture_wav)
    time.sleep(2.5)
    assert recover(db, paths) == [], "a recording in progress in another process is left alone"
    time.sleep(2.5)
    killed = time.monotonic()
    proc.kill()  # SIGKILL: no chance to close the file or fix its header
    proc.wait(10)
    recorded_wall = killed - started

    r = lectern("recover", "--json", data_dir=paths.root)   # the next start of Lectern
    assert r.returncode == 0, r.stderr
    found = json.loads(r.stdout)
    assert len(found) == 1 and found[0]["ok"], found
    rec_id = found[0]["recording_id"]
    duration = found[0]["duration_s"]
    assert duration >= 0.99 * recorded_wall, f"{duration:.3f} s recovered of {recorded_wall:.3f} s recorded"

    audio, rate = sf.read(found[0]["path"], dtype="float32")
    assert rate == 16000 and len(audio) / rate == duration
    source, _ = sf.read(str(lecture_wav), dtype="float32")
    # What was saved is the lecture itself, not silence or garbage.
    assert best_correlation(np.pad(audio, (0, len(source))), source[: len(audio)]) > 0.95
    row = lectures.get_recording(db, rec_id)
    assert row.state == "recovered" and row.document_id is not None
    assert lectern("recover", "--json", data_dir=paths.root).stdout.strip() == "[]", "recovered only once"


def test_a_stale_header_is_rebuilt_from_the_file_size(tmp_path):
    path = tmp_path / "crashed.wav"
    samples = (np.sin(np.arange(16000 * 2) / 10) * 8000).astype("<i2")
    # The header still says 0.5 s; 2 s of samples and a torn half-frame follow.
    path.write_bytes(wav_header(16000, 16000, 1) + samples.tobytes() + b"\x01")
    assert repair_wav(path, 16000, 1) == 32000
    data, rate = sf.read(str(path), dtype="int16")
    assert rate == 16000 and np.array_equal(data, samples)


def test_a_crash_before_any_sound_was_saved_is_reported_not_offered(paths, db):
    db.execute("INSERT INTO recordings (title, path, source, state, created_at) VALUES (?,?,?,?,?)",
               ("Lecture 9", "recordings/99.wav", "microphone", "recording", time.time()))
    found = recover(db, paths)
    assert len(found) == 1 and not found[0].ok
    assert "before any sound" in found[0].message
    assert db.execute("SELECT state FROM recordings").fetchone()[0] == "failed"
