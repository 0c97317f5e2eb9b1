"""The course glossary: terms found in a subject's real material, grounded definitions,
the student's edits kept through a rebuild, and Whisper hotwords from the terms."""
from __future__ import annotations

import re

import pytest

from desktop.core import catalog, jobs, lectures, models
from desktop.core.jobs import JobContext
from desktop.core.lectures.transcribe import load_whisper, rare_words
from desktop.core.library.chunking import chunk_pages
from desktop.core.library.pdftext import read_pages
from desktop.core.storage.resources import resource_path
from desktop.core.errors import StudyError
from desktop.core.runtime.services import JobsForTheNextWorker
from desktop.core.study import glossary, grounding, material
from desktop.workers.handlers import course_terms
from desktop.workers.queue import execute_job
from desktop.workers.submit import QueueJobs
from tests.audio import speech_wav
from tests.conftest import wait_for
from tests.core.test_study_material import add_book, add_lecture


@pytest.fixture
def biology(db, tmp_path) -> int:
    add_book(db, tmp_path, subject="Biology")
    add_lecture(db, subject="Biology")
    return glossary.subject_node(db, "biology")


def test_terms_of_a_subject_have_definitions_found_where_they_cite(db, biology, paths):
    job_id = glossary.submit(db, JobsForTheNextWorker(db), biology)
    assert execute_job(paths, job_id) == jobs.DONE
    result = jobs.get_job(db, job_id).result
    assert result["grounding"]["share"] == 1.0 and result["added"] == result["terms"] >= 5
    found = {t.term: t for t in glossary.terms(db, biology)}
    assert {"DNA", "double helix", "membrane"} <= set(found), sorted(found)
    assert not {"keeps", "copies", "remember"} & set(found), "verbs and filler are no terms"
    for t in found.values():
        cited = material.load(db, t.document_id)
        text = next(p.text for p in cited if p.page == t.page and p.start_s == t.start_s)
        assert t.term.lower()[:5] in t.definition.lower() and t.definition in text
        assert grounding.support(t.definition, text) >= grounding.SUPPORT_THRESHOLD
    assert "double helix" in found["DNA"].related
    assert found["membrane"].category == "Cell Biology"


def test_a_rebuild_keeps_edits_known_marks_and_deletions(db, biology):
    glossary.build(db, biology)
    by = {t.term: t for t in glossary.terms(db, biology)}
    glossary.edit_term(db, by["membrane"].id, definition="My own definition of the membrane.")
    glossary.set_known(db, by["DNA"].id)
    glossary.delete_term(db, by["strand"].id)
    merged = glossary.edit_term(db, by["DNA replication"].id, term="DNA polymerase")   # a rename onto a term
    assert merged.id == by["DNA polymerase"].id

    assert glossary.build(db, biology)["added"] == 0
    after = {t.term: t for t in glossary.terms(db, biology)}
    assert after["membrane"].definition == "My own definition of the membrane." and after["membrane"].edited
    assert after["DNA"].known and "DNA" not in {t.term for t in glossary.terms(db, biology, include_known=False)}
    assert "strand" not in after and "DNA replication" not in after, "deleted and merged terms stay away"


def _generated(db, node_id: int, term: str) -> int:
    """A term as an earlier build stored it (junk an older finder picked: not edited, not known)."""
    return int(db.execute("INSERT INTO glossary_terms (node_id, term, key, definition, frequency, created_at,"
                          " updated_at) VALUES (?,?,?,?,?,0,0)",
                          (node_id, term, glossary._key(term), f"{term} was found by an older build.", 3)).lastrowid)


