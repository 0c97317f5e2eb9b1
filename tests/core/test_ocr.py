"""OCR with the real engine (Tesseract) on pages of a real manual rendered as scans:
scanned PDFs (whole or some pages), photos, word boxes, time limits, bad pictures."""
import json

import pypdf
import pytest

from desktop.core.errors import DocumentError
from desktop.core.library import documents
from desktop.core.library.documents import ocr, scanned
from desktop.core.library.pdftext import ExtractReport, NoTextFound
from tests import pdfs, scans

pytestmark = pytest.mark.skipif(not scans.R_FAQ.exists(), reason="r-doc-pdf is installed by scripts/bootstrap.sh")

PAGE = 5          # a page of running prose in the R FAQ


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    """Page 5 of the R FAQ rendered at 200 dpi, skewed 1.5° and speckled."""
    return scans.scanned_page(scans.R_FAQ, PAGE, tmp_path_factory.mktemp("scan"))


def _read(path, kind, ocr_mode="auto", words=None, ocr_languages=""):
    report = ExtractReport()
    return list(documents.read_pages(path, kind, report, ocr_mode, words, ocr_languages)), report


def test_a_skewed_noisy_scan_of_a_real_page_is_read_accurately(scan):
    page = ocr.recognise(scan)
    assert scans.char_accuracy(scans.truth(scans.R_FAQ, PAGE), page.text) > 0.93
    assert page.words and all(w.width > 0 and w.height > 0 for w in page.words)


def test_only_the_scanned_page_of_a_mixed_pdf_is_recognised_and_keeps_its_number(scan, tmp_path):
    text_pdf = pdfs.make_course_pdf(tmp_path / "text.pdf", n=2)
    scan_pdf = scans.image_pdf([scan], tmp_path / "scan.pdf")
    mixed = tmp_path / "mixed.pdf"
    writer = pypdf.PdfWriter()
    for src in (text_pdf, scan_pdf):
        writer.append(str(src))
    writer.write(str(mixed))
    words = tmp_path / "words.jsonl"
    pages, report = _read(mixed, "pdf", words=words)
    layer = [p.extract_text() for p in pypdf.PdfReader(str(text_pdf)).pages]
    assert [p.number for p in pages] == [1, 2, 3]
    assert [p.text for p in pages[:2]] == layer, "text pages are never OCR'd"
    assert report.ocr_pages == 1 and report.pages_with_text == 3
    assert scans.char_accuracy(scans.truth(scans.R_FAQ, PAGE), pages[2].text) > 0.93
    [boxes] = [json.loads(line) for line in words.read_text().splitlines()]
    assert boxes["page"] == 3 and boxes["dpi"] == scanned.RENDER_DPI
    texts = [w[0] for w in boxes["words"]]
    assert "FAQ" in " ".join(texts) or len(texts) > 100
    x, y, w, h = boxes["words"][0][1:5]
    assert 0 <= x < boxes["width"] and 0 <= y < boxes["height"] and w > 0 and h > 0


def test_ocr_always_replaces_a_wrong_hidden_text_layer_and_auto_keeps_it(scan, tmp_path):
    import io

    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_page()
    buf = io.BytesIO()
    scan.save(buf, format="PNG")
    pdf.image(buf, x=0, y=0, w=210)
    pdf.set_font("helvetica", size=10)
    pdf.text_mode = "INVISIBLE"          # what a scanner's bad OCR leaves under the picture
    for i in range(20):
        pdf.text(20, 20 + i * 10, "Lorem ipsum dolor sit amet, consectetur adipiscing elit.")
    path = tmp_path / "bad layer.pdf"
    pdf.output(str(path))
    [auto], _ = _read(path, "pdf", "auto")
    assert auto.text.startswith("Lorem ipsum"), "a page with real-looking text is never OCR'd in auto"
    [always], report = _read(path, "pdf", "always")
    assert report.ocr_pages == 1 and "Lorem" not in always.text
    assert scans.char_accuracy(scans.truth(scans.R_FAQ, PAGE), always.text) > 0.9


def test_ocr_never_leaves_a_scan_unread_with_a_plain_message(scan, tmp_path):
    pdf = scans.image_pdf([scan], tmp_path / "scan.pdf")
    with pytest.raises(NoTextFound) as err:
        _read(pdf, "pdf", "never")
    assert err.value.message == "No text found: this looks like a scanned PDF (pictures of pages)."


