"""Transcribing a lecture while it is being recorded, so its transcript is ready at Stop.

A thread in the recording process reads the audio already on disk (the recorder's
file, never its queue: the recorder cannot be made to wait) and transcribes it with
the chosen model in windows that end at pauses (``windows.py``). Each window's
segments and the window's end (``recordings.live_until_s``) are stored in one
transaction and indexed at once, so search and chat find the lecture while it runs,
and a kill -9 loses at most the window being worked on: the ``transcribe_recording``
job (queued by recovery) resumes from ``live_until_s`` with the same model, so
nothing is transcribed twice and nothing is stored twice.

The thread runs below the recorder, the window and the live captions in the CPU's eyes
(nice 15, per thread on Linux; the model's own threads are created from it and inherit that).
When it cannot keep up it simply falls behind (``status().behind_s``) and catches up
after Stop. With ``wait_until_stop`` (the battery setting) it does nothing until Stop;
with "only when plugged in" it waits while the computer runs on its battery and goes on
when it is plugged in again (or at Stop).
At Stop (``finish``) only the rest is left: it is transcribed, the index completed,
and the lecture marked transcribed.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .. import models
from ..jobs.priority import lower_this_thread
from ..storage import settings as settings_mod
from ..storage.config import DataPaths
from ..storage.db import open_db, write_transaction
from . import power
from .live_index import LiveIndex
from .recording_lock import RecordingLock, live_lock_path
from .recordings import ensure_document
from .transcribe import (BEAM_SIZE, corrected_spans, covered_by_corrections, language_from, load_whisper,
                         model_choice_from, model_key)
from .windows import MAX_WINDOW_S, MIN_WINDOW_S, RATE, GrowingWav, find_cut, recheck_cut

log = logging.getLogger(__name__)

PROMPT_WORDS = 40       # the previous window's last words lead the next one (as Whisper does inside a file)
BEHIND_NOTICE_S = 90.0  # from this far behind the status says so
POWER_POLL_S = 5.0      # how often "only when plugged in" looks at the power supply
NICE = 15               # below the live captions (10), which must keep their lag, and far below the recorder


@dataclass
class LiveStatus:
    recording_id: int
    state: str              # starting | transcribing | waiting for Stop | finishing | done | failed | stopped
    transcribed_s: float    # the transcript is final up to here (seconds into the recording)
    recorded_s: float
    segments: int
    error: str = ""

    @property
    def behind_s(self) -> float:
        return max(0.0, self.recorded_s - self.transcribed_s)

    @property
    def message(self) -> str:
        """A line for the Record pane, e.g. 'Transcript 4 min behind'."""
        if self.state == "failed":
            return f"Transcription stopped: {self.error}"
        if self.state == "done":
            return "Transcript ready"
        if self.state == "finishing":
            return "Finishing the transcript…"
        if self.state == "waiting for Stop":
            return "Transcript after Stop (saving battery)"
        if self.state == "stopped":
            return "Transcript left for later"
        if self.state == "starting":
            return "Transcript starting…"
        if self.behind_s >= BEHIND_NOTICE_S:
            return f"Transcript {behind_words(self.behind_s)} behind"
        return "Transcript up to date"

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed", "stopped")

    def as_dict(self) -> dict[str, Any]:
        return {"recording_id": self.recording_id, "state": self.state, "transcribed_s": round(self.transcribed_s, 3),
                "recorded_s": round(self.recorded_s, 3), "behind_s": round(self.behind_s, 3),
                "segments": self.segments, "message": self.message, "error": self.error}


def behind_words(seconds: float) -> str:
    """'4 min', or '1 h 05 min' for a long way behind."""
    minutes = max(1, int(round(seconds / 60.0)))
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


class LiveTranscriber:
    """Transcribes one recording's file while it grows. Start it after ``Recorder.start``."""

    def __init__(self, paths: DataPaths, recording_id: int, wav_path: Path, *, model: str | None = None,
                 language: str | None = None, wait_until_stop: bool | None = None, threads: int = 0,
                 min_window_s: float = MIN_WINDOW_S, max_window_s: float = MAX_WINDOW_S, poll_s: float = 0.5,
                 index: bool = True, on_status: Callable[[LiveStatus], None] | None = None,
                 power_supply: Path = power.POWER_SUPPLY) -> None:
        self.power_supply = power_supply
        self._battery = (0.0, False)      # (when last read, on battery then)
        self.paths = paths
        self.recording_id = recording_id
        self.wav = GrowingWav(Path(wav_path))
        self.model_choice = model
        self.language_choice = language
        self.wait_until_stop = wait_until_stop
        self.threads = threads or (os.cpu_count() or 2)
        self.min_window_s = min_window_s
        self.max_window_s = max_window_s
        self.poll_s = poll_s
        self.index = index
        self.on_status = on_status
        # Leading a window with the last one's words made Whisper return whole windows as one
        # segment (citations lose their second), so it is off unless measured otherwise.
        self.use_prompt = False
        self.windows: list[tuple[float, float, float]] = []   # (start_s, end_s, seconds it took)
        self.rereads = 0      # windows read again in halves (a sentence had been left out)
        self.result: dict[str, Any] | None = None
        self.error = ""
        self.done = threading.Event()
        self.finished_at = 0.0           # monotonic time the transcript became complete
        self._state = "starting"
        self._pos = 0.0
        self._segments = 0
        self._recording_done = threading.Event()
        self._abandon = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock: RecordingLock | None = None

    # -- control (any thread) ---------------------------------------------------------------
    def start(self) -> "LiveTranscriber":
        # Taken here, before any job could look: a job on this lecture waits until it is released.
        self._lock = RecordingLock(live_lock_path(self.paths, self.recording_id))
        self._lock.acquire()
        self._thread = threading.Thread(target=self._run, name=f"live-transcript-{self.recording_id}", daemon=True)
        self._thread.start()
        return self

    def finish(self) -> None:
        """The recording is complete (its file is closed): transcribe the rest and finish."""
        self._recording_done.set()
        if self._state == "transcribing":
            self._state = "finishing"

    def abandon(self, timeout: float | None = None) -> None:
        """Stop after the window being worked on; what is stored stays, a job can go on from it."""
        self._abandon.set()
        self._recording_done.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wait(self, timeout: float | None = None) -> dict[str, Any] | None:
        self.done.wait(timeout)
        return self.result

    def status(self) -> LiveStatus:
        recorded = self.wav.seconds_on_disk() if self.wav.path.exists() else 0.0
        return LiveStatus(self.recording_id, self._state, self._pos, recorded, self._segments, self.error)

    # -- the thread ---------------------------------------------------------------------------
    def _set_state(self, state: str) -> None:
        self._state = state
        if self.on_status is not None:
            try:
                self.on_status(self.status())
            except Exception:
                log.exception("live transcript listener failed")

    def _run(self) -> None:
        lower_this_thread(NICE)
        db = None
        try:
            db = open_db(self.paths.db, migrate_schema=False)
            self._work(db)
        except Exception as exc:
            log.exception("recording %s: transcription while recording failed", self.recording_id)
            self.error = str(exc) or type(exc).__name__
            self._set_state("failed")
        finally:
            if db is not None:
                db.conn.close()
            if self._lock is not None:
                self._lock.release()
            self.done.set()

    def _work(self, db: Any) -> None:
        stored = settings_mod.load(db)
        wait_for_stop = (power.wait_until_stop(stored.transcribe_while_recording,
                                               stored.transcribe_only_plugged_in, self.power_supply)
                         if self.wait_until_stop is None else self.wait_until_stop)
        resolved = models.resolve(models.TRANSCRIPTION, model_choice_from(self.model_choice
                                                                          or stored.transcription_model))
        language = language_from(self.language_choice or stored.transcription_language)
        key = model_key(resolved)
        row = db.execute("SELECT live_until_s, live_model FROM recordings WHERE id=?", (self.recording_id,)).fetchone()
        if row and row[1] == key:
            self._pos = float(row[0] or 0.0)   # going on from an earlier run with the same model
        # "Only when plugged in": on battery it waits, and takes up the work when plugged in again.
        watch_power = (self.wait_until_stop is None and stored.transcribe_while_recording
                       and stored.transcribe_only_plugged_in)
        if wait_for_stop:
            self._set_state("waiting for Stop")
            while not self._recording_done.wait(POWER_POLL_S if watch_power else None):
                if watch_power and not self._on_battery():
                    break
            if self._abandon.is_set():
                self._set_state("stopped")
                return
        model = load_whisper(resolved, threads=self.threads)
        indexer = LiveIndex(db, self.paths, self.recording_id) if self.index else None
        prompt = self._previous_words(db)
        self._set_state("finishing" if self._recording_done.is_set() else "transcribing")
        while not self._abandon.is_set():
            if not self.wav.path.exists():
                time.sleep(self.poll_s)
                continue
            self.wav.open()
            final = self._recording_done.is_set()   # the file is complete: nothing more will come
            if watch_power and not final and self._on_battery():
                if self._state != "waiting for Stop":
                    self._set_state("waiting for Stop")
                self._recording_done.wait(self.poll_s)
                continue
            if self._state == "waiting for Stop":
                self._set_state("finishing" if final else "transcribing")
            if not final and self.wav.seconds_on_disk() - self._pos < self.min_window_s:
                self._recording_done.wait(self.poll_s)
                continue
            # At most one window (and a little) at a time, however far behind it is.
            audio = self.wav.read(self._pos, self._pos + self.max_window_s + 1.0)
            cut = find_cut(audio, self.min_window_s, self.max_window_s,
                           final=final and len(audio) <= int(self.max_window_s * RATE))
            if cut is None:
                if final:
                    break
                self._recording_done.wait(self.poll_s)
                continue
            if final:
                self._state = "finishing"
            language, prompt = self._window(db, model, audio[:cut], language, prompt, key)
            if indexer is not None:
                indexer.update()
            if final and cut >= len(audio):
                break
        if self._abandon.is_set():
            self._set_state("stopped")
            return
        self._complete(db, indexer, key, language)

    def _on_battery(self) -> bool:
        """Read at most every few seconds (a few small files in /sys)."""
        at, value = self._battery
        now = time.monotonic()
        if now - at >= POWER_POLL_S:
            value = power.on_battery(self.power_supply)
            self._battery = (now, value)
        return value

    def _window(self, db: Any, model: Any, audio: np.ndarray, language: str | None, prompt: str,
                key: str) -> tuple[str | None, str]:
        """Transcribe one window and store its segments with its end, all or nothing."""
        start, end = self._pos, self._pos + len(audio) / RATE
        t0 = time.monotonic()
        read, language = self._read_window(model, audio, language, prompt)   # detected once, then kept
        found = [(round(a + start, 3), round(min(b + start, end), 3), text) for a, b, text in read]
        corrections = corrected_spans(db, self.recording_id)
        with write_transaction(db) as conn:
            # Anything past this window's start that is not the student's is from a run cut short.
            conn.execute("DELETE FROM segments WHERE recording_id=? AND edited=0 AND start_s >= ?",
                         (self.recording_id, start))
            idx = int(conn.execute("SELECT coalesce(max(idx) + 1, 0) FROM segments WHERE recording_id=?",
                                   (self.recording_id,)).fetchone()[0])
            for a, b, text in found:
                if covered_by_corrections(a, b, corrections):
                    continue
                conn.execute("INSERT INTO segments (recording_id, idx, start_s, end_s, text, edited)"
                             " VALUES (?,?,?,?,?,0)", (self.recording_id, idx, a, b, text))
                idx += 1
                self._segments += 1
            conn.execute("UPDATE recordings SET live_until_s=?, live_model=?, language=? WHERE id=?",
                         (end, key, language or "", self.recording_id))
        self._pos = end
        self.windows.append((start, end, time.monotonic() - t0))
        if self.on_status is not None:
            self._set_state(self._state)
        words = " ".join(t for _, _, t in found).split()
        return language, " ".join(words[-PROMPT_WORDS:]) if words else prompt

    def _read_window(self, model: Any, audio: np.ndarray, language: str | None,
                     prompt: str) -> tuple[list[tuple[float, float, str]], str | None]:
        """(segments (start, end, text) in the window's time, the lecture's language).

        A window read with a sentence left out (``windows.recheck_cut``) is read again in two
        halves, kept when they cover more of it."""
        def read(part: np.ndarray, lang: str | None, hint: str | None) -> tuple[list[tuple[float, float, str]], Any]:
            segs, info = model.transcribe(part, language=lang, beam_size=BEAM_SIZE, vad_filter=True,
                                          initial_prompt=hint if self.use_prompt else None)
            return [(s.start, s.end, s.text.strip()) for s in segs if s.text.strip()], info

        found, info = read(audio, language, prompt or None)
        language = language or info.language
        cut = recheck_cut(audio, [(a, b) for a, b, _ in found])
        if cut is not None:
            first, _ = read(audio[:cut], language, prompt or None)
            second, _ = read(audio[cut:], language, None)
            halves = first + [(a + cut / RATE, b + cut / RATE, t) for a, b, t in second]
            if sum(b - a for a, b, _ in halves) > sum(b - a for a, b, _ in found):
                self.rereads += 1
                found = halves
        return found, language

    def _previous_words(self, db: Any) -> str:
        rows = db.execute("SELECT text FROM segments WHERE recording_id=? AND start_s < ? ORDER BY start_s DESC"
                          " LIMIT 10", (self.recording_id, self._pos)).fetchall()
        words = " ".join(r[0] for r in reversed(rows)).split()
        return " ".join(words[-PROMPT_WORDS:])

    def _complete(self, db: Any, indexer: "LiveIndex | None", key: str, language: str | None) -> None:
        duration = self.wav.seconds_on_disk()
        if indexer is not None:
            indexer.update(final=True)
        with write_transaction(db) as conn:
            # live_until_s stays at the end: a job queued at Stop then finds nothing left to
            # transcribe (it only checks the index) and sets it back to 0, so a later run starts afresh.
            conn.execute("UPDATE recordings SET state='transcribed', error='', duration_s=?, model=?, "
                         "language=? WHERE id=?", (duration, key, language or "", self.recording_id))
            conn.execute("UPDATE documents SET state=?, error='' WHERE recording_id=?",
                         ("ready" if indexer is not None else "queued", self.recording_id))
        total = int(db.execute("SELECT count(*) FROM segments WHERE recording_id=?",
                               (self.recording_id,)).fetchone()[0])
        self.finished_at = time.monotonic()
        self.result = {"recording_id": self.recording_id, "duration_s": round(duration, 3), "segments": total,
                       "windows": len(self.windows), "windows_read_again": self.rereads, "model": key,
                       "language": language or "",
                       "transcribe_s": round(sum(w[2] for w in self.windows), 3)}
        self._pos = duration
        self._set_state("done")


