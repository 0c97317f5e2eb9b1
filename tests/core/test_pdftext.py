"""Reading PDFs: good ones page by page, bad ones with a message a student understands."""
import json
import subprocess
import sys

import pytest

from desktop.core.library import chunking
from desktop.core.library import pdftext
from tests import pdfs


def test_a_course_pdf_reads_page_by_page_with_1_based_numbers(tmp_path):
    path = pdfs.make_course_pdf(tmp_path / "reader.pdf", n=4)
    pages, report = pdftext.read_pages(path)
    assert [p.number for p in pages] == [1, 2, 3, 4]
    assert "phospholipid bilayer" in pages[0].text
    assert "rubisco" in pages[2].text
    assert report.pages == 4 and report.bad_pages == []


def test_an_empty_file_says_it_is_empty(tmp_path):
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    with pytest.raises(pdftext.EmptyFile, match="empty"):
        pdftext.read_pages(path)


def test_a_zip_renamed_to_pdf_says_it_is_not_a_pdf(tmp_path):
    path = tmp_path / "slides.pdf"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    with pytest.raises(pdftext.NotAPdf, match="not a PDF"):
        pdftext.read_pages(path)


def test_a_damaged_pdf_says_it_is_damaged(tmp_path):
    path = pdfs.make_corrupt_pdf(tmp_path / "broken.pdf")
    with pytest.raises(pdftext.CorruptPdf, match="damaged"):
        pdftext.read_pages(path)


def test_a_truncated_download_says_it_is_damaged(tmp_path):
    good = pdfs.make_course_pdf(tmp_path / "good.pdf")
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(good.read_bytes()[:300])
    with pytest.raises(pdftext.DocumentError):
        pdftext.read_pages(cut)


def test_a_scanned_pdf_says_it_has_no_text_layer_and_how_to_read_it(tmp_path):
    path = pdfs.make_scanned_pdf(tmp_path / "scan.pdf")
    with pytest.raises(pdftext.NoTextFound) as err:
        pdftext.read_pages(path)      # the text layer only; OCR is documents.scanned
    assert err.value.message == "No text found: this looks like a scanned PDF (pictures of pages)."
    assert "OCR" in err.value.hint


def test_a_protected_pdf_asks_for_its_password_and_opens_with_it(tmp_path):
    path = pdfs.make_course_pdf(tmp_path / "locked.pdf", password="s3cret")
    assert pdftext.needs_password(path)
    with pytest.raises(pdftext.PasswordRequired, match="protected by a password") as err:
        pdftext.read_pages(path)
    assert not err.value.wrong
    with pytest.raises(pdftext.PasswordRequired, match="did not open"):
        pdftext.read_pages(path, "guess")
    pages, _ = pdftext.read_pages(path, "s3cret")
    assert "Mitochondria" in pages[1].text


def test_aes_protected_pdfs_open_with_pycryptodome_alone_as_in_the_bundle(tmp_path):
    # The bundle leaves out cryptography (pypdf's first choice): pypdf then decrypts with
    # pycryptodome. AES-256 with a password, and with none (only printing restricted).
    locked = pdfs.make_aes_pdf(tmp_path / "locked.pdf", "s3cret")
    restricted = pdfs.make_aes_pdf(tmp_path / "restricted.pdf", "")
    code = f"""
import json, sys
from pathlib import Path
sys.modules["cryptography"] = None            # as in the bundle: not there
from pypdf._crypt_providers import crypt_provider
from desktop.core.library import pdftext
out = {{"provider": crypt_provider[0], "needs": pdftext.needs_password(Path({str(locked)!r}))}}
try:
    pdftext.read_pages(Path({str(locked)!r}))
except pdftext.PasswordRequired:
    out["asked"] = True
out["locked"] = [p.text for p in pdftext.read_pages(Path({str(locked)!r}), "s3cret")[0]]
out["restricted"] = [p.text for p in pdftext.read_pages(Path({str(restricted)!r}))[0]]
print(json.dumps(out))
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    out = json.loads(run.stdout)
    assert out["provider"] == "pycryptodome" and out["needs"] and out["asked"]
    assert len(out["locked"]) == 3 and "Mitochondria" in out["locked"][1]
    assert out["restricted"] == out["locked"]


def test_pages_that_fail_one_by_one_are_skipped_and_named(tmp_path):
    path = pdfs.make_pdf_with_bad_pages(tmp_path / "patchy.pdf", bad=(2, 4), n=5)
    pages, report = pdftext.read_pages(path)
    assert report.bad_pages == [2, 4]
    assert [p.number for p in pages if not p.error] == [1, 3, 5]
    assert "rubisco" in pages[2].text
    assert report.bad_pages_text() == "Pages 2, 4 could not be read and were skipped."


def test_the_unlocked_text_sidecar_reads_like_the_pdf(tmp_path):
    path = pdfs.make_course_pdf(tmp_path / "locked.pdf", password="pw")
    side = tmp_path / "x.jsonl"
    pdftext.write_pages_file(path, "pw", side)
    assert "pw" not in side.read_text().split('"text"')[0]
    direct = [p.text for p in pdftext.read_pages(path, "pw")[0]]
    assert [p.text for p in pdftext.iter_pages_file(side)] == direct


def test_chunks_keep_sentences_whole_cite_one_page_and_drop_running_headers(tmp_path):
    path = pdfs.make_course_pdf(tmp_path / "reader.pdf", n=6)
    pages, _ = pdftext.read_pages(path)
    assert all("Biology 101 - Course reader" in p.text for p in pages)
    chunks = list(chunking.chunk_pages(pages))
    assert {c.page for c in chunks} == {1, 2, 3, 4, 5, 6}
    assert not any("Course reader" in c.text or "Page 3 of 6" in c.text for c in chunks)
    for c in chunks:
        assert c.text[0].isupper() and c.text.rstrip()[-1] in ".!?:", c.text


def test_long_paragraphs_split_between_sentences_with_a_small_overlap():
    sentences = [f"Sentence number {i} talks about the Krebs cycle and its products." for i in range(60)]
    text = " ".join(sentences)
    parts = chunking.split_text(text)
    assert len(parts) >= 3
    for p in parts:
        assert len(p) <= chunking.MAX_CHARS + chunking.OVERLAP_CHARS
        assert p.startswith("Sentence number") and p.endswith("products.")
    # Consecutive chunks share their boundary sentence.
    for a, b in zip(parts, parts[1:]):
        assert b.split(". ")[0] in a


def test_markdown_notes_become_one_page_per_section():
    note = "# Week 1\nIntro to cells.\n\n## Membranes\nLipid bilayer.\n\nSecond paragraph.\n\n# Week 2\nEnzymes."
    sections = chunking.note_sections(note)
    assert [s.title for s in sections] == ["Week 1", "Membranes", "Week 2"]
    pages = chunking.note_pages(note)
    chunks = list(chunking.chunk_pages(pages))
    assert [c.page for c in chunks] == [1, 2, 3]
    assert "Lipid bilayer." in chunks[1].text
