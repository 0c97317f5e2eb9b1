"""Recording a lecture from the microphone to a file that survives a crash.

PortAudio calls ``_callback`` on its own real-time thread; it only copies the frames
into a queue (no disk, no locks, no database). A writer thread takes them from the
queue and appends them to ``<data>/recordings/<id>.wav`` at once (``wavfile.WavWriter``:
unbuffered writes, so a killed process loses only what was still in the queue). About
once a second it rewrites the header sizes and fsyncs, so even a power cut loses about
a second; past 4 GiB the header becomes RF64. A recording left behind by a crash is
repaired at the next start (``recovery.py``). A microphone that goes away mid-lecture
(unplugged) is replaced by the default one, into the same file; with none left the
recording stops and everything so far is saved.

While the recording runs, a lock file next to it is held (``recording_lock``);
recovery skips a recording whose lock is still held.

Whatever fails at the end (a busy database, the library entry), the file is finished
first and the result always reaches ``on_finished``; a row that could not be saved is
put right by recovery at the next start.

``source`` picks what is recorded: the microphone, the computer's own sound (the monitor
of its default output, ``system_audio``), or both, summed by a ``Mixer`` into the same file
on the writer thread (two PortAudio streams, each callback still only copying).
"""
from __future__ import annotations

import errno
import logging
import queue
import shutil
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
from filelock import Timeout

from . import audio_devices, system_audio
from .recording_lock import RecordingLock, recording_lock_path
from .recording_row import NOT_FILED, PAUSED, RECORDING, SAVE_ROW_FOR_S, RecordingResult, save_final_row
from .wavfile import WavWriter
from ..storage.config import DataPaths
from ..storage.db import open_db
from ..errors import AudioError, DiskFull, LecternError
from ..timefmt import format_duration

log = logging.getLogger(__name__)

SAMPLERATE = 16000          # what Whisper wants; no resampling needed later
BLOCK_S = 0.05              # 50 ms per callback: small blocks keep the crash loss small
FLUSH_EVERY_S = 1.0
DEVICE_SILENT_S = 4.0       # no callback at all for this long = the device is gone
MIN_FREE_BYTES = 200 * 1024 * 1024          # refuse to start below this
STOP_BELOW_FREE_BYTES = 50 * 1024 * 1024    # stop (and keep the audio) below this
STATE_BUSY_TIMEOUT_MS = 500                 # pause/resume never wait longer for the database
MIX_MAX_LAG_S = 0.5         # with two streams, one silent this long is filled with silence


@dataclass
class Level:
    rms: float = 0.0    # 0..1 of full scale
    peak: float = 0.0

    @property
    def rms_db(self) -> float:
        return 20 * np.log10(max(self.rms, 1e-6))

    @property
    def peak_db(self) -> float:
        return 20 * np.log10(max(self.peak, 1e-6))


