"""The course glossary: terms found in a subject's real material, grounded definitions,
the student's edits kept through a rebuild, and Whisper hotwords from the terms."""
from __future__ import annotations

import pytest

from desktop.core import catalog, jobs
from desktop.core.errors import StudyError
from desktop.core.runtime.services import JobsForTheNextWorker
from desktop.core.study import glossary, grounding, material
from desktop.workers.queue import execute_job
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
