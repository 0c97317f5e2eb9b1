"""Screenshots of the course-file viewers on a screen of a given size (offscreen):
a cited slide, a scanned page with its OCR'd passage outlined, a photo with its
recognised text, a text PDF page with its passage outlined, and Settings → Documents.

    python scripts/viewer_screenshots.py --size 1024x640 --out /tmp/shots/documents

Files are made here with the libraries that write them (python-pptx, Pillow) and a
page of the R FAQ (Debian r-doc-pdf) rendered and degraded as a scan.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _screen(size: str, folder: Path) -> None:
    w, h = (int(x) for x in size.split("x"))
    conf = folder / "screen.json"
    conf.write_text(json.dumps({"screens": [{"name": "shot", "x": 0, "y": 0, "width": w, "height": h,
                                             "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={conf}"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="1024x640")
    ap.add_argument("--out", default="/tmp/shots/documents")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="lectern-viewer-shots-"))
    _screen(args.size, work)
    os.environ["LECTERN_DATA_DIR"] = str(work / "data")
    sys.path.insert(0, str(REPO))

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.core.library import documents
    from desktop.core.library.pdftext import ExtractReport
    from desktop.core.storage.config import DataPaths
    from desktop.core.storage.db import open_db
    from desktop.ui.context import AppContext
    from desktop.ui.pdf_viewer import PdfViewer
    from desktop.ui.theme import apply_theme
    from desktop.ui.viewers import ImageViewer, ReadingViewer
    from tests import documents_made as made
    from tests import pdfs, scans

    app = QApplication(sys.argv)
    apply_theme(app)
    paths = DataPaths(work / "data").ensure()
    tag = args.size

    def settle(ms: int = 400) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def until(pred, seconds: float = 30) -> None:
        for _ in range(int(seconds * 10)):
            if pred():
                return
            settle(100)
        raise SystemExit("timed out waiting for the viewer")

    def save(widget, name: str) -> None:
        path = out / f"{name}-{tag}.png"
        widget.grab().save(str(path))
        print(path, widget.width(), "x", widget.height())

    # A cited slide.
    deck = made.make_pptx(work / "Lecture 7 - Photosynthesis.pptx", [
        ("Plants and light", "Why leaves are green\nWhat chlorophyll absorbs", "Start with the leaf demo"),
        ("Chloroplasts", "Thylakoids, stroma and grana", "Draw the diagram on the board"),
        ("Pigments", "Chlorophyll a and b absorb red and blue light", ""),
        ("The two stages", "Light reactions in the thylakoid membranes\nCalvin cycle in the stroma", ""),
        ("Water splitting", "Photosystem II takes electrons from water", "Oxygen is a by-product"),
        ("ATP synthase", "Protons flow back through ATP synthase", ""),
        ("Light reactions", "Light reactions split water, release oxygen and make ATP and NADPH.\n"
                            "They happen in the thylakoid membranes of the chloroplast.",
         "Remind them that the Calvin cycle comes next week, and that the exam asks for the products "
         "of each stage."),
        ("Summary", "Light in, sugar out", "")])
    slides = ReadingViewer()
    slides.show()
    slides.open(deck, "slides", 7, "Light reactions split water, release oxygen and make ATP and NADPH.",
                "Lecture 7 - Photosynthesis")
    until(slides.is_ready)
    settle()
    save(slides, "slide-7")
    if documents.can_draw_slides(deck):            # with LibreOffice: the slide as it looks, above its text
        until(lambda: slides.is_drawn(7), 300)
        settle()
        save(slides, "slide-7-drawn")
    slides.close()

    # A scanned page, cited, outlined from its OCR word boxes.
    scan_pdf = scans.image_pdf([scans.scanned_page(scans.R_FAQ, 5, work, seed=5)], work / "scan.pdf")
    words = documents.words_file(paths, 1)
    words.parent.mkdir(parents=True, exist_ok=True)
    [page] = list(documents.read_pages(scan_pdf, "pdf", ExtractReport(), "auto", words))
    passage = " ".join(max(page.text.split("\n\n"), key=len).split()[:45])
    viewer = PdfViewer()
    viewer.show()
    viewer.open(scan_pdf, 1, passage, "R FAQ (scanned handout)", document_id=1, paths=paths)
    until(lambda: viewer.marked_from == "ocr")
    settle(800)
    save(viewer, "ocr-page-highlight")

    # A text PDF page, cited, outlined from its text layer.
    course = pdfs.make_course_pdf(work / "reader.pdf", n=6)
    viewer.open(course, 5, pdfs.topic_pages(6)[4].split("\n\n")[1], "Cell biology reader")
    until(lambda: viewer.marked_from == "text")
    settle(800)
    save(viewer, "text-page-highlight")
    viewer.close()

    # A photo with its recognised text.
    photo = work / "whiteboard.jpg"
    scans.scanned_page(scans.R_FAQ, 5, work, seed=3).save(photo, quality=85)
    words2 = documents.words_file(paths, 2)
    words2.parent.mkdir(parents=True, exist_ok=True)
    [ppage] = list(documents.read_pages(photo, "image", ExtractReport(), "auto", words2))
    pic = ImageViewer()
    pic.show()
    done = []
    pic.opened.connect(lambda: done.append(1))
    pic.open(paths, 2, photo, " ".join(max(ppage.text.split("\n\n"), key=len).split()[:30]), "Photo of a handout")
    until(lambda: bool(done))
    settle()
    save(pic, "photo")
    pic.close()

    # Settings → Documents.
    try:
        from desktop.ui.settings_dialog import SettingsDialog

        ctx = AppContext(paths=paths, db=open_db(paths.db))
        dlg = SettingsDialog(ctx)
        for i, p in enumerate(dlg.pages):
            if getattr(p, "title", "") == "Documents":
                dlg.tabs.setCurrentIndex(i)
        dlg.show()
        settle(600)
        save(dlg, "settings-documents")
        dlg.close()
    except Exception as exc:   # the page is optional for the viewer shots
        print("settings:", type(exc).__name__, exc)
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
