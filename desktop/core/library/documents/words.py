"""Where OCR'd words were on the page, kept for a viewer to highlight a cited passage.

A JSON-lines sidecar beside the document's file, ``files/<id>/.ocr-words.jsonl``, one
line per recognised page::

    {"page": 3, "dpi": 300, "width": 2480, "height": 3508,
     "words": [["Photosynthesis", 210, 388, 402, 51, 96.2], ...]}

Boxes are [text, left, top, width, height, confidence, line] in pixels of the recognised
image (line: the word's line on the page, 0, 1, 2... in reading order); ``dpi`` (None for a photo) turns them into PDF points (x * 72 / dpi).
It is written once, whole, when the reading ends (temp file, then rename).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterator

from ...catalog.files import WORDS_SIDECAR, document_folder, temp_path
from .ocr import OcrPage


def words_file(paths: Any, document_id: int) -> Path:
    return document_folder(paths, document_id) / WORDS_SIDECAR


class WordBoxes:
    """Collects the boxes of the pages recognised in one reading."""

    def __init__(self, out: Path | None) -> None:
        self.out = out
        self.pages: list[dict[str, Any]] = []

    def add(self, page: int, ocr: OcrPage, dpi: int | None) -> None:
        self.pages.append({"page": page, "dpi": dpi, "width": ocr.width, "height": ocr.height,
                           "words": [w.as_list() for w in ocr.words]})

    def save(self) -> None:
        """Write the sidecar (or remove an old one when no page was recognised this time)."""
        if self.out is None or not self.out.parent.is_dir():
            return
        if not self.pages:
            self.out.unlink(missing_ok=True)
            return
        tmp = temp_path(self.out.parent)
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                for p in self.pages:
                    f.write(json.dumps(p, ensure_ascii=False) + "\n")
            os.replace(tmp, self.out)
        finally:
            tmp.unlink(missing_ok=True)


def read_word_boxes(paths: Any, document_id: int) -> Iterator[dict[str, Any]]:
    """The recognised pages of a document with their word boxes (nothing if none)."""
    path = words_file(paths, document_id)
    if not path.exists():
        return
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)
