"""The ``ingest_document`` job: a library document becomes searchable passages.

The file is already in the managed library folder (``library.import_file`` copied
it). The job reads it page by page (PDF) or section by section (text and Markdown
notes), cuts the text into chunks, embeds them in batches and writes each batch to
both indexes through ``index.add_chunks`` (SQLite + FTS5 and the vector store).

Reading runs on a helper thread while the job thread embeds and writes, so pypdf
(pure Python) and the embedding model (native, releases the GIL) overlap; a bounded
queue keeps memory flat.

Decisions, as the student sees them:
- **Re-running replaces.** A fresh run first removes whatever the document had in
  the indexes, so running it twice never duplicates a passage.
- **A killed worker resumes.** Each batch's rows are committed in order (before
  its vectors, which are upserted with no transaction open), and chunking is
  deterministic, so after a crash the job re-reads the file, skips the chunks
  already committed (no re-embedding) and carries on; at the end, rows whose
  vectors never arrived get them (``index.repair_vectors``). No duplicates either way.
- **Cancel removes.** A cancelled document is taken out of both indexes completely
  and marked 'cancelled' ("Cancelled — not searchable. Retry to read it again.");
  retry runs it from the start.
- **Bad input fails the document only**, with the reader's plain message; a PDF
  whose pages fail one by one keeps its good pages and names the bad ones.
"""
from __future__ import annotations

import logging
import queue
import re
import threading
import time
from typing import Any, Callable, Iterator

import numpy as np

from .. import catalog, jobs
from ..errors import DocumentError, JobCancelled, LecternError
from ..jobs import JobStarter
from ..jobs.table import JobContext
from ..models.embeddings import get_embedder
from ..search.index import (
    ChunkIn,
    DocumentScope,
    add_chunks,
    delete_document_chunks,
    repair_vectors,
)
from ..search import language, multilingual
from ..search.retrieval import embeddings_choice, open_store
from ..storage import settings as settings_mod
from . import documents
from .chunking import TextChunk, chunk_pages
from .documents.text_notes import note_text  # noqa: F401  (the note viewer reads notes with it)
from .pdftext import (
    ExtractReport,
    NoTextFound,
    PageText,
    PasswordRequired,
    iter_pages_file,
    outlined,
    write_pages_file,
)

log = logging.getLogger(__name__)

JOB_KIND = "ingest_document"
BATCH = 64               # chunks per write: one SQLite transaction + one vector upsert
# The embedder sees each chunk's first EMBED_TOKENS tokens (MiniLM was trained on 128);
# BM25 sees all of it. Embedding is most of the cost of ingestion, and on 2 cores
# this halves it with no loss of recall on the retrieval benchmark (bench/README.md).
EMBED_TOKENS = 128
READ_AHEAD = 4           # batches the reader may run ahead of the embedder
_STAGE_PAGE = re.compile(r" (\d+) of \d+$")    # the page a reader's stage names

# documents.state values
QUEUED, INGESTING, READY, FAILED, CANCELLED, LOCKED = "queued", "ingesting", "ready", "failed", "cancelled", "locked"


def job_target(document_id: int) -> str:
    return f"document:{document_id}"


def job_payload(document_id: int, ocr: str = "", ocr_languages: str = "") -> dict[str, Any]:
    # ``ocr``: auto (pages without a text layer), always, never — see documents.scanned;
    # ``ocr_languages``: Tesseract's "eng+deu". Either left "" is read from the student's
    # settings when the job runs (Settings → Documents).
    return {"document_id": document_id, "ocr": ocr, "ocr_languages": ocr_languages}


def ocr_choice(db: Any, payload: dict[str, Any]) -> tuple[str, str]:
    """(OCR mode, languages) for one reading: the job's own, else the settings'.

    Languages chosen in the settings that are no longer installed are left out (English
    then), so a changed computer never fails a reading; a language asked for on the
    command line is checked strictly by the reader."""
    stored = settings_mod.load(db)
    mode = str(payload.get("ocr") or stored.ocr_mode or "auto")
    if mode not in documents.OCR_MODES:
        mode = "auto"
    langs = str(payload.get("ocr_languages") or "")
    if not langs and stored.ocr_languages:
        have = set(documents.installed_languages())
        langs = "+".join(l for l in stored.ocr_languages.split("+") if l in have)
    return mode, langs


def job_title(title: str) -> str:
    return f"Read “{title}”"