def test_a_blank_scan_says_even_ocr_found_nothing(tmp_path):
    from PIL import Image

    pdf = scans.image_pdf([scans.degrade(Image.new("L", (600, 800), 255), noise=6)], tmp_path / "blank.pdf")
    with pytest.raises(NoTextFound) as err:
        _read(pdf, "pdf")
    assert err.value.message == "No text found, not even by text recognition (OCR)."


def test_garbage_text_layers_are_recognised_and_real_text_is_not():
    assert scanned.is_garbage("")
    assert scanned.is_garbage("\ufffd\ufffd\ufffd \ue000\ue001\ue002 ■■■■ ◆◆◆◆ ▯▯▯▯ \ufffd\ufffd\ufffd\ufffd\ufffd\ufffd")
    assert not scanned.is_garbage("Photosynthesis turns light into chemical energy in the chloroplast.")
    assert scanned.is_garbage(" 12 ")                      # a scan with a stamped page number
    # Real text that looks odd: the R manual's contents pages, a page holding only its running
    # header over a plot, and code.
    assert not scanned.is_garbage("ii cbind " + ". " * 40 + "75 chol " + ". " * 40 + "77")
    assert not scanned.is_garbage("804 WWWusage")
    assert not scanned.is_garbage("x <- c(1, 2); y[[i]] <- f(x)$value; if (a && !b) {z <- 0}")


def test_a_page_that_takes_too_long_is_skipped_and_reported(scan, tmp_path, monkeypatch):
    text_pdf = pdfs.make_course_pdf(tmp_path / "text.pdf", n=1)
    mixed = tmp_path / "mixed.pdf"
    writer = pypdf.PdfWriter()
    for src in (text_pdf, scans.image_pdf([scan], tmp_path / "scan.pdf")):
        writer.append(str(src))
    writer.write(str(mixed))
    monkeypatch.setattr(ocr, "PAGE_TIMEOUT_S", 0.05)
    pages, report = _read(mixed, "pdf")
    assert report.slow_pages == [2] and report.ocr_pages == 0
    assert pages[0].text.strip() and not pages[1].text.strip()
    assert report.bad_pages_text() == "Page 2 took too long to recognise and was skipped."


def test_a_photo_is_a_one_page_document_with_its_word_boxes(scan, tmp_path):
    photo = tmp_path / "handout.jpg"
    scan.save(photo, quality=80)
    before = photo.read_bytes()
    words = tmp_path / "words.jsonl"
    pages, report = _read(photo, "image", words=words)
    assert [p.number for p in pages] == [1] and report.pages == 1 and report.ocr_pages == 1
    assert scans.char_accuracy(scans.truth(scans.R_FAQ, PAGE), pages[0].text) > 0.9
    assert json.loads(words.read_text())["dpi"] is None
    assert photo.read_bytes() == before


def test_a_sideways_phone_photo_is_turned_upright_from_its_exif(scan, tmp_path):
    from PIL import Image

    photo = tmp_path / "sideways.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6        # "rotate 90° clockwise to view": what a phone held sideways writes
    scan.rotate(90, expand=True).save(photo, quality=85, exif=exif)
    pages, _ = _read(photo, "image")
    assert scans.char_accuracy(scans.truth(scans.R_FAQ, PAGE), pages[0].text) > 0.9


def test_bad_pictures_say_so_plainly(tmp_path):
    from PIL import Image

    broken = tmp_path / "broken.png"
    good = tmp_path / "good.png"
    Image.new("L", (400, 300), 255).save(good)
    broken.write_bytes(good.read_bytes()[:60])
    blank = tmp_path / "wall.jpg"
    scans.degrade(Image.new("L", (800, 600), 200), noise=15).save(blank)
    huge = tmp_path / "panorama.png"
    Image.new("1", (12000, 9000), 1).save(huge)          # 108 megapixels, a small file
    expected = {broken: "This picture is damaged or in a format Lectern cannot open.",
                blank: "No text was found in this picture.",
                huge: "This picture is too large to read (over 100 megapixels).",
                tmp_path / "missing.png": "The file is missing from the library folder."}
    for path, message in expected.items():
        with pytest.raises(DocumentError) as err:
            _read(path, "image")
        assert err.value.message == message
    with pytest.raises(DocumentError) as err:
        _read(good, "image", "never")
    assert "turned off" in err.value.message


