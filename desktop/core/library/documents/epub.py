"""EPUB books (ebooklib): each chapter of the reading order is one "page", so a
passage cites "chapter 3". Books sold with DRM are encrypted; they are recognised
from META-INF/encryption.xml (or Adobe's rights.xml) and refused with a plain message.
Font obfuscation, which every EPUB may use, is not DRM and does not count.
"""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Iterator

from ...errors import DocumentError
from ..pdftext import ExtractReport, PageText
from .common import check_present, check_unpacked_size, join_lines
from .html_notes import html_sections

_FONT_OBFUSCATION = ("http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC")


def _has_drm(book: zipfile.ZipFile) -> bool:
    names = set(book.namelist())
    if "META-INF/rights.xml" in names:
        return True
    if "META-INF/encryption.xml" not in names:
        return False
    from lxml import etree

    root = etree.fromstring(book.read("META-INF/encryption.xml"))
    methods = root.findall(".//{http://www.w3.org/2001/04/xmlenc#}EncryptionMethod")
    return any(m.get("Algorithm") not in _FONT_OBFUSCATION for m in methods)


def check_epub(path: Path) -> None:
    check_present(path)
    if not zipfile.is_zipfile(path):
        raise DocumentError("This EPUB file is damaged or is not really an EPUB.",
                            "Export it again from the program or shop it came from.")
    try:
        with zipfile.ZipFile(path) as book:
            drm = _has_drm(book)
    except Exception:
        raise DocumentError("This EPUB file is damaged and cannot be read.") from None
    check_unpacked_size(path, "the program it came from")
    if drm:
        raise DocumentError(
            "This EPUB is protected with DRM (copy protection), so its text cannot be read.",
            "Use a DRM-free copy (many publishers and libraries offer one), or a PDF of it.")


def read_epub(path: Path, report: ExtractReport) -> Iterator[PageText]:
    """Chapter by chapter; inside a chapter, each <h2> part is its own § (numbered from 1)."""
    import ebooklib
    from ebooklib import epub

    check_epub(path)
    try:
        book = epub.read_epub(str(path), options={"ignore_ncx": True})
        chapters: list[list[tuple[str, str]]] = []
        for item_id, _linear in book.spine:
            item = book.get_item_with_id(item_id)
            if item is None or item.get_type() != ebooklib.ITEM_DOCUMENT or isinstance(item, epub.EpubNav):
                continue
            sections = [(t, b) for t, b in html_sections(item.get_content()) if t.strip() or b.strip()]
            if any(b.strip() for _, b in sections):
                chapters.append(sections)
    except DocumentError:
        raise
    except Exception as exc:   # ebooklib raises EpubException, KeyError, lxml errors
        raise DocumentError(f"This EPUB file is damaged and cannot be read ({type(exc).__name__}).",
                            "Export it again from the program or shop it came from.") from None
    if not chapters:
        raise DocumentError("This EPUB has no text to read (it may be only pictures).")
    report.pages = len(chapters)
    report.pages_with_text = len(chapters)
    for number, sections in enumerate(chapters, start=1):
        # The chapter's opening (its title and first paragraphs) has no §; the parts after it do.
        for i, (title, body) in enumerate(sections):
            text = join_lines([title, body])
            if text:
                yield PageText(number, text, section=i or None)
