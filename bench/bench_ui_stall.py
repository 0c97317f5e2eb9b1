"""The longest stall of the UI event loop while a real worker ingests a real PDF.

The real LibraryPane runs in an offscreen window with its job monitor; the PDF is
dropped on a book through the pane (import on the writer thread, ingestion in the
real worker). A 5 ms QTimer records the gap between its ticks: a gap much longer
than 5 ms is the loop being blocked. Meanwhile the pane does what a student would:
the documents table follows the job live, and every few seconds a search is typed.

    python -m bench.bench_ui_stall [--pdf R-exts.pdf] [--max-seconds 600]
"""
from __future__ import annotations

import argparse
import time

from bench.common import data_folder, emit, load_average, percentile, real_pdf, say, services

QUERIES = ["data frame", "regression model", "package namespace", "C code", "vignette", "documentation"]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pdf", default="R-exts.pdf")
    ap.add_argument("--max-seconds", type=float, default=900)
    ap.add_argument("--tick-ms", type=int, default=5)
    args = ap.parse_args()
    pdf = real_pdf(args.pdf)

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    from desktop.core import library
    from desktop.core.storage.db import open_db
    from desktop.ui.background import wait_idle
    from desktop.ui.context import AppContext
    from desktop.ui.job_monitor import JobMonitor
    from desktop.ui.library import LibraryPane
    from desktop.ui.theme import apply_theme

    app = QApplication([])
    apply_theme(app)
    with data_folder() as paths, services(paths) as sup:
        db = open_db(paths.db)
        book = library.ensure_path(db, "Bench", "Statistics", "R manuals")
        ctx = AppContext(paths=paths, db=db, supervisor=sup)
        ctx.monitor = JobMonitor(db)
        pane = LibraryPane(ctx)
        win = QMainWindow()
        win.setCentralWidget(pane)
        win.resize(1280, 800)
        win.show()
        ctx.monitor.start()
        app.processEvents()

        gaps: list[float] = []
        worst: list[tuple[float, str]] = []
        state = {"last": time.perf_counter(), "t0": time.perf_counter(), "doc": None, "done": False,
                 "phase": "import", "q": 0, "states": set()}

        def tick() -> None:
            now = time.perf_counter()
            gap = (now - state["last"]) * 1000
            state["last"] = now
            gaps.append(gap)
            if gap > 30:
                worst.append((round(gap, 1), state["phase"]))

        def watch() -> None:
            if state["doc"] is None:
                rows = list(db.query("SELECT id FROM documents WHERE title = ?", [pdf.stem]))
                if rows:
                    state["doc"] = rows[0]["id"]
                    state["phase"] = "ingest"
                return
            text = pane.document_state(state["doc"])
            state["states"].add(text.split(" ")[0] if text else "")
            if text == "ready" or text.startswith("failed") or time.perf_counter() - state["t0"] > args.max_seconds:
                state["done"] = True
                state["final"] = text
                app.quit()

        def search() -> None:
            state["q"] += 1
            pane.search.setText(QUERIES[state["q"] % len(QUERIES)])

        timer = QTimer()
        timer.setInterval(args.tick_ms)
        timer.timeout.connect(tick)
        timer.start()
        watcher = QTimer()
        watcher.setInterval(200)
        watcher.timeout.connect(watch)
        watcher.start()
        searcher = QTimer()
        searcher.setInterval(3000)
        searcher.timeout.connect(search)
        searcher.start()
        QTimer.singleShot(200, lambda: pane.import_files(book, [str(pdf)]))
        say(f"ingesting {pdf.name} while the UI loop is watched…")
        app.exec()
        elapsed = time.perf_counter() - state["t0"]
        timer.stop()
        ctx.monitor.stop()
        wait_idle(20000)
        worst.sort(reverse=True)
        emit({"benchmark": "ui_stall", "pdf": pdf.name, "seconds": round(elapsed, 1), "final_state": state.get("final"),
              "ticks": len(gaps), "tick_ms": args.tick_ms, "max_stall_ms": round(max(gaps), 1),
              "p99_gap_ms": round(percentile(gaps, 99), 1), "p999_gap_ms": round(percentile(gaps, 99.9), 1),
              "gaps_over_50ms": sum(1 for g in gaps if g > 50), "worst": worst[:5], "searches": state["q"],
              "load_average_end": load_average()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
