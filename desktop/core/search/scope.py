"""What part of the library a search or a chat looks at."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Scope:
    """Everything when empty; otherwise narrowed by semester, subject, books, or documents.

    ``books`` and ``document_ids`` are alternatives inside the scope ("these books or
    these lectures"); semester and subject narrow everything else.
    """

    semester: str = ""
    subject: str = ""
    books: tuple[str, ...] = field(default_factory=tuple)
    document_ids: tuple[int, ...] = field(default_factory=tuple)

    @property
    def is_everything(self) -> bool:
        return not (self.semester or self.subject or self.books or self.document_ids)

    def describe(self) -> str:
        if self.is_everything:
            return "your whole library"
        parts = [p for p in (self.semester, self.subject) if p]
        if self.books:
            parts.append(", ".join(self.books))
        if self.document_ids:
            parts.append(f"{len(self.document_ids)} chosen item(s)")
        return " / ".join(parts)

    def chroma_where(self) -> dict[str, Any] | None:
        conds: list[dict[str, Any]] = []
        if self.semester:
            conds.append({"semester": self.semester})
        if self.subject:
            conds.append({"subject": self.subject})
        alts: list[dict[str, Any]] = []
        if self.books:
            alts.append({"book": {"$in": list(self.books)}})
        if self.document_ids:
            alts.append({"document_id": {"$in": list(self.document_ids)}})
        if len(alts) == 1:
            conds.append(alts[0])
        elif alts:
            conds.append({"$or": alts})
        if not conds:
            return None
        return conds[0] if len(conds) == 1 else {"$and": conds}

    def sql_where(self, alias: str = "c") -> tuple[str, list[Any]]:
        """A WHERE fragment over the chunks table (``alias``) and its parameters."""
        clauses: list[str] = []
        params: list[Any] = []
        if self.semester:
            clauses.append(f"{alias}.semester = ?")
            params.append(self.semester)
        if self.subject:
            clauses.append(f"{alias}.subject = ?")
            params.append(self.subject)
        alts: list[str] = []
        if self.books:
            alts.append(f"{alias}.book IN ({','.join('?' * len(self.books))})")
            params.extend(self.books)
        if self.document_ids:
            alts.append(f"{alias}.document_id IN ({','.join('?' * len(self.document_ids))})")
            params.extend(self.document_ids)
        if alts:
            clauses.append("(" + " OR ".join(alts) + ")")
        return (" AND ".join(clauses) or "1=1"), params

    def to_dict(self) -> dict[str, Any]:
        return {"semester": self.semester, "subject": self.subject, "books": list(self.books),
                "document_ids": list(self.document_ids)}

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> "Scope":
        d = d or {}
        return cls(d.get("semester", "") or "", d.get("subject", "") or "", tuple(d.get("books") or ()),
                   tuple(int(x) for x in d.get("document_ids") or ()))