def test_an_iphone_heic_photo_is_read(scan, tmp_path):
    from PIL import Image
    import pillow_heif   # only to write the photo: the app reads HEIC with pi-heif (no encoders)

    pillow_heif.register_heif_opener()
    photo = tmp_path / "IMG_0042.HEIC"
    scan.crop((0, 0, scan.width, scan.height // 3)).convert("RGB").save(photo, quality=70)   # HEVC encoding is slow
    pages, _ = _read(photo, "image")
    assert Image.OPEN["HEIF"][0].__module__.startswith("pi_heif"), "read by the app's own HEIC reader"
    assert "This document contains answers to some of the most frequently asked questions about R." in " ".join(
        pages[0].text.split())


def test_a_cancelled_reading_kills_the_recognition_at_once(scan):
    import threading
    import time

    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    big = scan.resize((scan.width * 2, scan.height * 2))
    t0 = time.monotonic()
    with pytest.raises(ocr.OcrStopped):
        ocr.recognise(big, timeout_s=60, cancel=cancel)
    assert time.monotonic() - t0 < 3


def test_german_pages_are_read_with_german_language_data(tmp_path):
    from PIL import Image, ImageDraw, ImageFont

    lines = ["Die Größe der Blätter hängt von der Lichtmenge ab.",
             "Über die Spaltöffnungen verdunstet Wasser, während",
             "die Wurzeln gelöste Nährstoffe aufnehmen müssen."]
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 40)
    img = Image.new("L", (1400, 400), 255)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((40, 60 + i * 100), line, font=font, fill=0)
    photo = tmp_path / "tafel.png"
    scans.degrade(img, skew_deg=1.0, noise=12).save(photo)
    truth = " ".join(lines)
    [german], _ = _read(photo, "image", ocr_languages="deu")
    assert scans.char_accuracy(truth, german.text) > 0.95
    assert all(w in german.text for w in ("Größe", "Blätter", "Über", "Nährstoffe"))
    with pytest.raises(DocumentError) as err:
        documents.check_languages("eng+klingon")
    assert err.value.message == "Text recognition has no language data for klingon on this computer."


def test_doctor_says_whether_text_recognition_and_libreoffice_are_there(tmp_path, monkeypatch):
    from desktop.core.runtime.doctor import check_reading

    here = check_reading()
    assert here["ocr"]["ok"] and {"eng", "deu", "fra", "spa"} <= set(here["ocr"]["languages"])
    assert not here["ocr"]["essential"] and not here["libreoffice"]["essential"]
    ocr.installed_languages.cache_clear()
    monkeypatch.setenv("PATH", str(tmp_path))          # a computer with neither
    try:
        bare = check_reading()
    finally:
        ocr.installed_languages.cache_clear()
    assert not bare["ocr"]["ok"] and "install tesseract-ocr" in bare["ocr"]["detail"]
    assert not bare["libreoffice"]["ok"] and "old .ppt and .doc files cannot be read" in bare["libreoffice"]["detail"]


def test_a_slide_that_is_only_a_picture_of_a_page_is_read_by_ocr(scan, tmp_path):
    from pptx import Presentation
    from pptx.util import Inches

    top = tmp_path / "top.png"
    scan.crop((0, 0, scan.width, scan.height // 3)).save(top)
    deck = Presentation()
    first = deck.slides.add_slide(deck.slide_layouts[5])
    first.shapes.title.text = "Handout"
    first.shapes.add_picture(str(top), Inches(0.2), Inches(1.5), width=Inches(9.5))
    second = deck.slides.add_slide(deck.slide_layouts[1])
    second.shapes.title.text = "Questions"
    second.placeholders[1].text = "What does the FAQ say about the licence of R?"
    path = tmp_path / "scanned handout.pptx"
    deck.save(str(path))
    pages, report = _read(path, "slides")
    assert pages[0].text.startswith("Handout")
    assert "most frequently asked questions about R" in " ".join(pages[0].text.split())
    assert report.ocr_pages == 1, "the slide with text of its own is not OCR'd"
    [never, _], _ = _read(path, "slides", "never")
    assert never.text == "Handout"
