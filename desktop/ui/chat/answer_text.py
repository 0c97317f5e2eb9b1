"""An answer and its sources as safe rich text: [n] become links, invented numbers vanish."""
from __future__ import annotations

import html
import re

from ...core import chat
from ...core.chat import Source

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
    return CITE_LINK.sub(lambda m: f'<a href="cite:{m.group(1)}" style="{LINK_STYLE}">[{m.group(1)}]</a>', body)


def elide(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def source_html(s: Source, passage_chars: int = PASSAGE_CHARS) -> str:
    where = f"▶ {s.where}" if s.start_s is not None else s.where
    return (f'<a href="cite:{s.n}" style="{LINK_STYLE}">[{s.n}]</a>'
            f'&nbsp; <b>{html.escape(s.title)}</b>'
            f'<span style="color:#475569;"> · {html.escape(where)}</span><br>'
            f'<span style="color:#4b5563;">{html.escape(elide(s.quote or s.text, passage_chars))}</span>')
