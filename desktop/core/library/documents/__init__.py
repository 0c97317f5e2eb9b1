"""Readers for every kind of course file the library takes, each giving numbered pages.

``read_pages`` picks the reader from the file's extension. Whatever the kind, a
document comes out as ``PageText`` pages numbered from 1 — PDF pages, slides,
sections of a Word file or a note, chapters of an EPUB, or the one page of a photo —
so chunking, indexing and citing work the same for all. The original file is only
ever read.

Modules: ``slides`` (.pptx, .odp), ``wordproc`` (.docx, .odt), ``epub``, ``html_notes``,
``text_notes`` (.txt, .md), ``legacy`` (.ppt/.doc through LibreOffice), ``images`` (photos), ``scanned`` (OCR of PDF
pages without text), ``ocr`` (Tesseract), ``words`` (the word-box sidecar), ``highlight``
(where a cited passage is on an OCR'd page or in a page's text), ``reader`` (``read_pages``, the
reader picked by kind), ``reading`` (what a viewer shows: the cited pages read again), ``rendering``
(slides drawn as they look, through LibreOffice when it is installed).
"""
from __future__ import annotations

from .highlight import Box, passage_boxes, passage_span, recognised_hits
from .images import picture_for_display
from .legacy import libreoffice
from .ocr import OcrUnavailable, check_languages, installed_languages, tesseract
from .reader import HTML_EXTENSIONS, OCR_MODES, read_pages
from .rendering import can_draw_slides, slide_png
from .reading import ReadingView, ViewPage, ViewPart, reading_view, recognised_text
from .slides import MAX_SLIDES
from .text_notes import note_text
from .words import read_word_boxes, words_file

__all__ = ["Box", "passage_boxes", "passage_span", "recognised_hits", "OCR_MODES", "HTML_EXTENSIONS", "MAX_SLIDES", "read_pages",
           "read_word_boxes", "words_file", "libreoffice", "tesseract", "OcrUnavailable", "check_languages",
           "installed_languages", "note_text", "ReadingView", "ViewPage", "ViewPart", "reading_view",
           "recognised_text", "picture_for_display",
           "can_draw_slides", "slide_png"]
