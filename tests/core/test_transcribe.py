import os
import signal
from desktop.workers.submit import QueueJobs

import pytest

from desktop.core import jobs
from desktop.core import lectures
from desktop.core import library
from desktop.core import models
from desktop.core.storage import settings
from desktop.core.errors import AudioError, DocumentError
from desktop.core.runtime.supervisor import WORKER
from desktop.core.lectures.chunking import CHUNK_MAX_S, CHUNK_MIN_S, chunk_segments
from desktop.core.lectures.transcribe import SegmentOut, covered_by_corrections
from desktop.workers.submit import cancel, retry, submit
from tests.audio import lecture_wav, silence_padded, speech_wav  # noqa: F401 (fixture)
from tests.conftest import wait_for

LONG_LECTURE = (
    "Welcome back to introductory economics. Last week we discussed supply and demand. "
    "Today we look at elasticity, which measures how strongly buyers react to a change in price. "
    "When a small rise in price makes people buy much less, we say demand is elastic. "
    "Luxury goods such as jewellery and holidays usually have elastic demand. "
    "When people keep buying almost the same amount, demand is inelastic. "
    "Salt, petrol and medicine are classic examples of inelastic goods. "
    "Elasticity also depends on time: over many years people find substitutes. "
    "Governments care about elasticity because taxes on inelastic goods raise more revenue. "
    "Next we turn to the market for labour, where wages play the role of prices. "
    "Firms hire workers until the value of the extra output equals the wage. "
    "Minimum wage laws set a floor under that price, with effects we will debate on Friday. "
    "For homework, read chapter five and answer the questions about the coffee market. "
    "Finally, remember that the midterm examination takes place in the great hall in two weeks."
)


@pytest.fixture(scope="module")
def long_lecture(tmp_path_factory):
    folder = tmp_path_factory.mktemp("economics")
    return silence_padded(speech_wav(LONG_LECTURE, folder / "raw.wav", words_per_minute=165),
                          folder / "economics.wav", 0.5, 0.5)


def tiny_en_folder() -> str:
    return str(models.resolve(models.TRANSCRIPTION, "whisper-tiny.en").path)


def wait_job(db, job_id, timeout=240):
    return wait_for(lambda: (j := jobs.get_job(db, job_id)).finished and j, timeout, what=f"job {job_id} to finish")


def test_an_imported_lecture_is_transcribed_filed_and_indexed(services, paths, db, lecture_wav):
    # The student's own CTranslate2 folder works like a bundled model.
    settings.update(db, transcription_model=tiny_en_folder())
    node = library.ensure_path(db, "Fall 2026", "Biology 101")
    rec_id = lectures.import_media(db, paths, lecture_wav, node, "Lecture 1", starter=QueueJobs(paths, db))
    rec = lectures.get_recording(db, rec_id)
    # Stored by its document's id, never under folder names.
    assert (paths.root / rec.path) == paths.root / "files" / str(rec.document_id) / "lecture.wav"
    assert lecture_wav.exists(), "the original file is untouched"
    job = wait_job(db, jobs.latest_for_target(db, lectures.job_target(rec_id)).id)
    assert job.state == jobs.DONE, job.error

    text = lectures.transcript_text(db, rec_id).lower()
    for word in ("photosynthesis", "chlorophyll", "oxygen", "carbon dioxide", "sugar"):
        assert word in text, (word, text)
    rec = lectures.get_recording(db, rec_id)
    assert rec.state == "transcribed" and rec.language == "en" and rec.duration_s == pytest.approx(
        job.result["duration_s"], abs=1e-3)
    doc = library.get_document(db, rec.document_id)
    assert (doc.kind, doc.state, doc.node_id, doc.recording_id, doc.title) == (
        "lecture", "ready", node, rec_id, "Lecture 1")
    segs = lectures.segments(db, rec_id)
    assert all(0 <= s.start_s < s.end_s <= rec.duration_s + 0.01 for s in segs)
    chunks = list(db.query("SELECT * FROM chunks WHERE document_id=? ORDER BY ordinal", [doc.id]))
    assert chunks and chunks[0]["kind"] == "lecture"
    assert chunks[0]["start_s"] == segs[0].start_s and chunks[-1]["end_s"] == segs[-1].end_s
    hit = db.execute("SELECT c.start_s FROM chunks_fts f JOIN chunks c ON c.id=f.rowid "
                     "WHERE chunks_fts MATCH 'chlorophyll'").fetchone()
    assert hit is not None
    from desktop.core.models.embeddings import get_embedder
    from desktop.core.search.vectorstore import VectorStore

    found = VectorStore(paths).query(get_embedder().embed_one("Which pigment absorbs red and blue light?"), 3,
                                     where={"document_id": doc.id})
    meta = found["metadatas"][0][0]
    assert meta["document_id"] == doc.id and meta["kind"] == "lecture" and "start_s" in meta


