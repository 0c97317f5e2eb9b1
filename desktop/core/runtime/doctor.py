"""``lectern doctor``: is every part of Lectern present and working?"""
from __future__ import annotations

import os
import shutil
import time
from typing import Any

from .. import models
from ..library import documents
from ..models.embeddings import Embedder
from ..search.vectorstore import read_port
from ..storage import settings
from ..storage.config import DataPaths
from ..storage.db import open_db, schema_version
from ..errors import LecternError
from .services import ensure_services


def _check(ok: bool, detail: str, essential: bool = True, **extra: Any) -> dict[str, Any]:
    return {"ok": ok, "essential": essential, "detail": detail, **extra}


def check_data_folder(paths: DataPaths) -> dict[str, Any]:
    try:
        paths.ensure()
        probe = paths.run / ".write-test"
        probe.write_text("ok")
        probe.unlink()
        version = schema_version(open_db(paths.db))
    except (OSError, LecternError) as exc:
        return _check(False, f"{paths.root} is not usable: {exc}")
    return _check(True, f"{paths.root} (schema v{version})", path=str(paths.root), schema_version=version)


def check_disk_space(paths: DataPaths) -> dict[str, Any]:
    free = shutil.disk_usage(paths.root).free
    low = free < 500 * 1024 * 1024
    return _check(not low, f"{free / 1e9:.1f} GB free" + (" - less than 500 MB: recordings may stop" if low else ""),
                  essential=False, free_bytes=free)


def load_model(resolved: models.ResolvedModel) -> None:
    """Actually load a model the way Lectern uses it (raises on failure)."""
    if resolved.format == "ctranslate2":
        from faster_whisper import WhisperModel

        WhisperModel(str(resolved.path), device="cpu", compute_type="int8", cpu_threads=1)
    elif resolved.format == "gguf":
        from llama_cpp import Llama

        Llama(model_path=str(resolved.path), vocab_only=True, verbose=False)
    else:
        Embedder(resolved.path).embed(["doctor"])


def check_models(load: bool) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for role in models.ROLES:
        try:
            resolved = models.resolve(role)
        except LecternError as exc:
            out[f"model.{role}"] = _check(False, str(exc))
            continue
        detail = f"{resolved.label} at {resolved.path}"
        t0 = time.perf_counter()
        if load:
            try:
                load_model(resolved)
            except Exception as exc:  # any loader failure means "not loadable"
                out[f"model.{role}"] = _check(False, f"{resolved.label} does not load: {exc}")
                continue
            detail += f" (loads in {time.perf_counter() - t0:.1f} s)"
        out[f"model.{role}"] = _check(True, detail, model=resolved.as_dict(), loaded=load)
    return out


def check_audio() -> dict[str, Any]:
    try:
        import sounddevice as sd

        devices = [d for d in sd.query_devices() if d["max_input_channels"] > 0]
    except Exception as exc:  # PortAudio missing or failing
        return _check(False, f"audio input unavailable: {exc}", essential=False, devices=[])
    names = [d["name"] for d in devices]
    if not names:
        return _check(False, "no microphone found (recording is unavailable; everything else works)",
                      essential=False, devices=[])
    return _check(True, f"{len(names)} input device(s): {', '.join(names[:4])}", essential=False, devices=names)


def check_reading() -> dict[str, dict[str, Any]]:
    """Text recognition (scans, photos) and LibreOffice (old .ppt/.doc): optional helpers."""
    langs = documents.installed_languages() if documents.tesseract() else ()
    ocr = (_check(True, f"Tesseract, languages: {', '.join(langs)}", essential=False, languages=list(langs))
           if langs else _check(False, "no text recognition: scanned pages and photos cannot be read "
                                       "(install tesseract-ocr and tesseract-ocr-eng)", essential=False, languages=[]))
    office = documents.libreoffice()
    legacy = (_check(True, f"LibreOffice at {office} (old .ppt and .doc files)", essential=False) if office else
              _check(False, "LibreOffice is not installed: old .ppt and .doc files cannot be read "
                            "(.pptx, .docx and the others can)", essential=False))
    return {"ocr": ocr, "libreoffice": legacy}


def check_settings(paths: DataPaths) -> dict[str, Any]:
    """Settings that could not be read were kept aside; say so until the student has seen it."""
    db = open_db(paths.db)
    settings.load(db)   # notices a problem that happened since the last start
    notice = settings.pending_notice(db)
    return _check(not notice, notice or "readable", essential=False)


def check_services(paths: DataPaths) -> dict[str, dict[str, Any]]:
    try:
        with ensure_services(paths, timeout=60) as sup:
            owner = "this check" if sup else "the open Lectern window"
            port = read_port(paths)
            return {
                "worker": _check(True, f"background worker answers (started by {owner})"),
                "vector_store": _check(True, f"vector store answers on 127.0.0.1:{port} (started by {owner})",
                                       port=port),
            }
    except LecternError as exc:
        return {"worker": _check(False, str(exc)), "vector_store": _check(False, str(exc))}


def run_doctor(paths: DataPaths, load_models: bool = True) -> dict[str, Any]:
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    checks: dict[str, dict[str, Any]] = {"data_folder": check_data_folder(paths)}
    if checks["data_folder"]["ok"]:
        checks["disk_space"] = check_disk_space(paths)
        checks["settings"] = check_settings(paths)
        checks.update(check_services(paths))
    checks.update(check_models(load_models))
    checks["audio_input"] = check_audio()
    checks.update(check_reading())
    ok = all(c["ok"] for c in checks.values() if c["essential"])
    return {"ok": ok, "checks": checks}
