"""Cards and summaries written by the real local model (the tiny one: quality is not the
point here, grounding, parts, progress and cancel are), run as real jobs."""
from __future__ import annotations

import threading

import pytest

from desktop.core import jobs
from desktop.core.runtime.services import JobsForTheNextWorker
from desktop.core.study import cards, glossary, grounding, material, store, summaries
from desktop.core.study.writer import bullet_lines, open_writer
from desktop.workers.queue import execute_job
from desktop.workers.submit import QueueJobs
from tests.conftest import wait_for
from tests.core.test_study_material import add_book, add_lecture
from tests.pdfs import TOPICS

TINY = "smollm2-135m"


def long_lecture(n: int = 48) -> list[tuple[float, float, str]]:
    """About forty minutes of transcript in 50 s segments, a topic every ten minutes."""
    out = []
    for i in range(n):
        head, body = TOPICS[(i // 12) % len(TOPICS)]
        said = body.split(". ")
        sentence = said[i % len(said)].rstrip(".")
        out.append((i * 50.0, i * 50.0 + 48.0, f"Now about {head.lower()}. {sentence}. "
                                               f"Remember this for the exam: {sentence.lower()}."))
    return out


# -- pure ------------------------------------------------------------------------------------------
def test_model_output_is_read_into_cards_and_points():
    text = "1. Q: What do mitochondria make?\nA: ATP.\n\n**Q2:** Where is DNA copied?\n**A2:** In the nucleus.\nQ: ?"
    assert cards.parse_qa(text) == [("What do mitochondria make?", "ATP."), ("Where is DNA copied?", "In the nucleus.")]
    assert bullet_lines("Here they are:\n- Enzymes lower activation energy.\n* **Heat** denatures enzymes.\n- ok") == \
        ["Enzymes lower activation energy.", "Heat denatures enzymes."]
    assert bullet_lines("- The text discusses how enzymes lower activation energy.\n- This section covers the "
                        "paste function.") == ["Enzymes lower activation energy.", "The paste function."]
    assert bullet_lines("Mitosis makes two cells.\nMeiosis halves chromosomes.") == \
        ["Mitosis makes two cells.", "Meiosis halves chromosomes."]


def test_merge_groups_never_leave_a_point_alone():
    points = [f"point number {i}" for i in range(25)]
    groups = summaries.groups_of(points, 12)
    assert [len(g) for g in groups] == [12, 13] and sum(groups, []) == points


def test_a_card_is_grounded_on_the_piece_holding_its_words_or_dropped():
    pieces = [material.Piece(1, TOPICS[0][1], page=1), material.Piece(1, TOPICS[1][1], page=2)]
    piece, score = cards.ground("What produces most of the cell's ATP?", "Mitochondria", pieces, 0.5)
    assert piece.page == 2 and score >= 0.5
    assert cards.ground("Who won the 1998 World Cup?", "France", pieces, 0.5) is None
    assert grounding.report([1.0, 0.6, 0.2]).as_dict()["share"] == pytest.approx(0.667, abs=0.001)


# -- real model, real jobs -------------------------------------------------------------------------
def _run(paths, db, job_id: int) -> jobs.Job:
    assert execute_job(paths, job_id) in (jobs.DONE, jobs.FAILED, jobs.CANCELLED)
    job = jobs.get_job(db, job_id)
    assert job is not None
    return job


def test_generated_cards_are_drafts_that_cite_real_pages(paths, db, tmp_path):
    book = add_book(db, tmp_path)
    job_id = cards.submit(db, JobsForTheNextWorker(db), book, (2, 5), model=TINY)
    job = _run(paths, db, job_id)
    assert job.state == jobs.DONE, job.error
    made = store.cards(db, document_id=book)
    assert made and all(c.status == store.DRAFT and not c.edited for c in made)
    assert {c.kind for c in made} >= {"cloze"}
    texts = {p.page: p.text for p in material.load(db, book)}
    for c in made:
        assert 2 <= c.page <= 5, "cites a page of the range asked for"
        front = c.front if c.kind == "qa" else c.front.replace("{{c1::", "").replace("}}", "")
        assert grounding.support(f"{front} {c.back}", texts[c.page]) >= grounding.SUPPORT_THRESHOLD
    assert job.result["cards"] == len(made) and 0 < job.result["model_share"] <= 1

    store.edit_card(db, made[0].id, front=made[0].front, back="My words.")
    again = _run(paths, db, cards.submit(db, JobsForTheNextWorker(db), book, (2, 5), model=TINY))
    assert again.state == jobs.DONE
    assert store.get_card(db, made[0].id).back == "My words.", "a regeneration keeps the student's edit"


def test_card_making_can_be_cancelled_and_stores_nothing_half_made(paths, db):
    lecture = add_lecture(db, segments=long_lecture())
    job_id = cards.submit(db, JobsForTheNextWorker(db), lecture, model=TINY)
    runner = threading.Thread(target=execute_job, args=(paths, job_id))
    runner.start()
    wait_for(lambda: "part 2 of" in (jobs.get_job(db, job_id).stage or ""), 120, what="the second part")
    jobs.request_cancel(db, job_id)
    runner.join(60)
    assert jobs.get_job(db, job_id).state == jobs.CANCELLED
    assert store.cards(db, document_id=lecture) == []


def test_a_long_transcript_is_summarised_in_parts_with_cited_seconds(paths, db, monkeypatch):
    monkeypatch.setattr(summaries, "MAX_POINTS", 3)   # fewer points than the parts give: merges must run
    segs = long_lecture()
    lecture = add_lecture(db, segments=segs)
    rec = db.execute("SELECT recording_id FROM documents WHERE id = ?", (lecture,)).fetchone()[0]
    db.execute("UPDATE segments SET text = ?, edited = 1 WHERE recording_id = ? AND idx = 0",
               ("Now about the Krebs cycle. The Krebs cycle oxidises acetyl groups to carbon dioxide.", rec))
    job = _run(paths, db, summaries.submit(db, JobsForTheNextWorker(db), lecture, model=TINY))
    assert job.state == jobs.DONE, job.error
    assert job.result["parts"] >= 4 and job.result["reduce_rounds"] >= 1, job.result
    summary = summaries.latest(db, lecture)
    assert summary is not None and 1 <= len(summary.points) <= summaries.MAX_POINTS
    starts = {s for s, _, _ in segs}
    assert all(p.start_s in starts and p.page is None for p in summary.points)
    assert summary.grounded_share == grounding.report([p.support for p in summary.points]).share == 1.0
    assert all(p.support >= grounding.SUPPORT_THRESHOLD for p in summary.points), "unsupported points left out"
    assert job.result["points_written"] >= job.result["points_unsupported_left_out"] >= 0
    md = summaries.to_markdown(db, summary)
    assert md.startswith("# Genetics lecture 3") and md.count("lectern://document/") == len(summary.points)


def test_the_corrected_transcript_is_what_the_model_reads(db):
    lecture = add_lecture(db, segments=[(0.0, 30.0, "The Krebs cycle oxidises acetyl groups to carbon dioxide.")])
    writer = open_writer(db, TINY)
    points, stats = summaries.map_reduce(writer, material.load(db, lecture))
    assert stats == {"parts": 1, "reduce_rounds": 0} and writer.calls == 1
    rec = db.execute("SELECT recording_id FROM documents WHERE id = ?", (lecture,)).fetchone()[0]
    db.execute("UPDATE segments SET text = 'Glycolysis splits glucose into two pyruvate molecules.', edited = 1 "
               "WHERE recording_id = ?", (rec,))
    assert "Glycolysis" in material.load(db, lecture)[0].text


def test_a_summary_can_be_cancelled_and_stores_nothing(paths, db):
    lecture = add_lecture(db, segments=long_lecture())
    job_id = summaries.submit(db, JobsForTheNextWorker(db), lecture, model=TINY)
    runner = threading.Thread(target=execute_job, args=(paths, job_id))
    runner.start()
    wait_for(lambda: "part 2 of" in (jobs.get_job(db, job_id).stage or ""), 120, what="the second part")
    jobs.request_cancel(db, job_id)
    runner.join(60)
    assert jobs.get_job(db, job_id).state == jobs.CANCELLED
    assert summaries.latest(db, lecture) is None


def test_the_real_worker_runs_the_study_jobs(paths, db, tmp_path, services):
    book = add_book(db, tmp_path)
    starter = QueueJobs(paths, db)
    made = cards.submit(db, starter, book, (1, 3), use_model=False)
    terms = glossary.submit(db, starter, glossary.subject_node(db, "Biology"))
    done = wait_for(lambda: all(jobs.get_job(db, j).finished for j in (made, terms)) and [made, terms], 120,
                    what="the study jobs")
    assert [jobs.get_job(db, j).state for j in done] == [jobs.DONE, jobs.DONE], [jobs.get_job(db, j).error
                                                                                  for j in done]
    assert store.cards(db, document_id=book) and glossary.terms(db)


def test_a_point_reworded_beyond_its_source_gives_way_to_the_parts_own_point():
    pieces = [material.Piece(1, TOPICS[4][1], page=5), material.Piece(1, TOPICS[5][1], page=6)]
    texts = ["Biological catalysts speed chemistry up wonderfully.",       # a merge's rewording
             "DNA polymerase copies each strand of the double helix."]
    parts = ["Enzymes lower the activation energy of reactions.", "DNA polymerase copies each strand."]
    points, replaced = summaries.cited_points(texts, parts, pieces, summaries.cite_texts(pieces))
    assert replaced == 0 and points[0].text == texts[0], "it came from no part: it stays, unsupported"
    texts[0] = "Enzymes make reactions happen at body temperature quickly."
    points, replaced = summaries.cited_points(texts, parts, pieces, summaries.cite_texts(pieces))
    assert replaced == 1 and points[0].text == parts[0]
    assert [p.page for p in points] == [5, 6] and all(p.support >= grounding.SUPPORT_THRESHOLD for p in points)