def test_a_killed_worker_resumes_the_transcription_without_duplicates(services, paths, db, long_lecture):
    settings.update(db, transcription_model="whisper-tiny.en")
    rec_id = lectures.import_media(db, paths, long_lecture, None, "Economics 4", starter=QueueJobs(paths, db))
    job_id = jobs.latest_for_target(db, lectures.job_target(rec_id)).id
    wait_for(lambda: jobs.get_job(db, job_id).progress > 0.25, 180, what="the transcription to be under way")
    assert jobs.get_job(db, job_id).stage.startswith("Transcribing")
    assert lectures.get_recording(db, rec_id).state == "transcribing"
    os.killpg(services.pid(WORKER), signal.SIGKILL)
    job = wait_job(db, job_id)
    assert job.state == jobs.DONE, job.error
    assert job.attempts == 2 and job.result["resumed_from_s"] > 0

    segs = lectures.segments(db, rec_id)
    assert [s.idx for s in segs] == list(range(len(segs)))
    assert all(a.start_s <= b.start_s for a, b in zip(segs, segs[1:])), "in time order, nothing repeated"
    assert len({s.text for s in segs}) == len(segs)
    text = lectures.transcript_text(db, rec_id).lower()
    assert "elasticity" in text and "coffee" in text and "two weeks" in text, "the beginning and the end are both there"


def test_cancel_stops_between_segments_and_retry_finishes(services, paths, db, long_lecture):
    settings.update(db, transcription_model="whisper-tiny.en")
    rec_id = lectures.import_media(db, paths, long_lecture, None, "Economics 5", starter=QueueJobs(paths, db))
    job_id = jobs.latest_for_target(db, lectures.job_target(rec_id)).id
    wait_for(lambda: jobs.get_job(db, job_id).progress > 0.1, 180, what="the transcription to be under way")
    cancel(paths, job_id)
    job = wait_job(db, job_id, 60)
    assert job.state == jobs.CANCELLED
    assert lectures.get_recording(db, rec_id).state == "cancelled"
    assert library.get_document(db, lectures.get_recording(db, rec_id).document_id).state == "cancelled"
    assert retry(paths, job_id)
    job = wait_job(db, job_id)
    assert job.state == jobs.DONE and "two weeks" in lectures.transcript_text(db, rec_id).lower()


def test_a_corrected_line_is_saved_and_found_by_search(services, paths, db, lecture_wav):
    settings.update(db, transcription_model="whisper-tiny.en")
    rec_id = lectures.import_media(db, paths, lecture_wav, None, "Lecture 2", starter=QueueJobs(paths, db))
    assert wait_job(db, jobs.latest_for_target(db, lectures.job_target(rec_id)).id).state == jobs.DONE
    seg = lectures.segments(db, rec_id)[0]
    lectures.edit_segment(db, seg.id, seg.text + " Remember the word kryptonite.")
    assert lectures.segments(db, rec_id)[0].edited
    assert db.execute("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH 'kryptonite'").fetchone()[0] == 1
    job = wait_job(db, submit(paths, lectures.INDEX_JOB, {"recording_id": rec_id}))
    assert job.state == jobs.DONE, job.error
    from desktop.core.models.embeddings import get_embedder
    from desktop.core.search.vectorstore import VectorStore

    doc_id = lectures.get_recording(db, rec_id).document_id
    found = VectorStore(paths).query(get_embedder().embed_one("kryptonite"), 1, where={"document_id": doc_id})
    assert "kryptonite" in found["documents"][0][0]
    with pytest.raises(Exception) as err:
        lectures.edit_segment(db, seg.id, "   ")
    assert "cannot be empty" in str(err.value)