# -- reading --------------------------------------------------------------------------------------
def document_pages(paths: Any, doc: catalog.Document, report: ExtractReport,
                   ocr: str = "auto", ocr_languages: str = "") -> Iterator[PageText]:
    """The pages of a document as the job reads them (slides, sections, chapters count as pages)."""
    if doc.kind == "pdf":
        sidecar = catalog.extracted_text_file(paths, doc.id)
        if sidecar.exists():   # a password-protected PDF the student unlocked in the app
            return iter_pages_file(sidecar, report=report)
    return documents.read_pages(paths.root / doc.path, doc.kind, report, ocr,
                                documents.words_file(paths, doc.id), ocr_languages)


class _Reader(threading.Thread):
    """Produces (page, chunk) batches ahead of the embedder; stops when told to."""

    def __init__(self, pages: Iterator[PageText], report: ExtractReport, boilerplate: bool = True) -> None:
        super().__init__(name="ingest-reader", daemon=True)
        self.pages = pages
        self.report = report
        self.out: queue.Queue = queue.Queue(maxsize=READ_AHEAD)
        self.stop = report.cancel = threading.Event()
        self.page_seen = 0
        self.boilerplate = boilerplate

    def _put(self, item: Any) -> bool:
        while not self.stop.is_set():
            try:
                self.out.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def _pages_counted(self) -> Iterator[PageText]:
        for page in self.pages:
            self.page_seen = page.number
            yield page

    def run(self) -> None:
        batch: list[TextChunk] = []
        try:
            for chunk in chunk_pages(self._pages_counted(), self.boilerplate):
                batch.append(chunk)
                if len(batch) >= BATCH:
                    if not self._put(("batch", batch)):
                        return
                    batch = []
            if batch and not self._put(("batch", batch)):
                return
            self._put(("end", None))
        except BaseException as exc:  # handed to the job thread, which raises it
            self._put(("error", exc))


def heads(tokenizer: Any, texts: list[str], n_tokens: int) -> list[str]:
    """Each text cut after its first ``n_tokens`` model tokens (the rest is left to BM25)."""
    if not n_tokens:
        return texts
    out = []
    for text, enc in zip(texts, tokenizer.encode_batch(texts)):
        offsets = [o for o, m, s in zip(enc.offsets, enc.attention_mask, enc.special_tokens_mask) if m and not s]
        out.append(text if len(offsets) <= n_tokens else text[:offsets[n_tokens - 1][1]])
    return out


def _sorted_embed(embedder: Any, n_tokens: int = 0) -> Callable[[list[str]], np.ndarray]:
    """Embed texts grouped by length (less padding per model batch), returned in order."""
    def run(texts: list[str]) -> np.ndarray:
        tokenizer = getattr(embedder, "tokenizer", None)
        if n_tokens and tokenizer is not None:
            texts = heads(tokenizer, texts, n_tokens)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vecs = embedder.embed([texts[i] for i in order])
        out = np.empty_like(vecs)
        out[order] = vecs
        return out
    return run


def passage_embedder(embedder: Any) -> Callable[[list[str]], np.ndarray]:
    """How a PDF's or a note's chunks are embedded (ingestion and re-indexing alike)."""
    return _sorted_embed(embedder, EMBED_TOKENS)


def embedder_for_kind(embedder: Any, kind: str) -> Callable[[list[str]], Any]:
    """How a chunk of this document kind is embedded: a lecture's as transcription embeds it,
    the others as ingestion does (re-indexing and a change of model must agree with both)."""
    return embedder.embed if kind == "lecture" else passage_embedder(embedder)


# -- the job --------------------------------------------------------------------------------------
def _committed(db: Any, document_id: int) -> tuple[int, int, str]:
    """(chunks committed, highest chunk id, text of the last chunk) for a document."""
    row = db.execute("SELECT count(*), max(ordinal), max(id) FROM chunks WHERE document_id=?",
                     (document_id,)).fetchone()
    count, max_ord, max_id = int(row[0] or 0), row[1], row[2]
    if count == 0:
        return 0, 0, ""
    if max_ord != count - 1:     # not a clean prefix: cannot resume
        return -1, 0, ""
    last = db.execute("SELECT text FROM chunks WHERE document_id=? AND ordinal=?",
                      (document_id, count - 1)).fetchone()
    return count, int(max_id), last[0] if last else ""


def _doc_scope(doc: catalog.Document) -> DocumentScope:
    return DocumentScope(doc.id, doc.kind)


