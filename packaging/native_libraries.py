"""The bundle's shared libraries, worked down (Linux, ELF; used by lectern.spec).

- One FFmpeg (share_ffmpeg): PyAV's wheel carries its own FFmpeg beside QtMultimedia's; when
  their major versions match (av 15 and PySide6 6.11: FFmpeg 7.1), PyAV's copies become links to
  Qt's, and everything only PyAV's copies needed (x265, x264, SVT-AV1, AOM, dav1d, libvpx, LAME,
  GnuTLS…) goes.
- Stand-ins (write_stub, with_stand_ins): a library that is linked but never called — an encoder
  of PyAV's own FFmpeg when the versions differ, screen and device capture (X11, ALSA) beside
  Pillow and PyAV, Qt's libQt6FFmpegStub-* beside the shared FFmpeg — is replaced by a small
  library with its soname, the symbol versions asked of it and exactly the symbols the bundle
  refers to; each function returns 0 (NULL, "not available"; "success" for the global TLS
  initialisation FFmpeg's network set-up calls), each data symbol is a zeroed block of its real
  size. Qt ships stand-ins of this kind for its own FFmpeg.
- Pruning (without): a plugin left out takes the libraries only it needed.

tests/packaging/test_native_libraries.py loads FFmpeg with the stand-ins; the bundle tests
transcribe MP3, M4A, H.264 and VP9 videos and play a lecture through the shared FFmpeg.
Needs readelf (GNU binutils) and a C compiler, both part of build-essential.
"""
from __future__ import annotations

import functools
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

# Libraries of PyAV's own FFmpeg that get stand-ins, by name before the wheel's "-<hash>" tag.
PYAV_UNUSED = ("libx265", "libx264", "libSvtAv1Enc", "libvpx", "libdav1d", "libwebp", "libwebpmux",
               "libmp3lame", "libgnutls")


@dataclass(frozen=True)
class Symbol:
    name: str
    kind: str           # FUNC or OBJECT
    size: int
    version: str | None


@functools.lru_cache(maxsize=None)
def _dynamic_section(path: str) -> str:
    return subprocess.run(["readelf", "-dW", path], capture_output=True, text=True).stdout


def soname(path: str | Path) -> str | None:
    m = re.search(r"\(SONAME\)\s+Library soname: \[(.+?)\]", _dynamic_section(str(path)))
    return m.group(1) if m else None


def needed(path: str | Path) -> list[str]:
    return re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", _dynamic_section(str(path)))


