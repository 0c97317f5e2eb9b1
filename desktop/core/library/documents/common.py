"""What every document reader shares: cheap checks before a parser sees the file,
and turning titled sections into the numbered pages the chunker cites."""
from __future__ import annotations

import zipfile
from pathlib import Path

from ...errors import DocumentError
from ..pdftext import EmptyFile, PageText

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # a Compound File: old Office, or encrypted OOXML
ZIP_MAGIC = b"PK\x03\x04"
# Office files and EPUBs are zips that parsers unpack in memory; past this they would take
# the worker's memory (a "zip bomb", or a deck of uncompressed videos): refused up front.
MAX_UNPACKED_BYTES = 1024 ** 3


def check_present(path: Path) -> bytes:
    """The first bytes of the file; plain errors when it is missing or empty."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except FileNotFoundError:
        raise DocumentError("The file is missing from the library folder.",
                            "Delete it from the library and import it again.") from None
    if not head:
        raise EmptyFile()
    return head


def check_office_zip(path: Path, app: str, ext: str) -> None:
    """An Office/OpenDocument file must be a zip. A password-protected .docx/.pptx is
    an encrypted Compound File instead, which is what Word and PowerPoint write."""
    head = check_present(path)
    if head.startswith(OLE_MAGIC):
        raise DocumentError(
            "This file is protected with a password, so Lectern cannot read it.",
            f"Open it in {app}, remove the password (File → Info → Protect), save it as {ext} and import it again.")
    if not head.startswith(ZIP_MAGIC) or not zipfile.is_zipfile(path):
        raise DocumentError(f"This file is damaged or is not really a {ext} file.",
                            f"Open it in {app} and save it again as {ext}.")
    check_unpacked_size(path, app)


def check_unpacked_size(path: Path, app: str) -> None:
    """Refuse a zip that would unpack to more than MAX_UNPACKED_BYTES (from its directory only)."""
    try:
        with zipfile.ZipFile(path) as z:
            total = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return                # the reader itself says the file is damaged
    if total > MAX_UNPACKED_BYTES:
        size = f"{total / 1024 ** 3:.1f} GB" if total >= 1024 ** 3 else f"{total / 1024 ** 2:.1f} MB"
        raise DocumentError(f"This file unpacks to {size}, too much to read safely.",
                            f"Open it in {app}, remove large embedded media, save it and import it again.")


def damaged(ext: str, app: str, exc: BaseException | None = None) -> DocumentError:
    detail = f" ({type(exc).__name__})" if exc is not None else ""
    return DocumentError(f"This {ext} file is damaged and cannot be read{detail}.",
                         f"Open it in {app} and save it again.")


def join_lines(lines: list[str]) -> str:
    """Paragraphs separated by a blank line (how the chunker finds them)."""
    return "\n\n".join(l.strip() for l in lines if l and l.strip())


def section_pages(sections: list[tuple[str, str]]) -> list[PageText]:
    """(title, text) sections as pages 1..n, empty ones dropped, each starting with its title."""
    out: list[PageText] = []
    for title, text in sections:
        body = text.strip()
        if not body and not title.strip():
            continue
        full = f"{title.strip()}\n\n{body}" if title.strip() and not body.startswith(title.strip()) else body
        out.append(PageText(len(out) + 1, full.strip()))
    return out