def run(ctx: JobContext) -> dict[str, Any]:
    """Handler of the ``ingest_document`` job (payload: ``{"document_id": N}``)."""
    db = ctx.db
    document_id = int(ctx.payload["document_id"])
    doc = catalog.get_document(db, document_id)
    if doc is None:
        raise DocumentError("This document was removed from the library before it could be read.")
    store = open_store(ctx.paths, db)
    embed = get_embedder(embeddings_choice(db) or None)
    try:
        try:
            return _ingest(ctx, doc, store, embed)
        except _CannotResume:
            log.info("document %s changed since the interrupted run; reading it from the start", document_id)
            return _ingest(ctx, doc, store, embed, allow_resume=False)
    except JobCancelled:
        _clean(db, store, document_id)
        catalog.set_document_state(db, document_id, CANCELLED,
                                   "Cancelled — not searchable. Retry to read it again.")
        raise
    except PasswordRequired as exc:
        _clean(db, store, document_id)
        catalog.set_document_state(db, document_id, LOCKED, str(exc))
        raise
    except LecternError as exc:
        _clean(db, store, document_id)
        catalog.set_document_state(db, document_id, FAILED, str(exc))
        raise
    except Exception as exc:
        _clean(db, store, document_id)
        catalog.set_document_state(db, document_id, FAILED, f"Unexpected error: {type(exc).__name__}: {exc}")
        raise


def _clean(db: Any, store: Any, document_id: int) -> None:
    """Leave nothing half-indexed. If the vector store is unreachable now, the next run cleans."""
    try:
        delete_document_chunks(db, store, document_id)
    except Exception:
        log.warning("could not remove the partial index of document %s", document_id, exc_info=True)
        db.execute("DELETE FROM chunks WHERE document_id=?", (document_id,))


class _CannotResume(Exception):
    pass


def _ingest(ctx: JobContext, doc: catalog.Document, store: Any, embedder: Any,
            allow_resume: bool = True) -> dict[str, Any]:
    db = ctx.db
    t0 = time.monotonic()
    # Resume only what this same job started and a dead worker left 'ingesting'.
    skip, resumed, last_text = 0, False, ""
    if allow_resume and doc.state == INGESTING and doc.job_id == ctx.job_id and ctx.job.attempts > 1:
        skip, last_id, last_text = _committed(db, doc.id)
        if skip > 0:
            # Vectors of a batch whose SQLite half never committed carry higher chunk ids.
            store.delete(where={"$and": [{"document_id": doc.id}, {"chunk_id": {"$gt": last_id}}]})
            resumed = True
        elif skip < 0:
            skip = 0
    if not resumed:
        ctx.progress(0.0, "Clearing the previous index of this document", force=True)
        delete_document_chunks(db, store, doc.id)
        skip = 0
    catalog.set_document_state(db, doc.id, INGESTING, "", job_id=ctx.job_id)
    scope = _doc_scope(doc)
    report = ExtractReport()
    ctx.progress(0.0, "Opening the file", force=True)
    # Running headers and footers are a thing of printed pages; a slide's or a chapter's
    # repeated line (a title over several slides) is content.
    ocr, ocr_languages = ocr_choice(db, ctx.payload)
    pages = document_pages(ctx.paths, doc, report, ocr, ocr_languages)
    if doc.kind == "pdf":
        pages = outlined(pages, ctx.paths.root / doc.path)   # each chunk gets its section title
    reader = _Reader(pages, report, boilerplate=doc.kind in ("pdf", "note"))
    reader.start()
    embed_sorted = _sorted_embed(embedder, EMBED_TOKENS)
    lang: str | None = None
    ordinal = 0
    written = 0
    pages_known = False
    try:
        while True:
            kind, item = _next(reader, ctx)
            if kind == "error":
                raise item
            if kind == "end":
                break
            batch: list[TextChunk] = item
            if lang is None:
                lang = _document_language(db, doc.id, batch)
            if not pages_known and report.pages:
                catalog.set_document_state(db, doc.id, INGESTING, "", pages=report.pages)
                pages_known = True
            first = ordinal
            ordinal += len(batch)
            if first <= skip - 1 < ordinal and batch[skip - 1 - first].text != last_text:
                raise _CannotResume()    # the file or the chunker changed since: start over
            if ordinal <= skip:          # committed before the interruption
                continue
            if first < skip:             # the batch straddles the resume point
                batch = batch[skip - first:]
                first = skip
            ctx.check_cancelled()
            if catalog.get_document(db, doc.id) is None:   # deleted while we were reading it
                raise JobCancelled()
            add_chunks(db, store, scope, _chunks_in(batch, lang), first, embed_sorted)
            written += len(batch)
            page = batch[-1].page
            total = max(report.pages, 1)
            ctx.progress(min(page / total, 0.99),
                         report.stage or f"Indexed {report.unit.lower()} {page} of {report.pages}")
    finally:
        reader.stop.set()
        reader.join(timeout=5)
    if resumed and ordinal < skip:
        raise _CannotResume()
    chunks = db.execute("SELECT count(*) FROM chunks WHERE document_id=?", (doc.id,)).fetchone()[0]
    if chunks == 0:
        raise NoTextFound() if doc.kind == "pdf" else DocumentError("This document has no text to read.")
    # A worker killed between a batch's rows and its vectors left rows without vectors:
    # give them theirs (a rename or move meanwhile needs nothing: the index holds ids only).
    repair_vectors(db, store, embed_sorted, document_id=doc.id)
    if multilingual.is_foreign(lang):
        ctx.progress(0.99, "Indexing for questions in any language", force=True)
        multilingual.refresh_quietly(db, ctx.paths, doc.id)
    warning = report.bad_pages_text()
    catalog.set_document_state(db, doc.id, READY, warning, pages=report.pages)
    seconds = time.monotonic() - t0
    return {"document_id": doc.id, "pages": report.pages, "chunks": int(chunks), "embedded": written,
            "resumed_from_chunk": skip if resumed else None, "bad_pages": report.bad_pages,
            "seconds": round(seconds, 2), "pages_per_s": round(report.pages / seconds, 2) if seconds else None}