def _dynamic_symbols(path: str | Path) -> list[tuple[str, str, int, str, str | None]]:
    """(name, type, size, section index, version) of each dynamic symbol."""
    out = subprocess.run(["readelf", "--dyn-syms", "-W", str(path)], capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        f = line.split()
        if len(f) < 8 or not f[0].rstrip(":").isdigit():
            continue
        name, version = f[7], None
        if "@" in name:
            name, _, version = name.partition("@")
            version = version.lstrip("@") or None
        size = int(f[2], 16) if f[2].startswith("0x") else int(f[2])
        rows.append((name, f[3], size, f[6], version))
    return rows


def symbols_used(library: str | Path, consumers: list[str | Path]) -> list[Symbol]:
    """The symbols of `library` that any of `consumers` leaves undefined, each at the version the
    consumers ask for (a library may define one name at several versions: ALSA's
    snd_pcm_hw_params_get_buffer_size_max is asked for at ALSA_0.9.0rc4, its default is ALSA_0.9.0)."""
    asked: dict[str, str | None] = {}
    for c in consumers:
        for name, _t, _s, ndx, version in _dynamic_symbols(c):
            if ndx == "UND" and (asked.get(name) is None):
                asked[name] = version.split(" ")[0] if version else None
    found: dict[str, Symbol] = {}
    for name, kind, size, ndx, version in _dynamic_symbols(library):
        if ndx != "UND" and name in asked and kind in ("FUNC", "IFUNC", "OBJECT"):
            found[name] = Symbol(name, "OBJECT" if kind == "OBJECT" else "FUNC", size, asked[name] or version)
    return sorted(found.values(), key=lambda s: s.name)


def versions_needed(library_soname: str, consumers: list[str | Path]) -> set[str]:
    """The symbol versions `consumers` require of the library called `library_soname`: the loader
    refuses the library if one is missing, even a version no symbol is taken from."""
    out: set[str] = set()
    for c in consumers:
        text = subprocess.run(["readelf", "-VW", str(c)], capture_output=True, text=True).stdout
        current = None
        for line in text.splitlines():
            m = re.search(r"File: (\S+)\s+Cnt:", line)
            if m:
                current = m.group(1)
            elif current == library_soname and (m := re.search(r"Name: (\S+)\s+Flags:", line)):
                out.add(m.group(1))
    return out


def write_stub(library: str | Path, consumers: list[str | Path], out_dir: Path) -> Path:
    """Compiles the stand-in for `library` into out_dir (same file name); returns its path."""
    library = Path(library)
    name = soname(library) or library.name
    syms = symbols_used(library, consumers)
    out_dir.mkdir(parents=True, exist_ok=True)
    source = out_dir / (library.name + ".c")
    script = out_dir / (library.name + ".map")
    lines = [f"/* Stand-in for {name}: the symbols the bundle refers to, none of them ever used. */"]
    for s in syms:
        if s.kind == "OBJECT":
            lines.append(f"char {s.name}[{max(s.size, 1)}];")
        else:
            lines.append(f"long {s.name}(void) {{ return 0; }}")
    source.write_text("\n".join(lines) + "\n")
    versions: dict[str, list[str]] = {v: [] for v in sorted(versions_needed(name, consumers))}
    for s in syms:
        if s.version:
            versions.setdefault(s.version, []).append(s.name)
    args = ["cc", "-shared", "-fPIC", "-O1", "-nostdlib", "-fno-builtin", "-w", f"-Wl,-soname,{name}",
            "-o", str(out_dir / library.name), str(source)]
    if versions:
        # Each symbol at the version its consumers ask for (symbols_used); one asked for without a
        # version is found at any, so it goes with the first.
        named = list(versions)
        versions[named[0]] += [s.name for s in syms if not s.version]
        script.write_text("".join(f"{v} {{ {'global: ' if versions[v] else ''}{' '.join(n + ';' for n in versions[v])} "
                                  f"{'local: *; ' if v == named[-1] else ''}}};\n" for v in named))
        args.insert(1, f"-Wl,--version-script={script}")
    subprocess.run(args, check=True)
    return out_dir / library.name


def _real_sources(entries: list[tuple[str, str, str]]) -> dict[str, str]:
    """Each entry's destination -> the file it is, links followed within the bundle."""
    files = {d: s for d, s, k in entries if k != "SYMLINK"}
    out = dict(files)
    for d, s, k in entries:
        if k == "SYMLINK":
            target = os.path.normpath(os.path.join(os.path.dirname(d), s))
            if target in files:
                out[d] = files[target]
    return out


def share_ffmpeg(entries: list[tuple[str, str, str]], folder: str, provider: str,
                 out_dir: Path) -> tuple[list[tuple[str, str, str]], list[str]]:
    """PyAV's copies of FFmpeg's libraries (in `folder`) replaced by links to the same major
    versions in `provider` (Qt's FFmpeg, which QtMultimedia plays with), when both exist: one
    FFmpeg in the bundle. Loaded through a link, a library looks for its own dependencies beside
    the link ($ORIGIN): links by their sonames go there too, and stand-ins for Qt's
    libQt6FFmpegStub-* (OpenSSL for https://, VA-API), whose real ones would load QtMultimedia and
    QtGui into the worker. Returns the new entries and the libraries shared."""
    provided = {os.path.basename(d): (d, s) for d, s, k in entries if d.startswith(provider) and k != "SYMLINK"}
    out: list[tuple[str, str, str]] = []
    shared: dict[str, tuple[str, str]] = {}
    for d, s, k in entries:
        m = re.fullmatch(r"(lib(?:avcodec|avformat|avutil|swresample|swscale))-[0-9a-f]{8}\.so\.(\d+)(?:\.\d+)*",
                         os.path.basename(d))
        twin = f"{m.group(1)}.so.{m.group(2)}" if m and d.startswith(folder) else None
        if twin in provided:
            shared[twin] = provided[twin]
            out.append((d, os.path.relpath(provided[twin][0], os.path.dirname(d)), "SYMLINK"))
        else:
            out.append((d, s, k))
    if not shared:
        return entries, []
    sources = [s for _d, s in shared.values()]
    present = {os.path.basename(d) for d, _s, _k in out if d.startswith(folder)}
    for name, (d, _s) in sorted(shared.items()):
        if name not in present:
            out.append((folder + name, os.path.relpath(d, folder.rstrip("/")), "SYMLINK"))
    for dep in sorted({n for s in sources for n in needed(s)} - set(shared)):
        if dep in provided and dep not in present:
            out.append((folder + dep, str(write_stub(provided[dep][1], sources, out_dir)), "BINARY"))
    return out, sorted(shared)


def with_stand_ins(entries: list[tuple[str, str, str]], folder: str, names: tuple[str, ...],
                   package: str, out_dir: Path) -> tuple[list[tuple[str, str, str]], list[str]]:
    """PyInstaller's binary entries (dest, src, kind) with the libraries of `folder` named in
    `names` replaced by stand-ins, and those of `folder` nothing needs any more left out (GnuTLS's
    own nettle, gmp…). `package` is the folder of the extension modules that load them.
    Returns the new entries and the destinations left out."""
    real = _real_sources(entries)
    ours = [(d, real[d]) for d, _s, _k in entries if d.startswith((folder, package)) and d in real]
    replaced: dict[str, str] = {}
    for dest, src, kind in entries:
        if kind != "SYMLINK" and dest.startswith(folder) and os.path.basename(dest).split("-")[0] in names:
            consumers = [s for d, s in ours if d != dest and soname(src) in needed(s)]
            replaced[dest] = str(write_stub(src, consumers, out_dir))
    entries = [(d, replaced.get(d, s), k) for d, s, k in entries]
    real = _real_sources(entries)
    ours_now = [d for d, _s, _k in entries if d.startswith(folder)]
    libraries = {soname(real[d]): d for d in ours_now if d in real and soname(real[d])}
    libraries.update({os.path.basename(d): d for d in ours_now})     # a file's own name first
    # A wheel's libraries find what they need beside them first ($ORIGIN), as the loader does:
    # Pillow's and PyAV's libxcb each need a libXau of the same name, each from its own folder.
    beside: dict[str, set[str]] = {}
    for d in real:
        beside.setdefault(os.path.dirname(d), set()).add(os.path.basename(d))
    reached: set[str] = set()
    todo = [d for d, _s, _k in entries if not d.startswith(folder) and d in real]
    while todo:
        consumer = todo.pop()
        own = beside.get(os.path.dirname(consumer), set()) if not consumer.startswith(folder) else set()
        for name in needed(real[consumer]):
            if name in own:
                continue
            if name in libraries and libraries[name] not in reached:
                reached.add(libraries[name])
                if libraries[name] in real:
                    todo.append(libraries[name])
    unused = sorted(set(libraries.values()) - reached)
    return [e for e in entries if e[0] not in unused], unused


def without(entries: list[tuple[str, str, str]], removed: tuple[str, ...]) -> tuple[list[tuple[str, str, str]], list[str]]:
    """The entries without those whose destination starts with one of `removed`, and without the
    libraries only they needed (a Qt plugin's own dependencies). Returns the entries and what went."""
    real = _real_sources(entries)
    by_name: dict[str, str] = {}
    for d in real:
        by_name.setdefault(os.path.basename(d), d)

    def closure(roots: list[str]) -> set[str]:
        seen: set[str] = set()
        todo = list(roots)
        while todo:
            for name in needed(real[todo.pop()]):
                d = by_name.get(name)
                if d and d not in seen:
                    seen.add(d)
                    todo.append(d)
        return seen

    gone = [d for d in real if d.startswith(removed)]
    theirs = closure(gone) - set(gone)
    others = closure([d for d in real if d not in theirs and d not in gone])
    dropped = set(gone) | (theirs - others)
    return [e for e in entries if e[0] not in dropped], sorted(dropped)

