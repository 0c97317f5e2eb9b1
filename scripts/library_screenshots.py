"""Screenshots of the Library pane on a real data folder: the pane, a search, the viewer at a cited page.

    LECTERN_DATA_DIR=/tmp/demo python -m desktop ingest /usr/share/R/doc/manual/R-intro.pdf \
        --semester "Fall 2024" --subject Statistics --book "R manuals" --wait
    python scripts/library_screenshots.py --data-dir /tmp/demo --query "data frame" \
        [--ingest-while /usr/share/R/doc/manual/R-exts.pdf] --out shots/

Writes library.png, search.png and viewer.png into --out (offscreen).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--out", default="shots")
    ap.add_argument("--query", default="data frame")
    ap.add_argument("--question", default="How do I read a data frame from a file?")
    ap.add_argument("--ingest-while", help="a PDF to import during the first shot (shows live progress)")
    ap.add_argument("--size", default="1360x820")
    args = ap.parse_args()
    os.environ["LECTERN_DATA_DIR"] = os.path.abspath(args.data_dir)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.app import build_window
    from desktop.core import library
    from desktop.core.search import retrieval
    from desktop.core.storage.config import DataPaths
    from desktop.core.runtime.supervisor import Supervisor
    from desktop.ui.theme import apply_theme

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv)
    apply_theme(app)
    paths = DataPaths.current().ensure()
    sup = Supervisor(paths)
    sup.start()
    sup.wait_healthy(90)
    win = build_window(paths, sup)
    w, h = (int(x) for x in args.size.split("x"))
    win.resize(w, h)
    win.show()
    win.show_pane("library")
    pane = win.panes["library"]
    db = win.ctx.db
    steps = []

    def step(delay_ms: int):
        def deco(fn):
            steps.append((delay_ms, fn))
            return fn
        return deco

    @step(300)
    def pick_book() -> None:
        books = [n for n in library.all_nodes(db) if n.level == "book"]
        biggest = max(books, key=lambda n: len(library.documents_in(db, n.id)))
        pane.tree.select_node(biggest.id)
        if args.ingest_while:
            pane.import_files(biggest.id, [args.ingest_while])

    @step(9000 if args.ingest_while else 1500)
    def shoot_library() -> None:
        win.grab().save(str(out / "library.png"))
        print(out / "library.png")
        pane.search.setText(args.query)

    @step(2000)
    def shoot_search() -> None:
        win.grab().save(str(out / "search.png"))
        print(out / "search.png")
        hits = retrieval.search(db, retrieval.open_store(paths, db), args.question, k=1)
        if hits:
            hit = hits[0]
            print(f"cited: {hit.title} page {hit.page}: {hit.text[:80]!r}")
            if pane.viewer is None:
                from desktop.ui.pdf_viewer import PdfViewer

                pane.viewer = PdfViewer(pane.window())
            pane.viewer.resize(900, 980)
            win.ctx.events.open_document_requested.emit(hit.document_id, hit.page or 1, hit.text)

    @step(4000)
    def shoot_viewer() -> None:
        if pane.viewer is not None:
            pane.viewer.grab().save(str(out / "viewer.png"))
            print(out / "viewer.png", "page", pane.viewer.current_page(), "highlight", pane.viewer.highlighted)
        app.quit()

    def run(i: int = 0) -> None:
        if i < len(steps):
            delay, fn = steps[i]
            QTimer.singleShot(delay, lambda: (fn(), run(i + 1)))

    run()
    app.exec()
    from desktop.ui.background import wait_idle

    wait_idle(10000)
    sup.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
