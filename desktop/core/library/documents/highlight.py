"""Where a cited passage sits on an OCR'd page, for the viewer to highlight it.

The passage's words are aligned with the page's recognised words (difflib on normalised
words, so OCR slips and hyphenation do not break the match); the matched words are
merged line by line into rectangles, given as fractions of the page (0–1), which a
viewer scales to whatever size it draws the page at.
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
    page_tokens = [_norm(w[0]) for w in words]
    wanted = [t for t in (_norm(w) for w in passage.split()) if t]
    matcher = difflib.SequenceMatcher(None, page_tokens, wanted, autojunk=False)
    hit = sorted(i for a, _b, size in matcher.get_matching_blocks() if size >= MIN_RUN
                 for i in range(a, a + size))
    return _merge_lines([words[i] for i in hit], entry["width"], entry["height"])


def _merge_lines(words: list[list[Any]], width: int, height: int) -> list[Box]:
    """The matched words of one OCR line become one rectangle, in reading order."""
    boxes: dict[int, list[float]] = {}      # line → [left, top, right, bottom] in pixels
    for _text, left, top, w, h, _conf, line in words:
        b = boxes.get(line)
        boxes[line] = ([left, top, left + w, top + h] if b is None else
                       [min(b[0], left), min(b[1], top), max(b[2], left + w), max(b[3], top + h)])
    return [Box(l / width, t / height, (r - l) / width, (b - t) / height)
            for l, t, r, b in (boxes[k] for k in sorted(boxes))]
