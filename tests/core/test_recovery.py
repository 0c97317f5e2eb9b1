import json
import os
import struct
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile as sf

from desktop.core import lectures
from desktop.core.lectures import wavfile
from desktop.core.lectures.recovery import recover, repair_wav
from desktop.core.lectures.wavfile import HEADER_BYTES, WavWriter
from tests.audio import lecture_wav, virtual_mic  # noqa: F401 (fixtures)
from tests.conftest import REPO, lectern, wait_for
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
    wav = wait_for(lambda: next(paths.recordings.glob("*.wav"), None), 10, what="the recording's file")

    def seconds_on_disk() -> float:
        return (wav.stat().st_size - HEADER_BYTES) / (2 * 16000)
    wait_for(lambda: seconds_on_disk() >= 2.5, 30, what="2.5 s of audio on disk")
    assert recover(db, paths) == [], "a recording in progress in another process is left alone"
    wait_for(lambda: seconds_on_disk() >= 5.0, 30, what="5 s of audio on disk")
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
    path.write_bytes(wavfile.header(16000, 16000, 1) + samples.tobytes() + b"\x01")
    assert repair_wav(path, 16000, 1) == 32000
    data, rate = sf.read(str(path), dtype="int16")
    assert rate == 16000 and np.array_equal(data, samples)


def test_a_recording_from_before_rf64_with_its_44_byte_header_is_still_repaired(tmp_path):
    path = tmp_path / "old.wav"
    samples = (np.sin(np.arange(8000) / 7) * 8000).astype("<i2")
    path.write_bytes(wavfile.legacy_header(0, 16000, 1) + samples.tobytes() + b"\x01")
    assert repair_wav(path, 16000, 1) == 8000
    assert path.stat().st_size == 44 + samples.nbytes
    data, _ = sf.read(str(path), dtype="int16")
    assert np.array_equal(data, samples)


def _fields(head: bytes) -> tuple[bytes, int, int, int]:
    """(RIFF|RF64, 32-bit RIFF size, 32-bit data size, 64-bit data size from ds64 or -1)."""
    riff, riff_size = head[:4], struct.unpack("<I", head[4:8])[0]
    data_size = struct.unpack("<I", head[76:80])[0]
    ds64 = struct.unpack("<Q", head[28:36])[0] if head[12:16] == b"ds64" else -1
    return riff, riff_size, data_size, ds64


@pytest.mark.parametrize("data_bytes, kind", [
    (2**32 - 74, "RIFF"),          # the largest even size a 32-bit RIFF size can still hold
    (2**32 - 72, "RF64"),          # two bytes more: RIFF size would be 2**32
    (2**32, "RF64"),
    (2**32 + 4 * 48000 * 3600, "RF64"),
])
def test_the_header_switches_to_rf64_exactly_when_32_bits_no_longer_hold_the_sizes(tmp_path, data_bytes, kind):
    head = wavfile.header(data_bytes, 48000, 2)
    assert len(head) == HEADER_BYTES
    riff, riff_size, data_size, ds64 = _fields(head)
    assert riff == kind.encode()
    if kind == "RIFF":
        assert riff_size == HEADER_BYTES - 8 + data_bytes <= 0xFFFFFFFF and data_size == data_bytes
        assert head[12:16] == b"JUNK", "room kept for ds64"
    else:
        assert riff_size == data_size == 0xFFFFFFFF and ds64 == data_bytes
    # A real reader agrees (a sparse file: no 4 GiB written).
    path = tmp_path / "big.wav"
    path.write_bytes(head)
    os.truncate(path, HEADER_BYTES + data_bytes)
    info = sf.info(str(path))
    assert info.format == ("WAV" if kind == "RIFF" else "RF64")
    assert (info.samplerate, info.channels, info.frames) == (48000, 2, data_bytes // 4)


def test_a_crash_past_4_gib_is_recovered_as_rf64_with_every_frame(paths, db):
    """Six hours at 48 kHz stereo: the 32-bit WAV header would wrap to a few minutes."""
    path = paths.recordings / "7.wav"
    first = (np.random.default_rng(1).standard_normal((48000, 2)) * 3000).astype("<i2")
    writer = WavWriter(path, 48000, 2)
    writer.write(first.tobytes())
    writer.sync()   # what the last fsync before the crash left: a header saying 1 s
    # The rest of the lecture reached the disk but not the header; then the power went.
    total = HEADER_BYTES + 2**32 + 4 * 48000 * 60 + 3   # a torn frame at the very end
    os.truncate(path, total)
    db.execute("INSERT INTO recordings (id, title, path, source, state, samplerate, channels, created_at)"
               " VALUES (7, 'Long lecture', 'recordings/7.wav', 'microphone', 'recording', 48000, 2, ?)",
               (time.time(),))

    found = recover(db, paths)
    frames = (total - HEADER_BYTES) // 4
    assert len(found) == 1 and found[0].ok and found[0].duration_s == pytest.approx(frames / 48000)
    assert "interrupted" in found[0].message
    info = sf.info(str(path))
    assert (info.format, info.frames, info.samplerate, info.channels) == ("RF64", frames, 48000, 2)
    assert path.stat().st_size == HEADER_BYTES + frames * 4, "the torn frame is gone"
    start, _ = sf.read(str(path), frames=48000, dtype="int16")
    assert np.array_equal(start, first), "the beginning of the lecture is intact"
    row = lectures.get_recording(db, 7)
    assert row.state == "recovered" and row.duration_s == pytest.approx(frames / 48000)


def test_a_crash_before_any_sound_was_saved_is_reported_not_offered(paths, db):
    db.execute("INSERT INTO recordings (title, path, source, state, created_at) VALUES (?,?,?,?,?)",
               ("Lecture 9", "recordings/99.wav", "microphone", "recording", time.time()))
    found = recover(db, paths)
    assert len(found) == 1 and not found[0].ok
    assert "before any sound" in found[0].message
    assert db.execute("SELECT state FROM recordings").fetchone()[0] == "failed"
