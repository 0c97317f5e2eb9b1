"""Transcribing a lecture with faster-whisper, then indexing it for search and chat.

The job ``transcribe_recording`` runs in the worker. Progress is the audio position
reached over the lecture's duration. Segments are stored as they come, so a job
interrupted by a killed worker resumes from the last stored segment (its attempt
counter says so); a fresh job replaces every segment except the lines the student
corrected: those stay as they are, and a new segment that mostly falls inside one is
left out (the student's words already cover it). Cancellation is checked between
segments. The finished transcript is cut into windows of whole segments
(about 45-60 s each) and indexed like PDF pages, with start/end seconds.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import sqlite_utils

from .. import models
from ..errors import AudioError, JobCancelled, LecternError
from ..jobs.table import JobContext
from ..models.embeddings import get_embedder
from ..search import multilingual
from ..search.index import DocumentScope, replace_document_chunks
from ..search.retrieval import embeddings_choice, store_key
from ..search.vectorstore import shared_store
from ..storage import settings as settings_mod
from ..storage.config import DataPaths, apply_offline_env
from ..storage.db import write_transaction
from ..timefmt import format_duration
from .chunking import lecture_chunks
from .notes import notes
from .recording_lock import live_lock_path, lock_is_held
from .recordings import audio_path, ensure_document, get_recording
from .recordings import segments as load_segments

log = logging.getLogger(__name__)

SAMPLERATE = 16000
BEAM_SIZE = 5
RARE_TOKENS = 2              # a course word Whisper splits into this many pieces gets a hint
COVERED_SHARE = 0.5          # a new segment this much inside corrected lines is left out
TRANSCRIBE_SHARE = 0.92      # of the job's progress bar; the rest is indexing

ALIASES = {"base": "whisper-base", "tiny.en": "whisper-tiny.en", "tiny": "whisper-tiny.en",
           "whisper-base": "whisper-base", "whisper-tiny.en": "whisper-tiny.en"}


def model_choice_from(text: str | None) -> str | None:
    """'base' / 'tiny.en' / a registry id / a folder path -> what models.resolve takes ('' -> default)."""
    if not text:
        return None
    text = text.strip()
    return ALIASES.get(text.lower(), text)


def language_from(text: str | None) -> str | None:
    """'auto' or '' -> None (detect); otherwise a language code such as 'en'."""
    if not text or text.strip().lower() in ("auto", "detect"):
        return None
    return text.strip().lower()


def model_key(resolved: models.ResolvedModel) -> str:
    """What ``recordings.model`` / ``live_model`` store: the registry id, or the folder of a custom model."""
    return resolved.id if resolved.id != "custom" else str(resolved.path)


_models: dict[str, Any] = {}
_models_lock = threading.Lock()


def load_whisper(resolved: models.ResolvedModel, threads: int = 0) -> Any:
    """One WhisperModel per folder and process (loading takes about a second)."""
    key = f"{resolved.path}:{threads}"
    with _models_lock:
        if key not in _models:
            apply_offline_env()
            from faster_whisper import WhisperModel

            try:
                _models[key] = WhisperModel(str(resolved.path), device="cpu", compute_type="int8",
                                            cpu_threads=threads or (os.cpu_count() or 2))
            except Exception as exc:
                raise LecternError(f"The transcription model {resolved.label} could not be loaded ({exc}).",
                                   "Choose another model in Settings → Transcription.") from exc
        return _models[key]


def decode(path: Path) -> np.ndarray:
    """The file's sound as 16 kHz mono float32 (any format FFmpeg reads)."""
    from faster_whisper.audio import decode_audio

    try:
        return decode_audio(str(path), sampling_rate=SAMPLERATE)
    except Exception as exc:
        raise AudioError(f"The sound of {path.name} could not be decoded.",
                         "The file may be damaged or in a format Lectern does not know.") from exc


