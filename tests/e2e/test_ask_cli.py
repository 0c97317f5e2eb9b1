"""`lectern ask` over a PDF ingested and a lecture transcribed by the real jobs."""
import json

import pytest

from tests.conftest import lectern
from tests.course_files import ANSWER_PAGE, add_course_files

TINY = "smollm2-135m"


def _json(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def course(paths, services, tmp_path):
    return add_course_files(paths, tmp_path)


def test_asking_from_the_command_line_cites_the_page_and_the_lecture_second(paths, course):
    # The default model answers from the PDF and cites the page that holds the answer.
    out = _json(lectern("ask", "What protein carries oxygen in red blood cells?", "--json", data_dir=paths.root))
    assert out["mode"] == "answer" and out["model"].startswith("Qwen2.5 0.5B")
    assert "haemoglobin" in out["answer"].lower() or "hemoglobin" in out["answer"].lower()
    assert out["citations"][0]["page"] == ANSWER_PAGE and out["citations"][0]["title"]
    assert out["retrieval_s"] > 0 and out["first_token_s"] > 0 and out["tokens_per_s"] > 0
    assert out["total_s"] >= out["retrieval_s"]

    # A lecture answer cites the second where the electron microscope is talked about.
    out = _json(lectern("ask", "Who built the first electron microscope?", "--model", TINY, "--json",
                        data_dir=paths.root))
    lecture = [c for c in out["citations"] if c["start_s"] is not None]
    assert lecture and lecture[0]["recording_id"] == course["recording_id"]
    said = course["db"].execute(
        "SELECT start_s, end_s FROM segments WHERE recording_id = ? AND text LIKE '%electron%' ORDER BY start_s",
        [course["recording_id"]]).fetchall()
    assert said, "the transcript mentions the electron microscope"
    assert said[0][0] <= lecture[0]["start_s"] <= said[-1][0]
    assert lecture[0]["start_s"] > 30, "not the start of the lecture: the moment it is said"
    chat_id = out["chat_id"]

    # A follow-up in the same chat is understood with the previous question.
    out = _json(lectern("ask", "And in which year?", "--chat", str(chat_id), "--model", TINY, "--json",
                        data_dir=paths.root))
    assert "microscope" in out["query"].lower() and out["chat_id"] == chat_id and out["follow_up"]
    assert any(c["start_s"] is not None for c in out["citations"])

    # A standalone question in the same chat is searched as it is; the stages are told as they happen.
    told = lectern("ask", "What protein carries oxygen in red blood cells?", "--chat", str(chat_id), "--model",
                   TINY, data_dir=paths.root)
    assert told.returncode == 0, told.stderr
    stages = [line for line in told.stderr.splitlines() if line.startswith("lectern: ")]
    assert stages[0] == "lectern: Searching your material…" and stages[-1] == "lectern: Writing…"
    assert any(line.startswith("lectern: Reading ") for line in stages)
    assert not any("follow-up" in line for line in stages)

    # Outside the material: a plain "not in your material", no invented answer.
    out = _json(lectern("ask", "Who won the football world cup in 1998?", "--json", data_dir=paths.root))
    assert out["mode"] == "not_found" and "not in your material" in out["answer"].lower()
    assert out["citations"] == []

    # Scoped to the Reader, the lecture is out of reach.
    out = _json(lectern("ask", "Who built the first electron microscope?", "--semester", "Year 1", "--subject",
                        "Biology", "--book", "Reader", "--model", TINY, "--json", data_dir=paths.root))
    assert out["mode"] == "not_found" and "Reader" in out["answer"]

    chats = _json(lectern("chats", "--json", data_dir=paths.root))
    assert len(chats) == 4 and any(c["id"] == chat_id for c in chats)


def test_ask_without_a_usable_model_prints_the_passages_and_how_to_add_one(paths, course, tmp_path):
    result = lectern("ask", "What protein carries oxygen in red blood cells?", "--model",
                     str(tmp_path / "no-such-model.gguf"), data_dir=paths.root)
    assert result.returncode == 0, result.stderr
    assert "No chat model is available" in result.stdout and "Settings → Chat" in result.stdout
    assert f"page {ANSWER_PAGE}" in result.stdout

    # A chat whose saved scope is damaged is kept, refuses plainly, and answers again once given a scope.
    (chat_row,) = _json(lectern("chats", "--json", data_dir=paths.root))
    course["db"].execute("UPDATE chats SET scope = ? WHERE id = ?", ('{"node_ids": [1,', chat_row["id"]))
    (damaged,) = _json(lectern("chats", "--json", data_dir=paths.root))
    assert damaged["needs_scope"] and damaged["title"] == chat_row["title"]
    refused = lectern("ask", "What protein carries oxygen?", "--chat", str(chat_row["id"]), "--passages-only",
                      data_dir=paths.root)
    assert refused.returncode != 0
    assert "This chat's scope could not be read; choose what it should look at." in refused.stderr
    out = _json(lectern("ask", "What protein carries oxygen?", "--chat", str(chat_row["id"]), "--subject",
                        "Biology", "--passages-only", "--json", data_dir=paths.root))
    assert out["mode"] == "passages" and out["citations"][0]["page"] == ANSWER_PAGE
    (chosen,) = _json(lectern("chats", "--json", data_dir=paths.root))
    assert not chosen["needs_scope"] and chosen["scope"]["node_ids"]
