"""HTML notes (and the chapters of an EPUB, which are XHTML) read with BeautifulSoup.

Scripts, styles and navigation are dropped; block elements become paragraphs; the
document is cut at its <h1>/<h2> headings into sections, one "page" each.
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Iterator

from ...errors import DocumentError
from ..pdftext import ExtractReport, PageText
from .common import check_present, section_pages

_DROP = ("script", "style", "noscript", "template", "nav", "head", "svg", "math")
_BLOCKS = ("p", "li", "pre", "blockquote", "dd", "dt", "tr", "figcaption", "caption",
           "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "div")
SECTION_TAGS = ("h1", "h2")


def _soup(markup: str | bytes) -> Any:
    from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning

    with warnings.catch_warnings():   # EPUB chapters are XHTML: the lenient HTML parser reads them well
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return BeautifulSoup(markup, "lxml")


def html_sections(markup: str | bytes) -> list[tuple[str, str]]:
    """(title, text) sections of an HTML document, cut at h1/h2."""
    soup = _soup(markup)
    for tag in soup.find_all(_DROP):
        tag.decompose()
    body = soup.body or soup
    sections: list[tuple[str, list[str]]] = [("", [])]
    for el in body.find_all(_BLOCKS):
        if el.find(_BLOCKS):          # a container: its inner blocks speak for it
            continue
        text = " ".join(el.get_text(" ", strip=True).split())
        if not text:
            continue
        if el.name in SECTION_TAGS:
            sections.append((text, []))
        else:
            sections[-1][1].append(text)
    # Text directly in <body> with no block around it (a bare note).
    if not any(b for _, b in sections) and len(sections) == 1:
        loose = " ".join(body.get_text(" ", strip=True).split())
        if loose:
            sections[0][1].append(loose)
    return [(t, "\n\n".join(b)) for t, b in sections]


def html_title(markup: str | bytes) -> str:
    soup = _soup(markup)
    return soup.title.get_text(strip=True) if soup.title else ""


def read_html(path: Path, report: ExtractReport) -> Iterator[PageText]:
    data = check_present(path) and path.read_bytes()
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DocumentError("This file is not a web page or HTML note, although its name says so.",
                            "Save it as .html, .md or .txt and import it again.")
    pages = section_pages(html_sections(data))
    if not pages:
        raise DocumentError("This HTML note has no text to read.")
    report.pages = len(pages)
    report.pages_with_text = len(pages)
    yield from pages