def rare_words(model: Any, terms: str | None, min_tokens: int = RARE_TOKENS) -> str:
    """Of a subject's terms (comma-separated), those Whisper's own vocabulary splits into
    ``min_tokens`` or more pieces: course words it may mishear. Words it knows well get no hint
    (hinting every glossary term made the transcript worse: bench_hotwords)."""
    if not terms:
        return ""
    tokenizer = getattr(model, "hf_tokenizer", None)
    kept = [t.strip() for t in terms.split(",") if t.strip() and (tokenizer is None or any(
        len(tokenizer.encode(" " + w, add_special_tokens=False).ids) >= min_tokens for w in t.split()))]
    return ", ".join(kept)


@dataclass
class SegmentOut:
    start: float
    end: float
    text: str


def transcribe_array(model: Any, audio: np.ndarray, language: str | None = None, offset_s: float = 0.0,
                     beam_size: int = BEAM_SIZE, hotwords: str | None = None) -> tuple[Iterator[SegmentOut], Any]:
    """Lazily transcribe ``audio`` (VAD on); segment times are shifted by ``offset_s``. ``hotwords``:
    words to listen for (a subject's course terms)."""
    segs, info = model.transcribe(audio, language=language, beam_size=beam_size, vad_filter=True,
                                  hotwords=hotwords or None)

    def gen() -> Iterator[SegmentOut]:
        for s in segs:
            text = s.text.strip()
            if text:
                yield SegmentOut(round(s.start + offset_s, 3), round(s.end + offset_s, 3), text)
    return gen(), info


# -- the student's corrections -----------------------------------------------------------------
def corrected_spans(db: sqlite_utils.Database, recording_id: int) -> list[tuple[float, float]]:
    """(start, end) of every line the student corrected, in time order."""
    return [(float(r[0]), float(r[1])) for r in db.execute(
        "SELECT start_s, end_s FROM segments WHERE recording_id=? AND edited=1 ORDER BY start_s",
        (recording_id,)).fetchall()]


def covered_by_corrections(start: float, end: float, spans: list[tuple[float, float]]) -> bool:
    """True when at least COVERED_SHARE of [start, end] lies inside corrected lines."""
    if end <= start:
        return any(a <= start <= b for a, b in spans)
    inside = sum(max(0.0, min(end, b) - max(start, a)) for a, b in spans)
    return inside >= COVERED_SHARE * (end - start)


def renumber_segments(db: sqlite_utils.Database, recording_id: int) -> None:
    """Make ``idx`` follow time again once new segments were added around kept corrections."""
    with write_transaction(db) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM segments WHERE recording_id=? ORDER BY start_s, end_s, id",
                                          (recording_id,)).fetchall()]
        # Out of the way first: (recording_id, idx) is unique.
        conn.execute("UPDATE segments SET idx = -1 - idx WHERE recording_id=?", (recording_id,))
        conn.executemany("UPDATE segments SET idx=? WHERE id=?", [(i, sid) for i, sid in enumerate(ids)])


# -- indexing ---------------------------------------------------------------------------------------
def index_recording(db: sqlite_utils.Database, paths: DataPaths, recording_id: int, store: Any = None,
                    embed: Callable[[list[str]], Any] | None = None) -> int:
    """(Re)index a lecture's transcript in SQLite/FTS5 and the vector store. Returns the chunk count."""
    doc_id = ensure_document(db, paths, recording_id)
    scope = DocumentScope(doc_id, "lecture")
    chunks = lecture_chunks(load_segments(db, recording_id), notes(db, recording_id),
                            multilingual.document_language(db, doc_id))
    choice = embeddings_choice(db)                                # the model searches use, and its collection
    store = store or shared_store(paths, store_key(choice))
    embed = embed or get_embedder(choice or None).embed
    replace_document_chunks(db, store, scope, chunks, embed)   # never briefly empty
    multilingual.refresh_quietly(db, paths, doc_id)              # a lecture not in English
    return len(chunks)


def _prepare_indexing(paths: DataPaths, choice: str) -> None:
    """Load the embedding model in use (``choice``, "" = the default) and open its collection."""
    try:
        get_embedder(choice or None)
        shared_store(paths, store_key(choice))._call("count")  # imports chromadb and opens the collection
    except Exception:  # indexing will try again (and report) when it is really needed
        pass