def test_a_rebuild_drops_generated_terms_it_no_longer_finds_but_never_the_students(db, biology, paths):
    glossary.build(db, biology)
    junk = [_generated(db, biology, t) for t in ("https", "remember this", "lecture notes")]
    renamed, merged_into, merged_away, edited, known, deleted = (
        _generated(db, biology, t) for t in ("www", "project", "projects page", "exam tips", "today", "chapter"))
    glossary.edit_term(db, renamed, term="Hardy-Weinberg law")           # renamed to a name no build finds
    glossary.merge(db, merged_into, merged_away)
    glossary.edit_term(db, edited, definition="My own tips for the exam.")
    glossary.set_known(db, known)
    glossary.delete_term(db, deleted)
    written = glossary.add_term(db, biology, "Punnett square", "A grid of the offspring's possible genotypes.").id
    found_before = {t.term for t in glossary.terms(db, biology)} - {"https", "remember this", "lecture notes"}

    job_id = glossary.submit(db, JobsForTheNextWorker(db), biology)
    assert execute_job(paths, job_id) == jobs.DONE
    assert jobs.get_job(db, job_id).result["dropped"] == len(junk)
    rows = {r["id"] for r in db.query("SELECT id FROM glossary_terms WHERE node_id = ?", [biology])}
    assert not set(junk) & rows, "generated terms no build finds any more are gone"
    assert {renamed, merged_into, merged_away, edited, known, deleted, written} <= rows
    after = {t.id: t for t in glossary.terms(db, biology)}
    assert after[renamed].term == "Hardy-Weinberg law" and after[edited].definition == "My own tips for the exam."
    assert after[known].known and after[written].definition.startswith("A grid")
    assert merged_away not in after and deleted not in after, "merged and deleted terms stay hidden"
    assert found_before <= {t.term for t in after.values()}, "the terms the build finds are all still there"
    assert glossary.build(db, biology)["dropped"] == 0
    with pytest.raises(StudyError, match="already in this subject's glossary"):
        glossary.add_term(db, biology, "punnett square")


def test_hotwords_are_the_subjects_terms_within_whispers_prompt(db, biology):
    glossary.build(db, biology)
    words = glossary.hotwords(db, biology)
    assert "DNA" in words and "double helix" in words
    assert len(glossary.hotwords(db, biology, max_chars=20)) <= 20


def test_unknown_subjects_and_empty_ones_get_plain_messages(db):
    with pytest.raises(StudyError, match="no subject called 'Astrology'"):
        glossary.subject_node(db, "Astrology")
    empty = catalog.ensure_path(db, "Fall 2025", "Chemistry")
    with pytest.raises(StudyError, match="no ingested books"):
        glossary.build(db, empty)


def test_web_and_mail_addresses_give_no_terms():
    pieces = [material.Piece(1, "Packages come from the https://cran.r-project.org/web/packages site of CRAN, "
                                "and mail goes to the R-devel@r-project.org list.", page=1),
              material.Piece(1, "Find CRAN packages on the https://www.r-project.org site or write to the "
                                "R-help@r-project.org list.", page=2)]
    found = {f.term for f in glossary.find_terms(pieces, {1: "FAQ"})}
    assert "CRAN" in found and not {"https", "www", "project"} & {w for t in found for w in t.split()}


def test_a_term_links_to_the_other_places_it_appears(db, biology):
    glossary.build(db, biology)
    membrane = next(t for t in glossary.terms(db, biology) if t.term == "membrane")
    places = glossary.occurrences(db, membrane.id)
    pages = {p["page"] for p in places}
    assert {1, 2} <= pages, places          # the membrane page, and the mitochondria's inner membrane
    assert all(p["document_id"] == membrane.document_id for p in places)
    helix = next(t for t in glossary.terms(db, biology) if t.term == "double helix")
    assert {p["page"] for p in glossary.occurrences(db, helix.id)} == {6}


def test_the_concept_map_links_terms_met_together(db, biology):
    glossary.build(db, biology)
    graph = glossary.concept_map(db, biology)
    name = {n["id"]: n["term"] for n in graph["nodes"]}
    pairs = {frozenset((name[e["source"]], name[e["target"]])) for e in graph["edges"]}
    assert frozenset(("DNA", "double helix")) in pairs
    assert len(pairs) == len(graph["edges"]), "each pair once"
    assert all(e["source"] in name and e["target"] in name for e in graph["edges"])


