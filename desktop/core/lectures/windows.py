"""Windows of a recording that is still being written, cut at pauses.

Transcribing while recording works on the file on disk, a window at a time. A window
ends in a pause (Silero VAD, the detector Whisper's own ``vad_filter`` uses), so no
word is ever split between two windows; a window's segments are stored with the
window's end as one unit, so a window is either all there or not there at all.

``GrowingWav`` reads the samples a ``WavWriter`` has appended so far (the header's
sizes lag by up to a second, so the file size is what counts). ``find_cut`` picks
where the next window ends; ``recheck_cut`` says where to split a window Whisper read
with a sentence left out, to read it again in two halves.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .wavfile import HEADER_BYTES, read_layout

RATE = 16000               # windows are handled at Whisper's rate
MIN_WINDOW_S = 45.0        # shorter windows give Whisper too little context: 20-25 s ones cost 0.011 WER
MAX_WINDOW_S = 60.0        # past this a window is cut at the quietest moment, pause or not
MIN_PAUSE_S = 0.3          # a gap between speech this long is a place to cut
TRAILING_PAUSE_S = 1.0     # silence this long at the live end is a pause too
SKIP_COVER = 0.95          # segments covering less of a window's speech than this jumped over some of it


def to_16k_mono(samples: np.ndarray, rate: int, channels: int) -> np.ndarray:
    """PCM16 frames (interleaved) as 16 kHz mono float32, the way Whisper reads a file."""
    x = samples.astype(np.float32) * (1.0 / 32768.0)
    if channels > 1:
        x = x.reshape(-1, channels).mean(axis=1)
    if rate != RATE and len(x):
        n = int(round(len(x) * RATE / rate))
        x = np.interp(np.linspace(0, len(x) - 1, n), np.arange(len(x)), x).astype(np.float32)
    return x


@dataclass
class GrowingWav:
    """One of our PCM16 recordings, read while the recorder still appends to it."""
    path: Path
    samplerate: int = RATE
    channels: int = 1
    data_offset: int = HEADER_BYTES

    def open(self) -> "GrowingWav":
        with open(self.path, "rb") as f:
            layout = read_layout(f.read(256))
        if layout is not None:
            self.data_offset, self.samplerate, self.channels = layout.data_offset, layout.samplerate, layout.channels
        return self

    @property
    def frame_bytes(self) -> int:
        return 2 * self.channels

    def frames_on_disk(self) -> int:
        try:
            size = self.path.stat().st_size
        except OSError:
            return 0
        return max(0, (size - self.data_offset) // self.frame_bytes)

    def seconds_on_disk(self) -> float:
        return self.frames_on_disk() / self.samplerate

    def read(self, start_s: float, end_s: float | None = None) -> np.ndarray:
        """16 kHz mono float32 audio of [start_s, end_s) (to what is on disk when end_s is None)."""
        first = int(round(start_s * self.samplerate))
        last = self.frames_on_disk() if end_s is None else min(self.frames_on_disk(),
                                                               int(round(end_s * self.samplerate)))
        if last <= first:
            return np.zeros(0, dtype=np.float32)
        with open(self.path, "rb") as f:
            f.seek(self.data_offset + first * self.frame_bytes)
            raw = f.read((last - first) * self.frame_bytes)
        raw = raw[: len(raw) // self.frame_bytes * self.frame_bytes]
        return to_16k_mono(np.frombuffer(raw, dtype="<i2"), self.samplerate, self.channels)


def speech_spans(audio: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) samples of speech, with short pauses kept apart (unlike transcription's VAD)."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    opts = VadOptions(min_silence_duration_ms=int(MIN_PAUSE_S * 1000), speech_pad_ms=0)
    return [(int(s["start"]), int(s["end"])) for s in get_speech_timestamps(audio, opts)]


def find_cut(audio: np.ndarray, min_s: float = MIN_WINDOW_S, max_s: float = MAX_WINDOW_S,
             final: bool = False) -> int | None:
    """Where the next window should end (a sample index into ``audio``), or None to wait.

    ``audio`` starts where the last window ended and reaches the live end. The cut is
    the middle of the latest pause between ``min_s`` and ``max_s``; silence already
    reaching the live end counts as a pause. With ``final`` the whole rest is one window.
    """
    n = len(audio)
    if final:
        return n if n else None
    if n < int(min_s * RATE):
        return None
    limit = min(n, int(max_s * RATE))
    spans = speech_spans(audio[:limit])   # a backlog is taken a window at a time
    if not spans:  # nothing said yet: the silence so far is a window of its own (Whisper skips it)
        return limit
    cuts: list[int] = []
    for (_, end), (start, _) in zip(spans, spans[1:]):
        if start - end >= int(MIN_PAUSE_S * RATE):
            cuts.append((end + start) // 2)
    last_end = spans[-1][1]
    if limit - last_end >= int(TRAILING_PAUSE_S * RATE):
        cuts.append(last_end + int(TRAILING_PAUSE_S * RATE) // 2)
    good = [c for c in cuts if int(min_s * RATE) <= c <= limit]
    if good:
        return max(good)
    if n < int(max_s * RATE):
        return None   # wait for a pause
    # Speech without a pause for max_s: cut at the quietest 50 ms of the window's second half.
    return quietest(audio, limit // 2, limit)


def quietest(audio: np.ndarray, lo: int, hi: int, frame: int = RATE // 20) -> int:
    seg = audio[lo:hi]
    if len(seg) < frame:
        return hi
    k = len(seg) // frame
    energy = (seg[: k * frame].reshape(k, frame) ** 2).mean(axis=1)
    return lo + int(np.argmin(energy)) * frame + frame // 2


def recheck_cut(audio: np.ndarray, segments: list[tuple[float, float]]) -> int | None:
    """Where to split a window to read it again (a sample index), or None when its reading is whole.

    Whisper now and then jumps over a sentence, most often one much like its neighbour ("set user
    ID on a file allows ... set group ID on a file allows ..."), and the window's segments then
    cover clearly less time than its speech. On 10 minutes of read prose one window in 13 did,
    losing 25 words; read again in two halves it was whole. ``segments``: (start, end) seconds of
    what was read, in the window's time. The split is the pause nearest the window's middle."""
    spans = speech_spans(audio)
    if len(spans) < 2:
        return None
    speech_s = sum(e - s for s, e in spans) / RATE
    # The speech the segments cover, not their length: segments also span the pauses
    # between sentences, so a left-out sentence hid inside their total.
    covered_s = sum(max(0.0, min(e / RATE, b) - max(s / RATE, a)) for s, e in spans for a, b in segments)
    if covered_s >= SKIP_COVER * speech_s:
        return None
    pauses = [(end + start) // 2 for (_, end), (start, _) in zip(spans, spans[1:])]
    return min(pauses, key=lambda c: abs(c - len(audio) // 2))
