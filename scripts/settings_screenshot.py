"""Save a PNG of Settings → Chat as a screen of the given size shows it, with a change of
embedding model under way (a queued re-indexing job; no worker runs it).

    python scripts/settings_screenshot.py --data-dir /tmp/shot --size 1024x640 --out docs/screens/x.png
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--size", default="1024x640")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.environ["LECTERN_DATA_DIR"] = os.path.abspath(args.data_dir)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from desktop.core import jobs, models
    from desktop.core.library import model_switch
    from desktop.core.storage.config import DataPaths
    from desktop.core.storage.db import open_db
    from desktop.ui.context import AppContext
    from desktop.ui.settings_dialog import SettingsDialog
    from desktop.ui.theme import apply_theme

    app = QApplication(sys.argv)
    apply_theme(app)
    paths = DataPaths.current().ensure()
    db = open_db(paths.db)
    own = Path(args.data_dir) / "models" / "my-embedder"
    if not own.exists():
        shutil.copytree(models.locate("minilm-l6"), own)
    if model_switch.switch_in_progress(db) is None:
        jobs.create_job(db, model_switch.SWITCH_JOB, {"choice": str(own)}, target=model_switch.SWITCH_TARGET,
                        title="Re-indexing your library for my-embedder")
    width, height = (int(v) for v in args.size.split("x"))
    dialog = SettingsDialog(AppContext(paths=paths, db=db))
    dialog.tabs.setCurrentIndex([p.title for p in dialog.pages].index("Chat"))
    dialog.resize(min(dialog.sizeHint().width() + 120, width), min(dialog.sizeHint().height() + 200, height - 40))
    dialog.show()
    for _ in range(20):
        app.processEvents()
    scroll = dialog.tabs.currentWidget()          # each page scrolls: show its "Searching your material" part
    scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())
    app.processEvents()
    dialog.grab().save(args.out)
    print(args.out, dialog.width(), dialog.height())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
