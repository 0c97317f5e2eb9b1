"""Live captions: the recent audio of a recording, transcribed in the background.

The recorder's writer thread calls ``feed`` for every block; that only appends to a
list under a lock, so captioning can never slow the recording down. A caption thread
(lower CPU priority, one core) repeatedly transcribes the "open" audio since the last
committed caption with the fast tiny.en model and shows it as a partial line; once
the open audio is long enough, the finished sentences are committed as final lines.
When the machine cannot keep up, captions fall behind, and past a limit they skip
ahead to the live audio (the recording itself is unaffected: it is the file).
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .. import models
from ..jobs.priority import BACKGROUND_NICE, lower_this_thread
from .transcribe import load_whisper

log = logging.getLogger(__name__)

RATE = 16000
CAPTION_MODEL = "whisper-tiny.en"


@dataclass
class Caption:
    text: str
    final: bool               # False: a partial line that the next caption replaces
    start_s: float            # position in the recording
    end_s: float
    lag_s: float              # live audio position minus end_s when this appeared
    skipped_s: float = 0.0    # audio skipped just before this caption to catch up


@dataclass
class CaptionStats:
    captions: int = 0
    finals: int = 0
    lags: list[float] = field(default_factory=list)
    skipped_s: float = 0.0
    runs: int = 0
    busy_s: float = 0.0

    def summary(self) -> dict[str, Any]:
        lags = sorted(self.lags)
        def pct(p: float) -> float:
            return round(lags[min(len(lags) - 1, int(p * len(lags)))], 3) if lags else 0.0
        return {"captions": self.captions, "final_lines": self.finals, "runs": self.runs,
                "lag_mean_s": round(float(np.mean(lags)), 3) if lags else 0.0, "lag_p50_s": pct(0.5),
                "lag_p95_s": pct(0.95), "lag_max_s": round(lags[-1], 3) if lags else 0.0,
                "skipped_s": round(self.skipped_s, 2), "busy_s": round(self.busy_s, 2)}


def _to_16k_float(block: np.ndarray, rate: int) -> np.ndarray:
    x = block.astype(np.float32) * (1.0 / 32768.0)
    if x.ndim > 1:
        x = x.mean(axis=1)
    if rate != RATE and len(x):
        n = int(round(len(x) * RATE / rate))
        x = np.interp(np.linspace(0, len(x) - 1, n), np.arange(len(x)), x).astype(np.float32)
    return x


class LiveCaptioner:
    def __init__(self, samplerate: int, on_caption: Callable[[Caption], None],
                 on_error: Callable[[str], None] | None = None, model_choice: str = CAPTION_MODEL,
                 step_s: float = 1.5, commit_s: float = 7.0, max_backlog_s: float = 20.0, threads: int = 1,
                 beam_size: int = 3) -> None:
        self.samplerate = samplerate
        self.on_caption = on_caption
        self.on_error = on_error
        self.model_choice = model_choice
        self.step = int(step_s * RATE)
        self.commit = int(commit_s * RATE)
        self.max_backlog = int(max_backlog_s * RATE)
        self.threads = threads
        self.beam_size = beam_size
        self.stats = CaptionStats()
        self._blocks: list[np.ndarray] = []   # raw blocks not yet converted (recorder's rate)
        self._audio = np.zeros(0, dtype=np.float32)  # 16 kHz audio from _base on
        self._base = 0                         # recording position (16 kHz samples) of _audio[0]
        self._fed = 0                          # 16 kHz samples fed so far
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.ready = threading.Event()         # the model is loaded
        self._flush = False
        self.failed = ""

    # Called by the recorder's writer thread: must stay cheap.
    def feed(self, block: np.ndarray, paused: bool = False) -> None:
        if paused or self._stop.is_set():
            return
        with self._lock:
            self._blocks.append(block)
            self._fed += int(len(block) * RATE / self.samplerate)
        self._wake.set()

    def start(self) -> "LiveCaptioner":
        self._thread = threading.Thread(target=self._run, name="live-captions", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0, flush: bool = False) -> None:
        """Stop captioning; with ``flush`` the audio still open is captioned one last time."""
        self._flush = flush
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def live_position_s(self) -> float:
        return self._fed / RATE

    # -- caption thread -------------------------------------------------------------------
    def _take(self) -> None:
        with self._lock:
            blocks, self._blocks = self._blocks, []
        if blocks:
            new = _to_16k_float(np.concatenate(blocks), self.samplerate)
            self._audio = np.concatenate([self._audio, new])

    def _run(self) -> None:
        lower_this_thread(BACKGROUND_NICE)   # below the recorder and the window in the CPU's eyes
        try:
            model = load_whisper(models.resolve(models.TRANSCRIPTION, self.model_choice), threads=self.threads)
        except Exception as exc:
            self.failed = f"Live captions are off: {exc}"
            log.warning(self.failed)
            if self.on_error:
                self.on_error(self.failed)
            return
        try:  # the first call loads the VAD model and sizes buffers: do it before the lecture needs it
            warm = (np.sin(np.arange(RATE) * 0.05) * 0.1).astype(np.float32)
            list(model.transcribe(warm, language="en", beam_size=1, vad_filter=True)[0])
        except Exception:
            log.exception("live captions warm-up failed")
        self.ready.set()
        done_upto = 0  # 16 kHz position up to which the open audio was last transcribed
        while not self._stop.is_set():
            self._wake.wait(0.5)
            self._wake.clear()
            self._take()
            live_end = self._base + len(self._audio)
            if live_end - done_upto < self.step:
                continue
            skipped = 0.0
            if len(self._audio) > self.max_backlog:  # fell too far behind: jump to the live audio
                drop = len(self._audio) - self.commit
                skipped = drop / RATE
                self.stats.skipped_s += skipped
                self._audio = self._audio[drop:]
                self._base += drop
            done_upto = self._base + len(self._audio)
            try:
                self._transcribe_open(model, done_upto, skipped)
            except Exception:  # captions are a convenience: log and carry on
                log.exception("live captions failed on one window")
        if self._flush:
            self._take()
            if len(self._audio) >= RATE // 2:
                try:
                    self._transcribe_open(model, self._base + len(self._audio), 0.0, final=True)
                except Exception:
                    log.exception("live captions failed on the last window")

    def _transcribe_open(self, model: Any, window_end: int, skipped: float, final: bool = False) -> None:
        audio = self._audio[: window_end - self._base]
        if len(audio) < RATE // 2:
            return
        t0 = time.monotonic()
        segs, _info = model.transcribe(audio, language="en", beam_size=self.beam_size, vad_filter=True,
                                       condition_on_previous_text=False, without_timestamps=False)
        parts = [(s.start, s.end, s.text.strip()) for s in segs if s.text.strip()]
        self.stats.runs += 1
        self.stats.busy_s += time.monotonic() - t0
        base_s = self._base / RATE
        end_s = window_end / RATE
        finals: list[tuple[float, float, str]] = []
        if final:
            finals = parts
            self._base += len(audio)
            self._audio = self._audio[len(audio):]
        elif len(audio) >= self.commit:
            # Keep the last sentence open unless it is the only one: it may still be going on.
            finals = parts[:-1] if len(parts) > 1 else parts
            cut = int(finals[-1][1] * RATE) if finals and len(parts) > 1 else len(audio)
            cut = min(max(cut, RATE // 2), len(audio))
            self._audio = self._audio[cut:]
            self._base += cut
        partial = [p for p in parts if p not in finals]
        lag = max(0.0, self._fed / RATE - end_s)
        if finals:
            self._emit(Caption(" ".join(t for _, _, t in finals), True, base_s + finals[0][0],
                               base_s + finals[-1][1], lag, skipped))
            skipped = 0.0
        text = " ".join(t for _, _, t in partial)
        self._emit(Caption(text, False, self._base / RATE, end_s, lag, skipped))

    def _emit(self, cap: Caption) -> None:
        self.stats.captions += 1
        if cap.final:
            self.stats.finals += 1
        if cap.text:
            self.stats.lags.append(cap.lag_s)
        try:
            self.on_caption(cap)
        except Exception:
            log.exception("caption listener failed")