class Recorder:
    """One recording session: start, pause/resume, stop. Safe to drive from the UI thread.

    ``on_block(frames_int16, paused)`` runs on the writer thread for every block (live
    captions and meters hang off it; it must return quickly). ``on_finished(result)``
    runs once when the file is complete, whether stopped by the student or by a problem
    (``result.error`` then says what happened; the audio so far is kept).
    """

    def __init__(self, paths: DataPaths, *, title: str = "", node_id: int | None = None, device: str = "",
                 samplerate: int = SAMPLERATE, channels: int = 1, min_free_bytes: int = MIN_FREE_BYTES,
                 stop_below_free_bytes: int = STOP_BELOW_FREE_BYTES, save_row_for_s: float = SAVE_ROW_FOR_S,
                 on_block: Callable[[np.ndarray, bool], None] | None = None,
                 on_finished: Callable[[RecordingResult], None] | None = None,
                 source: str = system_audio.MICROPHONE,
                 on_device_changed: Callable[[str], None] | None = None) -> None:
        if source not in system_audio.SOURCES:
            raise AudioError(f"Lectern cannot record from '{source}'.",
                             "Choose the microphone, the computer's audio, or both.")
        self.source = source
        self.on_device_changed = on_device_changed   # writer thread: a plain message when the microphone changed
        self.monitor = ""                  # the computer-audio source recorded (system / both)
        self.system_device: audio_devices.InputDevice | None = None
        self._system_stream: Any = None
        self._mixer: system_audio.Mixer | None = None
        self.paths = paths
        self.title = title
        self.node_id = node_id
        self.device_name = device
        self.samplerate = samplerate
        self.channels = channels
        self.min_free_bytes = min_free_bytes
        self.stop_below_free_bytes = stop_below_free_bytes
        self.save_row_for_s = save_row_for_s
        self.on_block = on_block
        self.on_finished = on_finished
        self.recording_id: int | None = None
        self.path: Path | None = None
        self.device: audio_devices.InputDevice | None = None
        self.error: LecternError | None = None
        self.result: RecordingResult | None = None
        self.level = Level()
        self.overflows = 0                 # callbacks flagged input_overflow by PortAudio
        self.frames_written = 0
        self.frames_received = 0
        self.started_at = 0.0               # wall clock of the first frame
        self.saving = False                 # the file is complete; its row is being saved
        self._q: queue.SimpleQueue = queue.SimpleQueue()
        self._paused = False
        self._stopping = threading.Event()
        self._finished = threading.Event()
        self._stream: Any = None
        self._writer: threading.Thread | None = None
        self._file: WavWriter | None = None
        self._lock: RecordingLock | None = None
        self._last_callback = 0.0          # of the microphone's stream (or the only one)
        self._last_system_callback = 0.0   # of the computer's sound, with the microphone
        self._stream_ended = False
        self._system_ended = False
        self._db = None
        self._stop_lock = threading.Lock()
        self._stream_lock = threading.Lock()
        self.device_changes: list[tuple[float, str, str]] = []   # (second, from, to): microphones switched

    # -- state --------------------------------------------------------------------------
    @property
    def elapsed_s(self) -> float:
        return self.frames_written / self.samplerate

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def running(self) -> bool:
        return self._writer is not None and not self._finished.is_set()

    @property
    def free_bytes(self) -> int:
        return disk_free(self.paths)

    # -- start --------------------------------------------------------------------------
    def start(self) -> int:
        """Open the microphone and start writing. Returns the new recording id.

        Raises AudioError (no/unknown/busy device, permission) or DiskFull before any
        row or file is created, so a failed start leaves nothing behind.
        """
        sd = audio_devices.sounddevice()
        self.paths.ensure()
        free = disk_free(self.paths)
        if free < self.min_free_bytes:
            raise DiskFull(f"Only {free / 1e6:.0f} MB is free on the disk, too little to record a lecture.",
                           "Free some space (at least 200 MB; an hour of lecture takes about 115 MB), then retry.")
        if self.source != system_audio.MICROPHONE:
            self.monitor = system_audio.monitor_name()   # a plain message when there is none
        with audio_devices.portaudio_lock:  # no PortAudio refresh between finding and opening
            devices = audio_devices.list_inputs()
            if self.source != system_audio.MICROPHONE:
                self.system_device = system_audio.system_device(devices)
            if self.source == system_audio.SYSTEM:
                self.device = self.system_device
            else:
                self.device = audio_devices.find(self.device_name, devices)
            self.samplerate, self.channels = self._pick_format(sd)
            if self.source == system_audio.BOTH:
                self._mixer = system_audio.Mixer(self.channels, int(self.samplerate * MIX_MAX_LAG_S))
            self._open(sd)
        log.info("recording %s started on %r at %d Hz", self.recording_id, self.device.name, self.samplerate)
        assert self.recording_id is not None
        return self.recording_id

    def _open(self, sd: Any) -> None:
        assert self.device is not None
        try:
            self._db = open_db(self.paths.db)
            cur = self._db.execute(
                "INSERT INTO recordings (title, node_id, path, source, state, samplerate, channels, created_at)"
                " VALUES (?,?,?,?,?,?,?,?)",
                (self.title or "Lecture", self.node_id, "", "microphone", RECORDING, self.samplerate,
                 self.channels, time.time()))
        except sqlite3.Error as exc:
            log.exception("could not create the recording's row")
            raise LecternError("Lectern's library is busy or damaged, so the recording could not start.",
                               "Try again in a moment; if it keeps failing, restart Lectern.") from exc
        rec_id = int(cur.lastrowid)
        self.recording_id = rec_id
        self.path = self.paths.recordings / f"{rec_id}.wav"
        try:
            self._lock = RecordingLock(recording_lock_path(self.paths, rec_id))
            self._lock.acquire()
            self._file = WavWriter(self.path, self.samplerate, self.channels)
            self._db.execute("UPDATE recordings SET path=? WHERE id=?",
                             (str(self.path.relative_to(self.paths.root)), rec_id))
            if self.source == system_audio.SYSTEM:
                with system_audio.recording_from(self.monitor):
                    self._stream = self._input(sd, self.device, self._callback)
            else:
                self._stream = self._input(sd, self.device, self._callback)
            if self.source == system_audio.BOTH:
                assert self.system_device is not None
                with system_audio.recording_from(self.monitor):
                    self._system_stream = self._input(sd, self.system_device, self._callback_system,
                                                      self._system_finished)
            self._last_callback = self._last_system_callback = time.monotonic()
            self._stream.start()   # blocks wait in the queue until the writer runs
            if self._system_stream is not None:
                self._system_stream.start()
            # The writer only starts once nothing can fail any more: once it runs, the
            # recording is real and it alone finishes it (file, row, library entry).
            self._writer = threading.Thread(target=self._write_loop, name=f"recorder-{rec_id}", daemon=True)
            self._writer.start()
        except Exception as exc:
            self._abort_start()
            if isinstance(exc, LecternError):
                raise
            if isinstance(exc, Timeout):
                raise LecternError("Another Lectern is already writing this recording.") from exc
            if isinstance(exc, PermissionError):
                raise AudioError("Lectern cannot write to its recordings folder.",
                                 f"Check the permissions of {self.paths.recordings}.") from exc
            if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
                raise DiskFull("The disk is full.", "Free some space, then retry.") from exc
            raise audio_devices.explain(exc, self.device_name) from exc

    def _input(self, sd: Any, device: audio_devices.InputDevice, callback: Callable[..., None],
               finished: Callable[[], None] | None = None) -> Any:
        try:
            stream = sd.InputStream(
                device=device.index, samplerate=self.samplerate, channels=self.channels, dtype="int16",
                blocksize=int(self.samplerate * BLOCK_S), callback=callback,
                finished_callback=finished or self._stream_finished)
        except Exception as exc:
            if device is self.system_device:
                raise system_audio.not_found(f"the sound server would not record its output ({exc})") from exc
            raise
        audio_devices.stream_opened()
        return stream

    def _pick_format(self, sd: Any) -> tuple[int, int]:
        """16 kHz mono if the device can do it; otherwise its own rate (transcription resamples).
        With two streams, a format both take (the sound server converts whatever it is asked)."""
        assert self.device is not None
        tries = [(self.samplerate, self.channels), (int(self.device.default_samplerate), self.channels),
                 (int(self.device.default_samplerate), min(2, self.device.channels))]
        last: Exception | None = None
        for sr, ch in tries:
            try:
                sd.check_input_settings(device=self.device.index, samplerate=sr, channels=ch, dtype="int16")
                if self.source == system_audio.BOTH and self.system_device is not None:
                    sd.check_input_settings(device=self.system_device.index, samplerate=sr, channels=ch,
                                            dtype="int16")
                return sr, ch
            except Exception as exc:
                last = exc
        raise audio_devices.explain(last or RuntimeError("unsupported"), self.device.name)

    def _release_lock(self) -> None:
        lock, self._lock = self._lock, None
        if lock is None:
            return
        try:
            lock.release()
        except OSError:
            log.warning("could not release the lock of recording %s", self.recording_id, exc_info=True)

    def _abort_start(self) -> None:
        """Undo a start that failed half-way: no row, no file, no stream."""
        for attr in ("_stream", "_system_stream"):
            stream = getattr(self, attr)
            if stream is not None:
                try:
                    stream.close(ignore_errors=True)
                finally:
                    audio_devices.stream_closed()
                    setattr(self, attr, None)
        self._stopping.set()
        if self._file is not None:
            self._file.discard()
            self._file = None
        elif self.path is not None:
            self.path.unlink(missing_ok=True)
        self._release_lock()
        if self._db is not None and self.recording_id is not None:
            try:
                self._db.execute("DELETE FROM recordings WHERE id=?", (self.recording_id,))
            except sqlite3.Error:  # recovery marks it failed (no sound) at next start
                log.exception("could not remove the row of recording %s that did not start", self.recording_id)
        self.recording_id = None

    # -- real-time side ---------------------------------------------------------------------
    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        # PortAudio's thread: copy and hand over, nothing else.
        if status.input_overflow:
            self.overflows += 1
        self._last_callback = time.monotonic()
        self._q.put((indata.copy(), self._paused, 0))

    def _callback_system(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        # The second stream (the computer's sound, with the microphone): same rules.
        if status.input_overflow:
            self.overflows += 1
        self._last_system_callback = time.monotonic()
        self._q.put((indata.copy(), self._paused, 1))

    def _stream_finished(self) -> None:
        self._stream_ended = True
        self._q.put(b"ended")  # wake the writer so it notices promptly

    def _system_finished(self) -> None:
        self._system_ended = True
        self._q.put(b"ended")

    # -- writer thread ----------------------------------------------------------------------
    def _write_loop(self) -> None:
        problem: LecternError | None = None
        try:
            problem = self._pump()
        except Exception as exc:  # a bug here must still finish the file and tell the caller
            log.exception("recording %s: the writer failed", self.recording_id)
            problem = AudioError("The recording stopped unexpectedly.", "What was recorded so far is saved.")
            problem.__cause__ = exc
        self._finish(problem)

    def _pump(self) -> LecternError | None:
        """Move blocks from the queue to the file until stopped or a problem; returns the problem."""
        assert self._file is not None
        last_flush = time.monotonic()
        while True:
            try:
                item = self._q.get(timeout=0.2)
            except queue.Empty:
                item = b"tick"
            if item is None:  # stop() has closed the stream and drained the callback
                return None
            if isinstance(item, tuple):
                block, paused, src = item
                if self._mixer is not None:
                    mixed = self._mixer.add(src, block)
                    if mixed is None:
                        continue
                    block = mixed
                self.frames_received += len(block)
                if not self.started_at:
                    self.started_at = time.time() - len(block) / self.samplerate
                self._measure(block)
                if not paused:
                    try:
                        self._file.write(block.tobytes())
                    except OSError as exc:
                        return self._write_failed(exc)
                    self.frames_written += len(block)
                if self.on_block is not None:
                    try:
                        self.on_block(block, paused)
                    except Exception:  # a listener must never stop the recording
                        log.exception("recording listener failed")
            now = time.monotonic()
            if now - last_flush >= FLUSH_EVERY_S:
                last_flush = now
                self._file.sync()
                if disk_free(self.paths) < self.stop_below_free_bytes:
                    return DiskFull("Your disk is nearly full, so the recording was stopped.",
                                    "What was recorded so far is saved. Free some space before recording again.")
            if not self._stopping.is_set() and self._system_ended:
                return AudioError("The computer's sound stopped reaching Lectern, so the recording was stopped.",
                                  "What was recorded so far is saved.")
            if not self._stopping.is_set() and (
                    self._stream_ended or now - self._last_heard() > DEVICE_SILENT_S):
                if self._switch_device():
                    continue
                return AudioError("The microphone stopped sending sound (was it unplugged?), so the "
                                  "recording was stopped.", "What was recorded so far is saved.")

    def _switch_device(self) -> bool:
        """Writer thread: the microphone went away. Go on with the default microphone, into the
        same file at the same format; False when there is none (the recording then stops, saved)."""
        if self.source == system_audio.SYSTEM:
            return False
        old = self.device.name if self.device else ""
        if self.source == system_audio.BOTH:
            return self._go_on_without_microphone(old)
        with self._stream_lock:
            if self._stopping.is_set():
                return False
            self._close_stream()
            try:
                sd = audio_devices.sounddevice()
                with audio_devices.portaudio_lock:
                    audio_devices.reinitialize()   # look at the system again (no stream of ours is open)
                    device = audio_devices.default_input(audio_devices.list_inputs())
                    if device is None:
                        return False
                    sd.check_input_settings(device=device.index, samplerate=self.samplerate,
                                            channels=self.channels, dtype="int16")
                    stream = self._input(sd, device, self._callback)
                    self._stream_ended = False
                    self._last_callback = time.monotonic()
                    self._stream = stream
                    stream.start()
            except Exception as exc:
                log.warning("recording %s: no other microphone to go on with (%s)", self.recording_id, exc)
                self._close_stream()
                return False
        self.device = device
        now_on = "the default microphone" if device.name in (old, "default") else f"“{device.name}”"
        message = (f"The microphone “{old}” stopped sending sound (was it unplugged?); the recording goes on "
                   f"with {now_on} from {format_duration(self.elapsed_s)}.")
        self._tell_device_change(old, device.name, message)
        return True

    def _last_heard(self) -> float:
        """When the microphone last sent sound (the computer's sound once the microphone was dropped)."""
        return self._last_callback if self._stream is not None or self._system_stream is None \
            else self._last_system_callback

    def _go_on_without_microphone(self, old: str) -> bool:
        """With the computer's sound as well, a microphone that went away is dropped: the computer's
        sound goes on alone (any other input would be the same server's, maybe those very speakers)."""
        with self._stream_lock:
            stream, self._stream = self._stream, None
            if stream is None or self._stopping.is_set():
                return False
            try:
                stream.abort(ignore_errors=True)
                stream.close(ignore_errors=True)
            except Exception:
                pass
            finally:
                audio_devices.stream_closed()
            self._stream_ended = False
        message = (f"The microphone “{old}” stopped sending sound (was it unplugged?); the recording goes on "
                   f"with the computer's sound only from {format_duration(self.elapsed_s)}.")
        self._tell_device_change(old, "computer audio", message)
        return True

    def _tell_device_change(self, old: str, new: str, message: str) -> None:
        self.device_changes.append((self.elapsed_s, old, new))
        log.warning("recording %s: %s", self.recording_id, message)
        if self.on_device_changed is not None:
            try:
                self.on_device_changed(message)
            except Exception:
                log.exception("device-change listener failed")

    def _measure(self, block: np.ndarray) -> None:
        if not len(block):
            return
        x = block.astype(np.float32) * (1.0 / 32768.0)
        self.level = Level(float(np.sqrt(np.mean(x * x))), float(np.max(np.abs(x))))

    def _write_failed(self, exc: OSError) -> LecternError:
        if exc.errno == errno.ENOSPC:
            return DiskFull("The disk is full, so the recording was stopped.", "What was recorded so far is saved.")
        return AudioError(f"The recording could not be written to disk ({exc.strerror or exc}).",
                          "What was recorded so far is saved.")

    def _finish(self, problem: LecternError | None) -> None:
        """Writer thread, at the very end: the file first, then the row, then tell the listener.

        Each step is guarded on its own, so a busy database or a failing library entry
        never leaves the file unfinished or the caller waiting."""
        assert self._file is not None and self.path is not None and self.recording_id is not None
        if problem is not None:
            log.warning("recording %s stopped: %s", self.recording_id, problem)
            self.error = problem
            self._close_stream()
        try:
            self._file.close()   # a torn frame is cut off; the final header is synced
            self.frames_written = self._file.frames
        except Exception:
            log.exception("could not finish the file of recording %s; recovery will", self.recording_id)
        filed = False
        self.saving = True
        try:
            filed = save_final_row(self.paths, self.recording_id, self.elapsed_s, str(problem) if problem else "",
                                   self.save_row_for_s)
        except Exception:
            log.exception("could not save the row of recording %s; recovery will at next start", self.recording_id)
        finally:
            self._release_lock()   # only now may recovery look at it
        error = problem if problem is not None else (None if filed else NOT_FILED)
        self.result = RecordingResult(self.recording_id, self.path, self.frames_written, self.samplerate,
                                      self.channels, self.overflows, error, filed)
        self._finished.set()
        if self.on_finished is not None:
            try:
                self.on_finished(self.result)
            except Exception:
                log.exception("on_finished listener failed")

    def _close_stream(self) -> None:
        for attr in ("_stream", "_system_stream"):
            stream = getattr(self, attr)
            setattr(self, attr, None)
            if stream is None:
                continue
            try:
                stream.abort(ignore_errors=True)
                stream.close(ignore_errors=True)
            except Exception:
                pass
            finally:
                audio_devices.stream_closed()

    # -- controls -------------------------------------------------------------------------
    def pause(self) -> None:
        if self.running and not self._paused:
            self._paused = True
            self._set_state(PAUSED)

    def resume(self) -> None:
        if self.running and self._paused:
            self._paused = False
            self._set_state(RECORDING)

    def _set_state(self, state: str) -> None:
        # Called from the window's thread: a busy database must not freeze it, and the
        # paused/recording mark is only informative (recovery treats both alike).
        if self._db is not None and self.recording_id is not None:
            try:
                self._db.execute(f"PRAGMA busy_timeout={STATE_BUSY_TIMEOUT_MS}")
                self._db.execute("UPDATE recordings SET state=? WHERE id=? AND state IN (?, ?)",
                                 (state, self.recording_id, RECORDING, PAUSED))
            except sqlite3.OperationalError as exc:
                log.warning("recording %s: could not mark it %s (%s)", self.recording_id, state, exc)

    def stop(self, wait: bool = True, timeout: float | None = None) -> RecordingResult | None:
        """Stop and finish the file. With ``wait=False`` this returns at once and
        ``on_finished`` reports the result (the UI's way: closing a stream can take a moment).

        The default wait covers closing the stream plus the bounded final save, so a
        busy database still gets an answer (``result.filed`` False) rather than None."""
        with self._stop_lock:
            if self._writer is None:
                return self.result
            if not self._stopping.is_set():
                self._stopping.set()
                threading.Thread(target=self._shutdown, name="recorder-stop", daemon=True).start()
        if wait:
            self._finished.wait(timeout if timeout is not None else self.save_row_for_s + 15.0)
            return self.result
        return None

    def _shutdown(self) -> None:
        # stop() lets PortAudio deliver the buffers it holds; then the writer drains the queue.
        with self._stream_lock:   # not while the writer is switching to another microphone
            for stream in (self._stream, self._system_stream):
                if stream is not None:
                    try:
                        stream.stop(ignore_errors=True)
                    except Exception:
                        pass
            self._close_stream()
        self._q.put(None)

    def wait(self, timeout: float | None = None) -> RecordingResult | None:
        self._finished.wait(timeout)
        return self.result


def disk_free(paths: DataPaths) -> int:
    try:
        return shutil.disk_usage(paths.recordings if paths.recordings.exists() else paths.root).free
    except OSError:
        return 0
