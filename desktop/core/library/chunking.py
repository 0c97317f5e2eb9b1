"""Cutting page text into passages that embed well and cite exactly.

A chunk never crosses a page, so every passage cites one page. Inside a page the
text is rebuilt into paragraphs (PDF text comes as visual lines), then packed into
chunks of about ``TARGET_CHARS`` without breaking paragraphs, and when a paragraph
is too long, without breaking sentences. Each chunk ends with the first sentence or
two of the next one (``OVERLAP_CHARS``) so an answer that straddles the cut is found.

Running headers and footers (a book title, a chapter name, "Page 12 of 300")
repeat on page after page; left in, they would match every query about them.
``strip_boilerplate`` removes lines that recur at the top or bottom of nearby pages,
looking a few pages ahead, so it streams and is deterministic: the same book always
gives the same chunks, which is what lets an interrupted ingestion resume.

Everything here is pure text processing: no I/O, no models.
"""
from __future__ import annotations

import re
from collections import Counter, deque
from dataclasses import dataclass, replace
from typing import Iterable, Iterator

from .pdftext import PageText

TARGET_CHARS = 1000      # ~250 tokens of prose (the embedder reads the first 128)
MAX_CHARS = 1350
OVERLAP_CHARS = 160
MIN_CHARS = 60           # a shorter tail is merged into the chunk before it

EDGE_LINES = 2           # how many lines at the top and bottom can be header/footer
WINDOW = 5               # pages looked at on each side
MIN_REPEATS = 3          # a line on at least this many of those pages is boilerplate
FOLIO_MAX_WORDS = 8      # a running header with the page number is a short line
SUBTITLE_MAX_WORDS = 12  # a title's subtitle printed beside it (a reference manual's topic)
SUBTITLE_MAX_CHARS = 90


@dataclass
class TextChunk:
    page: int
    text: str
    section: int | None = None
    heading: str = ""     # the section title it sits under ("" = none known)


# -- headers and footers -------------------------------------------------------------------------
_DIGITS = re.compile(r"\d+")
_PAGE_NUMBER = re.compile(r"^(page\s*)?[-–—\s]*[#ivxlcdm]{1,6}[-–—\s]*((of|/)\s*#)?$", re.IGNORECASE)


def _key(line: str) -> str:
    """Lines that differ only by numbers (page numbers) count as the same line."""
    return " ".join(_DIGITS.sub("#", line.lower()).split())


def _edges(lines: list[str]) -> list[int]:
    """Indexes of the first and last EDGE_LINES non-empty lines."""
    filled = [i for i, l in enumerate(lines) if l.strip()]
    return sorted(set(filled[:EDGE_LINES] + filled[-EDGE_LINES:]))


def _folio_offsets(line: str, page_number: int) -> set[int]:
    """For a short edge line that begins or ends with a number: that number's distance from
    the page's place in the file (a printed page number keeps the same distance from page
    to page; a chapter or section number does not)."""
    words = line.split()
    if not words or len(words) > FOLIO_MAX_WORDS:
        return set()
    return {int(w) - page_number for w in {words[0], words[-1]} if w.isdigit() and len(w) <= 5}


def strip_boilerplate(pages: Iterable[PageText]) -> Iterator[PageText]:
    """Pages with running headers, footers and bare page numbers removed (streaming).

    A line recurring at the edge of nearby pages goes, and so does an edge line holding
    the printed page number, recognised as a number that keeps its distance from the
    page's place on nearby pages: a reference manual's header names each page's topic
    ("678 trimws"), so the lines never repeat, and left in, it would be taken for the
    topic's own title when cutting the page into sections."""
    # Each edge line's key and page-number offsets are worked out once, when its page is read.
    ahead: deque[tuple[PageText, list[str], dict[int, tuple[str, set[int]]]]] = deque()
    behind: deque[dict[int, tuple[str, set[int]]]] = deque(maxlen=WINDOW)

    def emit() -> PageText:
        page, lines, edges = ahead.popleft()
        counts: Counter[str] = Counter()
        folios: Counter[int] = Counter()
        for other in list(behind) + [e for _, _, e in ahead]:
            counts.update({key for key, _ in other.values()})
            folios.update({d for _, offsets in other.values() for d in offsets})
        drop = set()
        for i, (key, offsets) in edges.items():
            if _PAGE_NUMBER.match(key) or (len(key) > 1 and counts[key] + 1 >= MIN_REPEATS):
                drop.add(i)
            elif any(folios[d] + 1 >= MIN_REPEATS for d in offsets):
                drop.add(i)
        behind.append(edges)
        text = "\n".join(l for i, l in enumerate(lines) if i not in drop)
        return replace(page, text=text)

    for page in pages:
        lines = page.text.splitlines()
        edges = {i: (_key(lines[i]), _folio_offsets(lines[i], page.number)) for i in _edges(lines)}
        ahead.append((page, lines, edges))
        if len(ahead) > WINDOW:
            yield emit()
    while ahead:
        yield emit()


