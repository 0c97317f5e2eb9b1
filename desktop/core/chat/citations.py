"""Which sources an answer cites: invented numbers dropped, uncited sentences grounded in
the source they come from, and the second of a lecture where the asked-about words are said.

Everything here but ``lecture_moment`` is a pure function of its inputs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import sqlite_utils

from .source import Source
from .text import content_words

# "[1]", "[1, 2]", "[1-3]", "[Source 2]", "[source 1; 3]", "[3,]"
_CITE = re.compile(r"\s?\[\s*((?:sources?\s*)?\d+(?:\s*(?:[,;]|-|–|and)\s*(?:sources?\s*)?\d+)*)\s*[,;]?\s*\]",
                   re.IGNORECASE)
_NUM_RANGE = re.compile(r"(\d+)\s*(?:-|–)\s*(\d+)")
# The space a dropped citation leaves before punctuation.
_SPACE_BEFORE_PUNCT = re.compile(r"[ \t]+([.,;:!?])")
_SENTENCE_END = re.compile(r"(?<=[.!?])(?=\s|$)")


def _numbers(group: str) -> list[int]:
    nums: list[int] = []
    for part in re.split(r"\s*(?:[,;]|and)\s*", re.sub(r"(?i)sources?", "", group)):
        m = _NUM_RANGE.fullmatch(part.strip())
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if 0 < b - a < 20:
                nums.extend(range(a, b + 1))
                continue
        if part.strip().isdigit():
            nums.append(int(part.strip()))
    return nums


def all_numbers(raw: str) -> list[int]:
    """Every source number the text cites, valid or not, in order."""
    out: list[int] = []
    for m in _CITE.finditer(raw):
        out.extend(_numbers(m.group(1)))
    return out


def clean_citations(text: str, n_sources: int, partial: bool = False) -> tuple[str, list[int]]:
    """Keep only citations of sources 1..n_sources, written as [1][2]; drop invented ones.

    With ``partial`` (while streaming), an unfinished "[1" at the very end is held back.
    Returns the cleaned text and the cited numbers in order of first appearance.
    """
    cited: list[int] = []

    def repl(m: re.Match[str]) -> str:
        keep = [n for n in _numbers(m.group(1)) if 1 <= n <= n_sources]
        out = []
        for n in keep:
            if n not in cited:
                cited.append(n)
            if f"[{n}]" not in out:
                out.append(f"[{n}]")
        lead = " " if m.group(0).startswith(" ") and out else ""
        return lead + "".join(out)

    cleaned = _CITE.sub(repl, text)
    if partial:
        tail = cleaned.rfind("[")
        if tail != -1 and "]" not in cleaned[tail:] and len(cleaned) - tail <= 14:
            cleaned = cleaned[:tail].rstrip()
    return _SPACE_BEFORE_PUNCT.sub(r"\1", cleaned), cited


def strip_citations(text: str) -> str:
    """The text without any [n] markers or flags (for history turns, whose sources are gone)."""
    text = text.replace(" " + UNSUPPORTED_MARK, "").replace(UNSUPPORTED_MARK, "")
    for lead in (PARTLY_COVERED, NOT_BACKED):
        if text.startswith(lead):
            text = text[len(lead):]
    return _SPACE_BEFORE_PUNCT.sub(r"\1", _CITE.sub("", text)).strip()


def sentences(text: str) -> list[str]:
    """The sentences of an answer, as ``ground`` sees them (citations included)."""
    out, pos = [], 0
    for m in list(_SENTENCE_END.finditer(text)) + [None]:
        end = m.start() if m is not None else len(text)
        if text[pos:end].strip():
            out.append(text[pos:end])
        pos = end
    return out


# Said in the answer itself: a claim no source supports, and an answer the sources only partly give.
UNSUPPORTED_MARK = "[not in your sources]"
PARTLY_COVERED = "Your material only partly covers this: "
NOT_BACKED = "Your material does not clearly say this, so check it against your sources: "
# A sentence about the sources rather than about the subject ("The sources do not mention …"):
# it names them and says what they lack (a quoted "not covered by this License" is no such thing).
_NAMES_SOURCES = re.compile(r"\b(?:sources?|material|passages?|context|texts?|documents?|notes|books?|"
                            r"information (?:given|provided)|provided)\b", re.IGNORECASE)
_ABOUT_SOURCES = re.compile(
    r"\b(?:not (?:cover|mention|say|state|contain|include|provide|discuss|describe|explain|specif|give|list)\w*"
    r"|no (?:information|mention|details?)|(?:don't|do not|doesn't|does not) know|cannot (?:find|answer|tell)"
    r"|(?:isn't|is not|aren't|are not) (?:mentioned|covered|given|stated|in the)|unclear from)", re.IGNORECASE)


@dataclass
class Grounding:
    """An answer after each sentence was checked against the passages it was written from."""

    text: str
    added: list[int] = field(default_factory=list)               # citations added to uncited sentences
    repointed: list[tuple[int, int]] = field(default_factory=list)   # (cited, source that holds it)
    dropped: list[int] = field(default_factory=list)             # citations of sources that do not hold it
    unsupported: list[str] = field(default_factory=list)         # claims no source supports (flagged)
    supported: int = 0                                           # claims a source supports
    coverage: str = "full"                                       # full | partial | none | no_claims


def _support(words: list[str], vocab: list[set[str]], sims: Sequence[float] | None) -> list[float]:
    """How well each source supports a sentence (0..1): shared key words, and meaning when known.

    MiniLM cosines of a sentence with a passage that states it run 0.55–0.8, with a
    passage on the same subject that does not 0.25–0.45: mapped so 0.35 → 0 and 0.75 → 1."""
    lex = [sum(1 for w in words if w in v) / len(words) for v in vocab]
    if not sims:
        return lex
    return [max(lx, 0.5 * lx + 0.5 * min(1.0, max(0.0, (c - 0.35) / 0.4))) for lx, c in zip(lex, sims)]


def _marked(sentence: str, mark: str) -> str:
    """``mark`` put before the sentence's closing punctuation."""
    stripped = sentence.rstrip()
    tail = stripped[-1] if stripped and stripped[-1] in ".!?" else ""
    body = stripped[:-1] if tail else stripped
    return f"{body} {mark}{tail}" + sentence[len(stripped):]


