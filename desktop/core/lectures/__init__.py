"""Lectures: recordings and their transcripts.

Modules: ``recordings`` (rows, segments, import), ``recorder`` (microphone to disk) with
``wavfile`` (WAV/RF64 file and header repair), ``recording_lock`` and ``recording_row``
(states, the final save), ``recovery``, ``captions`` (live), ``transcribe`` (the job),
``chunking`` (transcript passages), ``audio_devices``, ``transcript_export``;
``live_transcriber`` (the transcript made while recording: ``attach(recorder)``, its
``status()`` says how far behind it is) with ``windows`` (cuts at pauses) and ``live_index``;
``notes`` (the student's notes at their second), ``power`` (on battery?)."""
from ..catalog import MEDIA_EXTENSIONS, VIDEO_EXTENSIONS
from .recordings import (UNFILED, TRANSCRIBE_JOB, INDEX_JOB, DuplicateMedia, Recording, Segment,
                         get_recording, recent, segments, transcript_text, audio_path, default_title,
                         unfiled_node, ensure_document, set_details, edit_segment, probe_duration,
                         import_media, job_target, transcription_payload, submit_transcription,
                         delete_recording, segments_after, transcript_mark)
from .notes import NOTE_KIND, Note, add_note, get_note, moment_label, note_label, notes, save_note

__all__ = ["UNFILED", "TRANSCRIBE_JOB", "INDEX_JOB", "DuplicateMedia", "Recording", "Segment", "get_recording", "recent", "segments", "transcript_text", "audio_path", "default_title", "unfiled_node", "ensure_document", "set_details", "edit_segment", "probe_duration", "import_media", "job_target", "transcription_payload", "submit_transcription", "delete_recording", "MEDIA_EXTENSIONS", "VIDEO_EXTENSIONS",
           "segments_after", "transcript_mark", "NOTE_KIND", "Note", "add_note", "get_note", "moment_label",
           "note_label", "notes", "save_note"]
