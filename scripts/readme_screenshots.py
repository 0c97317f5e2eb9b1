"""The README's screenshots, made from the real program on a fresh data folder (offscreen).

    python scripts/readme_screenshots.py [--data-dir /tmp/readme-demo] [--out docs] [--theme light]

1. imports the sample course through the real command line (the PDF is read, the lecture
   transcribed by the worker);
2. opens the window on the Library with the book selected: docs/screenshot-library.png;
3. asks the chat one question the book answers and one the lecture answers: docs/screenshot-chat.png;
4. records from a virtual microphone (a private PulseAudio server, see tests/audio.py)
   while the sample lecture plays into it, until live captions show:
   docs/screenshot-record.png.
Each is 1280x800 and saved as an 8-bit palette PNG (small enough for the repository).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SIZE = (1280, 800)


def shrink(path: Path) -> None:
    """Quantise to 256 colours (ImageMagick, when installed): a screenshot of flat colours loses nothing visible."""
    try:
        subprocess.run(["convert", str(path), "-colors", "256", "-define", "png:compression-level=9",
                        f"PNG8:{path}"], check=True, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        pass


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", default="")
    ap.add_argument("--out", default=str(REPO / "docs"))
    ap.add_argument("--theme", default="light")
    ap.add_argument("--record-seconds", type=float, default=90.0, help="longest wait for live captions")
    ap.add_argument("--question", default="", help="one question instead of the two default ones")
    args = ap.parse_args()
    data = Path(args.data_dir or tempfile.mkdtemp(prefix="lectern-readme-")).resolve()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, LECTERN_DATA_DIR=str(data), LECTERN_THEME=args.theme,
               QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    os.environ.update(env)
    sys.path.insert(0, str(REPO))

    # 1. The sample course, through the real command line (reading and transcription by the worker).
    from desktop.core.storage.config import DataPaths
    from desktop.core.storage.db import open_db

    paths = DataPaths(data).ensure()
    if not open_db(paths.db).execute("SELECT count(*) FROM chunks").fetchone()[0]:
        _chat_screenshot_module().prepare(data)

    # 2-4. The window itself, with a virtual microphone that hears the sample lecture.
    from tests.audio import reinit_portaudio, virtual_microphone

    with virtual_microphone() as mic:
        os.environ.update(mic.env())
        reinit_portaudio()
        return window_shots(data, out, args.record_seconds, mic, args.question)


def _chat_screenshot_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("chat_screenshot", REPO / "scripts" / "chat_screenshot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


QUESTIONS = ("Where does the Calvin cycle take place?",
             "What will next week's lecture compare photosynthesis with?")


def window_shots(data: Path, out: Path, record_seconds: float, mic, question: str = "") -> int:
    import asyncio

    import qasync
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.app import build_window
    from desktop.core import library
    from desktop.core.runtime.services import app_lock
    from desktop.core.runtime.supervisor import Supervisor
    from desktop.core.storage.config import DataPaths
    from desktop.ui.background import wait_idle
    from desktop.ui.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv)
    apply_theme(app)
    paths = DataPaths(data).ensure()
    lock = app_lock(paths).acquire()
    sup = Supervisor(paths)
    sup.start()
    try:
        sup.wait_healthy(120)
        win = build_window(paths, sup)
        win.resize(*SIZE)
        win.show()
        db = win.ctx.db
        lib = win.panes["library"]
        book = next(n for n in library.all_nodes(db) if n.level == "book" and library.documents_in(db, n.id))
        steps: list[tuple[int, object]] = []

        def library_shot() -> None:
            win.show_pane("library")
            lib.tree.select_node(book.id)
            win.refresh_health()
            QTimer.singleShot(800, lambda: save(win, out / "screenshot-library.png"))

        def start_recording() -> None:
            win.show_pane("record")
            rec = win.panes["record"]
            rec.details.title_edit.setText("Lecture 2: Light and the Calvin cycle")
            rec.start_recording()
            mic.play(REPO / "resources" / "sample" / "lecture-photosynthesis.ogg")
            wait_for_captions(time.monotonic())

        def wait_for_captions(started: float) -> None:
            # Shoot once a few captions are there (or after record_seconds on a slow machine).
            words = len(win.panes["record"].captions.captions_text().split())
            if words >= 14 or time.monotonic() - started > record_seconds:
                record_shot()
            else:
                QTimer.singleShot(500, lambda: wait_for_captions(started))

        def record_shot() -> None:
            save(win, out / "screenshot-record.png")
            rec = win.panes["record"]
            if rec.is_recording:
                rec.toggle_recording()
            QTimer.singleShot(3000, app.quit)

        async def chat_shot() -> None:
            # Two questions in one chat: one answered from the book (a page), one from the lecture (a moment).
            win.show_pane("chat")
            pane = win.panes["chat"]
            pane.new_chat()
            for q in ([question] if question else list(QUESTIONS)):
                msg = await pane.ask(q)
                print("asked:", q, "->", [src.label() for src in (msg.cited if msg else [])])
            await asyncio.sleep(0.5)
            save(win, out / "screenshot-chat.png")
            QTimer.singleShot(500, start_recording)

        steps = [(1500, library_shot), (2500, lambda: asyncio.ensure_future(chat_shot()))]

        def run(i: int = 0) -> None:
            if i < len(steps):
                delay, fn = steps[i]
                QTimer.singleShot(delay, lambda: (fn(), run(i + 1)))

        loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(loop)
        run()
        with loop:
            loop.run_until_complete(_until_quit(app))
        win.shutdown()
        wait_idle(10000)
    finally:
        sup.stop()
        lock.release()
    return 0


async def _until_quit(app) -> None:
    import asyncio

    fut = asyncio.get_running_loop().create_future()
    app.aboutToQuit.connect(lambda: fut.done() or fut.set_result(None))
    await fut


def save(win, path: Path) -> None:
    win.grab().save(str(path))
    shrink(path)
    print(path, f"{path.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    sys.exit(main())
