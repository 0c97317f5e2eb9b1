"""The longest stall of the UI event loop while the real worker runs a study job.

The real StudyPane runs in an offscreen window; a real book (a Debian R manual, read and
chunked by Lectern's own code) is in its subject with accepted cards. From the pane a
summary of a page range is started (the worker's job, with the default model) and, when it
ends, cards are made from the same pages. Meanwhile the student does what a student would:
the pane follows the job live, and every couple of seconds a card is turned over and
answered, or another section is opened (glossary, concept map, statistics). The gap probe of
bench_ui_stall (a 5 ms QTimer; a gap much longer than 5 ms is the loop being blocked) watches.

    python -m bench.bench_study_ui_stall [--pdf R-intro.pdf] [--pages 10-17] [--max-seconds 900]
"""
from __future__ import annotations

import argparse
import time

from bench.bench_ui_stall import LoopGaps
from bench.common import data_folder, emit, load_average, real_pdf, say, services

SECTIONS = ["review", "glossary", "map", "stats", "cards", "summaries"]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pdf", default="R-intro.pdf")
    ap.add_argument("--pages", default="10-17")
    ap.add_argument("--max-seconds", type=float, default=900)
    ap.add_argument("--tick-ms", type=int, default=5)
    args = ap.parse_args()
    pdf = real_pdf(args.pdf)

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    from desktop.core import catalog, jobs
    from desktop.core.library.chunking import chunk_pages
    from desktop.core.library.pdftext import read_pages
    from desktop.core.storage.db import open_db
    from desktop.core.study import glossary, material, store
    from desktop.core.study.store import NewCard
    from desktop.ui.background import wait_idle
    from desktop.ui.context import AppContext
    from desktop.ui.job_monitor import JobMonitor
    from desktop.ui.study import StudyPane
    from desktop.ui.study import requests as study_requests
    from desktop.ui.theme import apply_theme

    app = QApplication([])
    apply_theme(app)
    with data_folder() as paths, services(paths) as sup:
        db = open_db(paths.db)
        node = catalog.ensure_path(db, "Bench", "Statistics", pdf.stem)
        doc = catalog.add_document(db, node, "pdf", pdf.stem, pdf.name, f"files/1/{pdf.name}", "sha", 1,
                                   state="ready")
        for i, chunk in enumerate(chunk_pages(read_pages(pdf)[0])):
            db.execute("INSERT INTO chunks (document_id, ordinal, kind, page, text) VALUES (?,?,?,?,?)",
                       (doc, i, "pdf", chunk.page, chunk.text))
        glossary.build(db, glossary.subject_node(db, "Statistics"))
        deck = store.deck_for_document(db, doc)
        pages = material.parse_pages(args.pages)
        for p in material.load(db, doc, pages):
            store.add_card(db, deck, NewCard("qa", f"What does page {p.page} say?", p.text[:200], doc, page=p.page))
        ctx = AppContext(paths=paths, db=db, supervisor=sup)
        ctx.monitor = JobMonitor(db)
        pane = StudyPane(ctx)
        win = QMainWindow()
        win.setCentralWidget(pane)
        win.resize(1280, 800)
        win.show()
        ctx.monitor.start()
        app.processEvents()

        state = {"t0": time.perf_counter(), "phase": "start", "job": None, "step": 0, "answers": 0, "jobs": []}
        probe = LoopGaps(args.tick_ms, lambda: state["phase"])

        def watch() -> None:
            if state["job"] is None:
                return
            job = jobs.get_job(db, state["job"])
            if not job.finished and time.perf_counter() - state["t0"] < args.max_seconds:
                return
            state["jobs"].append({"kind": job.kind, "state": job.state,
                                  "seconds": round(job.result.get("elapsed_s", 0), 1) if job.result else None})
            if job.kind == study_requests.SUMMARY and job.state == jobs.DONE:
                state["phase"] = "cards job"
                state["job"] = study_requests.start_cards(ctx, doc, pages)
            else:
                app.quit()

        def student() -> None:
            """Every two seconds: answer a card, or open another section."""
            state["step"] += 1
            review = pane.review
            if state["step"] % 3 == 0:
                pane.show_section(SECTIONS[(state["step"] // 3) % len(SECTIONS)])
                return
            pane.show_section("review")
            if review.stack.currentWidget() is review.start_page and review.start_button.isVisible():
                review.start()
            elif review.current is not None:
                review.flip()
                review.grade(3)
                state["answers"] += 1

        def start() -> None:
            state["phase"] = "summary job"
            state["job"] = study_requests.start_summary(ctx, doc, pages)

        probe.start()
        watcher = QTimer()
        watcher.setInterval(250)
        watcher.timeout.connect(watch)
        watcher.start()
        acting = QTimer()
        acting.setInterval(2000)
        acting.timeout.connect(student)
        acting.start()
        QTimer.singleShot(300, start)
        say(f"summarising and making cards of {pdf.name} pages {args.pages} while the UI loop is watched…")
        app.exec()
        elapsed = time.perf_counter() - state["t0"]
        probe.stop()
        ctx.monitor.stop()
        pane.shutdown()
        wait_idle(20000)
        emit({"benchmark": "study_ui_stall", "pdf": pdf.name, "pages": args.pages, "seconds": round(elapsed, 1),
              "jobs": state["jobs"], **probe.figures(), "answers": state["answers"],
              "load_average_end": load_average()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
