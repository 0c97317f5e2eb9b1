"""Open the real window on a data folder, wait, and save a PNG of it.

    python scripts/screenshot.py --data-dir /tmp/demo --pane library --out shots/library.png [--selfcheck]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--pane", default="library")
    ap.add_argument("--out", required=True)
    ap.add_argument("--wait", type=float, default=6.0, help="seconds before the shot")
    ap.add_argument("--selfcheck", action="store_true", help="run a self-check job and show the drawer")
    ap.add_argument("--size", default="1280x800")
    args = ap.parse_args()
    os.environ["LECTERN_DATA_DIR"] = os.path.abspath(args.data_dir)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    import qasync
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.app import build_window
    from desktop.core.storage.config import DataPaths
    from desktop.core.runtime.supervisor import Supervisor
    from desktop.ui.theme import apply_theme

    app = QApplication(sys.argv)
    apply_theme(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    paths = DataPaths.current().ensure()
    sup = Supervisor(paths)
    sup.start()
    win = build_window(paths, sup)
    w, h = (int(x) for x in args.size.split("x"))
    win.resize(w, h)
    win.show()
    win.show_pane(args.pane)
    if args.selfcheck:
        QTimer.singleShot(500, win.run_selfcheck)

    def shoot() -> None:
        win.grab().save(args.out)
        print(args.out)
        app.quit()

    QTimer.singleShot(int(args.wait * 1000), shoot)
    with loop:
        loop.run_until_complete(_quit(app))
    sup.stop()
    return 0


async def _quit(app) -> None:
    fut = asyncio.get_running_loop().create_future()
    app.aboutToQuit.connect(lambda: fut.done() or fut.set_result(None))
    await fut


if __name__ == "__main__":
    sys.exit(main())
