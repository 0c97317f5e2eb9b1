"""The library's operations from the command line, by id: rename, move-doc, delete, delete-doc."""
import json
import re
import subprocess
import sys

from tests.audio import lecture_wav  # noqa: F401 (fixture)
from tests.conftest import REPO, lectern


def _find(tree, pred):
    for node in tree:
        if pred(node):
            return node
        found = _find(node.get("children", []), pred)
        if found is not None:
            return found
    return None


def _doc(tree, doc_id):
    holder = _find(tree, lambda n: any(d["id"] == doc_id for d in n["documents"]))
    return holder, next(d for d in holder["documents"] if d["id"] == doc_id) if holder else None


def test_a_lecture_moved_out_of_a_subject_survives_deleting_that_subject(services, paths, lecture_wav, tmp_path):
    data = paths.root
    out = lectern("transcribe", str(lecture_wav), "--semester", "Fall 2026", "--subject", "Biology",
                  "--title", "Lecture 1", "--model", "tiny.en", "--language", "en", "--wait", "--json",
                  data_dir=data)
    assert out.returncode == 0, out.stderr
    lecture = json.loads(out.stdout)
    rec_id, doc_id = lecture["recording_id"], lecture["document_id"]
    assert "chlorophyll" in lecture["text"].lower()

    tree = json.loads(lectern("library", "--json", data_dir=data).stdout)
    biology, entry = _doc(tree, doc_id)
    assert (biology["level"], biology["name"]) == ("subject", "Biology")
    assert (entry["kind"], entry["recording_id"], entry["state"]) == ("lecture", rec_id, "ready")

    note = tmp_path / "reading.md"
    note.write_text("# Light\nThe thylakoid membranes hold the chlorophyll.\n")
    ing = lectern("ingest", str(note), "--semester", "Fall 2026", "--subject", "Physics", "--book", "Reading",
                  "--wait", "--json", data_dir=data)
    assert ing.returncode == 0, ing.stderr
    note_id = json.loads(ing.stdout)["documents"][0]["document"]
    tree = json.loads(lectern("library", "--json", data_dir=data).stdout)
    physics = _find(tree, lambda n: n["name"] == "Physics")
    lectures_book = lectern("library", "rename", str(physics["children"][0]["id"]), "Lectures and notes",
                            "--json", data_dir=data)
    assert lectures_book.returncode == 0, lectures_book.stderr
    book = json.loads(lectures_book.stdout)
    assert book["where"] == "Fall 2026 / Physics / Lectures and notes" and book["old_name"] == "Reading"

    moved = lectern("library", "move-doc", str(doc_id), str(book["node"]), "--json", data_dir=data)
    assert moved.returncode == 0, moved.stderr
    assert json.loads(moved.stdout)["where"] == "Fall 2026 / Physics / Lectures and notes"
    assert json.loads(moved.stdout)["recording_id"] == rec_id

    refused = lectern("library", "delete", str(biology["id"]), "--json", data_dir=data)
    assert refused.returncode == 1 and "Add --yes" in json.loads(refused.stdout)["hint"]
    gone = lectern("library", "delete", str(biology["id"]), "--yes", "--json", data_dir=data)
    assert gone.returncode == 0, gone.stderr
    assert json.loads(gone.stdout)["documents_deleted"] == 0

    tree = json.loads(lectern("library", "--json", data_dir=data).stdout)
    assert _find(tree, lambda n: n["id"] == biology["id"]) is None
    holder, entry = _doc(tree, doc_id)
    assert holder["id"] == book["node"] and entry["recording_id"] == rec_id
    audio = data / "files" / str(doc_id) / lecture_wav.name
    assert audio.read_bytes() == lecture_wav.read_bytes(), "the audio is still on disk, byte for byte"

    text = lectern("transcript", str(rec_id), data_dir=data)
    assert text.returncode == 0 and text.stdout.startswith("Lecture 1\n"), text.stderr
    said = re.sub(r"\[\d+:\d\d\]", " ", text.stdout.split("\n", 1)[1]).split()
    assert said == lecture["text"].split()
    found = lectern("search", "chlorophyll absorbs red and blue light", "--semester", "Fall 2026",
                    "--subject", "Physics", "--json", data_dir=data)
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)
    assert doc_id in [h["document"] for h in hits]
    assert next(h for h in hits if h["document"] == doc_id)["recording_id"] == rec_id

    note_file = data / "files" / str(note_id) / "reading.md"
    assert note_file.exists()
    deleted = lectern("library", "delete-doc", str(note_id), "--yes", "--json", data_dir=data)
    assert deleted.returncode == 0 and json.loads(deleted.stdout)["deleted_document"] == note_id
    assert not note_file.exists() and audio.exists()


def test_unknown_ids_and_missing_confirmation_fail_plainly(paths):
    data = paths.root
    for args, message in [
        (("rename", "41", "X"), "There is no folder with id 41 in the library."),
        (("move-doc", "7", "1"), "There is no document with id 7 in the library."),
        (("delete", "41", "--yes"), "There is no folder with id 41 in the library."),
        (("delete-doc", "7", "--yes"), "There is no document with id 7 in the library."),
    ]:
        r = lectern("library", *args, "--json", data_dir=data)
        assert r.returncode == 1, args
        assert json.loads(r.stdout)["error"] == message
        assert r.stderr.startswith("lectern: ") and "Traceback" not in r.stderr
    plain = lectern("library", "rename", "41", "X", data_dir=data)
    assert plain.returncode == 1 and plain.stdout == "" and "no folder with id 41" in plain.stderr


def test_library_json_piped_into_a_reader_that_stops_early_prints_no_traceback(paths, db):
    from desktop.core import library

    for i in range(30):
        semester = library.create_node(db, None, f"Semester {i}")
        for j in range(40):
            library.create_node(db, semester, f"Subject {j} with a name long enough to fill the pipe")
    proc = subprocess.Popen([sys.executable, "-m", "desktop", "--data-dir", str(paths.root), "library", "--json"],
                            cwd=str(REPO), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline() == b"[\n"       # like `| head -1`: read one line, then go away
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert proc.returncode != 0
