"""Slides, Word and OpenDocument files, EPUB books and HTML notes: each read page by page
(slide, section, chapter) from real files made with the libraries that write them."""
import shutil
import time
from pathlib import Path

import pytest

from desktop.core import library
from desktop.core.errors import DocumentError
from desktop.core.library import documents
from desktop.core.library.pdftext import ExtractReport
from tests import documents_made as made

SLIDES = [("Cell membranes", "Phospholipid bilayer\nSelective permeability", "Mention the fluid mosaic model"),
          ("Organelles", "Mitochondria make ATP", ""),
          ("Photosynthesis", "Light reactions in the thylakoid", "Rubisco fixes carbon dioxide")]
SECTIONS = [("Diffusion", ["Molecules move from high to low concentration.", "No energy is spent."]),
            ("Active transport", ["Pumps such as the sodium-potassium ATPase spend ATP."]),
            ("Endocytosis", ["The membrane folds inwards around a particle."])]


def _read(path: Path, kind: str | None = None, **kw):
    report = ExtractReport()
    pages = list(documents.read_pages(path, kind or library.kind_for(path), report, **kw))
    return pages, report


def test_the_library_accepts_each_kind_by_its_extension():
    kinds = {name: library.kind_for(Path(name)) for name in (
        "a.pptx", "a.odp", "a.ppt", "a.docx", "a.odt", "a.doc", "a.epub", "a.html", "a.md",
        "a.png", "a.JPG", "a.heic", "a.pdf", "a.exe")}
    assert kinds == {"a.pptx": "slides", "a.odp": "slides", "a.ppt": "slides", "a.docx": "document",
                     "a.odt": "document", "a.doc": "document", "a.epub": "ebook", "a.html": "note",
                     "a.md": "note", "a.png": "image", "a.JPG": "image", "a.heic": "image", "a.pdf": "pdf",
                     "a.exe": None}
    assert set(library.READ_KINDS) >= {"slides", "document", "ebook", "image", "pdf", "note"}
    assert library.place_label("slides", 7) == "slide 7"
    assert library.place_label("ebook", 3) == "chapter 3"
    assert library.place_label("pdf", 12) == "page 12"


def test_a_pptx_is_one_page_per_slide_with_its_notes_and_tables(tmp_path):
    deck = made.make_pptx(tmp_path / "Lecture 3.pptx", SLIDES)
    before = deck.read_bytes()
    pages, report = _read(deck)
    assert [p.number for p in pages] == [1, 2, 3] and report.pages == 3 and report.unit == "Slide"
    assert pages[0].text.startswith("Cell membranes")
    assert "Selective permeability" in pages[0].text and "Notes: Mention the fluid mosaic model" in pages[0].text
    assert "Ribosome | makes proteins" in pages[1].text and "Notes:" not in pages[1].text
    assert "Rubisco fixes carbon dioxide" in pages[2].text
    assert deck.read_bytes() == before, "the original is only read"


def test_an_odp_is_one_page_per_slide_with_its_notes(tmp_path):
    pages, report = _read(made.make_odp(tmp_path / "deck.odp", [("Enzymes lower activation energy", "Draw it"),
                                                                 ("Inhibitors", "")]))
    assert [p.number for p in pages] == [1, 2]
    assert pages[0].text == "Enzymes lower activation energy\n\nNotes: Draw it"
    assert pages[1].text == "Inhibitors"


@pytest.mark.parametrize("maker,name", [(made.make_docx, "reader.docx"), (made.make_odt, "reader.odt")])
def test_a_word_processor_file_is_cut_into_sections_at_its_headings(tmp_path, maker, name):
    pages, report = _read(maker(tmp_path / name, SECTIONS))
    titles = [p.text.split("\n")[0] for p in pages]
    assert titles[-3:] == ["Diffusion", "Active transport", "Endocytosis"]
    active = pages[titles.index("Active transport")]
    assert "sodium-potassium ATPase" in active.text and "Diffusion" not in active.text
    assert report.pages == len(pages) and report.unit == "Section"
    if name.endswith(".docx"):
        assert "Osmosis | water crossing a membrane" in pages[-1].text      # tables are read too


def test_an_epub_is_one_page_per_chapter(tmp_path):
    book = made.make_epub(tmp_path / "book.epub", [("Water", "Xylem carries water upward."),
                                                    ("Sugar", "Phloem carries sugars from the leaves.")])
    pages, report = _read(book)
    assert [(p.number, p.text.split("\n")[0]) for p in pages] == [(1, "Water"), (2, "Sugar")]
    assert "Phloem carries sugars" in pages[1].text and report.unit == "Chapter"


def test_the_parts_of_an_epub_chapter_are_numbered_sections(tmp_path):
    book = made.make_epub(tmp_path / "book.epub", [
        ("Transport", "Plants move water and sugar.</p><h2>Xylem</h2><p>Dead vessels carry water."
                      "</p><h2>Phloem</h2><p>Sieve tubes carry sugar.")])
    pages, report = _read(book)
    assert [(p.number, p.section, p.text.split("\n")[0]) for p in pages] == [
        (1, None, "Transport"), (1, 1, "Xylem"), (1, 2, "Phloem")]
    assert report.pages == 1 and library.place_label("ebook", 1, 2) == "chapter 1, § 2"


