"""Settings → Documents: text recognition (OCR) of scans and photos, its languages, and
whether LibreOffice is there for old .ppt and .doc files. The ingestion job reads these
settings when a file is read (``library.ingest.ocr_choice``)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QListWidget, QListWidgetItem, QWidget

from ..core.library import documents
from ..core.storage import settings as settings_mod
from .background import run_in_background

MODES = (("auto", "Automatic — only pages that have no text (recommended)"),
         ("always", "Always — every page, also pages that already have text"),
         ("never", "Never — use the text the files already have"))
LANGUAGE_NAMES = {"eng": "English", "deu": "German", "fra": "French", "spa": "Spanish", "ita": "Italian",
                  "por": "Portuguese", "nld": "Dutch", "pol": "Polish", "swe": "Swedish", "tur": "Turkish",
                  "rus": "Russian", "ukr": "Ukrainian", "ara": "Arabic", "hin": "Hindi", "chi_sim": "Chinese (simplified)",
                  "chi_tra": "Chinese (traditional)", "jpn": "Japanese", "kor": "Korean", "ces": "Czech",
                  "dan": "Danish", "fin": "Finnish", "ell": "Greek", "heb": "Hebrew", "hun": "Hungarian",
                  "nor": "Norwegian", "ron": "Romanian"}


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


class DocumentsSettingsTab(QWidget):
    title = "Documents"

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.stored = settings_mod.load(ctx.db)
        form = QFormLayout(self)
        form.setContentsMargins(16, 16, 16, 16)
        form.setVerticalSpacing(10)

        self.mode = QComboBox()
        for code, label in MODES:
            self.mode.addItem(label, code)
        self.mode.setCurrentIndex(max(0, self.mode.findData(self.stored.ocr_mode or "auto")))
        form.addRow("Text recognition", self.mode)
        hint = QLabel("Scanned pages and photos of pages are read by text recognition (OCR) on this computer. "
                      "New settings apply to files read from now on; “Read again” applies them to a file "
                      "already in the library.")
        hint.setObjectName("Hint")
        hint.setWordWrap(True)
        form.addRow("", hint)

        self.languages = QListWidget()
        self.languages.setObjectName("OcrLanguages")
        self.languages.setMaximumHeight(110)
        self.languages.setAccessibleName("Languages of the text")
        form.addRow("Languages", self.languages)
        self.languages_hint = QLabel("Looking for the installed languages…")
        self.languages_hint.setObjectName("Hint")
        self.languages_hint.setWordWrap(True)
        form.addRow("", self.languages_hint)

        self.ocr_status = QLabel()
        self.ocr_status.setWordWrap(True)
        self.ocr_status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        form.addRow("OCR engine", self.ocr_status)
        self.libreoffice_status = QLabel()
        self.libreoffice_status.setWordWrap(True)
        self.libreoffice_status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        form.addRow("LibreOffice", self.libreoffice_status)
        self._show_libreoffice(documents.libreoffice())
        self.ready = False
        # `tesseract --list-langs` runs a program: not on the UI thread.
        run_in_background(lambda: (documents.tesseract(), documents.installed_languages()),
                          self._show_languages, self._languages_failed, owner=self)

    def _show_libreoffice(self, exe: str | None) -> None:
        if exe:
            self.libreoffice_status.setText(f"Found ({exe}): old PowerPoint (.ppt) and Word (.doc) files can be read, "
                                            "and slides are shown as they look.")
        else:
            self.libreoffice_status.setText("Not found: install LibreOffice to open old .ppt and .doc files "
                                            "(or save them as .pptx / .docx) and to see slides as they look.")

    def _show_languages(self, found: tuple[str | None, tuple[str, ...]]) -> None:
        exe, installed = found
        wanted = set(filter(None, (self.stored.ocr_languages or "").split("+"))) or {"eng"}
        self.languages.clear()
        for code in sorted(installed, key=lambda c: (c != "eng", language_name(c))):   # English first
            item = QListWidgetItem(f"{language_name(code)} ({code})")
            item.setData(Qt.UserRole, code)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if code in wanted else Qt.Unchecked)
            self.languages.addItem(item)
        if exe and installed:
            self.ocr_status.setText(f"Ready: Tesseract ({exe}), {len(installed)} languages installed.")
            self.languages_hint.setText("Tick the languages your scans are written in (fewer is faster). "
                                        "None ticked: English.")
        else:
            self.ocr_status.setText("Not installed: scans and photos cannot be read. "
                                    "Install Tesseract (Debian/Ubuntu: apt install tesseract-ocr tesseract-ocr-eng).")
            self.languages_hint.setText("No languages: text recognition is not installed.")
        self.ready = True

    def _languages_failed(self, exc: BaseException) -> None:
        self.ocr_status.setText(f"Tesseract could not be asked for its languages ({type(exc).__name__}).")
        self.languages_hint.setText("")
        self.ready = True

    def chosen_languages(self) -> str:
        """Ticked languages, "eng+deu" (the list's order: English, the usual first language, leads)."""
        codes = [self.languages.item(i).data(Qt.UserRole) for i in range(self.languages.count())
                 if self.languages.item(i).checkState() == Qt.Checked]
        return "+".join(codes)

    def apply(self) -> None:
        languages = self.chosen_languages() if self.ready and self.languages.count() else self.stored.ocr_languages
        if languages == "eng":
            languages = ""          # English is what "" means; keep the default a default
        self.stored = settings_mod.update(self.ctx.db, ocr_mode=self.mode.currentData() or "auto",
                                          ocr_languages=languages)
