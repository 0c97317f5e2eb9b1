"""Screenshots of sync in the real window: Settings → Sync, the cloud view, and a sync in
progress, against a moto S3 server on loopback (nothing leaves this computer).

    python scripts/sync_screenshots.py --out /tmp/shots/sync --size 1024x640
    python scripts/sync_screenshots.py --out /tmp/shots/sync --size 1920x1080
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MiB = 1 << 20


def make_library(db, paths, tmp: Path) -> None:
    from desktop.core import library

    notes = {("Fall 2026", "Biology 101", "Campbell Biology"): ["Chapter 1 - Cells", "Chapter 2 - Membranes",
                                                                "Chapter 3 - Enzymes"],
             ("Fall 2026", "Biology 101", "Lab manual"): ["Lab 1 - Microscopy", "Lab 2 - Osmosis"],
             ("Fall 2026", "Calculus I", "Stewart Calculus"): ["Limits", "Derivatives"]}
    for (sem, sub, book), titles in notes.items():
        node = library.ensure_path(db, sem, sub, book)
        for title in titles:
            f = tmp / f"{title}.md"
            f.write_text(f"# {title}\n\n" + "Notes of the lecture. " * 400, encoding="utf-8")
            library.import_file(db, paths, node, f, starter=None)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="/tmp/shots/sync")
    ap.add_argument("--size", default="1024x640")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from tests.s3 import ACCESS_KEY, SECRET_KEY, moto_server

    os.environ.update(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY, AWS_CONFIG_FILE=os.devnull,
                      AWS_SHARED_CREDENTIALS_FILE=os.devnull, NO_PROXY="127.0.0.1,localhost")
    with tempfile.TemporaryDirectory(prefix="sync-shots-") as tmp_name, moto_server(Path(tmp_name)) as server:
        shoot(server, Path(tmp_name) / args.size, out, args.size)
    return 0


def shoot(server, tmp: Path, out: Path, size: str) -> None:
    import qasync
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.app import build_window
    from desktop.core.runtime.supervisor import Supervisor
    from desktop.core.storage.config import DataPaths
    from desktop.core.storage.db import open_db
    from desktop.core.sync import SyncConfig, save_config, sync
    from desktop.ui.settings_dialog import SettingsDialog
    from desktop.ui.theme import apply_theme

    tmp.mkdir(parents=True)
    os.environ["LECTERN_DATA_DIR"] = str(tmp / "data")
    paths = DataPaths(tmp / "data").ensure()
    db = open_db(paths.db)
    bucket = server.new_bucket()
    config = SyncConfig(bucket, "ana", server.url, "us-east-1")
    save_config(db, config, interval_s=3600)
    make_library(db, paths, tmp)
    sync(db, paths, config)
    client = server.client()
    for name in ("Week 1 - Forces.md", "Week 2 - Energy.md", "Week 3 - Momentum.md"):
        client.put_object(Bucket=bucket, Key=f"users/ana/raw_data/Spring 2027/Physics 110/Lecture notes/{name}",
                          Body=("# " + name + "\n" + "text " * 3000).encode())
    client.put_object(Bucket=bucket, Key="users/ana/raw_data/Fall 2026/Biology 101/Campbell Biology/"
                                         "Chapter 4 - Cell signalling.md",
                      Body=b"# Signals\n" + b"Cells answer signals from their neighbours. " * 400)
    from desktop.core import library

    node = library.ensure_path(db, "Fall 2026", "Calculus I", "Stewart Calculus")
    extra = tmp / "Integrals.md"
    extra.write_text("# Integrals\n" + "area " * 5000)
    library.import_file(db, paths, node, extra, starter=None)
    big = tmp / "Lecture slides (scanned).pdf.md"
    with open(big, "wb") as f:
        for _ in range(160):
            f.write(os.urandom(MiB))

    app = QApplication.instance() or QApplication(sys.argv)
    apply_theme(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    sup = Supervisor(paths)
    sup.start()
    win = build_window(paths, sup)
    w, h = (int(x) for x in size.split("x"))
    win.resize(w, h)
    win.show()
    win.show_pane("library")
    steps: list = []

    def later(ms: int):
        def deco(fn):
            steps.append((ms, fn))
            return fn
        return deco

    @later(2500)
    def settings_page() -> None:
        dialog = SettingsDialog(win.ctx, win)
        dialog.resize(min(760, w - 80), min(620, h - 40))
        for i, page in enumerate(dialog.pages):
            if page.title == "Sync":
                dialog.tabs.setCurrentIndex(i)
                page.result.setText(f"✓ The bucket {bucket} answers (0.1 s). 10 file(s) of ana are in it.")
                page.result.setProperty("tone", "ok")
        dialog.show()
        QTimer.singleShot(700, lambda: (dialog.grab().save(str(out / f"settings-sync-{size}.png")), dialog.close()))

    def when(cond, then, tries: int = 0) -> None:
        """Run ``then`` once ``cond()`` holds (polled every 100 ms, at most a minute)."""
        if cond() or tries > 600:
            then()
        else:
            QTimer.singleShot(100, lambda: when(cond, then, tries + 1))

    @later(4000)
    def cloud_view() -> None:
        win.sync.open_cloud()
        d = win.sync.cloud_dialog
        d.resize(min(980, w - 60), min(640, h - 40))

        def shot() -> None:
            d.select_path("Spring 2027", "Physics 110", "Lecture notes").setExpanded(True)
            d.select_path("Fall 2026", "Biology 101", "Campbell Biology").setExpanded(True)
            d.select_path("Fall 2026", "Biology 101", "Campbell Biology", "Chapter 4 - Cell signalling.md")
            QTimer.singleShot(300, lambda: (d.grab().save(str(out / f"cloud-view-{size}.png")), d.close(),
                                            deletion_question()))
        when(lambda: d.loaded, shot)

    def deletion_question() -> None:
        db = win.ctx.db
        for title in ("Lab 1 - Microscopy", "Lab 2 - Osmosis"):
            doc_id = db.execute("SELECT id FROM documents WHERE title=?", (title,)).fetchone()[0]
            library.delete_document(db, paths, doc_id)
        win.ctx.events.library_changed.emit()
        win.sync.sync_now()

        def shot() -> None:
            box = win.sync.question_box
            QTimer.singleShot(400, lambda: (box.grab().save(str(out / f"deletion-question-{size}.png")),
                                            win.grab().save(str(out / f"sync-summary-{size}.png")),
                                            box.close(), start_sync()))
        when(lambda: win.sync.question_box is not None and win.sync.question_box.isVisible(), shot)

    def start_sync() -> None:
        library.import_file(win.ctx.db, paths, library.ensure_path(win.ctx.db, "Fall 2026", "Biology 101",
                                                                    "Lab manual"), big, starter=None)
        win.ctx.events.library_changed.emit()
        win.sync.sync_now()
        win.dock.show()
        QTimer.singleShot(500, wait_progress)

    def wait_progress(tries: int = 0) -> None:
        from desktop.core.sync.status import sync_status

        st = sync_status(win.ctx.db)
        if (st.state == "running" and 0.2 < st.progress < 0.9) or tries > 200:
            win.sync.refresh()
            QTimer.singleShot(300, lambda: (win.grab().save(str(out / f"sync-in-progress-{size}.png")), app.quit()))
        else:
            QTimer.singleShot(100, lambda: wait_progress(tries + 1))

    for ms, fn in steps:
        QTimer.singleShot(ms, fn)

    async def until_quit() -> None:
        fut = asyncio.get_running_loop().create_future()
        app.aboutToQuit.connect(lambda: fut.done() or fut.set_result(None))
        await fut

    with loop:
        loop.run_until_complete(until_quit())
    win.shutdown()
    sup.stop()
    print(out)


if __name__ == "__main__":
    sys.exit(main())
