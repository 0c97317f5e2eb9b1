"""Viewers of the library's course files, each opened at the place a citation names.

``ReadingViewer`` (slides, Word/Writer documents, EPUBs, HTML notes: one cited unit at a
time), ``ImageViewer`` (a photo with its recognised text); the PDF viewer
(``ui.pdf_viewer``) and the note viewer (``ui.note_viewer``) use the same parts from
``common`` (screen-fitted size, page bar, Ctrl+W).
"""
from .common import fit_to_screen
from .image_viewer import ImageViewer
from .reading_viewer import ReadingViewer

__all__ = ["ImageViewer", "ReadingViewer", "fit_to_screen"]
