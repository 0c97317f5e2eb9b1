"""Changing the embedding model (library.model_switch), through the real worker, Chroma server
and embedding model: the library is embedded again while the old index keeps serving, and the
new model takes over only once every passage is in its collection."""
import shutil

import pytest

from desktop.core import jobs, library, models
from desktop.core.errors import JobCancelled, LecternError
from desktop.core.jobs.table import JobContext
from desktop.core.library import ingest, model_switch
from desktop.core.search import retrieval
from desktop.core.search.vectorstore import VectorStore
from desktop.core.storage import settings
from desktop.workers.submit import QueueJobs
from tests import pdfs
from tests.conftest import wait_for

QUESTION = "Which enzyme fixes carbon dioxide in the Calvin cycle?"


def _own_model(tmp_path) -> str:
    """A model folder of the student's own: the default model's files copied (to Lectern another model)."""
    return str(shutil.copytree(models.locate("minilm-l6"), tmp_path / "my-embedder"))


def _ingested(db, paths, tmp_path, name: str, n: int) -> int:
    book = library.ensure_path(db, "Fall 2024", "Biology", "Reader")
    r = library.import_file(db, paths, book, pdfs.make_course_pdf(tmp_path / name, n=n), starter=QueueJobs(paths, db))
    assert _done(db, ingest.submit_ingest(db, paths, r.document_id, QueueJobs(paths, db))).state == jobs.DONE
    return r.document_id


def _done(db, job_id):
    return wait_for(lambda: (j := jobs.get_job(db, job_id)).finished and j, 180, 0.1, "the job to end")


def _chunk_count(db) -> int:
    return db.execute("SELECT count(*) FROM chunks").fetchone()[0]


def test_the_library_is_embedded_again_and_the_new_model_takes_over_when_complete(services, paths, db, tmp_path):
    _ingested(db, paths, tmp_path, "Cell biology.pdf", 6)
    old = retrieval.open_store(paths, db)
    own = _own_model(tmp_path)
    job = _done(db, model_switch.start_switch(db, QueueJobs(paths, db), own))
    assert job.state == jobs.DONE, job.error
    assert settings.load(db).embeddings_model == own
    new = retrieval.open_store(paths, db)
    assert new.name != old.name
    assert len(new.all_ids()) == len(old.all_ids()) == _chunk_count(db) == job.result["embedded"]
    hit = retrieval.search(db, new, QUESTION, k=1)[0]
    assert hit.page == 3 and hit.title == "Cell biology"

    # A book added now is indexed with the new model only; switching back embeds just that book.
    second = _ingested(db, paths, tmp_path, "Genetics.pdf", 3)
    added = db.execute("SELECT count(*) FROM chunks WHERE document_id=?", (second,)).fetchone()[0]
    assert len(new.all_ids()) == _chunk_count(db) and len(old.all_ids()) == _chunk_count(db) - added
    back = _done(db, model_switch.start_switch(db, QueueJobs(paths, db), ""))
    assert back.state == jobs.DONE and back.result["embedded"] == added
    assert settings.load(db).embeddings_model == "" and len(old.all_ids()) == _chunk_count(db)


class _CancelledAfterFirstBatch(JobContext):
    """The student presses Cancel once the first batch is in (a moment a test cannot time)."""

    calls = 0

    def check_cancelled(self) -> None:
        type(self).calls += 1
        if type(self).calls > 1:
            raise JobCancelled()


def test_a_cancelled_switch_leaves_the_old_model_serving_and_a_rerun_embeds_only_the_rest(
        services, paths, db, tmp_path, monkeypatch):
    _ingested(db, paths, tmp_path, "Cell biology.pdf", 6)
    own = _own_model(tmp_path)
    monkeypatch.setattr(model_switch, "BATCH", 4)
    job = jobs.get_job(db, jobs.create_job(db, model_switch.SWITCH_JOB, {"choice": own}, target="test"))
    with pytest.raises(JobCancelled):
        model_switch.run(_CancelledAfterFirstBatch(db, job, paths))
    assert settings.load(db).embeddings_model == ""                   # the old model still searches
    assert retrieval.search(db, retrieval.open_store(paths, db), QUESTION, k=1)[0].page == 3
    half = VectorStore(paths, retrieval.store_key(own))
    assert len(half.all_ids()) == 4
    again = jobs.get_job(db, jobs.create_job(db, model_switch.SWITCH_JOB, {"choice": own}, target="test"))
    result = model_switch.run(JobContext(db, again, paths))
    assert result["embedded"] == _chunk_count(db) - 4 and settings.load(db).embeddings_model == own


def test_a_folder_that_is_no_model_or_the_model_in_use_is_refused_in_plain_words(paths, db, tmp_path):
    starter = QueueJobs(paths, db)
    with pytest.raises(LecternError, match="in use already"):
        model_switch.start_switch(db, starter, "minilm-l6")
    (tmp_path / "notes").mkdir()
    with pytest.raises(LecternError, match="cannot be used to search") as err:
        model_switch.start_switch(db, starter, str(tmp_path / "notes"))
    assert "model.onnx and tokenizer.json" in err.value.hint
    with pytest.raises(LecternError, match="not there any more"):
        model_switch.start_switch(db, starter, str(tmp_path / "gone"))
    assert jobs.latest_for_target(db, model_switch.SWITCH_TARGET) is None
