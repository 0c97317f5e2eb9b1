"""A passage given to the model as [n], with where it came from (page or lecture second)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..catalog import place_label
from ..lectures.notes import moment_label


@dataclass
class Source:
    """A passage given to the model as [n], with where it came from."""

    n: int
    document_id: int
    kind: str
    title: str
    text: str
    page: int | None = None
    start_s: float | None = None
    end_s: float | None = None
    recording_id: int | None = None
    chunk_id: int | None = None
    score: float = 0.0
    cited: bool = False
    quote: str = ""          # the part of the passage the model was given (shown under the answer)
    section: int | None = None   # § inside the page (an EPUB chapter's sections)
    section_title: str = ""      # the chapter or section the passage is in ("5.3 Data frames"), when known

    @property
    def where(self) -> str:
        """"page 12", "slide 7", "chapter 3, § 2", "12:34" (lecture time) or "your note at 12:34"."""
        if self.start_s is not None:
            return moment_label(self.kind, self.start_s)
        return place_label(self.kind, self.page, self.section)

    def label(self) -> str:
        return f"{self.title}, {self.where}" if self.where else self.title

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Source":
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in d.items() if k in known})

    def public(self) -> dict[str, Any]:
        """The CLI's citation shape."""
        return {"n": self.n, "document": self.document_id, "title": self.title, "page": self.page,
                "start_s": self.start_s, "end_s": self.end_s, "text": self.text, "kind": self.kind,
                "recording_id": self.recording_id, "cited": self.cited}
