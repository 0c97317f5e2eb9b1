"""Old binary Office files (.ppt, .doc) through LibreOffice headless, when it is installed.

LibreOffice converts the file to .pptx/.docx in a private temporary folder (with its own
profile, so a LibreOffice window the student has open is not disturbed); the modern
reader then reads the copy. The original is never touched.
"""
from __future__ import annotations

import shutil
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ...errors import DocumentError
from .ocr import OcrTimeout, run_limited   # the same killable child runner as OCR

CONVERT_TIMEOUT_S = 180
TARGET = {".ppt": "pptx", ".pps": "pptx", ".doc": "docx"}
APP = {".ppt": "PowerPoint", ".pps": "PowerPoint", ".doc": "Word"}


def libreoffice() -> str | None:
    """The LibreOffice executable, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


@contextmanager
def converted(path: Path, cancel: threading.Event | None = None) -> Iterator[Path]:
    """A .pptx/.docx copy of an old .ppt/.doc file, removed afterwards."""
    ext = path.suffix.lower()
    target = TARGET[ext]
    exe = libreoffice()
    if exe is None:
        raise DocumentError(
            f"Old {APP[ext]} files ({ext}) are read through LibreOffice, which is not installed on this computer.",
            f"Install LibreOffice and retry, or open the file in {APP[ext]} and save it as .{target}.")
    with tempfile.TemporaryDirectory(prefix="lectern-convert-") as tmp:
        src = Path(tmp) / f"in{ext}"
        shutil.copyfile(path, src)
        profile = Path(tmp, "profile").as_uri()
        try:
            code, _out, _err = run_limited(
                [exe, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                 "--convert-to", target, "--outdir", tmp, str(src)], CONVERT_TIMEOUT_S, cancel)
        except OcrTimeout:
            raise DocumentError(f"LibreOffice took more than {CONVERT_TIMEOUT_S // 60} minutes to open this file.",
                                f"Open it in {APP[ext]} and save it as .{target}.") from None
        out = Path(tmp) / f"in.{target}"
        if code != 0 or not out.exists():
            raise DocumentError(f"LibreOffice could not open this {ext} file (it may be damaged or protected).",
                                f"Open it in {APP[ext]} and save it as .{target}.")
        yield out
