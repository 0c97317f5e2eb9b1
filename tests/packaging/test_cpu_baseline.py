"""The native code Lectern ships runs on any x86-64 with AVX2, FMA and F16C, not only on the
computer that built it.

Everything binary comes as a manylinux wheel (built for generic x86-64, choosing its
instructions at run time), except llama.cpp, which is compiled here (scripts/bootstrap.sh), and
the bundle's stand-in libraries and ICU data (packaging/native_libraries.py, icu_data.py),
compiled by the spec for the compiler's generic x86-64: functions returning 0, and data
(tests/packaging/test_native_libraries.py checks their instructions).
So: llama.cpp's libraries hold no AVX-512 or AMX instruction, and the chat model answers on an
emulated Haswell (2013), the oldest CPU of the baseline; on an emulated Nehalem (no AVX) the
same run dies of an illegal instruction, which shows the emulation enforces the baseline.
"""
from __future__ import annotations

import importlib.metadata
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(platform.machine() != "x86_64", reason="the baseline is an x86-64 one")

PROBE = """
from llama_cpp import Llama
from desktop.core import models
llm = Llama(model_path=str(models.locate("smollm2-135m")), n_ctx=128, n_threads=1, verbose=False)
print("answer:", llm("The powerhouse of the cell is the", max_tokens=3, temperature=0)["choices"][0]["text"])
"""


def _llama_libs() -> list[Path]:
    files = importlib.metadata.files("llama-cpp-python") or []
    libs = [Path(str(f.locate())) for f in files if re.search(r"\.so(\.\d+)*$", f.name)]
    return [p for p in libs if p.exists() and not p.is_symlink()]


def test_only_llama_cpp_is_compiled_here_and_it_holds_no_avx512_or_amx():
    built_here = []
    for dist in importlib.metadata.distributions():
        wheel = dist.read_text("WHEEL") or ""
        tags = re.findall(r"^Tag: (.+)$", wheel, re.M)
        if any(t.endswith("-linux_x86_64") for t in tags):
            built_here.append(dist.metadata["Name"].lower().replace("_", "-"))
    assert built_here == ["llama-cpp-python"], built_here
    libs = _llama_libs()
    assert any("ggml-cpu" in p.name for p in libs), [p.name for p in libs]
    for lib in libs:
        asm = subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(lib)], capture_output=True, text=True,
                             check=True).stdout
        wide = re.findall(r"%zmm\d+|%k[1-7]\b|\btile\w+|\{%k\d\}", asm)
        assert not wide, f"{lib.name}: {len(wide)} AVX-512/AMX operands, e.g. {sorted(set(wide))[:5]}"
        if "ggml-cpu" in lib.name:
            assert re.search(r"%ymm\d+", asm) and re.search(r"\bvfmadd\w+", asm), "AVX2/FMA code is there"


@pytest.mark.skipif(shutil.which("qemu-x86_64") is None, reason="qemu-user is not installed")
def test_the_chat_model_answers_on_a_haswell_and_a_cpu_without_avx_is_refused():
    def run(cpu: str) -> subprocess.CompletedProcess:
        return subprocess.run(["qemu-x86_64", "-cpu", cpu, sys.executable, "-c", PROBE], capture_output=True,
                              text=True, timeout=900, cwd=str(Path(__file__).resolve().parents[2]))

    haswell = run("Haswell")
    assert haswell.returncode == 0 and "answer:" in haswell.stdout, haswell.stderr[-1500:]
    nehalem = run("Nehalem")
    assert nehalem.returncode in (-4, 132), (nehalem.returncode, nehalem.stdout, nehalem.stderr[-800:])
