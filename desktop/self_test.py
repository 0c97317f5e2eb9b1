"""``lectern --self-test``: proves that this installation does its whole job, offline.

In a temporary data folder it brings up the worker and the vector store, files the
bundled sample course (reading the PDF, transcribing the lecture with the default
models), answers one question with a citation of the PDF's page, makes flashcards and
exports them as an Anki deck, checks that sync stays off, opens the window offscreen
on that library and opens the lecture in the transcript viewer's player. It prints one JSON report (each step, its seconds and what it found)
and exits 0, or 1 naming the first step that failed and why. The same code runs from
source and from the frozen bundle; nothing here reaches beyond the loopback interface.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any, Callable

QUESTION = "Where does the Calvin cycle take place, and which enzyme fixes carbon dioxide?"
JOB_TIMEOUT_S = 600.0


class StepFailed(Exception):
    """A step ran but did not find what it must (the message says what)."""


class SelfTest:
    def __init__(self, root: Path) -> None:
        from .core.storage.config import DataPaths

        self.paths = DataPaths(root).ensure()
        self.steps: list[dict[str, Any]] = []
        self.found: dict[str, Any] = {}     # ids one step leaves for the next

    def step(self, name: str, fn: Callable[[], dict[str, Any]]) -> None:
        t0 = time.perf_counter()
        try:
            detail = fn() or {}
        except Exception as exc:   # the report names the step and the reason; the next steps are skipped
            self.steps.append({"step": name, "ok": False, "seconds": round(time.perf_counter() - t0, 2),
                               "error": _plain(exc)})
            raise
        self.steps.append({"step": name, "ok": True, "seconds": round(time.perf_counter() - t0, 2), **detail})

    # -- the steps -------------------------------------------------------------------------------
    def sample_course(self, db: Any, starter: Any) -> dict[str, Any]:
        from .core import library
        from .core.library import ingest

        out = library.add_sample_course(db, self.paths, starter=starter)
        pdf, lecture = out["pdf"], out["lecture"]
        if pdf.document_id is None or not pdf.added:
            raise StepFailed(f"the sample PDF was not filed: {pdf.message}")
        if lecture is None or lecture.recording_id is None:
            raise StepFailed("the sample lecture is missing from this installation")
        ingest.submit_ingest(db, self.paths, pdf.document_id, starter)
        self.found.update(pdf=pdf.document_id, recording=lecture.recording_id)
        return {"pdf_document": pdf.document_id, "recording": lecture.recording_id}

    def read_pdf(self, db: Any) -> dict[str, Any]:
        from .core import jobs, library
        from .core.library import ingest

        job = _wait_job(db, ingest.job_target(self.found["pdf"]))
        doc = library.get_document(db, self.found["pdf"])
        chunks = db.execute("SELECT count(*) FROM chunks WHERE document_id=?", (doc.id,)).fetchone()[0]
        if job.state != jobs.DONE or not chunks:
            raise StepFailed(f"reading the sample PDF ended {job.state}: {job.error or 'no passages'}")
        return {"pages": doc.pages, "passages": int(chunks), "job_s": round(job.elapsed_s, 2)}

    def transcribe(self, db: Any) -> dict[str, Any]:
        from .core import jobs, lectures

        rec_id = self.found["recording"]
        job = _wait_job(db, lectures.job_target(rec_id))
        if job.state != jobs.DONE:
            raise StepFailed(f"transcribing the sample lecture ended {job.state}: {job.error}")
        rec = lectures.get_recording(db, rec_id)
        text = " ".join(s.text for s in lectures.segments(db, rec_id))
        if len(text.split()) < 20:
            raise StepFailed(f"the transcript of a {rec.duration_s:.0f}-second lecture has only: {text!r}")
        return {"model": rec.model, "duration_s": round(rec.duration_s, 1), "words": len(text.split()),
                "job_s": round(job.elapsed_s, 2), "text": text}

    def answer(self, db: Any) -> dict[str, Any]:
        from .core import chat
        from .core.chat import Answerer, Finished
        from .core.search.retrieval import open_store

        chat_id = chat.create_chat(db)
        done = None
        for ev in Answerer(db, open_store(self.paths, db)).ask(chat_id, QUESTION):
            if isinstance(ev, Finished):
                done = ev
        if done is None:
            raise StepFailed("the answer never finished")
        msg = done.message
        if msg.mode != chat.ANSWER:
            raise StepFailed(f"no answer was written ({msg.mode}): {msg.content[:200]}")
        pages = [s for s in msg.cited if s.document_id == self.found["pdf"] and s.page]
        if not pages:
            raise StepFailed(f"the answer cites no page of the sample PDF: {msg.content[:200]}")
        stats = done.stats
        return {"model": stats.get("model"), "first_token_s": stats.get("first_token_s"),
                "total_s": stats.get("total_s"), "cites": [f"page {s.page}" for s in pages],
                "answer": msg.content[:160]}

    def flashcards(self, db: Any, starter: Any, folder: Path) -> dict[str, Any]:
        from .core import jobs
        from .core.study import anki_export, cards, store

        doc_id = self.found["pdf"]
        job_id = cards.submit(db, starter, doc_id, (1, 2))
        job = _wait_job(db, None, job_id)
        if job.state != jobs.DONE:
            raise StepFailed(f"making cards ended {job.state}: {job.error}")
        made = [int(i) for i in job.result.get("card_ids", [])]
        if not made:
            raise StepFailed("no card was made from two pages of the sample PDF")
        store.accept(db, made)
        deck = folder / "sample-deck.apkg"
        notes = anki_export.export(db, store.deck_for_document(db, doc_id), deck)
        with zipfile.ZipFile(deck) as z:
            names = set(z.namelist())
        if not notes or not names & {"collection.anki2", "collection.anki21", "collection.anki21b"}:
            raise StepFailed(f"the exported deck holds {notes} notes and {sorted(names)}")
        return {"cards": len(made), "exported_notes": notes, "deck_bytes": deck.stat().st_size,
                "job_s": round(job.elapsed_s, 2)}

    def sync_stays_off(self, db: Any) -> dict[str, Any]:
        from .core import sync
        from .core.errors import LecternError

        if sync.is_set_up(db):
            raise StepFailed("a new data folder says sync is set up")
        try:
            sync.load_config(db)
        except LecternError as exc:
            return {"sync": "off", "says": exc.message}
        raise StepFailed("sync found a bucket in a new data folder")

    def window(self) -> dict[str, Any]:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"   # a proof, not a session: nothing is shown
        from PySide6.QtCore import QCoreApplication, QEvent
        from PySide6.QtWidgets import QApplication

        from .app import build_window
        from .ui.theme import prepare

        t0 = time.perf_counter()
        app = QApplication.instance() or QApplication([sys.argv[0]])
        prepare(app)
        win = build_window(self.paths, None)
        win.resize(1024, 640)
        win.show()
        for _ in range(3):
            QCoreApplication.sendPostedEvents(None, QEvent.LayoutRequest)
            app.processEvents()
        image = win.grab().toImage()
        shown_s = time.perf_counter() - t0
        colours = {image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(0, image.height(), 29)}
        titles = [d.title for d in _documents(win.ctx.db)]
        win.close()
        if win.ctx.monitor is not None:
            win.ctx.monitor.stop()
        app.processEvents()
        if image.isNull() or len(colours) < 4:
            raise StepFailed("the window drew nothing")
        if "Cell biology primer" not in titles:
            raise StepFailed(f"the window's library does not show the sample course: {titles}")
        return {"window_s": round(shown_s, 2), "size": [image.width(), image.height()], "library": titles}


    def player(self, db: Any) -> dict[str, Any]:
        """The transcript viewer's player opens the sample lecture (a frozen app once had no
        QtMultimedia backend at all, and nothing else noticed)."""
        from PySide6.QtCore import QCoreApplication, QUrl
        from PySide6.QtMultimedia import QMediaPlayer

        from .core import lectures

        rec = lectures.get_recording(db, self.found["recording"])
        player = QMediaPlayer()
        player.setSource(QUrl.fromLocalFile(str(rec.abspath(self.paths))))
        deadline = time.monotonic() + 20
        while player.mediaStatus() not in (QMediaPlayer.LoadedMedia, QMediaPlayer.InvalidMedia) \
                and time.monotonic() < deadline:
            QCoreApplication.processEvents()
            time.sleep(0.02)
        status, duration_ms, error = player.mediaStatus(), player.duration(), player.errorString()
        player.setSource(QUrl())
        player.deleteLater()
        QCoreApplication.processEvents()
        if status != QMediaPlayer.LoadedMedia or duration_ms <= 0:
            raise StepFailed(f"the player could not open the sample lecture ({status.name}"
                             f"{': ' + error if error else ''}); lectures would not play")
        return {"duration_s": round(duration_ms / 1000, 1)}


def _documents(db: Any) -> list[Any]:
    from .core import library

    return [d for n in library.all_nodes(db) for d in library.documents_in(db, n.id)]


def _wait_job(db: Any, target: str | None, job_id: int | None = None) -> Any:
    from .core import jobs

    deadline = time.monotonic() + JOB_TIMEOUT_S
    while True:
        job = jobs.get_job(db, job_id) if job_id is not None else jobs.latest_for_target(db, target or "")
        if job is not None and job.finished:
            return job
        if time.monotonic() > deadline:
            raise StepFailed(f"no result after {JOB_TIMEOUT_S:.0f} s ({job.stage if job else 'never started'})")
        time.sleep(0.2)


def _plain(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    hint = getattr(exc, "hint", "")
    return f"{text} {hint}".strip()


def run(keep: bool = False) -> int:
    """Run every step; print the report; 0 when all passed."""
    from .core.runtime.services import ensure_services
    from .core.storage.config import DATA_DIR_ENV, apply_offline_env
    from .core.storage.db import open_db
    from .workers.submit import QueueJobs

    apply_offline_env()
    t0 = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="lectern-self-test-"))
    os.environ[DATA_DIR_ENV] = str(folder / "data")   # the worker and the vector store it starts use it
    test = SelfTest(folder / "data")
    report: dict[str, Any] = {"self_test": "lectern", "version": _version(), "frozen": bool(getattr(sys, "frozen", False)),
                              "data_folder": str(folder), "steps": test.steps}
    try:
        with ensure_services(test.paths) as services:
            db = open_db(test.paths.db)
            starter = QueueJobs(test.paths, db)
            test.steps.append({"step": "services", "ok": True, "seconds": round(time.perf_counter() - t0, 2),
                               "worker_and_vector_store": "started" if services is not None else "already running"})
            test.step("sample course", lambda: test.sample_course(db, starter))
            test.step("read the PDF", lambda: test.read_pdf(db))
            test.step("transcribe the lecture", lambda: test.transcribe(db))
            test.step("answer with a citation", lambda: test.answer(db))
            test.step("flashcards to Anki", lambda: test.flashcards(db, starter, folder))
            test.step("sync stays off", lambda: test.sync_stays_off(db))
            test.step("window", test.window)
            test.step("play the lecture", lambda: test.player(db))
    except Exception as exc:
        failed = next((s for s in test.steps if not s["ok"]), None)
        if failed is None:   # before the first step: the services did not start
            test.steps.append({"step": "services", "ok": False, "seconds": round(time.perf_counter() - t0, 2),
                               "error": _plain(exc)})
            failed = test.steps[-1]
        report["failed"] = {"step": failed["step"], "error": failed["error"]}
    report["ok"] = "failed" not in report
    report["total_s"] = round(time.perf_counter() - t0, 2)
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)
        report["data_folder"] = "(removed)"
    print(json.dumps(report, indent=2), flush=True)
    if not report["ok"]:
        print(f"lectern: self-test failed at “{report['failed']['step']}”: {report['failed']['error']}",
              file=sys.stderr)
    return 0 if report["ok"] else 1


def _version() -> str:
    try:
        from importlib import metadata

        return metadata.version("lectern")
    except Exception:   # a frozen bundle may carry no package metadata
        return "unknown"
