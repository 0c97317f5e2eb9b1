"""Cloze cards made from the source's own sentences, without a model: pure functions.

A sentence of reasonable length gets its most telling word hidden: one the material
repeats (a key term) and long enough not to be filler. Because the card is the source's
sentence, it is always grounded in the page or second it cites.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Iterable

from ..chat import content_words
from ..chat.text import STOP_WORDS, stem

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'-]*")
MIN_WORDS, MAX_WORDS = 7, 40
MIN_TERM_CHARS = 5


def sentences(text: str) -> list[str]:
    """The text's sentences, trimmed."""
    return [s.strip() for s in _SENTENCE.split(" ".join(text.split())) if s.strip()]


def make_cloze(sentence: str, term: str) -> str:
    """``sentence`` with the first whole-word ``term`` hidden as {{c1::term}} ('' when absent)."""
    m = re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", sentence, flags=re.IGNORECASE)
    if not m:
        return ""
    return f"{sentence[:m.start()]}{{{{c1::{m.group(0)}}}}}{sentence[m.end():]}"


def term_counts(texts: Iterable[str]) -> Counter[str]:
    """How often each stem occurs in the material (the key terms are the repeated ones)."""
    counts: Counter[str] = Counter()
    for t in texts:
        counts.update(stem(w) for w in _WORD.findall(t) if w.lower() not in STOP_WORDS)
    return counts


def pick_term(sentence: str, counts: Counter[str]) -> str:
    """The word of the sentence to hide: the most repeated in the material, then the longest."""
    words = [w for w in _WORD.findall(sentence)
             if len(w) >= MIN_TERM_CHARS and w.lower() not in STOP_WORDS]
    if not words:
        return ""
    return max(words, key=lambda w: (counts.get(stem(w), 0), len(w)))


def key_sentences(text: str, counts: Counter[str]) -> list[str]:
    """The passage's sentences of reasonable length, the richest in key terms first."""
    scored: list[tuple[float, int, str]] = []
    for i, s in enumerate(sentences(text)):
        n = len(s.split())
        if not MIN_WORDS <= n <= MAX_WORDS or "{{" in s:
            continue
        score = sum(counts.get(w, 0) for w in content_words(s)) / n
        scored.append((score, -i, s))
    return [s for _, _, s in sorted(scored, reverse=True)]


def cloze_candidates(text: str, counts: Counter[str], limit: int = 2) -> list[str]:
    """Up to ``limit`` cloze fronts from a passage, the sentences richest in key terms first."""
    out: list[str] = []
    for s in key_sentences(text, counts):
        term = pick_term(s, counts)
        front = make_cloze(s, term) if term else ""
        if front:
            out.append(front)
        if len(out) >= limit:
            break
    return out


def answer_of(front: str) -> str:
    """The hidden words of a cloze ('mitochondria' for '... {{c1::mitochondria}} ...')."""
    return " ".join(re.findall(r"\{\{c\d+::(.*?)(?:::[^}]*)?\}\}", front))


def reveal(front: str) -> str:
    """The cloze sentence with its gaps filled in (for grounding and CSV's back)."""
    return re.sub(r"\{\{c\d+::(.*?)(?:::[^}]*)?\}\}", r"\1", front)
