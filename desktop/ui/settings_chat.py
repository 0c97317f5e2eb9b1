"""Settings → Chat: which model writes the answers, its context size and threads, and which
models search the material (embeddings, reranker).

The list offers the bundled models, GGUF files found in the folders of other local-AI
apps (LM Studio, GPT4All, Jan, Ollama) and files the student added with "Add model…".
Each file is checked off the UI thread (a vocabulary-only load) and shows whether it
loads. A choice that cannot be used is refused with a plain message, and the model in
use stays. A bundled model whose package is not installed says so, with the exact
command that installs it.
"""
from __future__ import annotations

import html
import logging
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QApplication, QCheckBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QListWidget,
                               QListWidgetItem, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from ..core.models import llm
from ..core.models import discovery as model_discovery
from ..core.models import install as model_install
from ..core import jobs, models
from ..core.library import model_switch
from ..core.storage import settings as settings_mod
from ..core.errors import LecternError, ModelMissing
from ..core.timefmt import format_size
from .background import LONG, run_in_background

log = logging.getLogger(__name__)

CHECKING, LOADS, FAILS = "checking", "loads", "fails"


class ChatSettingsTab(QWidget):
    title = "Chat"

    def __init__(self, ctx, parent: QWidget | None = None, home: Path | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.stored = settings_mod.load(ctx.db)
        self.status: dict[str, tuple[str, str]] = {}   # path -> (state, error)
        self.discovery_done = False

        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 16, 16, 16)
        lay.setSpacing(10)
        head = QLabel("<b>Chat model</b> — writes the answers from your passages. Everything runs on this computer.")
        head.setWordWrap(True)
        lay.addWidget(head)
        self.list = QListWidget()
        self.list.setObjectName("ModelList")
        self.list.setMinimumHeight(110)      # about five models; it grows with the dialog
        self.list.currentItemChanged.connect(lambda *_: self._show_selected())
        lay.addWidget(self.list, 1)
        row = QHBoxLayout()
        self.add_button = QPushButton("Add model…")
        self.add_button.setToolTip("Use any GGUF chat model file on this computer")
        self.add_button.clicked.connect(self._pick_file)
        self.searching = QLabel("Looking for models of LM Studio, GPT4All, Jan and Ollama…")
        self.searching.setObjectName("Hint")
        row.addWidget(self.add_button)
        row.addWidget(self.searching, 1)
        lay.addLayout(row)
        drow = QHBoxLayout()
        self.detail = QLabel("")
        self.detail.setObjectName("Hint")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.copy_command = QPushButton("Copy command")
        self.copy_command.setToolTip("Copy the install command to paste it into a terminal")
        self.copy_command.clicked.connect(self._copy_install_command)
        self.copy_command.hide()
        drow.addWidget(self.detail, 1)
        drow.addWidget(self.copy_command, 0, Qt.AlignTop)
        lay.addLayout(drow)

        form = QFormLayout()
        form.setVerticalSpacing(10)
        self.context = QSpinBox()
        self.context.setRange(llm.MIN_CONTEXT, llm.MAX_CONTEXT)
        self.context.setSingleStep(1024)
        self.context.setSuffix(" tokens")
        self.context.setValue(max(llm.MIN_CONTEXT, min(llm.MAX_CONTEXT, self.stored.chat_context or 4096)))
        self.context.setToolTip("How much the model reads at once: your passages, the recent conversation and "
                                "the answer. 4096 suits small models; more uses more memory.")
        form.addRow("Context size", self.context)
        self.threads = QSpinBox()
        cores = os.cpu_count() or 1
        self.threads.setRange(0, max(1, cores))
        self.threads.setSpecialValueText(f"Automatic ({cores} cores)")
        self.threads.setValue(min(max(0, self.stored.chat_threads), cores))
        self.threads.setToolTip("Processor threads used to write answers")
        form.addRow("Threads", self.threads)
        self.preload = QCheckBox("Load the chat model before the first question")
        self.preload.setChecked(self.stored.chat_preload)
        self.preload.setToolTip("When the Chat pane is shown or Lectern is left alone for a few seconds, the model "
                                "loads in the background so the first answer starts at once. Off: it loads at "
                                "the first question, and its memory stays free until then.")
        form.addRow("", self.preload)
        lay.addLayout(form)

        search_head = QLabel("<b>Searching your material</b> — finds the passages the answer is written from.")
        search_head.setWordWrap(True)
        lay.addWidget(search_head)
        sform = QFormLayout()
        sform.setVerticalSpacing(6)
        self.embeddings_label = QLabel(embeddings_in_use(self.stored.embeddings_model))
        self.embeddings_label.setWordWrap(True)
        self.embeddings_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        sform.addRow("Embeddings", self.embeddings_label)
        emb_row = QHBoxLayout()
        self.embeddings_other = QPushButton("Use another model…")
        self.embeddings_other.setToolTip("Search with a sentence-embedding model of your own: a folder with "
                                         "model.onnx and tokenizer.json. Your library is indexed again in the "
                                         "background; searches use the current model until that is done.")
        self.embeddings_other.clicked.connect(self._pick_embeddings)
        self.embeddings_default = QPushButton("Back to the default")
        self.embeddings_default.setToolTip("Search with the bundled model again (your library is indexed again)")
        self.embeddings_default.clicked.connect(lambda: self.switch_embeddings(""))
        emb_row.addWidget(self.embeddings_other)
        emb_row.addWidget(self.embeddings_default)
        emb_row.addStretch(1)
        sform.addRow("", emb_row)
        self.embeddings_note = QLabel()
        self.embeddings_note.setWordWrap(True)
        self.embeddings_note.setObjectName("Hint")
        sform.addRow("", self.embeddings_note)
        self._show_embeddings()
        if getattr(ctx, "monitor", None) is not None:   # the switch ends while the dialog is open
            ctx.monitor.job_finished.connect(self._on_job_finished)
        self.reranker_label = QLabel(reranker_in_use())
        self.reranker_label.setWordWrap(True)
        self.reranker_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        sform.addRow("Reranker", self.reranker_label)
        self.multilingual_label = QLabel(multilingual_in_use())
        self.multilingual_label.setWordWrap(True)
        self.multilingual_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        sform.addRow("Other languages", self.multilingual_label)
        lay.addLayout(sform)

        self._fill_known()
        self._select(self.stored.chat_model or models.DEFAULTS[models.CHAT])
        run_in_background(lambda: _discover(home), self._on_found, owner=self, name="model-discovery")

    # -- the embedding model ----------------------------------------------------------------------
    def _show_embeddings(self, note: str = "") -> None:
        """The model in use, the switch under way if any, and what the buttons may do now."""
        self.stored = settings_mod.load(self.ctx.db)
        self.embeddings_label.setText(embeddings_in_use(self.stored.embeddings_model))
        moving_to = model_switch.switch_in_progress(self.ctx.db)
        if moving_to is not None and not note:
            note = (f"Indexing your library for {model_switch.model_label(moving_to)} in the background (Jobs, "
                    "Ctrl+J). Searches use the model above until that is done.")
        self.embeddings_note.setText(note)
        self.embeddings_note.setVisible(bool(note))
        self.embeddings_other.setEnabled(moving_to is None)
        self.embeddings_default.setVisible(bool(self.stored.embeddings_model))
        self.embeddings_default.setEnabled(moving_to is None)

    def _on_job_finished(self, job: Any) -> None:
        if job.kind == model_switch.SWITCH_JOB:
            self._show_embeddings(f"✗ The re-indexing stopped: {job.error or job.state}. The model above stays; "
                                  "try again when you like." if job.state != jobs.DONE else "")

    def _pick_embeddings(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a sentence-embedding model folder", str(Path.home()))
        if folder:
            self.switch_embeddings(folder)

    def switch_embeddings(self, choice: str) -> None:
        """Check the model off the UI thread, then queue the re-indexing job; a model that cannot be
        used is refused in the note below, and the model in use stays."""
        self.embeddings_other.setEnabled(False)
        self.embeddings_default.setEnabled(False)
        self.embeddings_note.setText(f"Checking {model_switch.model_label(choice)}…")
        self.embeddings_note.setVisible(True)

        def queued(_result: Any) -> None:
            try:
                model_switch.start_switch(self.ctx.db, self.ctx, choice, checked=True)
            except LecternError as exc:
                refused(exc)
                return
            self._show_embeddings()

        def refused(exc: BaseException) -> None:
            self._show_embeddings(f"✗ {exc} The model in use stays.")

        run_in_background(lambda: model_switch.check_model(choice), queued, refused, owner=self,
                          name="embedding-model-check")

    # -- the list -----------------------------------------------------------------------------
    def _add_item(self, key: str, text: str, tooltip: str = "") -> QListWidgetItem:
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.UserRole) == key:
                return self.list.item(i)
        item = QListWidgetItem(text)
        item.setData(Qt.UserRole, key)
        item.setData(Qt.UserRole + 1, text)
        item.setToolTip(tooltip or key)
        self.list.addItem(item)
        return item

    def _fill_known(self) -> None:
        for spec in models.available(models.CHAT):
            installed = models.is_installed(spec)
            suffix = "" if installed else " — not installed"
            default = " (default)" if models.DEFAULTS[models.CHAT] == spec.id and "default" not in spec.label else ""
            item = self._add_item(spec.id, f"{spec.label}{default}{suffix}")
            if not installed:
                self.status[spec.id] = (FAILS, "This model's package is not installed.")
                item.setToolTip(model_install.install_hint(spec))
        for extra in self.stored.extra_models:
            if extra.lower().endswith(".gguf"):
                self._add_file(extra, "your file")
        current = self.stored.chat_model
        if current and current not in models.SPECS:
            self._add_file(current, "your file")

    def _add_file(self, path: str, origin: str) -> QListWidgetItem:
        p = Path(path)
        try:
            size = format_size(p.stat().st_size)
        except OSError:
            size = "missing"
        item = self._add_item(str(p), f"{p.stem} · {origin} · {size}", str(p))
        if str(p) not in self.status:
            self.status[str(p)] = (CHECKING, "")
            key = str(p)
            run_in_background(lambda: _check(key), lambda info: self._on_checked(key, info), lane=LONG,
                              owner=self, name="model-check")
        self._refresh_item(item)
        return item

    def _refresh_item(self, item: QListWidgetItem) -> None:
        key = item.data(Qt.UserRole)
        base = item.data(Qt.UserRole + 1)
        state, error = self.status.get(key, ("", ""))
        mark = {CHECKING: "  — checking…", LOADS: "  ✓ loads", FAILS: "  ✗ does not load"}.get(state, "")
        if key in models.SPECS:
            mark = ""
        item.setText(base + mark)
        if state == FAILS:
            item.setToolTip(f"{key}\n{error}")

    def _select(self, key: str) -> None:
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.UserRole) == key:
                self.list.setCurrentRow(i)
                return
        if self.list.count():
            self.list.setCurrentRow(0)

    def choices(self) -> list[str]:
        return [self.list.item(i).data(Qt.UserRole) for i in range(self.list.count())]

    def item_text(self, key: str) -> str:
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.UserRole) == key:
                return self.list.item(i).text()
        return ""

    def selected(self) -> str:
        item = self.list.currentItem()
        return item.data(Qt.UserRole) if item is not None else ""

    def select(self, key: str) -> None:
        self._select(key)

    def install_command(self, key: str) -> str:
        """The command that installs a bundled model that is not installed ("" otherwise)."""
        spec = models.SPECS.get(key)
        if spec is None or models.is_installed(spec):
            return ""
        return model_install.install_command(spec)

    def _show_selected(self) -> None:
        key = self.selected()
        state, error = self.status.get(key, ("", ""))
        command = self.install_command(key)
        self.copy_command.setVisible(bool(command))
        if command:
            short = model_install.install_command(models.SPECS[key], short=True)
            self.detail.setTextFormat(Qt.RichText)
            self.detail.setText(f"{html.escape(models.SPECS[key].label)} is not installed. To install it, run in a "
                                f"terminal:<br><code>{html.escape(short)}</code>")
            return
        self.detail.setTextFormat(Qt.PlainText)
        if state == FAILS:
            self.detail.setText(f"✗ {error}")
        elif key in models.SPECS:
            self.detail.setText("Bundled with Lectern.")
        else:
            self.detail.setText(key)

    def _copy_install_command(self) -> None:
        command = self.install_command(self.selected())
        if command:
            QApplication.clipboard().setText(command)
            self.copy_command.setText("Copied")

    # -- discovery and checks (results of background work, on the UI thread) --------------------------
    def _on_found(self, found: list) -> None:
        for m in found:
            self._add_file(str(m.path), f"{m.app} · {m.name}" if m.app == "Ollama" else m.app)
        self.discovery_done = True
        self.searching.setText(f"Found {len(found)} model file(s) from other apps." if found else
                               "No models of LM Studio, GPT4All, Jan or Ollama on this computer.")

    def _on_checked(self, path: str, info: dict[str, Any]) -> None:
        ok = bool(info.get("loads")) and bool(info.get("chat"))
        self.status[path] = (LOADS if ok else FAILS, info.get("error") or "")
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.UserRole) == path:
                self._refresh_item(self.list.item(i))
        self._show_selected()

    def is_checked(self, path: str) -> bool:
        return self.status.get(path, (CHECKING, ""))[0] != CHECKING

    # -- add / apply ----------------------------------------------------------------------------------
    def _pick_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a GGUF chat model", str(Path.home()),
                                              "GGUF models (*.gguf);;All files (*)")
        if path:
            self.add_model_file(path)

    def add_model_file(self, path: str) -> None:
        item = self._add_file(path, "your file")
        self.list.setCurrentItem(item)

    def apply(self) -> None:
        choice = self.selected() or models.DEFAULTS[models.CHAT]
        n_ctx, threads = self.context.value(), self.threads.value()
        if choice in models.SPECS:
            if not models.is_installed(models.SPECS[choice]):
                raise ModelMissing(f"{models.SPECS[choice].label} is not installed.",
                                   "Pick another model, or install it and run `lectern models --prepare`.")
        else:
            llm.check_file(Path(choice), n_ctx)   # present, GGUF, fits in memory: instant
            state, error = self.status.get(choice, (CHECKING, ""))
            if state == FAILS:
                raise LecternError(f"{Path(choice).name} does not load: {error}",
                                   "The model in use stays; pick another one.")
        extras = tuple(self.stored.extra_models)
        if choice not in models.SPECS and choice not in extras:
            extras = extras + (choice,)
        default = models.DEFAULTS[models.CHAT]
        self.stored = settings_mod.update(self.ctx.db, chat_model="" if choice == default else choice,
                                          chat_context=n_ctx, chat_threads=threads, extra_models=extras,
                                          chat_preload=self.preload.isChecked())


