"""lectern record --system-audio: what the computer plays (the monitor of its default output),
alone or mixed with the microphone, transcribed while it records; a plain message when the
computer's sound cannot be recorded."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import contextmanager
from typing import Iterator

import pytest

from desktop.core.lectures import system_audio
from tests.audio import VirtualMic, no_sound_system, reinit_portaudio, silence_padded, speech_wav
from tests.conftest import REPO, wait_for

PLAYED = "The mitochondria is the powerhouse of the cell. Cells turn glucose into energy."
SAID = "Professor Ramirez asked about enzymes and their active sites."


class Speakers(VirtualMic):
    """A sound server with speakers (the default output, 'vspk') and a separate microphone
    (the default input: the monitor of a second null sink 'vmic'), as on a laptop."""

    def start(self) -> "Speakers":
        super().start()
        for args in (["load-module", "module-null-sink", "sink_name=vmic",
                      "sink_properties=device.description=VirtualMicrophone", f"rate={self.rate}", "channels=1"],
                     ["set-default-sink", "vspk"], ["set-default-source", "vmic.monitor"]):
            subprocess.run(["pactl", "--server", self.server, *args], check=True, capture_output=True)
        return self

    def say(self, wav) -> subprocess.Popen:
        """Speak into the microphone."""
        p = subprocess.Popen(["paplay", "--server", self.server, "--device=vmic", str(wav)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.players.append(p)
        return p


@contextmanager
def speakers_running() -> Iterator[Speakers]:
    """Speakers and a microphone on a sound server this process (and its children) uses."""
    mic = Speakers().start()
    old = os.environ.get("PULSE_SERVER")
    os.environ["PULSE_SERVER"] = mic.server
    reinit_portaudio()
    try:
        yield mic
    finally:
        if old is None:
            os.environ.pop("PULSE_SERVER", None)
        else:
            os.environ["PULSE_SERVER"] = old
        mic.stop()
        reinit_portaudio()


@pytest.fixture
def speakers():
    with speakers_running() as mic:
        yield mic


def _record(paths, *args: str) -> subprocess.Popen:
    env = dict(os.environ, LECTERN_DATA_DIR=str(paths.root))
    return subprocess.Popen([sys.executable, "-m", "desktop", "record", *args], cwd=str(REPO), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _when_recording(paths) -> None:
    wait_for(lambda: any(p.stat().st_size > 16000 for p in paths.recordings.glob("*.wav")), 90,
             what="the recording to start")


def test_what_the_computer_plays_is_recorded_and_transcribed_while_it_records(paths, speakers, tmp_path):
    played = silence_padded(speech_wav(PLAYED, tmp_path / "played.wav"), tmp_path / "p.wav", 0.3, 0.8)
    assert system_audio.monitor_name() == "vspk.monitor", "the default output's monitor, not the microphone"
    proc = _record(paths, "--seconds", "14", "--system-audio", "--transcribe", "--wait", "--json",
                   "--model", "tiny.en")
    try:
        _when_recording(paths)
        speakers.play(played)                    # the computer plays it; nobody speaks into the microphone
        out, err = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    data = json.loads(out)
    assert data["source"] == "system" and data["computer_audio"] == "vspk.monitor"
    assert abs(data["duration_s"] - 14) < 0.5 and data["dropped_frames"] == 0
    text = data["text"].lower()
    assert "mitochondria" in text and "energy" in text, text
    assert 0 <= data["transcript_ready_s"] < 30


def test_the_microphone_can_be_mixed_in(paths, speakers, tmp_path):
    played = silence_padded(speech_wav(PLAYED, tmp_path / "played.wav"), tmp_path / "p.wav", 0.3, 0.5)
    said = silence_padded(speech_wav(SAID, tmp_path / "said.wav"), tmp_path / "s.wav", 0.3, 0.5)
    proc = _record(paths, "--seconds", "22", "--system-audio", "--mix-microphone", "--transcribe", "--wait",
                   "--json", "--model", "tiny.en")
    try:
        _when_recording(paths)
        first = speakers.play(played)
        first.wait(30)
        speakers.say(said)                       # then the student asks a question
        out, err = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    data = json.loads(out)
    assert data["source"] == "both" and data["dropped_frames"] == 0
    text = data["text"].lower()
    assert "mitochondria" in text, text
    assert "enzymes" in text or "active sites" in text, text


def test_without_a_sound_server_it_says_the_computer_cannot_be_recorded(paths):
    with no_sound_system():
        env = dict(os.environ, LECTERN_DATA_DIR=str(paths.root))
        env.pop("PULSE_SERVER", None)
        r = subprocess.run([sys.executable, "-m", "desktop", "record", "--seconds", "2", "--system-audio", "--json"],
                           cwd=str(REPO), env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "No way to record the computer's sound was found" in (r.stdout + r.stderr)
    assert not list(paths.recordings.glob("*.wav")), "nothing was left behind"


def test_with_both_a_microphone_unplugged_leaves_the_computer_s_sound_recording(paths, speakers, tmp_path):
    import numpy as np
    import soundfile as sf

    from desktop.core.lectures.recorder import Recorder

    played = silence_padded(speech_wav(PLAYED, tmp_path / "played.wav"), tmp_path / "p.wav", 0.3, 0.5)
    changes: list[str] = []
    rec = Recorder(paths, source=system_audio.BOTH, on_device_changed=changes.append)
    rec.start()
    try:
        wait_for(lambda: rec.elapsed_s >= 2.0, 20, what="two seconds of both")
        # PulseAudio moves a stream whose source vanished to another one by itself; a microphone opened
        # on its own (ALSA hw:) ends instead, and PortAudio reports that stream finished, as here.
        rec._stream_finished()
        wait_for(lambda: rec.device_changes, 30, what="the microphone to be dropped")
        at = rec.elapsed_s
        player = speakers.play(played)
        wait_for(lambda: player.poll() is not None and rec.elapsed_s > at + 3, 60, what="the computer's sound")
        assert rec.running and "computer's sound only" in changes[0]
    finally:
        result = rec.stop()
    assert result is not None and result.error is None, result.error
    data, rate = sf.read(str(result.path), dtype="int16")
    after = data[int(at * rate):].astype(np.float32) / 32768
    assert float(np.sqrt(np.mean(after ** 2))) > 0.01, "what the computer played after it is in the file"
