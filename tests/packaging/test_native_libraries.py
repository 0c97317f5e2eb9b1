"""Stand-ins for the libraries PyAV's FFmpeg links but Lectern never calls
(packaging/native_libraries.py): the loader accepts them, FFmpeg starts with them, and the sound
of a file is still decoded. The frozen bundle is checked end to end in test_bundle.py."""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("native_libraries", REPO / "packaging" / "native_libraries.py")
stubs = sys.modules.setdefault("native_libraries", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(stubs)

pytestmark = pytest.mark.skipif(not (sys.platform.startswith("linux") and shutil.which("readelf") and shutil.which("cc")),
                                 reason="ELF stand-ins are made with GNU binutils and a C compiler")


def _pyav_libraries() -> Path:
    # Found, not imported: loaded here, PyAV's own libraries would answer for the copies by name.
    return Path(importlib.util.find_spec("av").origin).resolve().parent.parent / "av.libs"


def _loads(libs: Path, *lines: str) -> subprocess.CompletedProcess:
    """Python lines run in a fresh process (one with no FFmpeg loaded yet) finding its libraries in `libs`."""
    return subprocess.run([sys.executable, "-c", "import ctypes\n" + "\n".join(lines)], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "LD_LIBRARY_PATH": str(libs)})


def _copy_with_stand_ins(tmp_path: Path) -> tuple[Path, list[str]]:
    """PyAV's libraries copied, with each library of PYAV_UNUSED replaced the way the spec does it."""
    libs = tmp_path / "av.libs"
    shutil.copytree(_pyav_libraries(), libs)
    package = _pyav_libraries().parent / "av"
    entries = [(f"av.libs/{p.name}", str(p), "BINARY") for p in sorted(libs.iterdir())]
    entries += [(f"av/{p.relative_to(package)}", str(p), "EXTENSION") for p in sorted(package.rglob("*.so"))]
    new, left_out = stubs.with_stand_ins(entries, "av.libs/", stubs.PYAV_UNUSED, "av/", tmp_path / "stand-ins")
    for dest, src, _kind in new:
        if dest.startswith("av.libs/") and Path(src).parent != libs:
            shutil.copyfile(src, tmp_path / dest)
    for dest in left_out:
        (tmp_path / dest).unlink()
    return libs, left_out


def test_stand_ins_keep_the_names_and_versions_ffmpeg_asks_for_and_ffmpeg_starts_with_them(tmp_path):
    libs, left_out = _copy_with_stand_ins(tmp_path)
    gnutls = next(libs.glob("libgnutls-*"))
    x265 = next(libs.glob("libx265-*"))
    assert gnutls.stat().st_size < 100_000 and x265.stat().st_size < 100_000
    assert "GNUTLS_3_4" in subprocess.run(["readelf", "-VW", str(gnutls)], capture_output=True, text=True).stdout
    # Each function is "return 0": nothing beyond the generic x86-64 baseline.
    code = subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(gnutls)], capture_output=True, text=True).stdout
    assert set(re.findall(r"^\s+[0-9a-f]+:\s+(\w+)", code, re.M)) <= {"xor", "ret", "nop", "endbr64", "mov", "push",
                                                                        "pop", "jmp", "cs", "data16", "xchg"}, code[:2000]
    # GnuTLS's own dependencies are needed by nothing now; FFmpeg's own libraries all stay.
    assert any("libnettle" in d for d in left_out) and not any("libav" in d for d in left_out)
    # The loader resolves every library and version; the network set-up calls GnuTLS's stand-in.
    out = _loads(libs, f"avformat = ctypes.CDLL({str(next(libs.glob('libavformat-*')))!r})",
                 "assert avformat.avformat_network_init() == 0",
                 f"avcodec = ctypes.CDLL({str(next(libs.glob('libavcodec-*')))!r})",
                 "avcodec.avcodec_find_decoder_by_name.restype = ctypes.c_void_p",
                 "assert avcodec.avcodec_find_decoder_by_name(b'aac') and avcodec.avcodec_find_decoder_by_name(b'mp3')",
                 "avcodec.avcodec_find_encoder_by_name.restype = ctypes.c_void_p",
                 "print('encoder registered:', bool(avcodec.avcodec_find_encoder_by_name(b'libx265')))")
    assert out.returncode == 0 and "encoder registered: True" in out.stdout, out.stderr


def test_a_stand_in_that_misses_a_symbol_is_refused_by_the_loader(tmp_path):
    # The check above can fail: a stand-in made for no consumer lacks what libavformat asks for.
    libs = tmp_path / "av.libs"
    shutil.copytree(_pyav_libraries(), libs)
    gnutls = next(libs.glob("libgnutls-*"))
    empty = stubs.write_stub(gnutls, [], tmp_path / "stand-ins")
    shutil.copyfile(empty, gnutls)
    out = _loads(libs, f"ctypes.CDLL({str(next(libs.glob('libavformat-*')))!r})")
    assert out.returncode != 0 and "GNUTLS_3_4" in out.stderr, out.stderr


def test_a_library_both_wheels_carry_is_looked_for_beside_each_consumer_first(tmp_path):
    # Pillow and PyAV each carry a libXau of the same name, needed by their own libxcb. Once Pillow's
    # libxcb is a stand-in nothing in pillow.libs needs its libXau any more, although PyAV's real
    # libxcb needs one of that name: the loader finds that one beside it, in av.libs.
    pillow_libs = Path(importlib.util.find_spec("PIL").origin).resolve().parent.parent / "pillow.libs"
    pil = pillow_libs.parent / "PIL"
    entries = [(f"pillow.libs/{p.name}", str(p), "BINARY") for p in sorted(pillow_libs.iterdir())]
    entries += [(f"PIL/{p.relative_to(pil)}", str(p), "EXTENSION") for p in sorted(pil.rglob("*.so"))]
    entries += [(f"av.libs/{p.name}", str(p), "BINARY") for p in sorted(_pyav_libraries().iterdir())]
    xau = [d for d, _s, _k in entries if d.startswith("pillow.libs/libXau")]
    assert xau and any(d.startswith("av.libs/libXau") for d, _s, _k in entries), "both wheels carry a libXau"
    _new, left_out = stubs.with_stand_ins(entries, "pillow.libs/", ("libxcb",), "PIL/", tmp_path / "stand-ins")
    assert xau[0] in left_out
    assert not any(d.startswith("av.libs/") for d in left_out), "another folder's libraries are not this pass's"
