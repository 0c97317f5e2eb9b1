"""Slides drawn as they look, for the viewer, when LibreOffice is installed.

LibreOffice headless turns the deck into a PDF once (in a private profile and folder, so
an open LibreOffice window is not disturbed, and under a time limit); poppler's
``pdftoppm`` then draws one slide at a time as a PNG of the width the viewer asks for.
The PDF is kept in the system's temporary folder, named after the deck's size, time
and path, so opening the deck again draws at once and a changed deck is converted anew.
Without LibreOffice (or when it fails) the viewer shows the slide's text, as always.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

from ...errors import DocumentError
from .legacy import CONVERT_TIMEOUT_S, libreoffice
from .ocr import OcrTimeout, run_limited

RENDER_TIMEOUT_S = 60
_CONVERTING = threading.Lock()      # one conversion at a time: a viewer asking for slide after slide waits for it
DECKS = (".pptx", ".pptm", ".ppsx", ".odp", ".ppt", ".pps")


def can_draw_slides(path: Path) -> bool:
    return path.suffix.lower() in DECKS and libreoffice() is not None and shutil.which("pdftoppm") is not None


def _cache_dir() -> Path:
    folder = Path(tempfile.gettempdir()) / f"lectern-slides-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def slides_pdf(path: Path, cancel: threading.Event | None = None) -> Path:
    """The deck as a PDF, one page per slide (converted once, then reused)."""
    exe = libreoffice()
    if exe is None:
        raise DocumentError("Slides are drawn by LibreOffice, which is not installed on this computer.",
                            "Install LibreOffice to see the slides as they look; their text is shown meanwhile.")
    st = path.stat()
    key = hashlib.sha256(f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:32]
    out = _cache_dir() / f"{key}.pdf"
    if out.exists():
        return out
    with _CONVERTING:
        if not out.exists():
            _convert(exe, path, out, cancel)
    return out


def _convert(exe: str, path: Path, out: Path, cancel: threading.Event | None) -> None:
    _forget_old(out.parent)
    with tempfile.TemporaryDirectory(prefix="lectern-draw-") as tmp:
        src = Path(tmp) / f"deck{path.suffix.lower()}"
        shutil.copyfile(path, src)
        profile = Path(tmp, "profile").as_uri()
        try:
            code, _out, _err = run_limited(
                [exe, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to", "pdf",
                 "--outdir", tmp, str(src)], CONVERT_TIMEOUT_S, cancel)
        except OcrTimeout:
            raise DocumentError(f"LibreOffice took more than {CONVERT_TIMEOUT_S // 60} minutes to draw these slides.",
                                "Their text is shown instead.") from None
        made = Path(tmp) / "deck.pdf"
        if code != 0 or not made.exists():
            raise DocumentError("LibreOffice could not draw these slides.", "Their text is shown instead.")
        partial = out.with_suffix(".part")
        shutil.copyfile(made, partial)
        os.replace(partial, out)


def _forget_old(folder: Path, days: float = 30) -> None:
    """Drawn decks not opened for a month go (the temporary folder is not for keeping)."""
    cutoff = time.time() - days * 86400
    for old in folder.glob("*.pdf"):
        try:
            if old.stat().st_atime < cutoff and old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass


def slide_png(path: Path, number: int, width: int, cancel: threading.Event | None = None) -> bytes:
    """Slide ``number`` (1-based) of the deck as a PNG ``width`` pixels wide."""
    pdf = slides_pdf(path, cancel)
    exe = shutil.which("pdftoppm")
    if exe is None:
        raise DocumentError("Slides cannot be drawn: poppler's pdftoppm is not installed.")
    with tempfile.TemporaryDirectory(prefix="lectern-slide-") as tmp:
        target = Path(tmp) / "slide"
        try:
            run_limited([exe, "-png", "-f", str(number), "-l", str(number), "-singlefile",
                         "-scale-to-x", str(max(64, int(width))), "-scale-to-y", "-1", str(pdf), str(target)],
                        RENDER_TIMEOUT_S, cancel)
        except OcrTimeout:
            raise DocumentError("Drawing this slide took too long.", "Its text is shown instead.") from None
        png = target.with_suffix(".png")
        if not png.exists():
            raise DocumentError(f"Slide {number} could not be drawn.", "Its text is shown instead.")
        return png.read_bytes()