def test_transcribe_again_keeps_the_students_corrected_line_at_its_time_and_in_search(services, paths, db,
                                                                                      lecture_wav):
    settings.update(db, transcription_model="whisper-tiny.en")
    rec_id = lectures.import_media(db, paths, lecture_wav, None, "Lecture 3", starter=QueueJobs(paths, db))
    assert wait_job(db, jobs.latest_for_target(db, lectures.job_target(rec_id)).id).state == jobs.DONE
    first = lectures.segments(db, rec_id)
    seg = first[len(first) // 2]
    corrected = f"{seg.text} (Professor Zanzibar's example.)"
    lectures.edit_segment(db, seg.id, corrected)

    # "Transcribe again", as the Record pane and the CLI start it: a new job.
    job_id = lectures.submit_transcription(db, paths, rec_id, QueueJobs(paths, db))
    job = wait_job(db, job_id)
    assert job.state == jobs.DONE, job.error
    assert job.result["corrections_kept"] == 1

    segs = lectures.segments(db, rec_id)
    kept = [s for s in segs if s.edited]
    assert [(s.text, s.start_s, s.end_s) for s in kept] == [(corrected, seg.start_s, seg.end_s)]
    assert [s.idx for s in segs] == list(range(len(segs))), "numbered in order again"
    assert all(a.start_s <= b.start_s for a, b in zip(segs, segs[1:])), "in time order"
    text = lectures.transcript_text(db, rec_id).lower()
    assert text.count("zanzibar") == 1 and "good morning" in text and "sugar" in text, text
    # New segments mostly inside the corrected line are left out, not doubled.
    assert not any(not s.edited and max(0.0, min(s.end_s, seg.end_s) - max(s.start_s, seg.start_s))
                   >= 0.5 * (s.end_s - s.start_s) for s in segs)
    hits = db.execute("SELECT c.start_s, c.end_s FROM chunks_fts f JOIN chunks c ON c.id=f.rowid "
                      "WHERE chunks_fts MATCH 'zanzibar'").fetchall()
    assert len(hits) == 1 and hits[0][0] <= seg.start_s <= hits[0][1], "search finds it at its time"


def test_a_new_segment_is_left_out_only_when_mostly_inside_corrected_lines():
    spans = [(10.0, 15.0), (20.0, 22.0)]
    assert covered_by_corrections(10.5, 14.0, spans)            # inside one
    assert covered_by_corrections(9.0, 13.0, spans)             # 3 of 4 s inside
    assert not covered_by_corrections(13.0, 19.0, spans)        # 2 of 6 s inside
    assert covered_by_corrections(14.0, 21.0, spans) is False   # 1 + 1 of 7 s
    assert covered_by_corrections(12.0, 12.0, spans)            # a zero-length one inside
    assert not covered_by_corrections(0.0, 9.0, spans) and not covered_by_corrections(1.0, 2.0, [])


def test_transcripts_are_cut_into_windows_of_whole_segments():
    segs = [SegmentOut(i * 7.0, i * 7.0 + 6.5, f"sentence {i}") for i in range(40)]
    chunks = chunk_segments(segs)
    assert " ".join(c.text for c in chunks) == " ".join(s.text for s in segs)
    assert all(c.end_s - c.start_s <= CHUNK_MAX_S for c in chunks)
    assert all(c.end_s - c.start_s >= CHUNK_MIN_S for c in chunks[:-1])
    assert {c.start_s for c in chunks} <= {s.start for s in segs}


def test_files_that_are_not_lectures_are_refused_plainly(paths, db, tmp_path, lecture_wav):
    notes = tmp_path / "notes.txt"
    notes.write_text("not audio")
    with pytest.raises(DocumentError) as err:
        lectures.import_media(db, paths, notes, None, None, starter=QueueJobs(paths, db))
    assert "not an audio or video file" in err.value.message
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(os.urandom(4000))
    with pytest.raises(AudioError) as err:
        lectures.import_media(db, paths, broken, None, None, starter=QueueJobs(paths, db))
    assert "could not be read" in err.value.message
    rec_id = lectures.import_media(db, paths, lecture_wav, None, "Once", starter=None)
    with pytest.raises(lectures.DuplicateMedia) as dup:
        lectures.import_media(db, paths, lecture_wav, None, "Twice", starter=None)
    assert dup.value.recording_id == rec_id and "already in your library" in dup.value.message
    assert db.execute("SELECT count(*) FROM recordings").fetchone()[0] == 1