# -- the jobs ---------------------------------------------------------------------------------------
def _set_states(db: sqlite_utils.Database, recording_id: int, rec_state: str, doc_state: str, error: str = "") -> None:
    db.execute("UPDATE recordings SET state=?, error=? WHERE id=?", (rec_state, error, recording_id))
    db.execute("UPDATE documents SET state=?, error=? WHERE recording_id=?", (doc_state, error, recording_id))


def run(ctx: JobContext) -> dict[str, Any]:
    """Handler of the ``transcribe_recording`` job (payload: recording_id, optional model, language)."""
    rec_id = int(ctx.payload["recording_id"])
    db = ctx.db
    rec = get_recording(db, rec_id)
    path = audio_path(db, ctx.paths, rec)
    if not path.exists():
        _set_states(db, rec_id, "failed", "failed", "The audio file is missing.")
        raise AudioError(f"The audio of “{rec.title}” is missing ({path.name}).")
    _wait_for_live_transcript(ctx, rec_id)   # then go on from where it got (to the end, usually)
    doc_id = ensure_document(db, ctx.paths, rec_id)
    db.execute("UPDATE documents SET job_id=? WHERE id=?", (ctx.job_id, doc_id))
    _set_states(db, rec_id, "transcribing", "transcribing")
    try:
        return _transcribe(ctx, rec_id, path)
    except JobCancelled:
        _set_states(db, rec_id, "cancelled", "cancelled", "Transcription was cancelled.")
        raise
    except LecternError as exc:
        _set_states(db, rec_id, "failed", "failed", str(exc))
        raise
    except Exception as exc:
        _set_states(db, rec_id, "failed", "failed", f"{type(exc).__name__}: {exc}")
        raise


def _wait_for_live_transcript(ctx: JobContext, rec_id: int) -> bool:
    """Wait while the recording process is still transcribing this lecture (it finishes the
    last window at Stop); True when there was one to wait for."""
    lock = live_lock_path(ctx.paths, rec_id)
    if not lock_is_held(lock):
        return False
    ctx.progress(0.0, "Waiting for the transcript being made while recording", force=True)
    while lock_is_held(lock):
        ctx.check_cancelled()
        time.sleep(0.5)
    return True


