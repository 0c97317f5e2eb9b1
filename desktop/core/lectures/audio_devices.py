"""Microphones: which input devices exist, which one is the default, and finding one by name.

PortAudio reads the system's audio configuration once, when it is initialised, so a
microphone plugged in later only appears after ``refresh=True`` (which re-initialises
PortAudio). Re-initialising while a stream is open would pull the rug from under it,
so the recorder registers its streams here and a refresh waits until none is open.

A PortAudio failure is never passed off as "no microphone": ``explain`` logs PortAudio's
own words and tells the student which of these happened: no device, the sound system
did not start, the device is busy, or Lectern may not use it.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from ..errors import AudioError

log = logging.getLogger(__name__)

NO_DEVICE_MESSAGE = "No microphone was found."
NO_DEVICE_HINT = ("Plug in a microphone or headset (or allow Lectern to use it in your system's privacy "
                  "settings), then pick it in the list. You can still import audio and video files.")
SOUND_SYSTEM_MESSAGE = "Lectern could not start your computer's sound system, so it cannot see any microphone."
SOUND_SYSTEM_HINT = ("Check that sound works in other programs (on Linux: that PulseAudio or PipeWire is "
                     "running), then refresh the list of microphones.")

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


def explain(exc: BaseException, device: str = "") -> AudioError:
    """A plain AudioError for a PortAudio failure, with PortAudio's own words logged."""
    text = str(exc)
    low = text.lower()
    named = f" {device!r}" if device else ""
    if "permission" in low or "access" in low or "denied" in low:
        err = AudioError("Lectern is not allowed to use the microphone.",
                         "Allow microphone access for Lectern in your system's privacy settings, then retry.")
    elif "busy" in low or "unavailable" in low:
        err = AudioError(f"The microphone{named} is busy or unavailable.",
                         "Close other programs that record sound, or choose another microphone.")
    elif "querying device -1" in low or "no input device" in low or "no default input" in low:
        err = AudioError(NO_DEVICE_MESSAGE, NO_DEVICE_HINT)
    elif "initializ" in low or "host error" in low:
        err = AudioError(SOUND_SYSTEM_MESSAGE, f"{SOUND_SYSTEM_HINT} (Sound system said: {text})")
    elif "querying device" in low or "invalid device" in low or "illegal combination" in low:
        # ALSA/PulseAudio report a device that went away between listing and opening this way.
        err = AudioError(f"The microphone{named} is no longer available.",
                         "Plug it in again, or choose another microphone.")
    else:
        err = AudioError(f"The microphone{named} could not be opened ({text}).",
                         "Choose another microphone, or plug it in again.")
    log.warning("%s PortAudio: %s", err.message, text, exc_info=exc)
    return err


def sounddevice() -> Any:
    """The sounddevice module, or a plain AudioError when PortAudio is missing or fails to start."""
    try:
        import sounddevice as sd
    except OSError as exc:  # "PortAudio library not found"
        log.warning("PortAudio could not be loaded: %s", exc)
        raise AudioError("Lectern cannot reach your computer's sound system (PortAudio is missing).",
                         "Install PortAudio (on Debian/Ubuntu: sudo apt-get install libportaudio2).") from exc
    except Exception as exc:  # sounddevice initialises PortAudio on import (PortAudioError)
        raise explain(exc) from exc
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
    """Make PortAudio look at the system again. False (and nothing done) while a stream is open.

    Raises AudioError (cause logged) when PortAudio does not start again."""
    sd = sounddevice()
    with _lock:
        if _open_streams:
            return False
        try:
            sd._terminate()
        except Exception:  # already terminated (e.g. the last start failed)
            pass
        try:
            sd._initialize()
        except Exception as exc:
            raise explain(exc) from exc
        return True


def list_inputs(refresh: bool = False) -> list[InputDevice]:
    """Every device that can record; empty when there is none.

    Raises AudioError (cause logged) when the sound system itself failed, which is not
    the same as having no microphone."""
    sd = sounddevice()
    with _lock:
        if refresh:
            reinitialize()
        try:
            raw = sd.query_devices()
            hostapis = sd.query_hostapis()
        except Exception as exc:  # PortAudio in a bad state (e.g. not initialised after a failed start)
            raise explain(exc) from exc
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
