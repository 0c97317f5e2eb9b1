"""While a scan is read by OCR, the library row and the jobs drawer say which page is
being recognised ("recognising text, page 2 of 3"), with the real worker and Tesseract."""
from __future__ import annotations

import pytest

from desktop.core import library
from desktop.ui.background import wait_idle
from desktop.ui.context import AppContext
from desktop.ui.job_monitor import JobMonitor
from desktop.ui.jobs_drawer import JobsDrawer
from desktop.ui.library import LibraryPane
from tests import scans

pytestmark = pytest.mark.skipif(not scans.R_FAQ.exists(), reason="r-doc-pdf is installed by scripts/bootstrap.sh")


def test_the_library_and_the_drawer_say_which_page_is_being_recognised(qtbot, paths, db, services, tmp_path):
    pages = [scans.scanned_page(scans.R_FAQ, n, tmp_path, seed=n) for n in (5, 6, 7)]
    scan = scans.image_pdf(pages, tmp_path / "Scanned handout.pdf")
    ctx = AppContext(paths=paths, db=db, supervisor=services)
    ctx.monitor = JobMonitor(db, interval_ms=100)
    pane = LibraryPane(ctx)
    ctx.adopt(pane)
    qtbot.addWidget(pane)
    drawer = JobsDrawer()
    qtbot.addWidget(drawer)
    ctx.monitor.job_changed.connect(drawer.update_job)
    pane.show()
    ctx.monitor.start()
    seen_rows: list[str] = []
    seen_drawer: list[str] = []
    pane.table.model_.dataChanged.connect(
        lambda *_: seen_rows.extend(pane.table.model_.state_of(r) for r in range(pane.table.model_.rowCount())))
    ctx.monitor.job_changed.connect(lambda _j: seen_drawer.extend(r.stage.text() for r in drawer.rows.values()))
    book = library.ensure_path(db, "Fall 2024", "Biology", "Handouts")
    pane.refresh()
    pane.import_files(book, [str(scan)])
    qtbot.waitUntil(lambda: any(d.title == "Scanned handout" for d in library.documents_in(db, book)), timeout=30000)
    [doc] = [d for d in library.documents_in(db, book) if d.title == "Scanned handout"]
    try:
        qtbot.waitUntil(lambda: pane.document_state(doc.id) == "ready", timeout=240000)
    finally:
        ctx.monitor.stop()
        wait_idle()
    assert any(s.startswith("recognising text, page ") and " of 3 · " in s and "%" in s for s in seen_rows), \
        sorted(set(seen_rows))
    assert any("Recognising text, page " in s for s in seen_drawer), sorted(set(seen_drawer))
    # The first page says so too, while it is being recognised (before any page is done).
    assert any(s.startswith("recognising text, page 1 of 3 · 0%") for s in seen_rows), sorted(set(seen_rows))
