"""Microphones: which input devices exist, which one is the default, and finding one by name.

PortAudio reads the system's audio configuration once, when it is initialised, so a
microphone plugged in later only appears after ``refresh=True`` (which re-initialises
PortAudio). Re-initialising while a stream is open would pull the rug from under it,
so the recorder registers its streams here and a refresh waits until none is open.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from ..errors import AudioError

NO_DEVICE_MESSAGE = "No microphone was found."
NO_DEVICE_HINT = ("Plug in a microphone or headset (or allow Lectern to use it in your system's privacy "
                  "settings), then pick it in the list. You can still import audio and video files.")

_lock = threading.RLock()
portaudio_lock = _lock   # hold it while opening a stream, so no refresh happens meanwhile
_open_streams = 0


@dataclass(frozen=True)
class InputDevice:
    index: int
    name: str
    hostapi: str
    channels: int
    default_samplerate: float
    is_default: bool = False

    @property
    def label(self) -> str:
        return f"{self.name} (default)" if self.is_default else self.name


def sounddevice() -> Any:
    """The sounddevice module, or a plain AudioError when PortAudio is not installed."""
    try:
        import sounddevice as sd
    except OSError as exc:  # "PortAudio library not found"
        raise AudioError("Lectern cannot reach your computer's sound system (PortAudio is missing).",
                         "Install PortAudio (on Debian/Ubuntu: sudo apt-get install libportaudio2).") from exc
    return sd


def stream_opened() -> None:
    global _open_streams
    with _lock:
        _open_streams += 1


def stream_closed() -> None:
    global _open_streams
    with _lock:
        _open_streams = max(0, _open_streams - 1)


def reinitialize() -> bool:
    """Make PortAudio look at the system again. False (and nothing done) while a stream is open."""
    sd = sounddevice()
    with _lock:
        if _open_streams:
            return False
        try:
            sd._terminate()
        except Exception:  # already terminated
            pass
        sd._initialize()
        return True


def list_inputs(refresh: bool = False) -> list[InputDevice]:
    """Every device that can record. Empty when there is none (never raises for that)."""
    sd = sounddevice()
    with _lock:
        if refresh:
            reinitialize()
        try:
            raw = sd.query_devices()
            hostapis = sd.query_hostapis()
        except Exception:  # PortAudio in a bad state: treat as "no devices"
            return []
        try:
            default_in = int(sd.default.device[0])
        except (TypeError, ValueError, IndexError):
            default_in = -1
        if default_in < 0:
            try:
                default_in = int(sd.query_devices(kind="input")["index"])
            except Exception:
                default_in = -1
    out: list[InputDevice] = []
    for d in raw:
        if int(d.get("max_input_channels", 0)) <= 0:
            continue
        api = hostapis[d["hostapi"]]["name"] if 0 <= d["hostapi"] < len(hostapis) else ""
        out.append(InputDevice(int(d["index"]), str(d["name"]), api, int(d["max_input_channels"]),
                               float(d["default_samplerate"]), int(d["index"]) == default_in))
    return out


def default_input(devices: list[InputDevice] | None = None) -> InputDevice | None:
    devices = list_inputs() if devices is None else devices
    for d in devices:
        if d.is_default:
            return d
    return devices[0] if devices else None


def find(name: str = "", devices: list[InputDevice] | None = None) -> InputDevice:
    """The device called ``name`` (exact, then case-insensitive substring); "" means the default.

    Raises AudioError with a plain message when there is no device, or none by that name.
    """
    devices = list_inputs() if devices is None else devices
    if not devices:
        raise AudioError(NO_DEVICE_MESSAGE, NO_DEVICE_HINT)
    if not name:
        dev = default_input(devices)
        assert dev is not None
        return dev
    for d in devices:
        if d.name == name:
            return d
    matches = [d for d in devices if name.lower() in d.name.lower()]
    if matches:
        return matches[0]
    raise AudioError(f"The microphone '{name}' is not connected.",
                     "Plug it back in, or choose another microphone: "
                     + ", ".join(d.name for d in devices[:6]) + ".")


def signature(devices: list[InputDevice]) -> tuple[tuple[str, bool], ...]:
    """What the device picker shows; compare two of these to know if it must be rebuilt."""
    return tuple((d.name, d.is_default) for d in devices)
