"""Cards: make them (CardMaker), check the new ones (DraftPreview), see and export the decks (DeckList)."""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget
from PySide6.QtCore import Qt

from ...core.study import overview
from .card_maker import CardMaker
from .deck_list import DeckList
from .draft_preview import DraftPreview


class CardsView(QWidget):
    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.subject_id: int | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 8, 0, 0)
        self.maker = CardMaker(ctx)
        self.preview = DraftPreview(ctx)
        self.decks = DeckList(ctx)
        self.notice = QLabel()
        self.notice.setObjectName("LibraryBanner")
        self.notice.setWordWrap(True)
        self.notice.hide()
        lay.addWidget(self.maker)
        lay.addWidget(self.notice)
        split = QSplitter(Qt.Vertical)
        split.addWidget(self.preview)
        split.addWidget(self.decks)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        split.setSizes([400, 160])
        lay.addWidget(split, 1)
        self.maker.drafts_made.connect(self._drafts_made)
        self.preview.decided.connect(self._decided)
        for part in (self.maker, self.preview, self.decks):
            part.message.connect(self.tell)

    def set_subject(self, subject_id: int | None) -> None:
        self.subject_id = subject_id
        self.notice.hide()
        self.maker.set_subject(subject_id)
        self.refresh()

    def refresh(self) -> None:
        self.maker.reload()
        self.preview.show_cards(overview.drafts(self.ctx.db, self.subject_id)
                                if self.subject_id is not None else [])
        self.decks.reload(self.subject_id)

    def follow(self, job_id: int, document_id: int | None = None) -> None:
        if document_id is not None:
            self.maker.choose_document(document_id)
        self.maker.follow(job_id)

    def tell(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def _drafts_made(self, made: Any) -> None:
        self.decks.reload(self.subject_id)
        if isinstance(made, int):
            found = overview.drafts(self.ctx.db, self.subject_id, job_id=made)
        else:
            ids = set(made)
            found = [c for c in overview.drafts(self.ctx.db, self.subject_id) if c.id in ids]
        # The new cards first; older drafts of the subject still wait below them.
        older = [c for c in overview.drafts(self.ctx.db, self.subject_id) if c.id not in {x.id for x in found}]
        self.preview.show_cards(found + older)
        if found:
            self.tell(f"{len(found)} new cards: check them below before they enter your deck.")

    def _decided(self, accepted: int, discarded: int) -> None:
        self.decks.reload(self.subject_id)
        if accepted:
            self.tell(f"{accepted} cards added to the deck: they are due for review today.")
        elif discarded:
            self.tell(f"{discarded} cards set aside.")
