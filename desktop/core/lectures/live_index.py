"""Indexing a lecture's transcript while it grows: only the passages that changed.

Passages are whole-segment windows of 45-60 s (``chunking``), and the student's notes,
one passage each, at their second; as segments arrive only
the last passage changes and new ones appear, so each update embeds one or two
passages instead of the whole lecture. Passages keep their ordinals (and so their
chunk and vector ids), as a full re-index would.
"""
from __future__ import annotations

import logging
from typing import Any

from ..models.embeddings import get_embedder
from ..search import multilingual
from ..search.index import DocumentScope, add_chunks, replace_document_chunks
from ..search.retrieval import embeddings_choice, store_key
from ..search.vectorstore import shared_store
from ..storage.config import DataPaths
from .chunking import lecture_chunks
from .notes import notes
from .recordings import ensure_document
from .recordings import segments as load_segments

log = logging.getLogger(__name__)


class LiveIndex:
    def __init__(self, db: Any, paths: DataPaths, recording_id: int) -> None:
        self.db = db
        self.paths = paths
        self.recording_id = recording_id
        self._indexed: list[tuple[str, float | None, float | None, str | None]] = []
        self.failures = 0

    def update(self, final: bool = False) -> int:
        """Index what changed since the last update; returns the passages written.

        While recording a failure (vector store not up yet) is logged and retried at the
        next window; the final update raises it."""
        try:
            return self._update(final)
        except Exception:
            if final:
                raise
            self.failures += 1
            log.warning("recording %s: live indexing failed; will retry", self.recording_id, exc_info=True)
            return 0

    def _update(self, final: bool) -> int:
        doc_id = ensure_document(self.db, self.paths, self.recording_id)
        written = self._write(doc_id, final)
        multilingual.refresh_quietly(self.db, self.paths, doc_id)   # a lecture not in English
        return written

    def _write(self, doc_id: int, final: bool) -> int:
        scope = DocumentScope(doc_id, "lecture")
        chunks = lecture_chunks(load_segments(self.db, self.recording_id), notes(self.db, self.recording_id),
                                multilingual.document_language(self.db, doc_id))
        choice = embeddings_choice(self.db)                          # the model searches use, and its collection
        store = shared_store(self.paths, store_key(choice))
        embed = get_embedder(choice or None).embed
        if final and self.failures:   # something may be missing: write it all once more
            replace_document_chunks(self.db, store, scope, chunks, embed)
            self._indexed = [(c.text, c.start_s, c.end_s, c.kind) for c in chunks]
            return len(chunks)
        keys = [(c.text, c.start_s, c.end_s, c.kind) for c in chunks]
        first = 0
        while first < min(len(keys), len(self._indexed)) and keys[first] == self._indexed[first]:
            first += 1
        changed = chunks[first:]
        if changed:
            add_chunks(self.db, store, scope, changed, first, embed)
        if len(keys) < len(self._indexed):
            # Fewer passages than before (a student's edit merged some): the full path drops the rest.
            replace_document_chunks(self.db, store, scope, chunks, embed)
        self._indexed = keys
        return len(changed)