def ground(text: str, sources: list[Source], sims: Sequence[Sequence[float]] | None = None,
           min_support: float = 0.4, weak_support: float = 0.4, unsupported_below: float = 0.25,
           flag: bool = True, partial: bool = False) -> Grounding:
    """Attribute each sentence of an answer to the source that best supports it.

    ``sims[i][j]``: cosine similarity of sentence i (as ``sentences`` splits it) to source j.
    A sentence "comes from" a source when that source supports it clearly better than the
    others. An uncited sentence that plainly comes from source n gets [n]; a citation of a
    source that hardly holds the sentence, while another does, is pointed at that one; a
    claim that no source supports loses its citations and is flagged with
    ``UNSUPPORTED_MARK`` (with ``flag``). When the sources hold some claims but not others,
    the answer opens with ``PARTLY_COVERED``; when they hold none, with ``NOT_BACKED``.
    ``partial``: a stopped answer (its last sentence may be cut: never flagged).
    """
    g = Grounding(text)
    if not sources:
        return g
    by_n = {s.n: i for i, s in enumerate(sources)}
    vocab = [set(content_words(s.text)) for s in sources]
    parts = sentences(text)
    out: list[Any] = []    # text, or (sentence, n) for a citation to add
    about_sources = False
    pos = 0
    for k, m in enumerate(list(_SENTENCE_END.finditer(text)) + [None]):
        end = m.start() if m is not None else len(text)
        sentence = text[pos:end]
        pos = end
        if not sentence.strip():
            out.append(sentence)
            continue
        idx = parts.index(sentence) if sentence in parts else -1
        bare = _CITE.sub("", sentence)
        words = content_words(bare)
        if _ABOUT_SOURCES.search(bare) and _NAMES_SOURCES.search(bare):
            about_sources = True
            out.append(sentence)
            continue
        if len(words) < 2:
            out.append(sentence)
            continue
        row = sims[idx] if sims and 0 <= idx < len(sims) else None
        support = _support(words, vocab, row)
        best = max(range(len(sources)), key=lambda i: support[i])
        ranked = sorted(support, reverse=True)
        clear = support[best] >= min_support and (len(ranked) == 1 or ranked[0] - ranked[1] >= 0.15)
        held = support[best] >= unsupported_below
        claim = len(words) >= 3 and not (partial and m is None)
        if claim and held:
            g.supported += 1
        if _CITE.search(sentence):
            if claim and not held:
                g.dropped.extend(n for n in all_numbers(sentence))
                sentence = _SPACE_BEFORE_PUNCT.sub(r"\1", _CITE.sub("", sentence))
            else:
                def repoint(mm: re.Match[str]) -> str:
                    n = int(mm.group(1))
                    i = by_n.get(n)
                    if i is None or not clear or i == best or support[i] >= weak_support \
                            or support[best] - support[i] < 0.25:
                        return mm.group(0)
                    g.repointed.append((n, sources[best].n))
                    return f"[{sources[best].n}]"
                sentence = re.sub(r"\[(\d+)\]", repoint, sentence)
                # "[2][2]" after a fix reads as one citation
                sentence = re.sub(r"(\[\d+\])(?:\1)+", r"\1", sentence)
        if not _CITE.search(sentence):
            if clear:
                out.append((sentence, sources[best].n))   # marked below, once per run of the same source
                continue
            if claim and not held and flag:
                g.unsupported.append(" ".join(bare.split()))
                sentence = _marked(sentence, UNSUPPORTED_MARK)
        out.append(sentence)
    out.append(text[pos:])
    # Sentences in a row from the same source carry its number once, after the last of them
    # ("A. B. C [1]." rather than "A [1]. B [1]. C [1].").
    following: list[int] = []
    rendered: list[str] = []
    for item in reversed(out):
        if isinstance(item, tuple):
            sentence, n = item
            if n not in following:
                sentence = _marked(sentence, f"[{n}]")
                if n not in g.added:
                    g.added.insert(0, n)
            following = [n]
            rendered.append(sentence)
            continue
        if item.strip():
            following = all_numbers(item)
        rendered.append(item)
    g.text = "".join(reversed(rendered))
    if g.supported and (g.unsupported or about_sources):
        g.coverage = "partial"
    elif g.unsupported and not g.supported:
        g.coverage = "none"
    elif not g.supported:
        g.coverage = "no_claims"
    if flag and g.coverage == "partial":
        g.text = PARTLY_COVERED + g.text.lstrip()
    elif flag and g.coverage == "none":
        g.text = NOT_BACKED + g.text.lstrip()
    return g


