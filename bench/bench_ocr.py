"""OCR and the new document kinds: accuracy and speed on this machine (prints one JSON object).

- **OCR accuracy**: pages of Debian's R manual ``R-intro.pdf`` (r-doc-pdf) rendered with
  poppler at 150, 200 and 300 dpi, skewed 1.5°, grey paper and speckle noise (tests/scans.py),
  read by the engine Lectern uses (Tesseract); character accuracy = 1 − normalised edit
  distance against the PDF's own text layer. RapidOCR is measured beside it when it is
  installed (``pip install rapidocr-onnxruntime``), as it was for the choice of engine.
- **OCR speed**: pages/s of recognition alone, and of a scanned PDF through
  ``documents.read_pages`` (render at 300 dpi + recognise + word boxes), on this machine.
- **Reading speed per kind**: a generated deck, Word file, Writer file, EPUB and HTML note
  read and chunked (pages/s, chunks/s); embedding is the same per chunk for every kind
  and is measured by bench_ingest.py.
- **Ingestion per kind** (``--only ingest``, or with everything): a deck, a Word file, an
  EPUB and a scanned PDF imported into a fresh data folder and read by the real worker's
  ``ingest_document`` job (reading, OCR, chunking, embedding, SQLite + FTS5, the Chroma
  server): pages (slides, sections, chapters) per second of the job, as the job reports it.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.common import data_folder, emit, load_average, real_pdf, say, services, wait_job

from desktop.core.catalog import kind_for
from desktop.core.library import documents
from desktop.core.library.chunking import chunk_pages
from desktop.core.library.documents import ocr
from desktop.core.library.pdftext import ExtractReport
from tests import documents_made as made
from tests import scans

PAGES = (12, 20, 31, 45)          # prose pages of R-intro
DPIS = (150, 200, 300)


def _rapidocr():
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError:
        return None
    return RapidOCR()


def ocr_figures(tmp: Path) -> dict:
    pdf = real_pdf("R-intro.pdf")
    rapid = _rapidocr()
    out: dict = {"engine": "tesseract", "languages": ocr.languages(), "pages": list(PAGES), "by_dpi": {}}
    for dpi in DPIS:
        accs, secs, r_accs, r_secs = [], [], [], []
        for n in PAGES:
            img = scans.scanned_page(pdf, n, tmp, dpi=dpi, seed=n)
            truth = scans.truth(pdf, n)
            t0 = time.perf_counter()
            page = ocr.recognise(img)
            secs.append(time.perf_counter() - t0)
            accs.append(scans.char_accuracy(truth, page.text))
            if rapid is not None:
                import numpy as np

                t0 = time.perf_counter()
                result, _ = rapid(np.asarray(img.convert("RGB")))
                r_secs.append(time.perf_counter() - t0)
                r_accs.append(scans.char_accuracy(truth, " ".join(r[1] for r in (result or []))))
            say(f"dpi {dpi} page {n}: accuracy {accs[-1]:.3f} in {secs[-1]:.2f}s")
        out["by_dpi"][dpi] = {"char_accuracy_mean": round(statistics.mean(accs), 4),
                              "char_accuracy_min": round(min(accs), 4),
                              "pages_per_s": round(len(secs) / sum(secs), 3)}
        if rapid is not None:
            out["by_dpi"][dpi]["rapidocr"] = {"char_accuracy_mean": round(statistics.mean(r_accs), 4),
                                              "pages_per_s": round(len(r_secs) / sum(r_secs), 3)}
    # A scanned PDF end to end: render at 300 dpi, recognise, keep word boxes.
    scan_pdf = scans.image_pdf([scans.scanned_page(pdf, n, tmp, dpi=200, seed=n) for n in PAGES],
                               tmp / "scan.pdf")
    report = ExtractReport()
    t0 = time.perf_counter()
    pages = list(documents.read_pages(scan_pdf, "pdf", report, "auto", tmp / "words.jsonl"))
    took = time.perf_counter() - t0
    out["scanned_pdf"] = {"pages": len(pages), "ocr_pages": report.ocr_pages, "seconds": round(took, 2),
                          "pages_per_s": round(len(pages) / took, 3),
                          "char_accuracy_mean": round(statistics.mean(
                              scans.char_accuracy(scans.truth(pdf, n), p.text) for n, p in zip(PAGES, pages)), 4)}
    return out


def kind_figures(tmp: Path) -> dict:
    para = ("Osmosis moves water across a selectively permeable membrane toward the side with more "
            "solute; cells in a hypotonic solution swell and plant cells become turgid. ") * 3
    files = {
        "pptx (200 slides)": made.make_pptx(tmp / "deck.pptx", [(f"Slide {i}", para, "Ask about turgor")
                                                                 for i in range(200)]),
        "docx (100 sections)": made.make_docx(tmp / "doc.docx", [(f"Section {i}", [para] * 4) for i in range(100)]),
        "odt (100 sections)": made.make_odt(tmp / "doc.odt", [(f"Section {i}", [para] * 4) for i in range(100)]),
        "epub (50 chapters)": made.make_epub(tmp / "book.epub", [(f"Chapter {i}", para * 8) for i in range(50)]),
    }
    html = tmp / "notes.html"
    html.write_text("".join(f"<h2>Topic {i}</h2>" + f"<p>{para}</p>" * 4 for i in range(100)))
    files["html (100 sections)"] = html
    out = {}
    for label, path in files.items():
        report = ExtractReport()
        t0 = time.perf_counter()
        pages = documents.read_pages(path, kind_for(path), report, "never")
        chunks = list(chunk_pages(pages, boilerplate=kind_for(path) in ("pdf", "note")))   # as ingest does
        took = time.perf_counter() - t0
        out[label] = {"pages": report.pages, "chunks": len(chunks), "seconds": round(took, 3),
                      "pages_per_s": round(report.pages / took, 1), "chunks_per_s": round(len(chunks) / took, 1)}
        say(label, out[label])
    return out


def ingest_figures(tmp: Path) -> dict:
    """Each kind through the real worker's job, one after the other, in a fresh data folder."""
    from desktop.core import jobs, library
    from desktop.core.library import ingest
    from desktop.core.storage.db import open_db
    from desktop.workers.submit import QueueJobs

    para = ("Osmosis moves water across a selectively permeable membrane toward the side with more "
            "solute; cells in a hypotonic solution swell and plant cells become turgid. ") * 3
    pdf = real_pdf("R-intro.pdf")
    files = {
        "pptx": made.make_pptx(tmp / "deck.pptx", [(f"Slide {i}", para, "Ask about turgor") for i in range(200)]),
        "docx": made.make_docx(tmp / "doc.docx", [(f"Section {i}", [para] * 4) for i in range(100)]),
        "epub": made.make_epub(tmp / "book.epub", [(f"Chapter {i}", para * 8) for i in range(50)]),
        "scanned pdf": scans.image_pdf([scans.scanned_page(pdf, n, tmp, dpi=200, seed=n) for n in range(10, 22)],
                                       tmp / "scan.pdf"),
    }
    out: dict = {}
    with data_folder() as paths:
        db = open_db(paths.db)
        with services(paths):
            starter = QueueJobs(paths, db)
            book = library.ensure_path(db, "Bench", "Kinds", "Files")
            for label, path in files.items():
                r = library.import_file(db, paths, book, path, starter=starter)
                t0 = time.monotonic()
                job_id = ingest.submit_ingest(db, paths, r.document_id, starter, "auto")
                job = wait_job(db, job_id, timeout=1800, tick_s=0.2)
                took = time.monotonic() - t0
                if job.state != jobs.DONE:
                    out[label] = {"error": job.error}
                    continue
                res = job.result or {}
                out[label] = {"pages": res.get("pages"), "chunks": res.get("chunks"),
                              "job_seconds": res.get("seconds"), "pages_per_s": res.get("pages_per_s"),
                              "queue_to_done_s": round(took, 2)}
                say(label, out[label])
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("ocr", "kinds", "ingest"), help="run one part")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ocr-") as tmp:
        result = {"bench": "ocr", "load_average_start": load_average()}
        if args.only in (None, "ocr"):
            result["ocr"] = ocr_figures(Path(tmp))
        if args.only in (None, "kinds"):
            result["reading_per_kind"] = kind_figures(Path(tmp))
        if args.only in (None, "ingest"):
            result["ingestion_per_kind"] = ingest_figures(Path(tmp))
        result["load_average_end"] = load_average()
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
