"""The library's search box: names and full text, results replace the table while shown.

A mixin of ``LibraryPane``; the search runs on the background ``reader`` lane and only the
newest search's results are shown.
"""
from __future__ import annotations

from ...core import library
from ...core.search import retrieval
from ..background import run_in_background, thread_db


class SearchBox:
    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _search_text_changed(self, text: str) -> None:
        if text.strip():
            self._search_timer.start()       # search once the student pauses typing
        else:
            self._search_timer.stop()
            self._run_search()               # back to the documents at once

    def _search_enter(self) -> None:
        self._search_timer.stop()
        self._run_search(open_first=False)

    def _run_search(self, open_first: bool = False) -> None:
        query = self.search.text().strip()
        self._search_seq += 1
        seq = self._search_seq
        if not query:
            self.right.setCurrentIndex(0)
            return
        paths = self.ctx.paths

        def work() -> tuple:
            db = thread_db(paths)
            nodes, docs = library.find_by_name(db, query)
            hits = retrieval.text_hits(db, query, limit=60)
            where = {n.id: library.where_is(db, n.id) for n in library.all_nodes(db) if n.level == "book"}
            return nodes, docs, hits, where

        def done(result: tuple) -> None:
            if seq != self._search_seq:
                return                       # an older search finished after a newer one started
            self.results.show_results(query, *result)
            self.right.setCurrentIndex(1)
            self.searched.emit(query)

        run_in_background(work, done, self._error, owner=self)