def attribute(text: str, sources: list[Source], min_support: float = 0.4,
              weak_support: float = 0.4) -> tuple[str, list[int], list[tuple[int, int]]]:
    """Ground each sentence of an answer in the source its words come from (key words only).

    A sentence "comes from" a source when most of its key words are in that source
    and in no other source as much. An uncited sentence that plainly comes from source
    n gets [n]; a citation whose source hardly shares the sentence's words, while
    another source holds them, is pointed at that source (small models often write
    the wrong number). Returns the text, the numbers added and the (from, to) fixes.
    Nothing is flagged or dropped here: ``ground`` does that.
    """
    g = ground(text, sources, None, min_support, weak_support, unsupported_below=0.0, flag=False)
    return g.text, g.added, g.repointed


def best_second(segments: Iterable[Mapping[str, Any]], query: str, start_s: float) -> float:
    """The start of the transcript segment (``start_s``, ``text``) that best matches ``query``.

    A segment is scored with the next one too, since a sentence often runs over a
    segment boundary; never earlier than the passage's own ``start_s``.
    """
    rows = list(segments)
    terms = content_words(query)
    if not rows or not terms:
        return start_s
    best_s, best = start_s, 0.0
    for i, r in enumerate(rows):
        window = r["text"] + " " + (rows[i + 1]["text"] if i + 1 < len(rows) else "")
        words = set(content_words(window))
        own = set(content_words(r["text"]))
        score = sum(1 for w in terms if w in words) + 0.5 * sum(1 for w in terms if w in own)
        if score > best:
            best_s, best = float(r["start_s"]), score
    return max(start_s, best_s)


def lecture_moment(db: sqlite_utils.Database, src: Source, query: str) -> float:
    """The second inside a lecture passage (45–60 s) where the asked-about words are said.

    Lecture passages are windows of transcript segments; playing from the segment
    that matches the question saves the student up to a minute of listening.
    """
    assert src.start_s is not None
    end = src.end_s if src.end_s is not None else src.start_s
    rows = db.query("SELECT start_s, text FROM segments WHERE recording_id = ? AND start_s >= ? AND start_s < ?"
                    " ORDER BY start_s", [src.recording_id, src.start_s - 0.5, end])
    return best_second(rows, query, src.start_s)
