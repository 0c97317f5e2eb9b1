"""Recording what the computer plays (an online lecture, a video), alone or with the microphone.

On Linux the sound a computer plays goes through PulseAudio or PipeWire (which speaks
PulseAudio's protocol), and every output there has a *monitor* source that hears what
it plays. PortAudio reaches that server through ALSA's ``pulse`` device, whose stream
records from the source named in ``PULSE_SOURCE`` when it is opened; the special name
``@DEFAULT_MONITOR@`` is the monitor of the default output, so following the student's
choice of speakers needs no name at all. ``pactl`` (when installed) confirms that the
default output has a monitor before a recording starts.

Two streams (computer and microphone) are summed by ``Mixer`` into the one file.
"""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
from contextlib import contextmanager
from typing import Iterator

import numpy as np

from ..errors import AudioError
from .audio_devices import InputDevice

log = logging.getLogger(__name__)

MICROPHONE, SYSTEM, BOTH = "microphone", "system", "both"
SOURCES = (MICROPHONE, SYSTEM, BOTH)
SOURCE_LABELS = {MICROPHONE: "Microphone", SYSTEM: "Computer audio", BOTH: "Both"}
DEFAULT_MONITOR = "@DEFAULT_MONITOR@"
PULSE_DEVICES = ("pulse", "pipewire")
NOT_FOUND = "No way to record the computer's sound was found"


def not_found(why: str) -> AudioError:
    return AudioError(f"{NOT_FOUND}: {why}.",
                      "Recording the computer's sound needs PulseAudio or PipeWire (most Linux desktops have one). "
                      "You can still record from the microphone.")


def _pactl(*args: str) -> str | None:
    exe = shutil.which("pactl")
    if exe is None:
        return None
    try:
        r = subprocess.run([exe, *args], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError) as exc:
        log.info("pactl %s failed: %s", " ".join(args), exc)
        return ""
    return r.stdout if r.returncode == 0 else ""


def monitor_name() -> str:
    """The monitor source of the default output (for the log and the JSON), checked with pactl
    when it is installed; ``@DEFAULT_MONITOR@`` when it cannot be asked. AudioError when there is none."""
    sink = _pactl("get-default-sink")
    if sink is None:
        return DEFAULT_MONITOR
    sink = sink.strip()
    if not sink:
        raise not_found("no PulseAudio or PipeWire sound server answered")
    sources = _pactl("list", "short", "sources") or ""
    names = {line.split("\t")[1] for line in sources.splitlines() if line.count("\t") >= 1}
    if f"{sink}.monitor" not in names:
        raise not_found(f"the default output '{sink}' has no monitor")
    return f"{sink}.monitor"


def system_device(devices: list[InputDevice]) -> InputDevice:
    """The PortAudio input that reaches PulseAudio/PipeWire (ALSA's ``pulse`` device)."""
    for name in PULSE_DEVICES:
        for d in devices:
            if d.name == name:
                return d
    raise not_found("the sound system is neither PulseAudio nor PipeWire (no 'pulse' device among "
                    + (", ".join(d.name for d in devices[:6]) or "no devices") + ")")


@contextmanager
def recording_from(source: str) -> Iterator[None]:
    """Open a stream inside this to record from ``source`` (a PulseAudio source name).

    The variable is read by libpulse when the ALSA device opens its connection, so it is set
    only for that moment; hold ``audio_devices.portaudio_lock`` around it."""
    old = os.environ.get("PULSE_SOURCE")
    os.environ["PULSE_SOURCE"] = source
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("PULSE_SOURCE", None)
        else:
            os.environ["PULSE_SOURCE"] = old


class Mixer:
    """Sums two streams of int16 frames (0: microphone, 1: computer) block by block, clipping.

    Each stream's blocks wait until the other has delivered as much; if one goes quiet
    for longer than ``max_lag_frames`` (a stalled device), the other goes on alone with
    silence in its place, so the recording never falls behind."""

    def __init__(self, channels: int, max_lag_frames: int) -> None:
        self.channels = channels
        self.max_lag = max_lag_frames
        self.pending: list[np.ndarray] = [np.zeros((0, channels), np.int16), np.zeros((0, channels), np.int16)]
        self.clipped = 0

    def add(self, src: int, block: np.ndarray) -> np.ndarray | None:
        """Frames ready to write after this block (None when waiting for the other stream)."""
        block = block.reshape(-1, self.channels)
        self.pending[src] = np.concatenate([self.pending[src], block]) if len(self.pending[src]) else block
        a, b = self.pending
        n = min(len(a), len(b))
        if n == 0 and max(len(a), len(b)) > self.max_lag:
            n = max(len(a), len(b))   # the other stream stalled: this one goes on alone
            a = a if len(a) else np.zeros((n, self.channels), np.int16)
            b = b if len(b) else np.zeros((n, self.channels), np.int16)
        if n == 0:
            return None
        total = a[:n].astype(np.int32) + b[:n].astype(np.int32)
        self.clipped += int(np.count_nonzero((total > 32767) | (total < -32768)))
        out = np.clip(total, -32768, 32767).astype(np.int16)
        self.pending = [self.pending[0][n:] if len(self.pending[0]) >= n else self.pending[0][:0],
                        self.pending[1][n:] if len(self.pending[1]) >= n else self.pending[1][:0]]
        return out