def _transcribe(ctx: JobContext, rec_id: int, path: Path) -> dict[str, Any]:
    db = ctx.db
    stored = settings_mod.load(db)
    choice = model_choice_from(ctx.payload.get("model") or stored.transcription_model)
    language = language_from(ctx.payload.get("language") or stored.transcription_language)
    timings: dict[str, float] = {}
    t = time.monotonic()
    ctx.progress(0.0, "Loading the transcription model", force=True)
    resolved = models.resolve(models.TRANSCRIPTION, choice)
    model = load_whisper(resolved)
    timings["load_s"] = time.monotonic() - t
    # Get the indexing tools ready while Whisper works, so the end of the job is quick.
    threading.Thread(target=_prepare_indexing, args=(ctx.paths, embeddings_choice(ctx.db)), name="prepare-indexing",
                     daemon=True).start()
    ctx.check_cancelled()
    ctx.progress(0.0, "Reading the audio", force=True)
    t = time.monotonic()
    audio = decode(path)
    timings["decode_s"] = time.monotonic() - t
    duration = len(audio) / SAMPLERATE
    if duration <= 0:
        raise AudioError("This lecture contains no sound.")
    key = model_key(resolved)
    live_until, live_model = db.execute("SELECT live_until_s, live_model FROM recordings WHERE id=?",
                                        (rec_id,)).fetchone()
    db.execute("UPDATE recordings SET duration_s=?, model=? WHERE id=?", (duration, key, rec_id))

    # A second attempt of the same job means the worker died under the first one:
    # keep what it stored and go on from there. So does a lecture transcribed while it
    # was recorded (cut short by a crash, or left to this job at Stop): its windows up
    # to live_until_s are final when they came from the same model. Otherwise a job
    # starts over, except for the student's corrected lines, which are never thrown away.
    resume_from = 0.0
    if ctx.job.attempts > 1:
        row = db.execute("SELECT max(end_s), count(*) FROM segments WHERE recording_id=? AND edited=0",
                         (rec_id,)).fetchone()
        resume_from = float(row[0] or 0.0) if row[1] else 0.0
    elif live_until and live_model == key:
        resume_from = min(float(live_until), duration)
        db.execute("DELETE FROM segments WHERE recording_id=? AND edited=0 AND start_s >= ?", (rec_id, resume_from))
    else:
        db.execute("DELETE FROM segments WHERE recording_id=? AND edited=0", (rec_id,))
    corrections = corrected_spans(db, rec_id)
    next_idx = int(db.execute("SELECT coalesce(max(idx) + 1, 0) FROM segments WHERE recording_id=?",
                              (rec_id,)).fetchone()[0])
    ctx.check_cancelled()
    ctx.progress(TRANSCRIBE_SHARE * resume_from / duration,
                 "Finding speech" if not resume_from else f"Resuming at {format_duration(resume_from)}", force=True)
    t0 = time.monotonic()
    hints = rare_words(model, ctx.payload.get("hotwords"))   # the subject's course words, if any
    if resume_from < duration - 0.05:
        segs, info = transcribe_array(model, audio[int(resume_from * SAMPLERATE):], language, offset_s=resume_from,
                                      hotwords=hints or None)
    else:   # transcribed to the end while it was recorded: only the index is left to check
        segs, info = iter(()), None
    count = kept_out = 0
    try:
        for seg in segs:
            end = min(seg.end, duration)
            if covered_by_corrections(seg.start, end, corrections):
                kept_out += 1
            else:
                db.execute("INSERT INTO segments (recording_id, idx, start_s, end_s, text, edited)"
                           " VALUES (?,?,?,?,?,0)", (rec_id, next_idx, seg.start, end, seg.text))
                next_idx += 1
                count += 1
            ctx.progress(TRANSCRIBE_SHARE * end / duration,
                         f"Transcribing {format_duration(seg.end)} of {format_duration(duration)}")
            ctx.check_cancelled()
    finally:
        if corrections:   # also when cancelled: the transcript reads in time order
            renumber_segments(db, rec_id)
    transcribe_s = time.monotonic() - t0
    if info is not None:
        db.execute("UPDATE recordings SET language=? WHERE id=?", (info.language or "", rec_id))
    ctx.progress(TRANSCRIBE_SHARE, "Indexing the transcript", force=True)
    t = time.monotonic()
    n_chunks = index_recording(db, ctx.paths, rec_id)
    timings["index_s"] = time.monotonic() - t
    _set_states(db, rec_id, "transcribed", "ready")
    db.execute("UPDATE recordings SET live_until_s=0 WHERE id=?", (rec_id,))   # whole now: a re-run starts afresh
    total = db.execute("SELECT count(*) FROM segments WHERE recording_id=?", (rec_id,)).fetchone()[0]
    return {"recording_id": rec_id, "duration_s": round(duration, 3), "segments": int(total),
            "new_segments": count, "corrections_kept": len(corrections), "covered_by_corrections": kept_out,
            "resumed_from_s": resume_from, "chunks": n_chunks,
            "done_while_recording": resume_from >= duration - 0.05,
            "language": info.language if info is not None else get_recording(db, rec_id).language,
            "model": resolved.id, "transcribe_s": round(transcribe_s, 3), "hotwords": hints,
            **{k: round(v, 3) for k, v in timings.items()}}


def run_index(ctx: JobContext) -> dict[str, Any]:
    """Handler of ``index_lecture``: refresh a lecture's index after an edit or a move."""
    rec_id = int(ctx.payload["recording_id"])
    ctx.progress(0.1, "Indexing the transcript", force=True)
    n = index_recording(ctx.db, ctx.paths, rec_id)
    rec = get_recording(ctx.db, rec_id)
    if rec.state == "transcribed":
        ctx.db.execute("UPDATE documents SET state='ready', error='' WHERE recording_id=?", (rec_id,))
    return {"recording_id": rec_id, "chunks": n}