def attach(recorder: Any, **options: Any) -> LiveTranscriber:
    """Transcribe a started ``Recorder``'s lecture while it records; finishes by itself at Stop.

    The recorder's ``on_finished`` listener is kept and called after telling the
    transcriber that the file is complete."""
    assert recorder.recording_id is not None and recorder.path is not None, "start the recorder first"
    ensure_document_safely(recorder.paths, recorder.recording_id)
    live = LiveTranscriber(recorder.paths, recorder.recording_id, recorder.path, **options)
    previous = recorder.on_finished

    def finished(result: Any) -> None:
        live.finish()
        if previous is not None:
            previous(result)

    recorder.on_finished = finished
    if recorder.result is not None:   # it already ended
        live.finish()
    return live.start()


def ensure_document_safely(paths: DataPaths, recording_id: int) -> None:
    """File the lecture in the library now, so search can show it while it runs."""
    db = open_db(paths.db, migrate_schema=False)
    try:
        ensure_document(db, paths, recording_id)
        db.execute("UPDATE documents SET state='transcribing' WHERE recording_id=?", (recording_id,))
    except Exception:   # the final save files it anyway
        log.warning("recording %s: could not file it in the library yet", recording_id, exc_info=True)
    finally:
        db.conn.close()


__all__ = ["LiveTranscriber", "LiveStatus", "attach"]
