"""`lectern summarize / cards / review / stats` in a subprocess, on a real PDF's pages."""
from __future__ import annotations

import json
import os

from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

from desktop.core.storage.db import open_db
from tests.conftest import lectern
from tests.core.test_study_material import add_book

TINY = "smollm2-135m"


def _json(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_summary_cards_export_review_and_stats_from_the_command_line(paths, tmp_path):
    book = add_book(open_db(paths.db), tmp_path)

    summary = _json(lectern("summarize", str(book), "--pages", "2-4", "--model", TINY, "--json",
                            "--markdown", str(tmp_path / "summary.md"), data_dir=paths.root))
    assert summary["key_points"] and summary["parts"] >= 1 and 0 < summary["model_share"] <= 1
    for point in summary["key_points"]:
        assert point["citation"]["document_id"] == book and 2 <= point["citation"]["page"] <= 4
    assert "lectern://document/" in (tmp_path / "summary.md").read_text()

    made = lectern("cards", str(book), "--pages", "2-4", "--model", TINY, "--accept", "--export",
                   str(tmp_path / "deck.apkg"), "--json", data_dir=paths.root)
    out = _json(made)
    assert "%" in made.stderr, "progress is shown on stderr"
    assert out["cards"] and all(c["status"] == "active" and 2 <= c["source"]["page"] <= 4 for c in out["cards"])
    assert out["exported"]["notes"] == len(out["cards"])
    col = Collection(str(tmp_path / "collection.anki2"))
    try:
        col.import_anki_package(ImportAnkiPackageRequest(package_path=os.path.abspath(tmp_path / "deck.apkg"),
                                                         options=ImportAnkiPackageOptions()))
        assert len(col.find_notes("")) == len(out["cards"])
    finally:
        col.close()

    edited = _json(lectern("card", str(out["cards"][-1]["id"]), "--back", "My own words.", "--json",
                           data_dir=paths.root))
    assert edited["edited"] and edited["back"] == "My own words." and edited["status"] == "active"

    due = _json(lectern("review", "--due", "--json", data_dir=paths.root))
    assert due["due"] == len(out["cards"])
    first = out["cards"][0]["id"]
    answered = _json(lectern("review", "--card", str(first), "--answer", "good", "--json", data_dir=paths.root))
    assert answered["due"] > 0
    assert _json(lectern("review", "--due", "--json", data_dir=paths.root))["due"] == len(out["cards"]) - 1

    terms = _json(lectern("glossary", "--subject", "biology", "--build", "--map", "--json", data_dir=paths.root))
    assert {n["id"] for n in terms["map"]["nodes"]} == {t["id"] for t in terms["terms"]}
    assert terms["built"]["terms"] == len(terms["terms"]) >= 3
    assert all(t["definition"] and t["citation"]["document_id"] == book for t in terms["terms"])
    assert all(t["appears_in"] and t["appears_in"][0]["document_id"] == book for t in terms["terms"])

    questions = _json(lectern("quiz", "--subject", "Biology", "--json", data_dir=paths.root))["questions"]
    assert questions and all(0 <= q["answer"] < len(q["choices"]) for q in questions)

    stats = _json(lectern("stats", "--json", data_dir=paths.root))
    assert stats["cards_reviewed"] == 1 and stats["pages_indexed"] == 6 and stats["streak_days"] == 1
    assert stats["per_subject"]["Biology"]["cards"] == len(out["cards"])


def test_bad_requests_get_a_plain_message_and_a_non_zero_exit(paths, tmp_path):
    book = add_book(open_db(paths.db), tmp_path, n=2)
    for args, words in [(("cards", "999"), "no document 999"), (("summarize", str(book), "--pages", "x"), "page range"),
                        (("summarize", str(book), "--pages", "40-50"), "no readable text"),
                        (("review", "--card", "5"), "both the card and the answer"),
                        (("glossary", "--subject", "Astrology"), "no subject called"),
                        (("card", "77", "--accept"), "no card 77"),
                        (("cards", str(book), "--existing", "--export", str(tmp_path / "d.apkg")), "--accept")]:
        result = lectern(*args, "--json", data_dir=paths.root)
        assert result.returncode == 1, (args, result.stdout)
        assert words in json.dumps(json.loads(result.stdout)) and "Traceback" not in result.stderr


def test_a_subjects_week_is_summarised_from_the_command_line(paths, tmp_path):
    from datetime import datetime

    from desktop.core import catalog
    from tests.core.test_study_week_summary import lecture_on

    db = open_db(paths.db)
    monday = lecture_on(db, datetime(2026, 11, 23, 9, 0), "Genetics, Monday", [5], subject="Genetics")
    friday = lecture_on(db, datetime(2026, 11, 27, 9, 0), "Genetics, Friday", [3], subject="Genetics")
    subject = catalog.get_document(db, monday).node_id
    made = lectern("summarize", "--subject", str(subject), "--week", "2026-W48", "--model", TINY, "--json",
                   "--markdown", str(tmp_path / "week.md"), data_dir=paths.root)
    summary = _json(made)
    assert "%" in made.stderr, "progress is shown on stderr"
    assert summary["week"] == "2026-W48" and summary["subject_id"] == subject and summary["document_id"] is None
    assert summary["key_points"] and set(summary["lectures"]) <= {monday, friday}
    for point in summary["key_points"]:
        assert point["citation"]["document_id"] in (monday, friday) and point["citation"]["start_s"] is not None
    text = (tmp_path / "week.md").read_text()
    assert text.startswith("# Genetics — week 48 (23–29 Nov 2026)") and "lectern://document/" in text

    for args, words in [(("--subject", str(subject), "--week", "2026-W47"), "no lectures of Genetics in week 47"),
                        (("--subject", str(subject), "--week", "soon"), "not a week"),
                        (("--subject", "999", "--week", "2026-W48"), "no subject 999"),
                        ((str(monday), "--subject", str(subject)), "a document's id, or --subject"),
                        ((), "a document's id, or --subject"),
                        ((str(monday), "--week", "2026-W48"), "--week goes with --subject")]:
        result = lectern("summarize", *args, "--json", data_dir=paths.root)
        assert result.returncode == 1, (args, result.stdout)
        assert words in json.loads(result.stdout)["error"] and "Traceback" not in result.stderr
