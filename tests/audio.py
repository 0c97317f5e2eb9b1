"""Audio helpers for tests and benchmarks: speech from espeak-ng and a virtual microphone.

The virtual microphone is a private PulseAudio server with a null sink whose monitor
is the default source: whatever ``play()`` sends to the sink is what an app recording
from the default input hears, in real time. PortAudio only reads PULSE_SERVER when it
initialises, so it is re-initialised after the variable is set and after it is removed.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

LECTURE_TEXT = (
    "Good morning everyone. Today we talk about photosynthesis in green plants. "
    "Chlorophyll absorbs red and blue light and reflects green light. "
    "The light reactions happen in the thylakoid membranes and produce oxygen. "
    "The Calvin cycle then fixes carbon dioxide into sugar."
)


def speech_wav(text: str, path: Path, rate: int = 16000, words_per_minute: int = 150, voice: str = "en-us") -> Path:
    """Synthesise ``text`` to a 16-bit mono WAV at ``rate``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = path.with_suffix(".espeak.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(words_per_minute), "-w", str(raw), text],
                   check=True, capture_output=True)
    subprocess.run(["sox", str(raw), "-r", str(rate), "-c", "1", "-b", "16", "-e", "signed-integer", str(path)],
                   check=True, capture_output=True)
    raw.unlink(missing_ok=True)
    return path


def silence_padded(src: Path, dst: Path, before_s: float = 0.5, after_s: float = 0.5) -> Path:
    subprocess.run(["sox", str(src), str(dst), "pad", str(before_s), str(after_s)], check=True, capture_output=True)
    return dst


def video_from_wav(wav: Path, dst: Path, color: str = "navy", size: str = "320x240") -> Path:
    """A small real video file (solid colour picture + the speech) made with ffmpeg."""
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", f"color=c={color}:s={size}:r=10",
                    "-i", str(wav), "-shortest", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-b:a", "64k", str(dst)], check=True, capture_output=True)
    return dst


def reinit_portaudio() -> None:
    import sounddevice as sd

    try:
        sd._terminate()
    except Exception:
        pass
    sd._initialize()


class VirtualMic:
    """A PulseAudio server with a null sink 'vspk'; its monitor is the default input."""

    def __init__(self, rate: int = 16000) -> None:
        self.rate = rate
        # Unix socket paths are limited to ~108 bytes: keep them short, outside tmp_path.
        self.dir = Path(tempfile.mkdtemp(prefix="lvm"))
        self.socket = self.dir / "native"
        self.server = f"unix:{self.socket}"
        self.proc: subprocess.Popen | None = None
        self.players: list[subprocess.Popen] = []

    def env(self) -> dict[str, str]:
        return {"PULSE_SERVER": self.server}

    def start(self) -> "VirtualMic":
        run = self.dir / "run"
        home = self.dir / "home"
        run.mkdir(mode=0o700)
        home.mkdir()
        env = dict(os.environ, XDG_RUNTIME_DIR=str(run), HOME=str(home))
        env.pop("PULSE_SERVER", None)
        self.proc = subprocess.Popen(
            ["pulseaudio", "--daemonize=no", "-n", "--exit-idle-time=-1", "--disallow-exit",
             "--use-pid-file=no", "--disable-shm=yes", "--log-target=stderr",
             "-L", f"module-native-protocol-unix auth-anonymous=1 socket={self.socket}",
             "-L", f"module-null-sink sink_name=vspk sink_properties=device.description=VirtualSpeaker "
                   f"rate={self.rate} channels=1",
             "-L", "module-always-sink"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            r = subprocess.run(["pactl", "--server", self.server, "info"], capture_output=True, text=True)
            if r.returncode == 0 and "vspk.monitor" in r.stdout:
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("the virtual microphone (PulseAudio) did not start")

    def play(self, wav: Path) -> subprocess.Popen:
        """Start playing ``wav`` into the microphone; returns the player process."""
        p = subprocess.Popen(["paplay", "--server", self.server, "--device=vspk", str(wav)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.players.append(p)
        return p

    def kill_server(self) -> None:
        """Make the microphone vanish (like unplugging it)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        for p in self.players:
            if p.poll() is None:
                p.kill()
                p.wait(5)
        self.kill_server()
        shutil.rmtree(self.dir, ignore_errors=True)


@contextmanager
def virtual_microphone(rate: int = 16000) -> Iterator[VirtualMic]:
    """Set PULSE_SERVER for this process (and its children) for the duration."""
    mic = VirtualMic(rate).start()
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


@contextmanager
def no_sound_system() -> Iterator[None]:
    """PortAudio with no PulseAudio server to talk to: no input device at all."""
    old = os.environ.pop("PULSE_SERVER", None)
    reinit_portaudio()
    try:
        yield
    finally:
        if old is not None:
            os.environ["PULSE_SERVER"] = old
        reinit_portaudio()


@pytest.fixture
def virtual_mic() -> Iterator[VirtualMic]:
    with virtual_microphone() as mic:
        yield mic


@pytest.fixture
def lecture_wav(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("speech")
    return silence_padded(speech_wav(LECTURE_TEXT, folder / "raw.wav"), folder / "lecture.wav", 0.3, 0.7)
