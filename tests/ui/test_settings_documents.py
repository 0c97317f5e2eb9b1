"""Settings → Documents: the student picks how scans are read and in which languages; the
reading job follows it."""
from __future__ import annotations

from PySide6.QtCore import Qt

from desktop.core.library import documents, ingest
from desktop.core.storage import settings as settings_mod
from desktop.ui.context import AppContext
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.settings_documents import DocumentsSettingsTab


_open: list[SettingsDialog] = []       # the dialogs live as long as the test


def _page(qtbot, paths, db) -> DocumentsSettingsTab:
    dlg = SettingsDialog(AppContext(paths=paths, db=db))
    qtbot.addWidget(dlg)
    _open.append(dlg)
    [page] = [p for p in dlg.pages if p.title == "Documents"]
    qtbot.waitUntil(lambda: page.ready, timeout=10000)
    return page


def test_the_documents_page_offers_the_installed_languages_and_says_what_libreoffice_is_for(qtbot, paths, db):
    page = _page(qtbot, paths, db)
    codes = [page.languages.item(i).data(Qt.UserRole) for i in range(page.languages.count())]
    assert sorted(codes) == sorted(documents.installed_languages()) and {"eng", "deu", "fra", "spa"} <= set(codes)
    assert codes[0] == "eng" and page.languages.item(1).text() == "French (fra)", "English first, then by name"
    assert "osd" not in codes
    assert page.chosen_languages() == "eng", "English is ticked until the student chooses"
    assert page.mode.currentData() == "auto"
    assert page.ocr_status.text().startswith("Ready: Tesseract")
    if documents.libreoffice() is None:
        assert "install LibreOffice to open old .ppt and .doc files" in page.libreoffice_status.text()
    else:
        assert page.libreoffice_status.text().startswith("Found")


def test_choices_are_saved_and_the_reading_job_follows_them(qtbot, paths, db):
    page = _page(qtbot, paths, db)
    page.mode.setCurrentIndex(page.mode.findData("always"))
    for i in range(page.languages.count()):
        if page.languages.item(i).data(Qt.UserRole) == "deu":
            page.languages.item(i).setCheckState(Qt.Checked)
    page.apply()
    stored = settings_mod.load(db)
    assert (stored.ocr_mode, stored.ocr_languages) == ("always", "eng+deu")
    # A job started from the window carries no choice of its own: it reads the settings.
    assert ingest.ocr_choice(db, ingest.job_payload(7)) == ("always", "eng+deu")
    # The command line's explicit choice wins.
    assert ingest.ocr_choice(db, ingest.job_payload(7, "never", "fra")) == ("never", "fra")
    # Reopened, the page shows what was saved.
    again = _page(qtbot, paths, db)
    assert again.mode.currentData() == "always" and again.chosen_languages() == "eng+deu"


def test_a_language_no_longer_installed_never_fails_a_reading(db):
    settings_mod.update(db, ocr_mode="sometimes", ocr_languages="eng+xyz")
    assert ingest.ocr_choice(db, ingest.job_payload(7)) == ("auto", "eng")
