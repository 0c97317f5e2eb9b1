"""Does a cited page or second really hold a claim's words? Pure functions, no model.

A key point, a card or a definition is "grounded" when most of its content words (light
stems, stop words dropped: ``chat.content_words``) occur in the text it cites.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..chat import content_words

# A claim counts as supported by its citation when at least this share of its words is there.
SUPPORT_THRESHOLD = 0.5


def support(claim: str, cited_text: str) -> float:
    """Share of the claim's content words found in the cited text (1.0 for a claim with none)."""
    words = content_words(claim)
    if not words:
        return 1.0
    found = set(content_words(cited_text))
    return sum(1 for w in words if w in found) / len(words)


def best_piece(claim: str, texts: Sequence[str]) -> tuple[int, float]:
    """Index of the text that supports the claim most, and that support (-1, 0.0 for none)."""
    best, score = -1, 0.0
    for i, text in enumerate(texts):
        s = support(claim, text)
        if s > score:
            best, score = i, s
    return best, score


@dataclass(frozen=True)
class GroundingReport:
    checked: int
    supported: int
    threshold: float

    @property
    def share(self) -> float:
        return self.supported / self.checked if self.checked else 1.0

    def as_dict(self) -> dict[str, float | int]:
        return {"checked": self.checked, "supported": self.supported, "threshold": self.threshold,
                "share": round(self.share, 3)}


def report(supports: Sequence[float], threshold: float = SUPPORT_THRESHOLD) -> GroundingReport:
    return GroundingReport(len(supports), sum(1 for s in supports if s >= threshold), threshold)
