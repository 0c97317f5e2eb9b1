"""Text heuristics the answer pipeline leans on: key words, tables of contents, passage focus.

All pure functions of their inputs (no model, no database), so they are unit-tested directly.
"""
from __future__ import annotations

import re
from typing import Callable

import Stemmer

STOP_WORDS = set("""a an the and or but if then else of to in on at by for with about from into over under as is are
was were be been being do does did have has had i you he she it we they me him her us them my your his its our their
this that these those what which who whom whose when where why how can could should would will shall may might must
not no yes so than too very just also any some all each every more most other such only own same both few there here
please tell explain describe give list show mean means meaning define definition thing things something anything way
use used using one ones lecture book page chapter say said says according""".split())
WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ0-9][A-Za-zÀ-ÖØ-öø-ÿ0-9']*")


# The Porter stemmer, as SQLite's FTS5 'porter' tokenizer uses, so the words matched here
# are the words full-text search matched.
_PORTER = Stemmer.Stemmer("porter")


def stem(word: str) -> str:
    """The Porter stem of a word, lower-cased ("relations" -> "relat", "studies" -> "studi")."""
    return _PORTER.stemWord(word.lower().strip("'-"))


def content_words(text: str) -> list[str]:
    """Lower-cased stems of the words that carry meaning, in order, without repeats."""
    out: list[str] = []
    for w in WORD.findall(text):
        lw = w.lower()
        if lw in STOP_WORDS or len(lw) < 3 and not lw.isdigit():
            continue
        s = stem(lw)
        if s not in out:
            out.append(s)
    return out


# "Cell respiration ........ 42": an entry with a dot leader and a page number.
_LEADERS = re.compile(r"(?:\.\s?){4,}\s*\d+")


def looks_like_contents(text: str) -> bool:
    """A table of contents or an index: entries with dot leaders and page numbers."""
    return len(_LEADERS.findall(text)) >= 3


def lexical_overlap(query: str, text: str) -> float:
    """Share of the query's content words found in ``text`` (0..1)."""
    q = content_words(query)
    if not q:
        return 0.0
    t = set(content_words(text))
    return sum(1 for w in q if w in t) / len(q)


_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def _first_words(text: str, max_tokens: int) -> str:
    words = text.split()
    return " ".join(words[: max(8, int(max_tokens * 0.7))]) + " …"


def focus(text: str, query: str, max_tokens: int, count: Callable[[str], int]) -> str:
    """The part of ``text`` (whole sentences) that fits ``max_tokens`` and best matches ``query``."""
    text = " ".join(text.split())
    if count(text) <= max_tokens:
        return text
    sentences = _SENT.split(text)
    if len(sentences) == 1:
        return _first_words(text, max_tokens)
    terms = set(content_words(query))
    lengths = [count(s) + 1 for s in sentences]
    best, best_score = (0, 1), -1.0
    for i in range(len(sentences)):
        total, j, score = 0, i, 0.0
        while j < len(sentences) and total + lengths[j] <= max_tokens:
            total += lengths[j]
            score += sum(1 for w in content_words(sentences[j]) if w in terms)
            j += 1
        if j == i:
            continue
        score -= 0.01 * i  # prefer earlier windows on ties
        if score > best_score:
            best, best_score = (i, j), score
    i, j = best
    if j <= i:
        return _first_words(text, max_tokens)
    out = " ".join(sentences[i:j])
    return ("… " if i > 0 else "") + out + (" …" if j < len(sentences) else "")
