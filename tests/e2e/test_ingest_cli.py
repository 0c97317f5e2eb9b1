"""The library from the command line: ingest, search, list — headless, on the GUI's data folder."""
import json

from tests import pdfs
from tests.conftest import lectern


def test_ingest_then_search_cites_the_page_and_a_second_import_says_where_it_is(tmp_path):
    data = tmp_path / "data"
    reader = pdfs.make_course_pdf(tmp_path / "Cell biology.pdf", n=6)
    note = tmp_path / "week 1.md"
    note.write_text("# Osmosis\nWater crosses a membrane toward the side with more solute.\n")
    where = ["--semester", "Fall 2024", "--subject", "Biology", "--book", "Reader"]
    out = lectern("ingest", str(reader), str(note), *where, "--wait", "--json", data_dir=data)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert [r["status"] for r in report["imported"]] == ["added", "added"]
    docs = {d["title"]: d for d in report["documents"]}
    assert docs["Cell biology"]["state"] == "ready" and docs["Cell biology"]["pages"] == 6
    assert docs["week 1"]["state"] == "ready" and docs["week 1"]["kind"] == "note"
    assert docs["Cell biology"]["where"] == "Fall 2024 / Biology / Reader"

    found = lectern("search", "Which enzyme fixes carbon dioxide?", "--k", "3", "--json", data_dir=data)
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)
    assert len(hits) == 3 and set(hits[0]) >= {"document", "title", "page", "text", "score"}
    assert (hits[0]["title"], hits[0]["page"]) == ("Cell biology", 3) and "rubisco" in hits[0]["text"]
    assert hits[0]["score"] >= hits[1]["score"] >= hits[2]["score"]

    for mode in ("vector", "bm25"):
        top = json.loads(lectern("search", "rubisco carbon dioxide", "--mode", mode, "--k", "1", "--json",
                                 data_dir=data).stdout)
        assert top[0]["page"] == 3, mode
    # A semester that is not in the library is a plain error, never a search of everything.
    scoped = lectern("search", "rubisco", "--semester", "Spring 2025", "--json", data_dir=data)
    assert scoped.returncode == 1 and "no semester called 'Spring 2025'" in json.loads(scoped.stdout)["error"]
    inside = json.loads(lectern("search", "rubisco", "--semester", "fall 2024", "--book", "Reader", "--json",
                                data_dir=data).stdout)
    assert inside and inside[0]["title"] == "Cell biology" and inside[0]["page"] == 3

    again = lectern("ingest", str(reader), *where, "--json", data_dir=data)
    assert again.returncode == 0
    dup = json.loads(again.stdout)["imported"][0]
    assert dup["status"] == "duplicate"
    assert "already there, in Fall 2024 / Biology / Reader" in dup["message"]

    tree = json.loads(lectern("library", "--json", data_dir=data).stdout)
    book = tree[0]["children"][0]["children"][0]
    assert (tree[0]["name"], book["name"]) == ("Fall 2024", "Reader")
    assert sorted(d["title"] for d in book["documents"]) == ["Cell biology", "week 1"]


def test_a_bad_file_fails_with_its_message_and_a_non_zero_exit(tmp_path):
    data = tmp_path / "data"
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    out = lectern("ingest", str(empty), "--semester", "S", "--subject", "T", "--book", "B", "--wait",
                  data_dir=data)
    assert out.returncode == 1
    assert "failed" in out.stdout and "This file is empty (0 bytes)." in out.stdout
    missing_book = lectern("ingest", str(empty), "--semester", "S", data_dir=data)
    assert missing_book.returncode == 1 and "say which book" in missing_book.stdout


def test_a_protected_pdf_reads_its_password_from_stdin_and_never_stores_it(tmp_path):
    data = tmp_path / "data"
    secret = "correct-horse-battery-9"
    locked = pdfs.make_course_pdf(tmp_path / "locked.pdf", password=secret)
    where = ["--semester", "S", "--subject", "T", "--book", "B"]
    out = lectern("ingest", str(locked), *where, "--wait", "--password-stdin", "--json", data_dir=data,
                  input=secret + "\n")
    assert out.returncode == 0, out.stdout + out.stderr
    assert json.loads(out.stdout)["documents"][0]["state"] == "ready"
    for f in data.rglob("*"):
        if f.is_file():
            assert secret.encode() not in f.read_bytes(), f
