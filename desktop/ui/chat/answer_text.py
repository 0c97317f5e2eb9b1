"""An answer and its sources as safe rich text: [n] become links, invented numbers vanish."""
from __future__ import annotations

import html
import re

from ...core import chat
from ...core.chat import Source
from ...core.timefmt import format_duration

CITE_LINK = re.compile(r"\[(\d+)\]")
PASSAGE_CHARS = 190
LINK_STYLE = "color:#1d4ed8; text-decoration:none; font-weight:600;"


def answer_html(text: str, n_sources: int, partial: bool = False) -> str:
    """Plain model text → safe rich text: [n] become links, invented numbers vanish."""
    cleaned, _ = chat.clean_citations(text, n_sources, partial=partial)
    out_lines: list[str] = []
    for line in html.escape(cleaned).split("\n"):
        stripped = line.lstrip()
        if stripped.startswith(("- ", "* ", "• ")):
            line = "&nbsp;&nbsp;•&nbsp;" + stripped[2:]
        line = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", line)
        line = re.sub(r"`([^`]+)`", r"<code>\1</code>", line)
        out_lines.append(line)
    body = "<br>".join(out_lines)
    body = body.replace(" " + html.escape(chat.UNSUPPORTED_MARK), html.escape(chat.UNSUPPORTED_MARK)).replace(
        html.escape(chat.UNSUPPORTED_MARK), UNSUPPORTED_HTML)
    for lead in (chat.PARTLY_COVERED, chat.NOT_BACKED):
        escaped = html.escape(lead)
        if body.startswith(escaped):
            body = f'<span style="color:#92400e; font-weight:600;">{escaped.rstrip()}</span> ' + body[len(escaped):]
    return CITE_LINK.sub(lambda m: f'<a href="cite:{m.group(1)}" style="{LINK_STYLE}">[{m.group(1)}]</a>', body)


# A claim no passage supports, flagged where it stands.
UNSUPPORTED_HTML = ('&nbsp;<span style="color:#b45309; background:#fef3c7; font-size:8.5pt;">'
                    '&nbsp;⚠&nbsp;not&nbsp;in&nbsp;your&nbsp;sources&nbsp;</span>')


def place_text(s: Source) -> str:
    """Where a source is, as the source list shows it: "§ 5.3 Data frames · p. 40", "lecture 12:31"."""
    if s.start_s is not None:
        return f"lecture {format_duration(s.start_s)}" if s.kind == "lecture" else s.where
    where = s.where
    if s.section_title:
        if s.page is not None and where.startswith("page "):
            where = f"p. {s.page}"
        return f"§ {s.section_title} · {where}" if where else f"§ {s.section_title}"
    return where


def elide(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def source_html(s: Source, passage_chars: int = PASSAGE_CHARS) -> str:
    where = f"▶ {place_text(s)}" if s.start_s is not None else place_text(s)
    return (f'<a href="cite:{s.n}" style="{LINK_STYLE}">[{s.n}]</a>'
            f'&nbsp; <b>{html.escape(s.title)}</b>'
            f'<span style="color:#475569;"> · {html.escape(where)}</span><br>'
            f'<span style="color:#4b5563;">{html.escape(elide(s.quote or s.text, passage_chars))}</span>')
