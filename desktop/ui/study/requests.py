"""Study jobs asked for from anywhere (the Study pane, "Summarise…" and "Make cards…" in the
Library and in the transcript viewer): the job is recorded through core, the Study pane is
shown and follows it.

    job_id = request_summary(ctx, parent, document_id)
"""
from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

from ...core import catalog
from ...core.errors import LecternError
from ...core.study import cards, glossary, material, summaries
from ...core.study.weeks import Week

SUMMARY, CARDS, GLOSSARY = summaries.JOB_KIND, cards.JOB_KIND, glossary.JOB_KIND
KINDS = (SUMMARY, CARDS, GLOSSARY)


class StudyRequests(QObject):
    job_started = Signal(int)       # a study job was recorded: the Study pane follows it


_hub: StudyRequests | None = None


def hub() -> StudyRequests:
    """The one relay of study requests (owned by the application, deleted with it)."""
    global _hub
    if _hub is None or not shiboken6.isValid(_hub):
        _hub = StudyRequests(QCoreApplication.instance())
    return _hub


def ask_pages(parent: QWidget | None, doc: catalog.Document, what: str) -> tuple[bool, tuple[int, int] | None]:
    """(go on?, page range) — a lecture has no pages; a book may be taken whole or in part."""
    if doc.kind == "lecture":
        return True, None
    while True:
        text, ok = QInputDialog.getText(parent, what, f"Pages of “{doc.title}” (like 12-30; leave empty for all):")
        if not ok:
            return False, None
        try:
            return True, material.parse_pages(text)
        except LecternError as exc:
            QMessageBox.warning(parent, what, str(exc))


def start_summary(ctx: Any, document_id: int, pages: tuple[int, int] | None = None) -> int:
    job_id = summaries.submit(ctx.db, ctx, document_id, pages)
    hub().job_started.emit(job_id)
    return job_id


def start_week_summary(ctx: Any, subject_id: int, week: Week) -> int:
    job_id = summaries.submit_week(ctx.db, ctx, subject_id, week)
    hub().job_started.emit(job_id)
    return job_id


def start_cards(ctx: Any, document_id: int, pages: tuple[int, int] | None = None, use_model: bool = True) -> int:
    job_id = cards.submit(ctx.db, ctx, document_id, pages, use_model=use_model)
    hub().job_started.emit(job_id)
    return job_id


def start_glossary(ctx: Any, subject_id: int) -> int:
    job_id = glossary.submit(ctx.db, ctx, subject_id)
    hub().job_started.emit(job_id)
    return job_id


def _request(ctx: Any, parent: QWidget | None, document_id: int, what: str, start: Any) -> int | None:
    doc = catalog.get_document(ctx.db, document_id)
    if doc is None:
        return None
    go, pages = ask_pages(parent, doc, what)
    if not go:
        return None
    try:
        job_id = start(ctx, document_id, pages)
    except LecternError as exc:
        QMessageBox.warning(parent, what, str(exc))
        return None
    ctx.events.pane_requested.emit("study")
    return job_id


def request_summary(ctx: Any, parent: QWidget | None, document_id: int) -> int | None:
    """"Summarise…" on a document: ask for pages (books), start the job, show the Study pane."""
    return _request(ctx, parent, document_id, "Summarise", start_summary)


def request_cards(ctx: Any, parent: QWidget | None, document_id: int) -> int | None:
    """"Make cards…" on a document: ask for pages (books), start the job, show the Study pane."""
    return _request(ctx, parent, document_id, "Make cards", start_cards)
