"""Screenshot of a real chat answer that cites a PDF page and a lecture moment.

    python scripts/chat_screenshot.py --data-dir /tmp/chatdemo --out shots/chat_answer.png \
        [--question "..."] [--model qwen2.5-0.5b]

On an empty data folder it first imports the sample course (resources/sample: a PDF
reader and a spoken lecture) through the real CLI, so ingestion and transcription run
as real jobs. Then it opens the real window (offscreen), asks the question in the chat
pane with the chosen model, and saves the window.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def prepare(data_dir: Path) -> None:
    sample = REPO / "resources" / "sample"
    env = dict(os.environ, LECTERN_DATA_DIR=str(data_dir))
    run = [sys.executable, "-m", "desktop"]
    subprocess.run(run + ["ingest", str(sample / "cell-biology-primer.pdf"), "--semester", "Sample semester",
                          "--subject", "Biology 101", "--book", "Cell biology primer", "--wait"],
                   check=True, env=env, cwd=REPO)
    subprocess.run(run + ["transcribe", str(sample / "lecture-photosynthesis.ogg"), "--semester", "Sample semester",
                          "--subject", "Biology 101", "--title", "Lecture 1: Photosynthesis", "--wait"],
                   check=True, env=env, cwd=REPO)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--out", default="shots/chat_answer.png")
    ap.add_argument("--question", default="Where does the Calvin cycle take place, and which enzyme fixes "
                                           "carbon dioxide?")
    ap.add_argument("--model", default="", help="chat model id or GGUF path (default: the default model)")
    ap.add_argument("--size", default="1360x860")
    args = ap.parse_args()
    data_dir = Path(args.data_dir).resolve()
    os.environ["LECTERN_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(REPO))

    from desktop.core.storage import settings
    from desktop.core.storage.config import DataPaths
    from desktop.core.storage.db import open_db

    paths = DataPaths(data_dir).ensure()
    if not open_db(paths.db).execute("SELECT count(*) FROM chunks").fetchone()[0]:
        prepare(data_dir)
    settings.update(open_db(paths.db), chat_model=args.model)

    import qasync
    from PySide6.QtWidgets import QApplication

    from desktop.app import build_window
    from desktop.core.runtime.services import app_lock
    from desktop.core.runtime.supervisor import Supervisor
    from desktop.ui.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv)
    apply_theme(app)
    lock = app_lock(paths).acquire()
    sup = Supervisor(paths)
    sup.start()
    try:
        if not sup.wait_healthy(120):
            print(f"services did not start: {sup.status()}", file=sys.stderr)
            return 1
        loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(loop)
        win = build_window(paths, sup)
        w, h = (int(x) for x in args.size.split("x"))
        win.resize(w, h)
        win.show()
        win.show_pane("chat")
        pane = win.panes["chat"]

        async def scenario():
            pane.new_chat()
            msg = await pane.ask(args.question)
            for _ in range(20):
                await asyncio.sleep(0.05)
            return msg

        with loop:
            msg = loop.run_until_complete(scenario())
            out = Path(args.out)
            out.parent.mkdir(parents=True, exist_ok=True)
            win.refresh_health()
            win.grab().save(str(out))
        cited = [s.label() for s in (msg.cited if msg else [])]
        print(f"{out}: {msg.content if msg else '(no answer)'}\ncited: {cited}")
        pane.shutdown()
    finally:
        sup.stop()
        lock.release()
    return 0


if __name__ == "__main__":
    sys.exit(main())
