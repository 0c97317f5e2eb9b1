"""Settings → Chat → Embeddings: the student chooses another embedding model; a folder that is no
model is refused in place, a real one is indexed again by the worker while the page says the
current model still searches, and the page shows the new model once the job is done."""
from __future__ import annotations

import shutil

from desktop.core import library, models
from desktop.core.library import ingest, model_switch
from desktop.core.storage import settings
from desktop.ui.context import AppContext
from desktop.ui.job_monitor import JobMonitor
from desktop.ui.settings_chat import ChatSettingsTab
from desktop.workers.submit import QueueJobs
from tests import pdfs


def test_another_embedding_model_is_checked_indexed_in_the_background_then_used(qtbot, services, paths, db,
                                                                                  tmp_path):
    book = library.ensure_path(db, "Fall 2024", "Biology", "Reader")
    r = library.import_file(db, paths, book, pdfs.make_course_pdf(tmp_path / "Cell biology.pdf", n=4),
                            starter=QueueJobs(paths, db))
    ingest.submit_ingest(db, paths, r.document_id, QueueJobs(paths, db))
    monitor = JobMonitor(db, interval_ms=100)
    monitor.start()
    tab = ChatSettingsTab(AppContext(paths=paths, db=db, monitor=monitor), home=tmp_path)
    qtbot.addWidget(tab)
    tab.show()
    assert tab.embeddings_label.text().startswith(models.SPECS["minilm-l6"].label)
    assert tab.embeddings_other.isEnabled() and not tab.embeddings_default.isVisible()
    assert not tab.embeddings_note.isVisible()

    (tmp_path / "notes").mkdir()
    tab.switch_embeddings(str(tmp_path / "notes"))
    qtbot.waitUntil(lambda: "✗" in tab.embeddings_note.text(), timeout=30000)
    assert "notes cannot be used to search" in tab.embeddings_note.text()
    assert "The model in use stays." in tab.embeddings_note.text() and tab.embeddings_other.isEnabled()
    assert settings.load(db).embeddings_model == ""

    own = str(shutil.copytree(models.locate("minilm-l6"), tmp_path / "my-embedder"))
    tab.switch_embeddings(own)
    qtbot.waitUntil(lambda: model_switch.switch_in_progress(db) is not None or settings.load(db).embeddings_model == own,
                    timeout=30000)
    assert not tab.embeddings_other.isEnabled() or settings.load(db).embeddings_model == own, "one switch at a time"
    qtbot.waitUntil(lambda: settings.load(db).embeddings_model == own, timeout=120000)
    qtbot.waitUntil(lambda: "my-embedder (your model)" in tab.embeddings_label.text(), timeout=10000)
    assert tab.embeddings_default.isVisible() and tab.embeddings_default.isEnabled()
    assert not tab.embeddings_note.isVisible()
    monitor.stop()