def embeddings_in_use(choice: str) -> str:
    """The embedding model searches use, in words."""
    choice = choice or models.DEFAULTS[models.EMBEDDINGS]
    spec = models.SPECS.get(choice)
    if spec is None:
        return f"{Path(choice).name} (your model)"
    return spec.label + ("" if models.is_installed(spec) else " — not installed")


def reranker_in_use() -> str:
    """The cross-encoder that re-orders the passages found, or why there is none."""
    role = getattr(models, "RERANK", None)
    spec = models.SPECS.get(models.DEFAULTS.get(role, "")) if role else None
    if spec is None:
        return "off — no reranker in this version"
    if not models.is_installed(spec):
        return (f"off — model not installed ({spec.label}). To install it, run:\n"
                f"{model_install.install_command(spec)}")
    return f"{spec.label} — re-orders the passages found before the answer is written"


def multilingual_in_use() -> str:
    """The encoder that makes material not in English searchable by meaning, or why there is none."""
    spec = models.SPECS.get(models.DEFAULTS.get(models.MULTILINGUAL, ""))
    if spec is None:
        return "off — material not in English is found by its words"
    if not models.is_installed(spec):
        return f"off — model not installed ({spec.label}); material not in English is found by its words"
    return (f"{spec.label} — material in German, French, Spanish and 13 more languages is found by meaning, "
            "also from a question in English")


def _discover(home: Path | None) -> list:
    """GGUF files of other local-AI apps (background thread)."""
    try:
        return model_discovery.discover(home)
    except Exception:  # discovery is a convenience: never break the dialog
        log.exception("looking for other apps' models failed")
        return []


def _check(path: str) -> dict[str, Any]:
    """Whether a GGUF file loads, by a vocabulary-only load (background thread)."""
    try:
        return llm.check_loads(Path(path))
    except Exception as exc:  # noqa: BLE001 - reported as "does not load"
        return {"loads": False, "chat": False, "error": str(exc)}
