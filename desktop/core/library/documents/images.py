"""Photos and scans as images (PNG, JPEG, TIFF, WebP, HEIC/HEIF through pi-heif):
one picture is a one-page document whose text comes from OCR."""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Iterator

from ...errors import DocumentError
from ..pdftext import ExtractReport, PageText
from .common import check_present
from .ocr import OcrTimeout, recognise
from .words import WordBoxes

MAX_PIXELS = 100_000_000      # a 100-megapixel picture is not a photo of a page
OCR_LONG_SIDE = 3500          # bigger photos are scaled down: no gain in accuracy, much slower


def image_from_bytes(data: bytes) -> Any:
    """A picture embedded in a document (a slide's photo), ready for OCR."""
    import io

    return open_image(io.BytesIO(data))


def open_image(path: Path | Any) -> Any:
    """The picture, upright (EXIF rotation applied), in grey, at a size OCR works well with."""
    from PIL import Image

    img = _upright(path).convert("L")
    scale = OCR_LONG_SIDE / max(img.size)
    if scale < 1:
        img = img.resize((max(1, int(img.width * scale)), max(1, int(img.height * scale))), Image.LANCZOS)
    return img


def picture_for_display(path: Path, long_side: int = 2400) -> Any:
    """The photo as a viewer shows it: upright, in colour (RGB), no larger than ``long_side``.
    The same turn as for OCR, so the recognised words' boxes (fractions of the page) fit it."""
    img = _upright(path).convert("RGB")
    img.thumbnail((long_side, long_side))
    return img


def _upright(path: Path | Any) -> Any:
    """The picture opened, checked and turned upright; transparency on white."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if isinstance(path, Path):
        check_present(path)
    try:
        import pi_heif

        pi_heif.register_heif_opener()
    except ImportError:       # HEIC photos then say plainly that they cannot be opened
        pass
    too_large = DocumentError("This picture is too large to read (over 100 megapixels).",
                              "Scale it down or crop it to the page, then import it again.")
    try:
        with warnings.catch_warnings():   # our own limit below decides, with a plain message
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            probe = Image.open(path)
        with probe:                          # reads the header only: the size is known before decoding
            if probe.width * probe.height > MAX_PIXELS:
                raise too_large
            probe.verify()    # catches truncated and damaged files before decoding them
        if not isinstance(path, Path):
            path.seek(0)
        img = Image.open(path)
        img.load()
        img = ImageOps.exif_transpose(img)
    except Image.DecompressionBombError:
        raise too_large from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DocumentError("This picture is damaged or in a format Lectern cannot open.",
                            "Open it in a photo viewer and save it again as PNG or JPEG."
                            + (f" ({type(exc).__name__})" if not isinstance(exc, UnidentifiedImageError) else "")
                            ) from None
    if img.mode in ("RGBA", "LA", "P"):
        # Transparent areas become white, not black (screenshots, exported slides).
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba)
    return img


def read_image(path: Path, report: ExtractReport, ocr: str, boxes: WordBoxes | None,
               langs: str = "") -> Iterator[PageText]:
    if ocr == "never":
        raise DocumentError("This is a picture: its text can only be read by text recognition (OCR), "
                            "which was turned off.", "Read it again with OCR set to auto.")
    img = open_image(path)
    report.pages = 1
    report.stage = "Recognising text, page 1 of 1"
    try:
        page = recognise(img, langs=langs or None, cancel=report.cancel)
    except OcrTimeout:
        raise DocumentError("Recognising the text of this picture took too long and was stopped.",
                            "Crop the photo to the page, or take a sharper one.") from None
    if not page.text.strip():
        raise DocumentError("No text was found in this picture.",
                            "Lectern reads printed or clearly written text: try a sharper, straighter photo.")
    report.pages_with_text = report.ocr_pages = 1
    if boxes is not None:
        boxes.add(1, page, dpi=None)
        boxes.save()
    yield PageText(1, page.text)
