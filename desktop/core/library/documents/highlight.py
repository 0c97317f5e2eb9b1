"""Where a cited passage sits on a page, for a viewer to highlight it.

On an OCR'd page the passage's words are aligned with the page's recognised words
(difflib on normalised words, so OCR slips and hyphenation do not break the match); the
matched words are merged line by line into rectangles, given as fractions of the page
(0–1), which a viewer scales to whatever size it draws the page at. On a page with a
text layer, ``passage_span`` finds the passage's characters in the page's own text (as
the viewer's PDF engine extracts it), for the viewer to ask that engine for their boxes.

A passage of one or two words (a search query) matches those words wherever they stand.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from .words import read_word_boxes

_WORD = re.compile(r"\w+", re.UNICODE)
MIN_RUN = 2          # shorter matches are coincidences ("the", "of")


@dataclass
class Box:
    """A rectangle on the page as fractions of its width and height."""

    x: float
    y: float
    w: float
    h: float


def _norm(text: str) -> str:
    return "".join(_WORD.findall(text.lower()))


def passage_boxes(paths: Any, document_id: int, page: int, passage: str) -> list[Box]:
    """Rectangles covering ``passage`` on ``page`` of an OCR'd document ([] when the page
    was not recognised, or the passage is not on it)."""
    entry = next((p for p in read_word_boxes(paths, document_id) if p["page"] == page), None)
    if entry is None or not entry["words"]:
        return []
    words = entry["words"]
    wanted = [t for t in (_norm(w) for w in passage.split()) if t]
    hit = _matched([_norm(w[0]) for w in words], wanted)
    return _merge_lines([words[i] for i in hit], entry["width"], entry["height"])


def recognised_hits(paths: Any, document_id: int, query: str, limit: int = 500) -> list[tuple[int, list[Box]]]:
    """Where ``query`` (a word or a phrase) stands in the text OCR recognised on a document's
    pages: (page, rectangles) for each place, in page order — Find for scanned pages, which
    have no text layer for the viewer's own search."""
    wanted = [t for t in (_norm(w) for w in query.split()) if t]
    if not wanted:
        return []
    out: list[tuple[int, list[Box]]] = []
    for entry in read_word_boxes(paths, document_id):
        words = entry["words"]
        tokens = [_norm(w[0]) for w in words]
        n = len(wanted)
        for i in range(len(tokens) - n + 1):
            window = tokens[i:i + n]
            # the last word may be the start of a longer one ("photosynth" finds "photosynthesis")
            if window[:-1] == wanted[:-1] and window[-1].startswith(wanted[-1]):
                out.append((int(entry["page"]), _merge_lines(words[i:i + n], entry["width"], entry["height"])))
                if len(out) >= limit:
                    return out
    return sorted(out, key=lambda hit: hit[0])


def _matched(page_tokens: list[str], wanted: list[str]) -> list[int]:
    """Indexes of the page's tokens that belong to the passage (its tokens ``wanted``), in order."""
    if not wanted or not any(page_tokens):
        return []
    if len(wanted) < MIN_RUN * 2:          # a query: its words wherever they are
        keys = set(wanted)
        return [i for i, t in enumerate(page_tokens) if t and t in keys]
    matcher = difflib.SequenceMatcher(None, page_tokens, wanted, autojunk=False)
    return sorted(i for a, _b, size in matcher.get_matching_blocks() if size >= MIN_RUN
                  for i in range(a, a + size))


def passage_span(page_text: str, passage: str) -> tuple[int, int] | None:
    """(start, end) character offsets of ``passage`` in ``page_text``, the page's text as
    the viewer's engine reads it (its line breaks and hyphens may differ from the
    passage's): from the first to the last matched word. None when it is not there."""
    spans = [(m.start(), m.end()) for m in _WORD.finditer(page_text)]
    wanted = [t.lower() for t in _WORD.findall(passage)]
    hit = _matched([page_text[a:b].lower() for a, b in spans], wanted)
    if not hit:
        return None
    if len(hit) > 1 and len(wanted) >= MIN_RUN * 2:
        # Stray matches far from the passage's body (a word repeated in a heading) would
        # stretch the span over the page: keep the longest stretch of close matches.
        runs: list[list[int]] = [[hit[0]]]
        for i in hit[1:]:
            if i - runs[-1][-1] <= 8:
                runs[-1].append(i)
            else:
                runs.append([i])
        hit = max(runs, key=len)
    return spans[hit[0]][0], spans[hit[-1]][1]


def _merge_lines(words: list[list[Any]], width: int, height: int) -> list[Box]:
    """The matched words of one OCR line become one rectangle, in reading order."""
    boxes: dict[int, list[float]] = {}      # line → [left, top, right, bottom] in pixels
    for _text, left, top, w, h, _conf, line in words:
        b = boxes.get(line)
        boxes[line] = ([left, top, left + w, top + h] if b is None else
                       [min(b[0], left), min(b[1], top), max(b[2], left + w), max(b[3], top + h)])
    return [Box(l / width, t / height, (r - l) / width, (b - t) / height)
            for l, t, r, b in (boxes[k] for k in sorted(boxes))]
