"""Find GGUF chat models the student already has from other local-AI apps.

Looks in the usual folders of LM Studio, GPT4All, Jan and Ollama (whose blobs have
no extension: the manifest says which layer is the model, and the GGUF magic
confirms it). Nothing is copied: Lectern uses the file where it is.
"""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .llm import GGUF_MAGIC, check_loads

OLLAMA_MODEL_MEDIA = "application/vnd.ollama.image.model"
# Files that are GGUF but not chat models on their own.
_NOT_CHAT = ("mmproj", "projector", "clip-", "embed", "nomic-bert")


@dataclass
class FoundModel:
    path: Path
    name: str
    app: str                 # "LM Studio", "GPT4All", "Jan", "Ollama"
    size: int
    loads: bool | None = None   # None: not checked yet
    error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "name": self.name, "app": self.app, "size": self.size,
                "loads": self.loads, "error": self.error}


def search_folders(home: Path) -> list[tuple[str, Path]]:
    """(app, folder) pairs, in the order they are searched."""
    return [
        ("LM Studio", home / ".lmstudio" / "models"),
        ("LM Studio", home / ".cache" / "lm-studio" / "models"),
        ("GPT4All", home / ".local" / "share" / "nomic.ai" / "GPT4All"),
        ("Jan", home / "jan" / "models"),
        ("Jan", home / ".local" / "share" / "Jan" / "data" / "models"),
    ]


def ollama_roots(home: Path) -> list[Path]:
    return [home / ".ollama" / "models", Path("/usr/share/ollama/.ollama/models")]


def is_gguf(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(4) == GGUF_MAGIC
    except OSError:
        return False


def _looks_like_chat(name: str) -> bool:
    low = name.lower()
    return not any(word in low for word in _NOT_CHAT)


def _gguf_files(folder: Path, max_depth: int = 6) -> Iterable[Path]:
    if not folder.is_dir():
        return
    stack = [(folder, 0)]
    while stack:
        current, depth = stack.pop()
        try:
            entries = sorted(current.iterdir())
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir():
                    if depth < max_depth:
                        stack.append((entry, depth + 1))
                elif entry.suffix.lower() == ".gguf" and entry.is_file():
                    yield entry
            except OSError:
                continue


def _ollama_models(root: Path) -> Iterable[tuple[str, Path]]:
    """(model:tag, blob) for every manifest that names a GGUF model layer."""
    manifests = root / "manifests"
    if not manifests.is_dir():
        return
    for manifest in sorted(p for p in manifests.rglob("*") if p.is_file()):
        try:
            data = json.loads(manifest.read_text())
        except (OSError, ValueError, UnicodeDecodeError):
            continue
        for layer in data.get("layers", []) if isinstance(data, dict) else []:
            if not isinstance(layer, dict) or layer.get("mediaType") != OLLAMA_MODEL_MEDIA:
                continue
            digest = str(layer.get("digest", ""))
            blob = root / "blobs" / digest.replace(":", "-")
            if blob.is_file() and is_gguf(blob):
                rel = manifest.relative_to(manifests).parts
                name = f"{rel[-2]}:{rel[-1]}" if len(rel) >= 2 else rel[-1]
                yield name, blob


def discover(home: Path | None = None) -> list[FoundModel]:
    """Every GGUF chat model found on disk (not yet checked for loading)."""
    home = home or Path.home()
    found: list[FoundModel] = []
    seen: set[Path] = set()

    def add(app: str, path: Path, name: str) -> None:
        try:
            real = path.resolve()
            size = real.stat().st_size
        except OSError:
            return
        if real in seen:
            return
        seen.add(real)
        found.append(FoundModel(path, name, app, size))

    for app, folder in search_folders(home):
        for path in _gguf_files(folder):
            if _looks_like_chat(path.name) and is_gguf(path):
                add(app, path, path.stem)
    for root in ollama_roots(home):
        for name, blob in _ollama_models(root):
            add("Ollama", blob, name)
    return found


def check(found: list[FoundModel], workers: int = 2) -> list[FoundModel]:
    """Fill in ``loads``/``error`` with a vocabulary-only load of each file, in threads."""
    def one(m: FoundModel) -> FoundModel:
        info = check_loads(m.path)
        m.loads = bool(info["loads"] and info["chat"])
        m.error = info["error"]
        m.extra = {k: v for k, v in info.items() if k not in ("loads", "error")}
        return m

    if not found:
        return found
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="model-check") as pool:
        return list(pool.map(one, found))
