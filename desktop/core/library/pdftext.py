"""Reading the text out of PDFs, page by page, without holding the book in memory.

The text comes from PDFium (pypdfium2), page by page; pypdf opens and checks the file
(damaged, password) and reads the outline, and reads the text of any page PDFium
cannot. pypdf keeps every object it has parsed; on a 3,000-page manual that grows by
hundreds of megabytes. ``iter_pages`` therefore re-opens the file every
``REOPEN_EVERY`` pages, so memory stays flat whatever the page count.

Every way a file can be unreadable ends in a ``DocumentError`` with a message for
the student: empty file, not a PDF, damaged PDF, password needed (the password is
used to open the file and is never stored), no text layer (a scan). A page that
fails on its own is reported and skipped; the good pages are kept.
"""
from __future__ import annotations

import io
import logging
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pypdfium2 as pdfium

from ..catalog.files import temp_path
from ..errors import DocumentError

log = logging.getLogger(__name__)

REOPEN_EVERY = 200
PDF_MAGIC = b"%PDF-"


class EmptyFile(DocumentError):
    def __init__(self) -> None:
        super().__init__("This file is empty (0 bytes).", "Import the file again from its original place.")


class NotAPdf(DocumentError):
    def __init__(self) -> None:
        super().__init__("This file is not a PDF, although its name ends in .pdf.",
                         "Open it with the program that made it and export it as PDF.")


class CorruptPdf(DocumentError):
    def __init__(self, detail: str = "") -> None:
        super().__init__("This PDF is damaged and cannot be read.",
                         "Try downloading or exporting it again." + (f" ({detail})" if detail else ""))


class PasswordRequired(DocumentError):
    def __init__(self, wrong: bool = False) -> None:
        if wrong:
            super().__init__("That password did not open the PDF.", "Check the password and try again.")
        else:
            super().__init__("This PDF is protected by a password.",
                             "Enter its password to read it; Lectern does not store the password.")
        self.wrong = wrong


class NoTextFound(DocumentError):
    def __init__(self, ocr_tried: bool = False) -> None:
        if ocr_tried:
            super().__init__("No text found, not even by text recognition (OCR).",
                             "The pages may be blank, or photos too blurred to read.")
        else:
            super().__init__("No text found: this looks like a scanned PDF (pictures of pages).",
                             "Read it again with text recognition (OCR) turned on.")


@dataclass
class PageText:
    number: int           # 1-based, as the viewer numbers pages
    text: str
    error: str = ""       # why this page could not be read ("" = fine)
    section: int | None = None   # a numbered part inside the page (an EPUB chapter's § 2)
    heading: str = ""     # the section the page opens in ("Data frames › Making data frames")
    # sections that begin on this page, in order: (their title as printed, their heading)
    starts: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class OutlineEntry:
    depth: int            # 0 = chapter
    title: str
    page: int             # 1-based


