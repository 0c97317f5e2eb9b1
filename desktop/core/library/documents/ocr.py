"""Text recognition (OCR) with Tesseract, offline, one page image at a time.

Tesseract comes from the system packages (Debian: tesseract-ocr plus its language
data); measured against RapidOCR on pages of real manuals rendered with noise and
skew it was both more accurate and faster on two cores (bench/bench_ocr.py). It runs
as a child process with a time limit, so a page that takes too long is abandoned
(and reported) instead of holding up the worker, and one thread per page, so it
leaves the other core to the embedder.

One call gives both the text and the word boxes (TSV output): the text is rebuilt
line by line and paragraph by paragraph; the boxes are kept so a viewer can
highlight the recognised passage on the page.
"""
from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ...errors import DocumentError

PAGE_TIMEOUT_S = float(os.environ.get("LECTERN_OCR_PAGE_TIMEOUT_S", "90"))
DEFAULT_LANGUAGES = ("eng",)
MIN_CONFIDENCE = 30          # words Tesseract itself doubts below this are noise (specks, edges)


class OcrUnavailable(DocumentError):
    def __init__(self) -> None:
        super().__init__("Text recognition (OCR) is not installed on this computer.",
                         "Install Tesseract (Debian/Ubuntu: apt install tesseract-ocr tesseract-ocr-eng) and retry.")


class OcrTimeout(Exception):
    """One page took longer than its time limit (the caller skips it and says so)."""


class OcrStopped(Exception):
    """The reading was stopped (cancel, quit) while a page was being recognised."""


def run_limited(args: list[str], timeout_s: float, cancel: threading.Event | None = None,
                env: dict[str, str] | None = None) -> tuple[int, bytes, bytes]:
    """Run a child to the end, killing it past ``timeout_s`` (OcrTimeout) or when ``cancel``
    is set (OcrStopped), so a cancelled job never leaves an OCR process behind."""
    deadline = time.monotonic() + timeout_s
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as proc:
        while True:
            try:
                out, err = proc.communicate(timeout=max(0.0, min(0.25, deadline - time.monotonic())))
                return proc.returncode, out, err
            except subprocess.TimeoutExpired:
                stopped = cancel is not None and cancel.is_set()
                if stopped or time.monotonic() >= deadline:
                    proc.kill()
                    proc.communicate()
                    raise (OcrStopped() if stopped else OcrTimeout()) from None


@dataclass
class Word:
    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float
    line: int = 0          # the line of the page the word is on (0, 1, 2... in reading order)

    def as_list(self) -> list[Any]:
        return [self.text, self.left, self.top, self.width, self.height, round(self.conf, 1), self.line]


@dataclass
class OcrPage:
    text: str
    width: int
    height: int
    words: list[Word] = field(default_factory=list)


def tesseract() -> str | None:
    return shutil.which("tesseract")


@lru_cache(maxsize=1)
def installed_languages() -> tuple[str, ...]:
    exe = tesseract()
    if exe is None:
        return ()
    out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30).stdout
    return tuple(l.strip() for l in out.splitlines()[1:] if l.strip() and l.strip() != "osd")


def languages(wanted: tuple[str, ...] = DEFAULT_LANGUAGES) -> str:
    """'eng+deu'-style language list: the wanted ones that are installed (English otherwise)."""
    have = installed_languages()
    if not have:
        raise OcrUnavailable()
    chosen = [l for l in wanted if l in have] or ([have[0]] if "eng" not in have else ["eng"])
    return "+".join(chosen)


def check_languages(spec: str) -> str:
    """A language list like "eng+deu", checked against the installed language data."""
    have = installed_languages()
    if not have:
        raise OcrUnavailable()
    wanted = [l.strip() for l in spec.replace(",", "+").split("+") if l.strip()]
    missing = [l for l in wanted if l not in have]
    if missing:
        raise DocumentError(f"Text recognition has no language data for {', '.join(missing)} on this computer.",
                            f"Installed: {', '.join(have)}. (Debian/Ubuntu: apt install tesseract-ocr-{missing[0]})")
    return "+".join(wanted)


def recognise(image: Any, timeout_s: float | None = None, langs: str | None = None,
              cancel: threading.Event | None = None) -> OcrPage:
    """Text and word boxes of one page image (a PIL image). Raises OcrTimeout, OcrUnavailable."""
    exe = tesseract()
    if exe is None:
        raise OcrUnavailable()
    timeout_s = PAGE_TIMEOUT_S if timeout_s is None else timeout_s
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    with tempfile.TemporaryDirectory(prefix="lectern-ocr-") as tmp:
        # Uncompressed (PGM/PPM): writing a 300-dpi page as PNG costs a second of deflate.
        if image.mode not in ("L", "RGB"):
            image = image.convert("RGB")
        src = Path(tmp) / ("page.pgm" if image.mode == "L" else "page.ppm")
        image.save(src)
        code, out, err = run_limited([exe, str(src), "stdout", "-l", langs or languages(), "--psm", "3", "tsv"],
                                     timeout_s, cancel, env)
    if code != 0:
        last = err.decode(errors="replace").strip().splitlines()[-1:]
        raise DocumentError("Text recognition could not read this image.", last[0][:120] if last else "")
    return parse_tsv(out.decode("utf-8", errors="replace"), image.width, image.height)


def parse_tsv(tsv: str, width: int, height: int) -> OcrPage:
    """Tesseract's TSV (one row per word, with block/paragraph/line numbers) → text and boxes."""
    words: list[Word] = []
    paragraphs: list[list[list[str]]] = []     # paragraphs → lines → words
    last_par: tuple[int, int] | None = None
    last_line: tuple[int, int, int] | None = None
    lines = 0
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        if row.get("level") != "5":
            continue
        text = (row.get("text") or "").strip()
        try:
            conf = float(row.get("conf") or -1)
        except ValueError:
            conf = -1.0
        if not text or conf < MIN_CONFIDENCE:
            continue
        par = (int(row["block_num"]), int(row["par_num"]))
        line = (*par, int(row["line_num"]))
        if par != last_par:
            paragraphs.append([])
            last_par, last_line = par, None
        if line != last_line:
            paragraphs[-1].append([])
            last_line = line
            lines += 1
        paragraphs[-1][-1].append(text)
        words.append(Word(text, int(row["left"]), int(row["top"]), int(row["width"]), int(row["height"]), conf,
                          lines - 1))
    text = "\n\n".join("\n".join(" ".join(l) for l in p) for p in paragraphs)
    return OcrPage(text, width, height, words)
