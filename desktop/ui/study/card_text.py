"""How a card reads on screen: a cloze's gap hidden on the question, shown on the answer."""
from __future__ import annotations

import html
import re

from ..theme import color

_GAP = re.compile(r"\{\{c\d+::(.*?)(?:::(.*?))?\}\}")


def question_html(kind: str, front: str) -> str:
    if kind == "cloze":
        return _GAP.sub(lambda m: f"<span style='color:{color('accent')}'>[{html.escape(m.group(2) or '…')}]</span>",
                        html.escape(front, quote=False))
    return html.escape(front, quote=False)


def answer_html(kind: str, front: str, back: str) -> str:
    if kind == "cloze":
        shown = _GAP.sub(lambda m: f"<b style='color:{color('accent')}'>{m.group(1)}</b>", html.escape(front, quote=False))
        return shown + (f"<br><span style='color:{color('muted')}'>{html.escape(back, quote=False)}</span>" if back else "")
    return html.escape(back, quote=False)


def plain(kind: str, front: str) -> str:
    """The card's front as plain text (a cloze with its gap filled in): for tables and highlights."""
    return _GAP.sub(lambda m: m.group(1), front) if kind == "cloze" else front