def test_an_epub_with_drm_is_refused_plainly(tmp_path):
    book = made.make_epub(tmp_path / "bought.epub", [("One", "Secret text.")], drm=True)
    with pytest.raises(DocumentError) as err:
        _read(book)
    assert err.value.message == "This EPUB is protected with DRM (copy protection), so its text cannot be read."


def test_an_html_note_is_read_as_text_and_cut_at_its_headings(tmp_path):
    note = tmp_path / "notes.html"
    note.write_text("<html><head><title>t</title><style>p{color:red}</style><script>var x=1;</script></head>"
                    "<body><nav>Home | About</nav><h1>Mitosis</h1><p>Prophase, <b>metaphase</b>, anaphase.</p>"
                    "<ul><li>Spindle fibres</li></ul><h2>Meiosis</h2><div>Two divisions.</div></body></html>")
    pages, _ = _read(note)
    assert [p.text for p in pages] == ["Mitosis\n\nProphase, metaphase , anaphase.\n\nSpindle fibres",
                                       "Meiosis\n\nTwo divisions."]


@pytest.mark.parametrize("name,maker", [("locked.pptx", lambda p: made.make_pptx(p, SLIDES)),
                                        ("locked.docx", lambda p: made.make_docx(p, SECTIONS))])
def test_a_password_protected_office_file_says_so(tmp_path, name, maker):
    plain = maker(tmp_path / ("plain" + Path(name).suffix))
    locked = made.encrypt_office(plain, tmp_path / name)
    with pytest.raises(DocumentError) as err:
        _read(locked)
    assert err.value.message == "This file is protected with a password, so Lectern cannot read it."
    assert "remove the password" in err.value.hint


def test_a_damaged_office_file_says_so(tmp_path):
    deck = made.make_pptx(tmp_path / "deck.pptx", SLIDES)
    cut = tmp_path / "cut.pptx"
    cut.write_bytes(deck.read_bytes()[: deck.stat().st_size // 2])
    with pytest.raises(DocumentError) as err:
        _read(cut)
    assert "damaged" in err.value.message


def test_an_office_file_or_epub_that_would_unpack_too_large_is_refused(tmp_path, monkeypatch):
    from desktop.core.library.documents import common

    deck = made.make_pptx(tmp_path / "deck.pptx", SLIDES)
    book = made.make_epub(tmp_path / "book.epub", [("One", "Text.")])
    monkeypatch.setattr(common, "MAX_UNPACKED_BYTES", 1_000)     # a real bomb is slow to build
    for path in (deck, book):
        with pytest.raises(DocumentError) as err:
            _read(path)
        assert err.value.message.startswith("This file unpacks to ") and "too much to read safely" in err.value.message


def test_a_2000_slide_deck_reads_its_first_slides_quickly_and_says_so(tmp_path):
    from pptx import Presentation

    deck = Presentation()
    layout = deck.slide_layouts[5]      # title only: keeps the file small
    for i in range(2000):
        deck.slides.add_slide(layout).shapes.title.text = f"Slide about topic {i + 1}"
    path = tmp_path / "huge.pptx"
    deck.save(str(path))
    t0 = time.monotonic()
    pages, report = _read(path)
    assert len(pages) == documents.MAX_SLIDES == report.pages
    assert report.bad_pages_text() == "Only the first 1,000 of 2,000 slides were read."
    assert time.monotonic() - t0 < 60


def test_an_old_ppt_without_libreoffice_says_plainly_what_is_needed(tmp_path, monkeypatch):
    old = tmp_path / "old.ppt"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    if documents.libreoffice():
        monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(DocumentError) as err:
        _read(old)
    assert err.value.message == ("Old PowerPoint files (.ppt) are read through LibreOffice, "
                                 "which is not installed on this computer.")
    assert ".pptx" in err.value.hint


@pytest.mark.skipif(not documents.libreoffice(), reason="old Office files are read only where LibreOffice is installed")
def test_old_ppt_and_doc_files_are_read_through_libreoffice(tmp_path):
    import subprocess

    made_dir = tmp_path / "made"
    made_dir.mkdir()
    deck = made.make_pptx(made_dir / "lecture.pptx", SLIDES)
    doc = made.make_docx(made_dir / "reader.docx", SECTIONS)
    for src, fmt in ((deck, "ppt"), (doc, "doc")):      # the old binary formats, written by LibreOffice itself
        subprocess.run([documents.libreoffice(), f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
                        "--headless", "--convert-to", fmt, "--outdir", str(tmp_path), str(src)],
                       check=True, capture_output=True, timeout=240)
    old_deck, old_doc = tmp_path / "lecture.ppt", tmp_path / "reader.doc"
    assert old_deck.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    before = old_deck.read_bytes()
    pages, report = _read(old_deck)
    assert [p.number for p in pages] == [1, 2, 3] and report.pages == 3
    assert pages[2].text.startswith("Photosynthesis") and "Notes: Rubisco fixes carbon dioxide" in pages[2].text
    assert old_deck.read_bytes() == before, "the original is only read"
    pages, _ = _read(old_doc)
    assert any(p.text.startswith("Active transport") and "sodium-potassium" in p.text for p in pages)