def pdf_outline(path: Path, password: str | None = None) -> list[OutlineEntry]:
    """The PDF's bookmarks, flattened in reading order ([] when it has none or they are broken).

    Entries are sorted by page (stable), so a section always starts at or after the one before."""
    try:
        reader = _open(path, password)
        raw = reader.outline
    except DocumentError:
        return []
    except Exception:   # a broken outline must never stop the reading of the text
        return []
    out: list[OutlineEntry] = []

    def walk(items: Any, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
                continue
            try:
                page = reader.get_destination_page_number(item)
                title = " ".join(str(item.title or "").split())
            except Exception:
                continue
            if page is not None and page >= 0 and title:
                out.append(OutlineEntry(depth, title, page + 1))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            walk(raw, 0)
    except RecursionError:
        return []
    return sorted(out, key=lambda e: e.page)


def heading_path(trail: list[OutlineEntry], levels: int = 2) -> str:
    """The last ``levels`` titles of a trail of nested entries: "Data frames › Making data frames"."""
    return " › ".join(e.title for e in trail[-levels:])


def outlined(pages: Iterator[PageText], path: Path) -> Iterator[PageText]:
    """``with_headings`` from the PDF's own outline, read when the first page is asked for
    (so on the reading thread, not the caller's)."""
    yield from with_headings(pages, pdf_outline(path))


def with_headings(pages: Iterator[PageText], outline: list[OutlineEntry]) -> Iterator[PageText]:
    """Pages with ``heading`` (the section open at the top of the page) and ``starts`` (the
    sections that begin on it: title and heading), from the outline; streaming."""
    if not outline:
        yield from pages
        return
    trail: list[OutlineEntry] = []
    i = 0
    for page in pages:
        page.heading = heading_path(trail)
        starts: list[tuple[str, str]] = []
        while i < len(outline) and outline[i].page <= page.number:
            e = outline[i]
            i += 1
            del trail[next((k for k, t in enumerate(trail) if t.depth >= e.depth), len(trail)):]
            trail.append(e)
            if e.page == page.number:
                starts.append((e.title, heading_path(trail)))
            else:
                page.heading = heading_path(trail)   # an entry pointing at a page we did not see
        page.starts = starts
        yield page


@dataclass
class PdfInfo:
    pages: int
    encrypted: bool
    title: str = ""


@dataclass
class ExtractReport:
    """What happened to the pages of one document (filled while iterating)."""

    pages: int = 0
    pages_with_text: int = 0
    bad_pages: list[int] = field(default_factory=list)
    slow_pages: list[int] = field(default_factory=list)   # text recognition ran out of time
    ocr_pages: int = 0                                    # pages whose text came from OCR
    notes: list[str] = field(default_factory=list)        # anything else the student should know
    stage: str = ""        # what the reader is doing now ("Recognising text, page 3 of 40")
    unit: str = "Page"     # what a page is called in messages (Page, Slide, Section, Chapter)
    cancel: threading.Event | None = None   # set when the reading must stop (OCR children are killed)

    def _pages_sentence(self, numbers: list[int], what: str) -> str:
        shown = ", ".join(str(p) for p in numbers[:12])
        more = f" and {len(numbers) - 12} more" if len(numbers) > 12 else ""
        word = self.unit if len(numbers) == 1 else self.unit + "s"
        verb = "was" if len(numbers) == 1 else "were"
        return f"{word} {shown}{more} {what} and {verb} skipped."

    def bad_pages_text(self) -> str:
        """Everything the student should know about a document that was read (may be "")."""
        out = []
        if self.bad_pages:
            out.append(self._pages_sentence(self.bad_pages, "could not be read"))
        if self.slow_pages:
            out.append(self._pages_sentence(self.slow_pages, "took too long to recognise"))
        return " ".join(out + self.notes)


def check_file(path: Path) -> None:
    """Cheap checks before pypdf sees the file: present, not empty, starts like a PDF."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise DocumentError("The file is missing from the library folder.",
                            "Delete it from the library and import it again.") from None
    if size == 0:
        raise EmptyFile()
    with open(path, "rb") as f:
        head = f.read(1024)
    # The header may follow a little junk (the PDF spec tolerates it within 1 KB).
    if PDF_MAGIC not in head:
        raise NotAPdf()


def _open(path: Path, password: str | None):
    """A PdfReader on ``path``, decrypted if needed. Raises the student-facing errors."""
    import pypdf
    from pypdf.errors import FileNotDecryptedError, PdfReadError, PdfStreamError

    check_file(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = pypdf.PdfReader(str(path), strict=False)
            if reader.is_encrypted:
                # Many PDFs are "encrypted" with an empty user password only to restrict printing.
                ok = reader.decrypt(password or "")
                if not ok:
                    raise PasswordRequired(wrong=bool(password))
            _ = len(reader.pages)
    except DocumentError:
        raise
    except FileNotDecryptedError:
        raise PasswordRequired(wrong=bool(password)) from None
    except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError, AttributeError,
            IndexError, RecursionError, AssertionError, io.UnsupportedOperation) as exc:
        raise CorruptPdf(type(exc).__name__) from None
    except NotImplementedError as exc:   # e.g. an encryption method pypdf does not support
        raise CorruptPdf(str(exc)[:80]) from None
    return reader


def pdf_info(path: Path, password: str | None = None) -> PdfInfo:
    reader = _open(path, password)
    title = ""
    try:
        meta = reader.metadata
        title = str(meta.title or "").strip() if meta else ""
    except Exception:  # broken info dictionaries are common and harmless
        title = ""
    return PdfInfo(pages=len(reader.pages), encrypted=bool(reader.is_encrypted), title=title)


def needs_password(path: Path) -> bool:
    """True when the PDF cannot be opened without a password (cheap: reads the trailer)."""
    try:
        _open(path, None)
    except PasswordRequired:
        return True
    except DocumentError:
        return False
    return False


class _ProblemLog(logging.Handler):
    """Collects pypdf's warnings per thread: pypdf reports a broken page stream
    by logging and returning no text, not by raising."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.local = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        bucket = getattr(self.local, "bucket", None)
        if bucket is not None:
            bucket.append(record.getMessage())


_problems = _ProblemLog()
logging.getLogger("pypdf").addHandler(_problems)


def _page_text(reader, index: int) -> tuple[str, str]:
    """(text, problem) of one page; problem is "" when the page read cleanly."""
    _problems.local.bucket = bucket = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            text = reader.pages[index].extract_text() or ""
    finally:
        _problems.local.bucket = None
    text = text.replace("\x00", "")
    problem = bucket[0][:120] if bucket and not text.strip() else ""
    return text, problem


# PDFium (pypdfium2) reads a page's text about ten times faster than pypdf and places the
# spaces between words from the glyphs' positions: pypdf ran the words of justified lines
# together ("Esgibtzwei Methoden") in the Debian Reference, in all four of its languages.
# PDFium is not thread-safe: one page at a time in a process.
_pdfium_lock = threading.Lock()


def _pdfium_open(path: Path, password: str | None) -> Any:
    try:
        with _pdfium_lock:
            return pdfium.PdfDocument(str(path), password=password or None)
    except Exception:   # pypdf reads what PDFium cannot open
        return None


def _pdfium_text(doc: Any, index: int) -> str | None:
    """A page's text by PDFium, or None when it fails (pypdf then tries)."""
    try:
        with _pdfium_lock:
            page = doc[index]
            try:
                textpage = page.get_textpage()
                try:
                    text = textpage.get_text_bounded()
                finally:
                    textpage.close()
            finally:
                page.close()
    except Exception:
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").replace("\ufffe", "")


def iter_pages(path: Path, password: str | None = None, start: int = 1,
               report: ExtractReport | None = None) -> Iterator[PageText]:
    """Yield every page from ``start`` (1-based) on; bad pages come with ``error`` set.

    Raises ``NoTextFound`` at the end if no page had any text (a scanned PDF), and
    the open errors at the start. Text comes from PDFium, and from pypdf for a page
    PDFium cannot read (or the whole file, when PDFium cannot open it).
    """
    report = report if report is not None else ExtractReport()
    reader = _open(path, password)
    total = len(reader.pages)
    report.pages = total
    fast = _pdfium_open(path, password)
    try:
        opened_at = start
        for number in range(start, total + 1):
            quick = _pdfium_text(fast, number - 1) if fast is not None else None
            if quick is not None and quick.strip():
                report.pages_with_text += 1
                yield PageText(number, quick)
                continue
            # No text by PDFium: pypdf tells a blank or scanned page from a broken one.
            if number - opened_at >= REOPEN_EVERY:
                reader = _open(path, password)   # drop pypdf's object cache: keeps memory flat
                opened_at = number
            try:
                text, error = _page_text(reader, number - 1)
            except RecursionError:
                text, error = "", "the page is too deeply nested to read"
            except Exception as exc:   # one bad page must not lose the whole book
                log.info("page %s of %s failed: %s: %s", number, path.name, type(exc).__name__, exc)
                text, error = "", f"{type(exc).__name__}"
            if error:
                report.bad_pages.append(number)
            elif text.strip():
                report.pages_with_text += 1
            yield PageText(number, text, error)
    finally:
        if fast is not None:
            with _pdfium_lock:
                fast.close()
    if report.pages_with_text == 0 and start == 1:
        if total == 0:
            raise CorruptPdf("it has no pages")
        if len(report.bad_pages) == total:
            raise CorruptPdf("no page could be read")
        raise NoTextFound()


def read_pages(path: Path, password: str | None = None) -> tuple[list[PageText], ExtractReport]:
    """All pages at once (small files, tests)."""
    report = ExtractReport()
    pages = list(iter_pages(path, password, report=report))
    return pages, report


def write_pages_file(path: Path, password: str | None, out: Path) -> ExtractReport:
    """Extract an (encrypted) PDF's text to a JSON-lines sidecar the worker can ingest.

    Used when the student types a password: the app reads the text once, here, and
    the worker indexes the sidecar. The password itself goes nowhere.
    """
    import json
    import os

    report = ExtractReport()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(out.parent)       # unique: the window and a command may unlock it at once
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            for page in iter_pages(path, password, report=report):
                f.write(json.dumps({"page": page.number, "text": page.text, "error": page.error}) + "\n")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return report


def iter_pages_file(sidecar: Path, start: int = 1, report: ExtractReport | None = None) -> Iterator[PageText]:
    """Pages from a sidecar written by ``write_pages_file`` (same contract as ``iter_pages``)."""
    import json

    report = report if report is not None else ExtractReport()
    with open(sidecar, encoding="utf-8") as f:
        report.pages = sum(1 for _ in f)
    with open(sidecar, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            page = PageText(int(d["page"]), d.get("text", ""), d.get("error", ""))
            if page.number < start:
                continue
            if page.error:
                report.bad_pages.append(page.number)
            elif page.text.strip():
                report.pages_with_text += 1
            yield page
    if report.pages_with_text == 0 and start == 1:
        raise NoTextFound()

