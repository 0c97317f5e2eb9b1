"""A citation of the study tools (document, page or second) as a label and as an action.

Opening one does what the chat pane does with its sources: a page of a book opens in the
viewer (``open_document_requested``), a lecture plays from its second
(``open_recording_requested``).
"""
from __future__ import annotations

import html
from typing import Any

from ...core import catalog
from ...core.timefmt import format_duration



def where(page: int | None, start_s: float | None) -> str:
    if page is not None:
        return f"page {page}"
    if start_s is not None:
        return format_duration(start_s)
    return ""


def label(db: Any, document_id: int | None, page: int | None, start_s: float | None) -> str:
    """'Cell Biology, page 3' or 'Genetics lecture 3, 1:05' ('' without a source)."""
    if document_id is None:
        return ""
    doc = catalog.get_document(db, document_id)
    title = doc.title if doc is not None else f"Document {document_id}"
    place = where(page, start_s)
    return f"{title}, {place}" if place else title


def href(document_id: int | None, page: int | None, start_s: float | None) -> str:
    """An in-app link for a QLabel or QTextBrowser: 'cite:4:p:3' or 'cite:4:t:65.0'."""
    if document_id is None:
        return ""
    if page is not None:
        return f"cite:{document_id}:p:{page}"
    return f"cite:{document_id}:t:{float(start_s or 0.0):.2f}"


def link_html(db: Any, document_id: int | None, page: int | None, start_s: float | None) -> str:
    text = label(db, document_id, page, start_s)
    return f'<a href="{href(document_id, page, start_s)}">{html.escape(text)}</a>' if text else ""


def parse(link: str) -> tuple[int, int | None, float | None] | None:
    """(document id, page, second) from ``href``'s link; None for any other link."""
    parts = link.split(":")
    if len(parts) != 4 or parts[0] != "cite":
        return None
    try:
        doc = int(parts[1])
        return (doc, int(parts[3]), None) if parts[2] == "p" else (doc, None, float(parts[3]))
    except ValueError:
        return None


def open_citation(ctx: Any, document_id: int, page: int | None = None, start_s: float | None = None,
                  text: str = "") -> bool:
    """A book opens at its page; a lecture plays from its second. False when the source is gone."""
    doc = catalog.get_document(ctx.db, document_id)
    if doc is None:
        return False
    events = ctx.events
    if doc.kind == "lecture" or start_s is not None:
        if doc.recording_id is None:
            return False
        events.open_recording_requested.emit(int(doc.recording_id), float(start_s or 0.0))
    else:
        highlight = " ".join(text.split()[:12])
        events.open_document_requested.emit(int(document_id), int(page or 1), highlight)
    return True


def open_link(ctx: Any, link: str, text: str = "") -> bool:
    found = parse(link)
    return open_citation(ctx, *found, text=text) if found else False
