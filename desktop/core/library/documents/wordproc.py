"""Word-processor documents: Word (.docx, python-docx) and OpenDocument text (.odt, odfpy).

A long document has no pages of its own (they depend on the printer), so it is cut at
its headings: each top-level section ("Heading 1"/"Heading 2", or a title) is one
"page", numbered from 1, and a passage cites "section 3". A document without headings
is cut into sections of a readable size, like a plain note.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

from ..pdftext import ExtractReport, PageText
from .common import check_office_zip, damaged, section_pages

SECTION_LEVEL = 2            # headings at this level or above start a new section
SECTION_CHARS = 4000         # without headings: sections of about this size

_HEADING = re.compile(r"^(heading|überschrift|titre|título)\s*(\d)$", re.IGNORECASE)


def _heading_level(style_name: str) -> int | None:
    name = (style_name or "").strip()
    if name.lower() == "title":
        return 0
    m = _HEADING.match(name)
    return int(m.group(2)) if m else None


def _sections(blocks: list[tuple[int | None, str]]) -> list[tuple[str, str]]:
    """(heading level or None, text) blocks → (title, text) sections."""
    sections: list[tuple[str, list[str]]] = [("", [])]
    for level, text in blocks:
        if level is not None and level <= SECTION_LEVEL:
            sections.append((text, []))
        else:
            title, body = sections[-1]
            if not title and sum(len(b) for b in body) > SECTION_CHARS:
                sections.append(("", []))
            sections[-1][1].append(text)
    return [(t, "\n\n".join(b)) for t, b in sections]


def _docx_blocks(doc: Any) -> Iterator[tuple[int | None, str]]:
    from docx.table import Table

    for item in doc.iter_inner_content():
        if isinstance(item, Table):
            for row in item.rows:
                cells = []
                for cell in row.cells:
                    if cell.text.strip() and (not cells or cells[-1] != cell.text.strip()):   # merged cells repeat
                        cells.append(cell.text.strip())
                if cells:
                    yield None, " | ".join(cells)
        else:
            text = item.text.strip()
            if text:
                yield _heading_level(item.style.name if item.style is not None else ""), text


def read_docx(path: Path, report: ExtractReport) -> Iterator[PageText]:
    import docx

    check_office_zip(path, "Word", ".docx")
    try:
        doc = docx.Document(str(path))
        blocks = list(_docx_blocks(doc))
    except Exception as exc:   # python-docx: KeyError, ValueError, lxml errors on broken parts
        raise damaged(".docx", "Word", exc) from None
    pages = section_pages(_sections(blocks))
    report.pages = len(pages)
    report.pages_with_text = len(pages)
    yield from pages


def read_odt(path: Path, report: ExtractReport) -> Iterator[PageText]:
    from odf import opendocument, teletype

    check_office_zip(path, "LibreOffice Writer", ".odt")
    try:
        doc = opendocument.load(str(path))
        blocks = list(_odt_blocks(doc.text, teletype))
    except Exception as exc:
        raise damaged(".odt", "LibreOffice Writer", exc) from None
    pages = section_pages(_sections(blocks))
    report.pages = len(pages)
    report.pages_with_text = len(pages)
    yield from pages


def _odt_blocks(node: Any, teletype: Any) -> Iterator[tuple[int | None, str]]:
    """Headings and paragraphs in document order (lists and tables hold paragraphs too)."""
    from odf.namespaces import TEXTNS

    for child in node.childNodes:
        qname = getattr(child, "qname", None)
        if qname == (TEXTNS, "h"):
            level = child.getAttribute("outlinelevel")
            content = teletype.extractText(child).strip()
            if content:
                yield (int(level) if level else 1), content
        elif qname == (TEXTNS, "p"):
            content = teletype.extractText(child).strip()
            if content:
                yield None, content
        elif getattr(child, "childNodes", None):
            yield from _odt_blocks(child, teletype)