def _document_language(db: Any, document_id: int, first: list[TextChunk]) -> str:
    """The document's language, told by its first chunks, recorded on the document."""
    lang = language.detect_language(c.text for c in first)
    db.execute("UPDATE documents SET language=? WHERE id=?", (lang, document_id))
    return lang


def _chunks_in(batch: list[TextChunk], lang: str | None) -> list[ChunkIn]:
    """Chunks to index, with their section title and (not in English) their words stemmed."""
    return [ChunkIn(c.text, page=c.page, section=c.section, heading=c.heading,
                    stems=language.stems(f"{c.heading} {c.text}", lang or "")) for c in batch]


def _next(reader: _Reader, ctx: JobContext) -> tuple[str, Any]:
    """The reader's next item; while waiting, keep the stage text moving and honour cancel."""
    while True:
        try:
            return reader.out.get(timeout=0.3)
        except queue.Empty:
            ctx.check_cancelled()
            if not reader.is_alive() and reader.out.empty():
                return "error", LecternError("Reading the file stopped unexpectedly.")
            rep = reader.report
            # While a page is being recognised ("Recognising text, page 12 of 40") the pages
            # before it are done: progress (and so the time left) moves with the OCR.
            at = reader.page_seen
            m = _STAGE_PAGE.search(rep.stage or "")
            if m:
                at = max(at, int(m.group(1)) - 1)
            if rep.pages and (at or rep.stage):
                ctx.progress(min(at / rep.pages, 0.99) * 0.999,
                             rep.stage or f"Reading {rep.unit.lower()} {at} of {rep.pages}")


# -- unlocking password-protected PDFs ----------------------------------------------------------------
def unlock_document(db: Any, paths: Any, document_id: int, password: str) -> ExtractReport:
    """Read a protected PDF's text with the student's password, for the job to index.

    Runs in the app or the CLI (never in the worker, which must not see the
    password). The password is used here and forgotten; only the text is kept, as
    the index keeps it anyway. Raises PasswordRequired(wrong=True) on a bad password.
    """
    doc = catalog.get_document(db, document_id)
    if doc is None:
        raise DocumentError("That document is not in the library any more.")
    out = catalog.extracted_text_file(paths, document_id)
    report = write_pages_file(paths.root / doc.path, password, out)
    catalog.set_document_state(db, document_id, QUEUED, "", pages=report.pages)
    return report


# -- starting the job --------------------------------------------------------------------------------
def submit_ingest(db: Any, paths: Any, document_id: int, starter: JobStarter, ocr: str = "",
                  ocr_languages: str = "") -> int:
    """Queue the ingestion of a document and link the job to it; returns the job id.
    ``ocr``/``ocr_languages`` left "" follow the settings when the job runs."""
    doc = catalog.get_document(db, document_id)
    if doc is None:
        raise DocumentError("That document is not in the library any more.")
    catalog.set_document_state(db, document_id, QUEUED, "")
    job_id = starter.submit(JOB_KIND, job_payload(document_id, ocr, ocr_languages), target=job_target(document_id),
                            title=job_title(doc.title))
    db.execute("UPDATE documents SET job_id=? WHERE id=?", (job_id, document_id))
    return job_id


def retry_ingest(db: Any, paths: Any, document_id: int, starter: JobStarter) -> int:
    """Run a failed, cancelled or unlocked document again (same job when it can be retried)."""
    doc = catalog.get_document(db, document_id)
    if doc is None:
        raise DocumentError("That document is not in the library any more.")
    if doc.job_id:
        job = jobs.get_job(db, doc.job_id)
        if job is not None and job.kind == JOB_KIND and job.finished:
            catalog.set_document_state(db, document_id, QUEUED, "")
            if starter.retry(job.id):
                return job.id
        elif job is not None and not job.finished:
            return job.id
    return submit_ingest(db, paths, document_id, starter)
