"""Open the real window on a data folder at a state of the Study pane and save a PNG of it.

    python scripts/screenshot_study.py --data-dir D --state review --out shots/review.png [--size 1024x640]
    python scripts/screenshot_study.py --data-dir D --state all --out shots/ [--size 1920x1080]   # every state

States: overview (the pane as it opens), review (a card turned over), quiz, cards, summaries,
glossary (a term selected), map (a term clicked), stats.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

STATES = ("overview", "review", "quiz", "cards", "summaries", "glossary", "map", "stats")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--state", choices=(*STATES, "all"), default="overview")
    ap.add_argument("--out", required=True, help="a PNG file, or a folder with --state all")
    ap.add_argument("--size", default="1280x800")
    ap.add_argument("--no-services", action="store_true", help="do not start the worker and vector store")
    ap.add_argument("--theme", default="", help="light or dark (default: the saved choice)")
    args = ap.parse_args()
    os.environ["LECTERN_DATA_DIR"] = os.path.abspath(args.data_dir)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtWidgets import QApplication

    from desktop.app import build_window
    from desktop.core.runtime.supervisor import Supervisor
    from desktop.core.storage.config import DataPaths
    from desktop.ui.background import wait_idle
    from desktop.ui.theme import apply_theme

    app = QApplication(sys.argv)
    apply_theme(app, args.theme or None)
    paths = DataPaths.current().ensure()
    sup = None if args.no_services else Supervisor(paths)
    if sup is not None:
        sup.start()
        sup.wait_healthy(90)
    win = build_window(paths, sup)
    w, h = (int(x) for x in args.size.split("x"))
    win.resize(w, h)
    win.show()
    win.show_pane("study")
    pane = win.panes["study"]

    def settle(seconds: float = 0.6) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            wait_idle(100)
            time.sleep(0.02)

    settle(1.5)
    states = STATES if args.state == "all" else (args.state,)
    for state in states:
        show(pane, state, settle)
        out = os.path.join(args.out, f"{state}-{args.size}.png") if args.state == "all" else args.out
        win.grab().save(out)
        print(out)
    win.close()
    if sup is not None:
        sup.stop()
    return 0


def show(pane, state: str, settle) -> None:
    """Put the Study pane in ``state`` as a student would get there."""
    if state in ("review", "quiz"):
        pane.show_section("review")
        pane.review.refresh()
        settle()
        if state == "review":
            pane.review.start()
            settle()
            pane.review.flip()
        else:
            pane.review.start_quiz()
            settle()
            q = pane.review.quiz
            if q.questions:
                q.choose(q.questions[0].answer)
    elif state == "overview":
        pane.show_section("review")
        pane.review.refresh()
    else:
        pane.show_section(state)
        settle(1.5)
        if state == "glossary" and pane.glossary.table.rowCount():
            pane.glossary.table.selectRow(0)
        if state == "map" and pane.map.graph["nodes"]:
            busiest = max(pane.map.graph["nodes"], key=lambda n: n["weight"])
            pane.map.show_term(busiest["id"])
    settle(1.5)


if __name__ == "__main__":
    sys.exit(main())
