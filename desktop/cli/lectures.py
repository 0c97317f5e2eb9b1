"""transcribe, record, recover, transcript: lectures from the command line."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from ..core.storage.config import DataPaths
from ..workers.submit import QueueJobs
from ..core.errors import LecternError
from .common import emit, fail


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("transcribe", help="import an audio/video file as a lecture and transcribe it")
    p.add_argument("file", metavar="AUDIO_OR_VIDEO")
    p.add_argument("--semester", default="", help="semester to file it under (created if needed)")
    p.add_argument("--subject", default="", help="subject to file it under (created if needed)")
    p.add_argument("--book", default="", help="optional book inside the subject")
    p.add_argument("--title", default="", help="title of the lecture (default: the file name)")
    p.add_argument("--model", default="", help="base, tiny.en or a CTranslate2 Whisper folder (default: settings)")
    p.add_argument("--language", default="", help="auto, or a language code such as en, fr, de")
    p.add_argument("--wait", action="store_true", help="wait for the transcript and print it")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_transcribe)

    p = sub.add_parser("record", help="record from the microphone (the default input unless --device), "
                                      "or what the computer plays (--system-audio)")
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--device", default="", help="name (or part of it) of the input device")
    p.add_argument("--system-audio", action="store_true",
                   help="record what the computer plays (the monitor of its default output)")
    p.add_argument("--mix-microphone", action="store_true",
                   help="with --system-audio: the microphone too, mixed into the same recording")
    p.add_argument("--title", default="")
    p.add_argument("--semester", default="")
    p.add_argument("--subject", default="")
    p.add_argument("--transcribe", action="store_true",
                   help="transcribe while recording (the rest is queued at the end unless --wait)")
    p.add_argument("--wait", action="store_true", help="with --transcribe: exit when the full transcript is ready")
    p.add_argument("--model", default="", help="base, tiny.en or a CTranslate2 Whisper folder (default: settings)")
    p.add_argument("--language", default="", help="auto, or a language code such as en, fr, de")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_record)

    p = sub.add_parser("recover", help="repair recordings left unfinished by a crash")
    p.add_argument("--transcribe", action="store_true", help="queue the transcription of what was recovered")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_recover)

    p = sub.add_parser("transcript", help="print or export a lecture's transcript")
    p.add_argument("recording_id", type=int)
    p.add_argument("--format", choices=("txt", "srt", "vtt", "md"), default="txt")
    p.add_argument("--output", "-o", default="", help="write to this file instead of printing")
    p.set_defaults(func=cmd_transcript)


def _node(db: Any, semester: str, subject: str, book: str = "") -> int | None:
    """The library node for the options given; None means 'unfiled'."""
    from ..core import library

    if not (semester or subject):
        return None
    if not semester:
        # A subject alone: the existing one of that name, else a new one under "Unfiled".
        for r in db.query("SELECT id, parent_id FROM nodes WHERE level='subject' AND lower(name)=lower(?)", [subject]):
            node = int(r["id"])
            return library.ensure_path(db, library.get_node(db, r["parent_id"]).name, subject, book or None) \
                if book else node
        semester = "Unfiled"
    return library.ensure_path(db, semester, subject or "Lectures", book or None)


def _progress(job: Any) -> None:
    print(f"\rlectern: {job.stage} ({job.progress * 100:.0f}%)   ", end="", file=sys.stderr, flush=True)


def cmd_transcribe(args: argparse.Namespace, paths: DataPaths) -> int:
    from ..core import jobs
    from ..core import lectures
    from ..core.storage.db import open_db
    from ..core.runtime.services import ensure_services

    paths.ensure()
    db = open_db(paths.db)
    try:
        node_id = _node(db, args.semester, args.subject, args.book)
        model = args.model or None
        language = args.language or None
        if model:
            from ..core import models
            from ..core.lectures.transcribe import model_choice_from

            models.resolve(models.TRANSCRIPTION, model_choice_from(model))  # a plain error before any copy
        try:
            rec_id = lectures.import_media(db, paths, Path(args.file), node_id, args.title or None,
                                           starter=None, model=model, language=language)
        except lectures.DuplicateMedia as dup:
            if dup.recording_id is None:
                raise
            rec_id = dup.recording_id
            print(f"lectern: {dup.message} Transcribing it again.", file=sys.stderr)
        if not args.wait:
            job_id = lectures.submit_transcription(db, paths, rec_id, QueueJobs(paths, db), model=model,
                                                   language=language)
            rec = lectures.get_recording(db, rec_id)
            emit({"recording_id": rec_id, "job_id": job_id, "state": "queued", "duration_s": rec.duration_s},
                 args.json, f"lecture {rec_id} queued for transcription (job {job_id})")
            return 0
        with ensure_services(paths):
            job_id = lectures.submit_transcription(db, paths, rec_id, QueueJobs(paths, db), model=model,
                                                   language=language)
            job = jobs.get_job(db, job_id)
            while job is not None and not job.finished:
                if not args.json:
                    _progress(job)
                time.sleep(0.2)
                job = jobs.get_job(db, job_id)
        if not args.json:
            print(file=sys.stderr)
    except LecternError as exc:
        return fail(exc, args.json)
    assert job is not None
    if job.state != jobs.DONE:
        return fail(LecternError(job.error or f"The transcription was {job.state}."), args.json)
    rec = lectures.get_recording(db, rec_id)
    segs = lectures.segments(db, rec_id)
    out = {"recording_id": rec_id, "document_id": rec.document_id, "job_id": job_id, "title": rec.title,
           "duration_s": round(rec.duration_s, 3), "elapsed_s": round(job.elapsed_s, 3),
           "language": rec.language, "model": rec.model,
           "text": " ".join(s.text for s in segs),
           "segments": [{"start": s.start_s, "end": s.end_s, "text": s.text} for s in segs]}
    emit(out, args.json, out["text"])
    return 0


def cmd_record(args: argparse.Namespace, paths: DataPaths) -> int:
    from ..core.storage.db import open_db
    from ..core.runtime.services import ensure_services

    paths.ensure()
    db = open_db(paths.db)
    try:
        if args.model:
            from ..core import models
            from ..core.lectures.transcribe import model_choice_from

            models.resolve(models.TRANSCRIPTION, model_choice_from(args.model))  # a plain error before recording
        if args.transcribe and args.wait:
            # Indexing while recording needs the vector store: start it (or use the open app's) first.
            with ensure_services(paths):
                return _record(args, paths, db)
        return _record(args, paths, db)
    except LecternError as exc:
        return fail(exc, args.json)


def _record(args: argparse.Namespace, paths: DataPaths, db: Any) -> int:
    from ..core import lectures
    from ..core.lectures.live_transcriber import attach
    from ..core.lectures.recorder import Recorder

    from ..core.lectures import system_audio

    node_id = _node(db, args.semester, args.subject)
    if args.mix_microphone and not args.system_audio:
        raise LecternError("--mix-microphone goes with --system-audio.",
                           "Use `lectern record --system-audio --mix-microphone` to record both.")
    source = (system_audio.BOTH if args.mix_microphone else system_audio.SYSTEM) if args.system_audio \
        else system_audio.MICROPHONE
    rec = Recorder(paths, title=args.title or lectures.default_title(db, node_id), node_id=node_id,
                   device=args.device, source=source,
                   on_device_changed=lambda message: print(f"lectern: {message}", file=sys.stderr, flush=True))
    rec_id = rec.start()
    # Without --wait nothing is indexed here (no vector store is started): the job does it.
    live = attach(rec, model=args.model or None, language=args.language or None,
                  index=args.wait) if args.transcribe else None
    target = int(args.seconds * rec.samplerate)
    announced = False
    shown = ""
    while rec.running and rec.frames_written < target:
        if not announced and rec.frames_written:
            announced = True
            print(f"lectern: recording {rec_id} started on '{rec.device.name if rec.device else ''}' "
                  f"at {rec.samplerate} Hz -> {rec.path}", file=sys.stderr, flush=True)
        if live is not None and not args.json:
            line = live.status().message
            if line != shown:
                print(f"lectern: {line}", file=sys.stderr, flush=True)
                shown = line
        time.sleep(0.01)
    result = rec.stop(wait=True)
    stopped = time.monotonic()
    assert result is not None
    out = result.as_dict()
    out["device"] = rec.device.name if rec.device else ""
    out["source"] = source
    out["device_changes"] = [{"at_s": round(at, 3), "from": old, "to": new} for at, old, new in rec.device_changes]
    if rec.monitor:
        out["computer_audio"] = rec.monitor
    out["title"] = lectures.get_recording(db, rec_id).title
    if live is not None and args.wait:
        live.wait()
        if live.error:
            raise LecternError(f"The transcript could not be finished: {live.error}",
                               "The recording is saved; transcribe it again with `lectern transcribe` "
                               "or from the Library.")
        out["transcript_ready_s"] = round(max(0.0, live.finished_at - stopped), 3)
        out["transcript"] = live.status().as_dict()
        out["windows"] = len(live.windows)
        segs = lectures.segments(db, rec_id)
        out["text"] = " ".join(s.text for s in segs)
        out["segments"] = [{"start": s.start_s, "end": s.end_s, "text": s.text} for s in segs]
        text = out["text"]
    elif args.transcribe:
        if live is not None:
            live.abandon()   # its last window is finished first, so the job never repeats it
            out["transcribed_s"] = round(live.status().transcribed_s, 3)
        out["job_id"] = lectures.submit_transcription(db, paths, rec_id, QueueJobs(paths, db),
                                                      model=args.model or None, language=args.language or None)
        out["queue"] = str(paths.queue_db)
        out["runs_it"] = "the Lectern window when it is open, or `lectern worker`"
        text = (f"recorded {out['duration_s']:.1f} s to {out['path']}; the rest of its transcript is job "
                f"{out['job_id']} in {out['queue']}, which {out['runs_it']} will run")
    else:
        text = f"recorded {out['duration_s']:.1f} s to {out['path']}"
    emit(out, args.json, text)
    if result.error is not None:
        print(f"lectern: {result.error}", file=sys.stderr)
        return 1
    return 0


def cmd_recover(args: argparse.Namespace, paths: DataPaths) -> int:
    from ..core import lectures
    from ..core.storage.db import open_db
    from ..core.lectures.recovery import recover

    paths.ensure()
    db = open_db(paths.db)
    found = recover(db, paths)
    rows = [{"recording_id": r.recording_id, "title": r.title, "duration_s": round(r.duration_s, 3),
             "path": str(r.path), "ok": r.ok, "message": r.message} for r in found]
    if args.transcribe:
        for row in rows:
            if row["ok"]:
                row["job_id"] = lectures.submit_transcription(db, paths, row["recording_id"], QueueJobs(paths, db))
    emit(rows, args.json, "\n".join(r["message"] for r in rows) or "Nothing to recover.")
    return 0


def cmd_transcript(args: argparse.Namespace, paths: DataPaths) -> int:
    from ..core import lectures
    from ..core.storage.db import open_db
    from ..core.lectures.transcript_export import render

    db = open_db(paths.db)
    try:
        rec = lectures.get_recording(db, args.recording_id)
        text = render(args.format, rec.title, lectures.segments(db, rec.id), lectures.notes(db, rec.id))
    except LecternError as exc:
        return fail(exc, False)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