# -- paragraphs and sentences --------------------------------------------------------------------
_SENTENCE_END = re.compile(r"[.!?:;][\"')\]]*$")
_BULLET = re.compile(r"^\s*([•·▪‣◦*–-]|\(?\d{1,3}[.)]|\(?[a-z][.)])\s+")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")


def paragraphs(text: str) -> list[str]:
    """Rebuild paragraphs from visual lines: join wrapped lines, undo end-of-line hyphenation."""
    lines = [l.rstrip() for l in text.replace("\r", "").split("\n")]
    widths = sorted(len(l) for l in lines if l.strip())
    full = widths[int(len(widths) * 0.8)] if widths else 0   # a typical full line's width
    out: list[str] = []
    current = ""
    for line in lines:
        s = " ".join(line.split())
        if not s:
            if current:
                out.append(current)
            current = ""
            continue
        if current and _BULLET.match(line):
            out.append(current)
            current = ""
        if not current:
            current = s
        elif current.endswith("-") and len(current) > 1 and current[-2].isalpha() and s[:1].islower():
            current = current[:-1] + s     # "argu-" + "ments"
        else:
            current = current + " " + s
        # A short line ending a sentence closes its paragraph.
        if _SENTENCE_END.search(s) and len(line.strip()) < 0.75 * full:
            out.append(current)
            current = ""
    if current:
        out.append(current)
    return out


def sentences(text: str) -> list[str]:
    parts = [p.strip() for p in _SENTENCE_SPLIT.split(text)]
    return [p for p in parts if p]


def _hard_wrap(text: str, limit: int) -> list[str]:
    """Split an over-long run without sentence ends (tables, code) at spaces."""
    out: list[str] = []
    words = text.split()
    current = ""
    for w in words:
        while len(w) > limit:                     # a single monster token
            if current:
                out.append(current)
                current = ""
            out.append(w[:limit])
            w = w[limit:]
        if current and len(current) + 1 + len(w) > limit:
            out.append(current)
            current = w
        else:
            current = f"{current} {w}" if current else w
    if current:
        out.append(current)
    return out


def _units(text: str) -> list[str]:
    """Paragraphs, or sentences of too-long paragraphs, or wrapped pieces of too-long sentences."""
    units: list[str] = []
    for para in paragraphs(text):
        if len(para) <= MAX_CHARS:
            units.append(para)
            continue
        for sent in sentences(para):
            units.extend([sent] if len(sent) <= MAX_CHARS else _hard_wrap(sent, TARGET_CHARS))
    return units


def _head(text: str, limit: int) -> str:
    """The first whole sentences of ``text`` that fit in ``limit`` characters."""
    picked: list[str] = []
    size = 0
    for sent in sentences(text):
        if size + len(sent) + 1 > limit:
            break
        picked.append(sent)
        size += len(sent) + 1
    return " ".join(picked)


def split_text(text: str) -> list[str]:
    """One page's text as chunk texts (see the module notes).

    The overlap is carried at the *end* of a chunk (the next chunk's first
    sentences): the start of every chunk is then new text, which is the part the
    embedder weighs most (and, for long chunks, the only part it sees).
    """
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for unit in _units(text):
        grown = size + (1 if size else 0) + len(unit)
        if grown > TARGET_CHARS and current:
            pieces.append(" ".join(current))
            current, grown = [], len(unit)
        current.append(unit)
        size = grown
    if current:
        last = " ".join(current)
        if pieces and len(last) < MIN_CHARS and len(pieces[-1]) + len(last) < MAX_CHARS + MIN_CHARS:
            pieces[-1] = pieces[-1] + " " + last
        else:
            pieces.append(last)
    chunks = []
    for i, piece in enumerate(pieces):
        if i + 1 < len(pieces):
            following = _head(pieces[i + 1], OVERLAP_CHARS)
            if following:
                piece = piece + " " + following
        chunks.append(piece)
    return [c for c in chunks if c.strip()]


def _title_pattern(title: str) -> re.Pattern[str] | None:
    """A title as it may be printed at the start of a line: its words in order, with anything
    (a section number, spaces, punctuation) before and between them."""
    words = re.findall(r"\w+", title)
    if not words:
        return None
    return re.compile(r"^\W*(?:[\d.]+\s*)?" + r"\W*".join(re.escape(w) for w in words[:12]), re.IGNORECASE)


