"""ingest, search (and ``library``, in ``catalog``): the course library without the window (same data folder as the GUI)."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from ..core.storage.config import DataPaths
from ..workers.submit import QueueJobs
from ..core.errors import LecternError
from . import catalog
from .common import emit, fail


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ingest", help="import PDFs, notes, folders (or lectures) into the library and index them")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (folders map to semester/subject/book)")
    p.add_argument("--semester", default="", help="semester to file them under")
    p.add_argument("--subject", default="", help="subject inside the semester")
    p.add_argument("--book", default="", help="book inside the subject")
    p.add_argument("--wait", action="store_true", help="wait until every document is indexed (or failed)")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password of protected PDFs from the first line of stdin (never stored)")
    p.add_argument("--ocr", choices=("auto", "always", "never"), default="",
                   help="text recognition: auto = only pages without text (scans, photos); always; never "
                        "(default: as in Settings → Documents, auto unless changed there)")
    p.add_argument("--ocr-lang", default="", metavar="LANGS",
                   help="languages of scanned pages and photos, e.g. eng+deu (default: as in Settings → "
                        "Documents, English unless changed there)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("search", help="search the library: passages with their page (or minute)")
    p.add_argument("query")
    p.add_argument("--semester", default="")
    p.add_argument("--subject", default="")
    p.add_argument("--book", action="append", default=[], help="only this book (repeatable)")
    p.add_argument("--k", type=int, default=5, help="how many passages")
    p.add_argument("--mode", choices=("hybrid", "vector", "bm25"), default="hybrid")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_search)

    catalog.add_parsers(sub)      # lectern library [rename|move-doc|delete|delete-doc]


# -- ingest ------------------------------------------------------------------------------------------
def _target_node(db: Any, args: argparse.Namespace) -> int | None:
    from ..core import library

    names = [n for n in (args.semester, args.subject, args.book) if n.strip()]
    if [bool(args.semester.strip()), bool(args.subject.strip()), bool(args.book.strip())] not in (
            [False] * 3, [True, False, False], [True, True, False], [True] * 3):
        raise LecternError("Give the levels from the top: --semester, then --subject, then --book.")
    node: int | None = None
    for name in names:
        node = library.child_named(db, node, name)
    return node


def _read_password(args: argparse.Namespace, name: str, cache: dict[str, str]) -> str | None:
    if "pw" in cache:
        return cache["pw"]
    if args.password_stdin:
        cache["pw"] = sys.stdin.readline().rstrip("\n")
        return cache["pw"]
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass(f"Password for {name} (not stored): ")
    return None


def cmd_ingest(args: argparse.Namespace, paths: DataPaths) -> int:
    from ..core.library import ingest
    from ..core import library
    from ..core.library import pdftext
    from ..core.storage.db import open_db
    from ..core.runtime.services import ensure_services

    try:
        with ensure_services(paths):
            db = open_db(paths.db)
            starter = QueueJobs(paths, db)
            node = _target_node(db, args)
            if args.ocr_lang and args.ocr != "never":   # a misspelt language fails now, not in each job
                from ..core.library import documents

                args.ocr_lang = documents.check_languages(args.ocr_lang)
            level = library.get_node(db, node).level if node is not None else ""
            results: list[library.ImportResult] = []
            for raw in args.paths:
                path = Path(raw).expanduser()
                if path.is_dir():
                    results.extend(library.import_folder(db, paths, path, node, starter=starter))
                elif level != "book":
                    results.append(library.ImportResult(
                        str(path), "failed", f"{path.name}: say which book it goes in "
                        "(--semester S --subject S --book B)."))
                else:
                    assert node is not None
                    results.extend(library.import_files(db, paths, node, [path], starter=starter))
            submitted: dict[int, int] = {}
            pw_cache: dict[str, str] = {}
            touched: set[int] = set()
            for r in results:
                if r.kind not in library.READ_KINDS or r.document_id is None:
                    continue
                doc = library.get_document(db, r.document_id)
                assert doc is not None
                if r.status == "duplicate":
                    # Already there but still locked: this run may bring the password.
                    if doc.state != ingest.LOCKED or not (args.password_stdin or sys.stdin.isatty()):
                        continue
                    touched.add(doc.id)
                    if _unlock(db, paths, doc, args, pw_cache, r):
                        submitted[doc.id] = ingest.retry_ingest(db, paths, doc.id, starter)
                    continue
                if not r.added:
                    continue
                if doc.kind == "pdf" and pdftext.needs_password(paths.root / doc.path):
                    if not _unlock(db, paths, doc, args, pw_cache, r):
                        continue
                submitted[r.document_id] = ingest.submit_ingest(db, paths, r.document_id, starter, args.ocr,
                                                                args.ocr_lang)
            for r in results:   # lectures: their transcription job was started by the import
                if r.added and r.kind == "lecture" and r.document_id is not None:
                    doc = library.get_document(db, r.document_id)
                    if doc and doc.job_id:
                        submitted[r.document_id] = doc.job_id
            if args.wait:
                _wait(db, list(submitted.values()))
            report = _ingest_report(db, results, submitted, touched)
    except LecternError as exc:
        return fail(exc, args.json)
    lines = [f"{r['status']:<11} {r['message']}" for r in report["imported"]]
    for d in report["documents"]:
        extra = f" — {d['error']}" if d["error"] else ""
        lines.append(f"{d['state']:<11} #{d['document']} {d['title']} ({d['pages'] or '?'} pages, "
                     f"{d['chunks']} passages){extra}")
    emit(report, args.json, "\n".join(lines) or "Nothing to import.")
    failed = any(r["status"] == "failed" for r in report["imported"]) or any(
        d["state"] in ("failed", "locked", "cancelled") for d in report["documents"])
    return 1 if failed else 0


def _unlock(db: Any, paths: DataPaths, doc: Any, args: argparse.Namespace, cache: dict[str, str],
            result: Any) -> bool:
    from ..core.library import ingest
    from ..core import library
    from ..core.library.pdftext import PasswordRequired

    password = _read_password(args, doc.filename, cache)
    if password is None:
        library.set_document_state(db, doc.id, ingest.LOCKED, str(PasswordRequired()))
        return False
    try:
        ingest.unlock_document(db, paths, doc.id, password)
    except LecternError as exc:
        library.set_document_state(db, doc.id, ingest.LOCKED, str(exc))
        return False
    return True


def _wait(db: Any, job_ids: list[int], timeout: float = 24 * 3600) -> None:
    from ..core import jobs

    deadline = time.monotonic() + timeout
    last_line = ""
    while time.monotonic() < deadline:
        pending = [j for j in (jobs.get_job(db, i) for i in job_ids) if j is not None and not j.finished]
        if not pending:
            return
        if sys.stderr.isatty():
            j = pending[0]
            line = f"lectern: {j.title}: {j.progress * 100:.0f}% {j.stage}"
            if line != last_line:
                print("\r" + line.ljust(90)[:90], end="", file=sys.stderr, flush=True)
                last_line = line
        time.sleep(0.3)
    if last_line:
        print(file=sys.stderr)


def _ingest_report(db: Any, results: list, submitted: dict[int, int], touched: set[int]) -> dict[str, Any]:
    from ..core import jobs
    from ..core import library

    docs = []
    ids = [r.document_id for r in results if r.document_id is not None and (r.added or r.document_id in touched)]
    for doc_id in ids:
        doc = library.get_document(db, doc_id)
        if doc is None:
            continue
        job = jobs.get_job(db, submitted[doc_id]) if doc_id in submitted else None
        chunks = db.execute("SELECT count(*) FROM chunks WHERE document_id=?", (doc_id,)).fetchone()[0]
        docs.append({"document": doc.id, "title": doc.title, "kind": doc.kind, "state": doc.state,
                     "error": doc.error, "pages": doc.pages, "chunks": int(chunks),
                     "where": library.where_is(db, doc.node_id), "job": job.id if job else None,
                     "job_state": job.state if job else None})
    return {"imported": [r.as_dict() for r in results], "documents": docs}


# -- search ------------------------------------------------------------------------------------------
def cmd_search(args: argparse.Namespace, paths: DataPaths) -> int:
    import contextlib

    from ..core import library
    from ..core.search import retrieval
    from ..core.storage.db import open_db
    from ..core.search.scope import scope_from_names
    from ..core.runtime.services import ensure_services
    from ..core.lectures.notes import moment_label

    try:
        needs_store = args.mode != "bm25"
        with (ensure_services(paths) if needs_store else contextlib.nullcontext()):
            paths.ensure()
            db = open_db(paths.db)
            scope = scope_from_names(db, args.semester, args.subject, tuple(args.book))
            store = retrieval.open_store(paths, db) if needs_store else None
            hits = retrieval.search(db, store, args.query, scope, k=args.k, mode=args.mode)
    except LecternError as exc:
        return fail(exc, args.json)
    rows = [{"document": p.document_id, "title": p.title, "page": p.page, "text": p.text,
             "score": round(p.score, 6), "kind": p.kind, "unit": library.place_word(p.kind),
             "section": p.section,
             "where": library.place_label(p.kind, p.page, p.section) if p.start_s is None else
             moment_label(p.kind, p.start_s),
             "start_s": p.start_s, "end_s": p.end_s,
             "recording_id": p.recording_id, "semester": p.semester, "subject": p.subject, "book": p.book}
            for p in hits]
    text = "\n\n".join(
        f"[{i}] {r['title']}, " + (r["where"] if r["page"] is not None else
                                   f"at {_mmss(r['start_s'])}") + f"  (score {r['score']:.4f})\n    "
        + " ".join(r["text"].split())[:300]
        for i, r in enumerate(rows, start=1)) or "No passage found."
    emit(rows, args.json, text)
    return 0


def _mmss(seconds: float | None) -> str:
    from ..core.timefmt import format_duration

    return format_duration(seconds or 0)
