"""The longest stall of the UI event loop while a real worker ingests a real PDF.

The real LibraryPane runs in an offscreen window with its job monitor; the PDF is
dropped on a book through the pane (import on the writer thread, ingestion in the
real worker). A 5 ms QTimer records the gap between its ticks: a gap much longer
than 5 ms is the loop being blocked. Meanwhile the pane does what a student would:
the documents table follows the job live, and every few seconds a search is typed.

    python -m bench.bench_ui_stall [--pdf R-exts.pdf] [--max-seconds 600]

``LoopGaps`` is the probe itself; bench_study_ui_stall uses it too.
"""
from __future__ import annotations

import argparse
import time
from typing import Any, Callable

from bench.common import data_folder, emit, load_average, percentile, real_pdf, say, services

QUERIES = ["data frame", "regression model", "package namespace", "C code", "vignette", "documentation"]
# A gap longer than this is kept, with the phase of the run it fell in.
WORST_OVER_MS = 30


class LoopGaps:
    """The event-loop gap probe: a QTimer every ``tick_ms`` records the time between its ticks.
    A gap much longer than ``tick_ms`` is the loop being blocked; the long ones are kept with
    ``phase()`` (what the run was doing then). Make it after the QApplication."""

    def __init__(self, tick_ms: int, phase: Callable[[], str]) -> None:
        from PySide6.QtCore import QTimer

        self.tick_ms = tick_ms
        self.phase = phase
        self.gaps: list[float] = []
        self.worst: list[tuple[float, str]] = []
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(tick_ms)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        gap = (now - self._last) * 1000
        self._last = now
        self.gaps.append(gap)
        if gap > WORST_OVER_MS:
            self.worst.append((round(gap, 1), self.phase()))

    def figures(self) -> dict[str, Any]:
        gaps = self.gaps or [0.0]
        return {"ticks": len(self.gaps), "tick_ms": self.tick_ms, "max_stall_ms": round(max(gaps), 1),
                "p99_gap_ms": round(percentile(gaps, 99), 1), "p999_gap_ms": round(percentile(gaps, 99.9), 1),
                "gaps_over_50ms": sum(1 for g in gaps if g > 50), "worst": sorted(self.worst, reverse=True)[:5]}


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

        state = {"t0": time.perf_counter(), "doc": None, "done": False, "phase": "import", "q": 0, "states": set()}
        probe = LoopGaps(args.tick_ms, lambda: state["phase"])

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

        probe.start()
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
        probe.stop()
        ctx.monitor.stop()
        wait_idle(20000)
        emit({"benchmark": "ui_stall", "pdf": pdf.name, "seconds": round(elapsed, 1), "final_state": state.get("final"),
              **probe.figures(), "searches": state["q"], "load_average_end": load_average()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