def _subtitle(line: str, title_end: int) -> str:
    """What a printed title line says after the outline's title, when that is a short
    subtitle: a reference manual's outline names a topic ("trimws") and the page prints
    what it is about beside it ("trimws Remove Leading/Trailing Whitespace")."""
    extra = " ".join(line[title_end:].split()).strip(" -–—:")
    words = extra.split()
    if not words or len(words) > SUBTITLE_MAX_WORDS or len(extra) > SUBTITLE_MAX_CHARS:
        return ""
    if len(words) < 2 or extra.endswith((".", ",", ";")) or not all(w[0].isalpha() or w[0] in "('" for w in words):
        return ""     # a letter or number, a table's row, the first words of a paragraph run into the title
    return extra


def sections_of_page(page: PageText, subtitled: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """A page's text cut where its sections begin: [(heading, text)], in order.

    A section that the outline says begins on this page is looked for as a line that
    starts with its title; one that cannot be found opens the page instead when no
    section was found before it (else it is left to the one before). A title printed
    with a subtitle gives its section the subtitle too ("… › trimws — Remove Leading/
    Trailing Whitespace"); ``subtitled`` remembers those headings for the pages after."""
    subtitled = {} if subtitled is None else subtitled
    if not page.starts:
        return [(subtitled.get(page.heading, page.heading), page.text)]
    lines = page.text.split("\n")
    cuts: list[tuple[int, str]] = []
    opening = subtitled.get(page.heading, page.heading)
    at = 0
    for title, heading in page.starts:
        pattern = _title_pattern(title)
        found = match = None
        if pattern is not None:
            for i in range(at, len(lines)):
                match = pattern.match(lines[i].strip())
                if match:
                    found = i
                    break
        if found is None or match is None:
            if not cuts:
                opening = heading
            continue
        subtitle = _subtitle(lines[found].strip(), match.end())
        if subtitle:
            subtitled[heading] = heading = f"{heading} — {subtitle}"
        cuts.append((found, heading))
        at = found + 1
    out: list[tuple[str, str]] = []
    bounds = [(0, opening)] + cuts
    for j, (start, heading) in enumerate(bounds):
        end = bounds[j + 1][0] if j + 1 < len(bounds) else len(lines)
        text = "\n".join(lines[start:end])
        if out and len(" ".join(out[-1][1].split())) < MIN_CHARS:
            text = out.pop()[1] + "\n" + text     # a bare title (a chapter's, over its first section) joins what follows
        if text.strip():
            out.append((heading, text))
    return out


def chunk_pages(pages: Iterable[PageText], boilerplate: bool = True) -> Iterator[TextChunk]:
    """Stream the chunks of a document, page by page, in a stable order.

    A page whose sections are known (``PageText.starts``) is cut where each begins, so
    a chunk holds one section and carries its heading."""
    stream = strip_boilerplate(pages) if boilerplate else pages
    subtitled: dict[str, str] = {}
    for page in stream:
        if page.error or not page.text.strip():
            continue
        for heading, part in sections_of_page(page, subtitled):
            for text in split_text(part):
                yield TextChunk(page.number, text, page.section, heading)


# -- notes: plain text and Markdown ----------------------------------------------------------------
_ATX = re.compile(r"^\s{0,3}#{1,6}\s+\S")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
SECTION_CHARS = 4000     # plain text without headings: cut into "pages" of about this size


@dataclass
class NoteSection:
    number: int
    title: str
    text: str


def note_sections(text: str) -> list[NoteSection]:
    """A note split at its headings (Markdown ``#`` or underlined); each section is one "page"."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    starts: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
        if _ATX.match(line):
            starts.append((i, line.strip().lstrip("#").strip()))
        elif i > 0 and _SETEXT.match(line) and lines[i - 1].strip() and not _SETEXT.match(lines[i - 1]):
            starts.append((i - 1, lines[i - 1].strip()))
    sections: list[tuple[str, str]] = []
    if starts:
        if starts[0][0] > 0:
            head = "\n".join(lines[:starts[0][0]])
            if head.strip():
                sections.append(("", head))
        for j, (i, title) in enumerate(starts):
            end = starts[j + 1][0] if j + 1 < len(starts) else len(lines)
            body = "\n".join(lines[i:end])
            sections.append((title, body))
    else:
        # No headings: blank-line blocks, gathered into sections of a readable size.
        blocks = re.split(r"\n\s*\n", text)
        current: list[str] = []
        size = 0
        for b in blocks:
            if current and size + len(b) > SECTION_CHARS:
                sections.append(("", "\n\n".join(current)))
                current, size = [], 0
            current.append(b)
            size += len(b)
        if current:
            sections.append(("", "\n\n".join(current)))
    out = [NoteSection(n, title, body) for n, (title, body) in enumerate(
        [s for s in sections if s[1].strip()], start=1)]
    return out


def note_pages(text: str) -> list[PageText]:
    """Note sections as pages, ready for ``chunk_pages`` (markup kept: it is readable text)."""
    out = []
    for s in note_sections(text):
        # Blank line between paragraphs is how notes mark them; keep it for ``paragraphs``.
        out.append(PageText(s.number, s.text, heading=s.title))
    return out
