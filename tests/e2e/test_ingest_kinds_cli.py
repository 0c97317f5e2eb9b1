"""`lectern ingest` with every kind of course file, through the real worker and vector
store, then `lectern search --json` citing the slide, section, chapter or scanned page."""
import json

import pytest

from tests import documents_made as made
from tests import pdfs, scans
from tests.conftest import lectern

WHERE = ["--semester", "Fall 2024", "--subject", "Biology", "--book", "Reader"]


@pytest.mark.skipif(not scans.R_FAQ.exists(), reason="r-doc-pdf is installed by scripts/bootstrap.sh")
def test_every_kind_is_ingested_and_cited_by_slide_section_chapter_or_page(tmp_path):
    from PIL import Image

    data = tmp_path / "data"
    files = tmp_path / "course"
    files.mkdir()
    deck = made.make_pptx(files / "Lecture 3.pptx", [
        ("Cell membranes", "Phospholipid bilayer", ""),
        ("Organelles", "Mitochondria make ATP", ""),
        ("Photosynthesis", "Light reactions happen in the thylakoid membranes",
         "Remind them: the Calvin cycle enzyme rubisco is the most abundant protein on Earth")])
    made.make_docx(files / "Reading guide.docx", [
        ("Diffusion", ["Molecules spread from high to low concentration."]),
        ("Osmoregulation in freshwater fish", ["Freshwater fish excrete dilute urine to shed water."])])
    made.make_odt(files / "Lab notes.odt", [("Catalase assay", ["Hydrogen peroxide foams over potato slices."])])
    made.make_odp(files / "Seminar.odp", [("Quorum sensing", "Bacteria count each other with autoinducers")])
    made.make_epub(files / "Plants.epub", [("Water", "Xylem vessels carry water upwards."),
                                           ("Stomata", "Guard cells open the stomata when turgid.</p>"
                                                       "<h2>Closing</h2><p>Abscisic acid shuts them in a drought.")])
    (files / "Week 2.html").write_text("<h1>Meiosis</h1><p>Crossing over happens in prophase I.</p>")
    page = scans.scanned_page(scans.R_FAQ, 5, tmp_path)
    page.save(files / "handout photo.jpg", quality=85)
    scans.image_pdf([page], files / "scanned chapter.pdf")
    Image.new("L", (300, 200), 255).save(files / "empty.png")
    (files / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg" * 10)
    made.make_epub(files / "Bought.epub", [("One", "Secret text.")], drm=True)
    made.encrypt_office(made.make_pptx(tmp_path / "plain.pptx", [("Exam", "Questions", "")]), files / "Locked exam.pptx")
    made.encrypt_office(made.make_docx(tmp_path / "plain.docx", [("Marks", ["Grades"])]), files / "Locked marks.docx")

    out = lectern("ingest", *sorted(str(p) for p in files.iterdir()), *WHERE, "--wait", "--json",
                  data_dir=data, timeout=600)
    assert out.returncode == 1, "some files are bad on purpose: the exit says so"
    docs = {d["title"]: d for d in json.loads(out.stdout)["documents"]}
    ready = {t: (d["kind"], d["pages"]) for t, d in docs.items() if d["state"] == "ready"}
    assert ready == {"Lecture 3": ("slides", 3), "Reading guide": ("document", 3), "Lab notes": ("document", 1),
                     "Seminar": ("slides", 1), "Plants": ("ebook", 2), "Week 2": ("note", 1),
                     "handout photo": ("image", 1), "scanned chapter": ("pdf", 1)}, docs
    failed = {t: d["error"] for t, d in docs.items() if d["state"] == "failed"}
    assert failed["empty"].startswith("No text was found in this picture.")
    assert failed["broken"].startswith("This picture is damaged or in a format Lectern cannot open.")
    assert failed["Bought"].startswith("This EPUB is protected with DRM")
    for locked in ("Locked exam", "Locked marks"):
        assert failed[locked].startswith("This file is protected with a password, so Lectern cannot read it.")
    assert len(failed) == 5, failed
    assert (files / "Lecture 3.pptx").read_bytes() == deck.read_bytes()

    def top(query):
        found = lectern("search", query, "--k", "1", "--mode", "bm25", "--json", data_dir=data)
        assert found.returncode == 0, found.stderr
        return json.loads(found.stdout)[0]

    slide = top("rubisco most abundant protein")
    assert (slide["title"], slide["page"], slide["kind"], slide["unit"], slide["where"]) == (
        "Lecture 3", 3, "slides", "slide", "slide 3")
    assert (top("freshwater fish dilute urine")["where"]) == "section 3"
    assert (top("guard cells turgid")["where"]) == "chapter 2"
    assert (top("abscisic acid drought")["where"]) == "chapter 2, § 1"
    scan_hit = top("FAQ")
    assert scan_hit["title"] in ("scanned chapter", "handout photo") and scan_hit["page"] == 1

    text = lectern("search", "rubisco abundant", "--k", "1", "--mode", "bm25", data_dir=data).stdout
    assert "Lecture 3, slide 3" in text

    # --ocr never leaves a scan unread, with the way to read it; a misspelt language stops at once.
    other = scans.image_pdf([scans.scanned_page(scans.R_FAQ, 6, tmp_path)], files / "second scan.pdf")
    out = lectern("ingest", str(other), *WHERE, "--ocr", "never", "--wait", "--json", data_dir=data)
    [doc] = json.loads(out.stdout)["documents"]
    assert out.returncode == 1 and doc["state"] == "failed"
    assert doc["error"].startswith("No text found: this looks like a scanned PDF (pictures of pages).")
    out = lectern("ingest", str(other), *WHERE, "--ocr-lang", "eng+klingon", data_dir=data)
    assert out.returncode != 0 and "no language data for klingon" in out.stderr + out.stdout



@pytest.mark.skipif(not scans.R_FAQ.exists(), reason="r-doc-pdf is installed by scripts/bootstrap.sh")
def test_ingest_follows_the_settings_for_ocr_unless_told_otherwise(tmp_path):
    from desktop.core.storage import settings as settings_mod
    from desktop.core.storage.config import DataPaths
    from desktop.core.storage.db import open_db

    data = tmp_path / "data"
    settings_mod.update(open_db(DataPaths(data).ensure().db), ocr_mode="never")    # as Settings → Documents saves it
    scan = scans.image_pdf([scans.scanned_page(scans.R_FAQ, 5, tmp_path)], tmp_path / "scan.pdf")
    out = lectern("ingest", str(scan), *WHERE, "--wait", "--json", data_dir=data, timeout=300)
    [doc] = json.loads(out.stdout)["documents"]
    assert out.returncode == 1 and doc["error"].startswith("No text found: this looks like a scanned PDF")
    other = scans.image_pdf([scans.scanned_page(scans.R_FAQ, 6, tmp_path)], tmp_path / "scan 2.pdf")
    out = lectern("ingest", str(other), *WHERE, "--ocr", "auto", "--wait", "--json", data_dir=data, timeout=300)
    [doc] = json.loads(out.stdout)["documents"]
    assert out.returncode == 0 and doc["state"] == "ready", doc