def _transcription_context(db, paths, recording_id: int) -> JobContext:
    job_id = jobs.create_job(db, "transcribe_recording", {"recording_id": recording_id})
    return JobContext(db, jobs.get_job(db, job_id), paths)


def test_a_subjects_lecture_is_transcribed_listening_for_the_subjects_terms(db, biology, paths):
    glossary.build(db, biology)
    lecture = catalog.get_document(db, glossary.subject_material(db, biology)[0][-1].document_id)
    assert lecture.kind == "lecture"
    terms = course_terms(_transcription_context(db, paths, lecture.recording_id))
    assert "DNA" in terms.split(", ") and "double helix" in terms.split(", ")
    other = add_lecture(db, subject="Chemistry")          # a subject with no glossary yet
    rec = catalog.get_document(db, other).recording_id
    assert course_terms(_transcription_context(db, paths, rec)) == ""
    assert course_terms(_transcription_context(db, paths, 999)) == "", "an unknown lecture: the job says so"


def test_whisper_is_hinted_only_the_course_words_it_may_mishear():
    """Words Whisper's vocabulary holds whole need no hint (hinting them was measured to hurt)."""
    model = load_whisper(models.resolve(models.TRANSCRIPTION, None))
    kept = rare_words(model, "membrane, rubisco, water, thylakoid membrane, energy, NADPH").split(", ")
    assert {"rubisco", "thylakoid membrane", "NADPH"} <= set(kept) and not {"water", "energy"} & set(kept)
    assert rare_words(model, "") == ""


def _sample_reader(db) -> int:
    """The bundled sample reader, read and chunked by the library's code into subject Biology 101."""
    pdf = resource_path("sample", "cell-biology-primer.pdf")
    node = catalog.ensure_path(db, "Fall 2026", "Biology 101", "Primer")
    doc = catalog.add_document(db, node, "pdf", "Primer", pdf.name, f"files/x/{pdf.name}", "sha-primer", 1,
                               state="ready")
    for i, chunk in enumerate(chunk_pages(read_pages(pdf)[0])):
        db.execute("INSERT INTO chunks (document_id, ordinal, kind, page, text) VALUES (?,?,?,?,?)",
                   (doc, i, "pdf", chunk.page, chunk.text))
    return doc


def test_a_lecture_filed_in_a_subject_is_transcribed_hinted_with_its_course_words(services, paths, db, tmp_path):
    reader = _sample_reader(db)
    subject = glossary.subject_node(db, "Biology 101")
    glossary.build(db, subject)
    expected = rare_words(load_whisper(models.resolve(models.TRANSCRIPTION, None)),
                          glossary.hotwords_for_node(db, subject))
    assert "cytoplasm" in expected.split(", "), "the reader's glossary holds words Whisper splits into pieces"
    page = next(p.text for p in material.load(db, reader) if "cytoplasm" in p.text)
    wav = speech_wav(page, tmp_path / "lecture.wav")
    rec_id = lectures.import_media(db, paths, wav, subject, "Respiration", starter=QueueJobs(paths, db))
    job_id = jobs.latest_for_target(db, lectures.job_target(rec_id)).id
    job = wait_for(lambda: (j := jobs.get_job(db, job_id)).finished and j, timeout=300, what="transcription")
    assert job.state == jobs.DONE, job.error
    assert job.result["hotwords"] == expected
    # words of five letters or more, compared by their first five (espeak-ng's "carriers" may be heard "carrier")
    heard = {w[:5] for w in re.findall(r"[a-z]{5,}", lectures.transcript_text(db, rec_id).lower())}
    spoken = {w[:5] for w in re.findall(r"[a-z]{5,}", page.lower())}
    assert len(spoken & heard) >= 0.6 * len(spoken), "the lecture was transcribed with the hints"
