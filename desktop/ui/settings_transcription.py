"""Settings → Transcription: model, language, transcribing while recording, live captions, microphone."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QCheckBox, QComboBox, QFileDialog, QFormLayout, QLabel, QWidget

from ..core.lectures import audio_devices
from ..core import models
from ..core.storage import settings as settings_mod
from ..core.errors import LecternError, ModelMissing

ADD_FOLDER = "__add_folder__"
# When the transcript is made: (transcribe_while_recording, transcribe_only_plugged_in) per choice.
WHILE_RECORDING, WHEN_PLUGGED_IN, AFTER_STOP = "while", "plugged", "after"
WHEN_CHOICES = ((WHILE_RECORDING, "Transcribe while recording"),
                (WHEN_PLUGGED_IN, "Transcribe while recording only when plugged in"),
                (AFTER_STOP, "Wait until Stop (saves battery)"))
LANGUAGES = (("", "Detect automatically"), ("en", "English"), ("fr", "French"), ("de", "German"),
             ("es", "Spanish"), ("it", "Italian"), ("pt", "Portuguese"), ("nl", "Dutch"), ("pl", "Polish"),
             ("sv", "Swedish"), ("tr", "Turkish"), ("ru", "Russian"), ("uk", "Ukrainian"), ("ar", "Arabic"),
             ("hi", "Hindi"), ("zh", "Chinese"), ("ja", "Japanese"), ("ko", "Korean"))


class TranscriptionSettingsTab(QWidget):
    title = "Transcription"

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.stored = settings_mod.load(ctx.db)
        form = QFormLayout(self)
        form.setContentsMargins(16, 16, 16, 16)
        form.setVerticalSpacing(12)

        self.model = QComboBox()
        for spec in models.available(models.TRANSCRIPTION):
            self.model.addItem(spec.label + (" — default" if models.DEFAULTS[models.TRANSCRIPTION] == spec.id
                                             else ""), spec.id)
        for extra in self.stored.extra_models:
            if (Path(extra) / "model.bin").exists():
                self.model.addItem(f"{Path(extra).name} (your folder)", extra)
        self.model.addItem("Add a Whisper folder (CTranslate2)…", ADD_FOLDER)
        self._select(self.model, self.stored.transcription_model or models.DEFAULTS[models.TRANSCRIPTION])
        self._last_model = self.model.currentIndex()
        self.model.activated.connect(self._on_model_activated)
        form.addRow("Model", self.model)
        hint = QLabel("Base is more accurate; tiny.en is about twice as fast but English only. "
                      "Live captions always use tiny.en.")
        hint.setObjectName("Hint")
        hint.setWordWrap(True)
        form.addRow("", hint)

        self.language = QComboBox()
        for code, label in LANGUAGES:
            self.language.addItem(label, code)
        if self.stored.transcription_language and self.language.findData(self.stored.transcription_language) < 0:
            self.language.addItem(self.stored.transcription_language, self.stored.transcription_language)
        self._select(self.language, self.stored.transcription_language)
        form.addRow("Language", self.language)

        self.when = QComboBox()
        self.when.setAccessibleName("When the transcript is made")
        for key, label in WHEN_CHOICES:
            self.when.addItem(label, key)
        stored_when = (AFTER_STOP if not self.stored.transcribe_while_recording else
                       WHEN_PLUGGED_IN if self.stored.transcribe_only_plugged_in else WHILE_RECORDING)
        self._select(self.when, stored_when)
        form.addRow("Transcript", self.when)
        when_hint = QLabel("Made while recording, the transcript is ready moments after Stop. To save the "
                           "battery it can wait until you plug in, or until Stop.")
        when_hint.setObjectName("Hint")
        when_hint.setWordWrap(True)
        form.addRow("", when_hint)

        self.captions = QCheckBox("Show live captions while recording")
        self.captions.setChecked(self.stored.live_captions)
        form.addRow("", self.captions)

        self.device = QComboBox()
        self.device.addItem("System default", "")
        try:
            names = [d.name for d in audio_devices.list_inputs()]
        except LecternError:
            names = []
        if not names:       # say what the Record pane says
            self.device.setItemText(0, "No microphone found")
            self.device.setToolTip("The system's default microphone is used once one is plugged in.")
        for name in names:
            self.device.addItem(name, name)
        if self.stored.input_device and self.device.findData(self.stored.input_device) < 0:
            self.device.addItem(f"{self.stored.input_device} (not connected)", self.stored.input_device)
        self._select(self.device, self.stored.input_device)
        form.addRow("Microphone", self.device)

    @staticmethod
    def _select(combo: QComboBox, data: str) -> None:
        idx = combo.findData(data)
        combo.setCurrentIndex(max(idx, 0))

    def _on_model_activated(self, index: int) -> None:
        if self.model.itemData(index) != ADD_FOLDER:
            self._last_model = index
            return
        folder = QFileDialog.getExistingDirectory(self, "Choose a CTranslate2 Whisper model folder")
        if folder:
            self.add_model_folder(folder)
        else:
            self.model.setCurrentIndex(self._last_model)

    def add_model_folder(self, folder: str) -> None:
        """Offer a student's own Whisper folder in the list (checked when applied)."""
        idx = self.model.findData(folder)
        if idx < 0:
            idx = self.model.count() - 1
            self.model.insertItem(idx, f"{Path(folder).name} (your folder)", folder)
        self.model.setCurrentIndex(idx)
        self._last_model = idx

    def apply(self) -> None:
        choice = self.model.currentData()
        if choice == ADD_FOLDER:
            choice = ""
        if choice and choice not in models.SPECS:
            if not (Path(choice) / "model.bin").exists():
                raise ModelMissing(f"{choice} is not a CTranslate2 Whisper folder (it has no model.bin).",
                                   "Choose the folder that contains model.bin, config.json and tokenizer.json.")
        extras = tuple(self.stored.extra_models)
        if choice and choice not in models.SPECS and choice not in extras:
            extras = extras + (choice,)
        default = models.DEFAULTS[models.TRANSCRIPTION]
        self.stored = settings_mod.update(
            self.ctx.db, transcription_model="" if choice == default else choice,
            transcription_language=self.language.currentData() or "", live_captions=self.captions.isChecked(),
            transcribe_while_recording=self.when.currentData() != AFTER_STOP,
            transcribe_only_plugged_in=self.when.currentData() == WHEN_PLUGGED_IN,
            input_device=self.device.currentData() or "", extra_models=extras)
