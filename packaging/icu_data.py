"""ICU's data library for the bundle, holding only what Qt asks ICU for (Linux, ELF).

Qt 6 calls ICU for four things (libQt6Core's imports): text encodings other than UTF
(ucnv_*), collation (ucol_*), case mapping for a locale (u_strTo*; its tables are in libicuuc's
code) and time zones' names (ucal_*). Lectern's own text is in its Python code and Qt's CLDR
tables. PySide6's libicudata.so.73 is 31 MB, one ICU "common data" package: a sorted table of
items, then the items. This keeps the package's converters, collation, time zones, its
top-level tables (supplementalData, zoneinfo64, pool, res_index, root…) and every small
non-locale item, and leaves out what only other ICU services read: break iteration and its
dictionaries (brkitr), the names of units, currencies, languages and regions, transliteration,
spelled-out numbers, character names, and each locale's date and number formats. The stand-in
library exports the same symbol (icudt73_dat) with the smaller package.
Checked by tests/packaging/test_icu_data.py (Qt's answers with both libraries are the same).
"""
from __future__ import annotations

import re
import struct
import subprocess
from pathlib import Path

LEFT_OUT_TREES = ("brkitr", "unit", "curr", "lang", "region", "translit", "rbnf")
LEFT_OUT_ITEMS = ("unames.icu",)
# Top-level resource bundles that are not one locale's: kept with everything else not a locale.
LOCALE = re.compile(r"[a-z]{2,3}(_[A-Za-z0-9]+)*\.res")
KEPT_LOCALE_LIKE = ("root.res", "pool.res", "res_index.res")
PAD = b"\xaa"      # what ICU's packager fills alignment gaps with


def _symbol(library: Path) -> tuple[str, bytes]:
    """The package symbol's name (icudtNN_dat) and its bytes, read from the library file."""
    syms = subprocess.run(["readelf", "--dyn-syms", "-W", str(library)], capture_output=True, text=True).stdout
    m = re.search(r"^\s*\d+:\s+([0-9a-f]+)\s+(\S+)\s+OBJECT\s+GLOBAL\s+\S+\s+\d+\s+(icudt\d+_dat)\b", syms, re.M)
    if not m:
        raise ValueError(f"{library} holds no ICU data package")
    address, size, name = int(m.group(1), 16), int(m.group(2), 0), m.group(3)
    sections = subprocess.run(["readelf", "-SW", str(library)], capture_output=True, text=True).stdout
    for line in sections.splitlines():
        s = re.search(r"\]\s+\S+\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)", line)
        if s:
            start, offset, length = (int(g, 16) for g in s.groups())
            if start <= address < start + length:
                with open(library, "rb") as f:
                    f.seek(offset + address - start)
                    return name, f.read(size)
    raise ValueError(f"{library}: {name} is in no section")


def items(package: bytes) -> tuple[bytes, list[tuple[str, bytes]]]:
    """The package's header and its (name, data) items in table order."""
    header_size = struct.unpack_from("<H", package, 0)[0]
    if package[2:4] != b"\xda\x27" or package[12:16] != b"CmnD":
        raise ValueError("not an ICU common data package")
    toc = package[header_size:]
    count = struct.unpack_from("<I", toc, 0)[0]
    table = [struct.unpack_from("<II", toc, 4 + 8 * i) for i in range(count)]
    ends = [offset for _name, offset in table[1:]] + [len(toc)]
    out = []
    for (name_at, data_at), end in zip(table, ends):
        name = toc[name_at:toc.index(b"\0", name_at)].decode("ascii")
        out.append((name, toc[data_at:end]))
    return package[:header_size], out


def kept(name: str) -> bool:
    """Whether the item `name` ("icudt73l/coll/de.res") stays in the bundle's package."""
    path = name.split("/", 1)[1]
    tree, _, leaf = path.rpartition("/")
    if tree:
        return tree.split("/")[0] not in LEFT_OUT_TREES
    if leaf in LEFT_OUT_ITEMS:
        return False
    return leaf in KEPT_LOCALE_LIKE or not LOCALE.fullmatch(leaf)


def package(header: bytes, chosen: list[tuple[str, bytes]]) -> bytes:
    """A common data package of `chosen` items (kept in their sorted order; ICU searches the
    table by binary search), each item 16-byte aligned as ICU's own tools place them."""
    names = b"".join(n.encode("ascii") + b"\0" for n, _d in chosen)
    table_size = 4 + 8 * len(chosen)
    data_at = -(-(table_size + len(names)) // 16) * 16
    table, blobs, name_at, offset = [], [], table_size, data_at
    for name, data in chosen:
        table.append(struct.pack("<II", name_at, offset))
        name_at += len(name) + 1
        padded = data + PAD * (-len(data) % 16)
        blobs.append(padded)
        offset += len(padded)
    toc = struct.pack("<I", len(chosen)) + b"".join(table) + names
    return header + toc + PAD * (data_at - len(toc)) + b"".join(blobs)


def write_stand_in(library: Path, out_dir: Path) -> tuple[Path, dict]:
    """Compiles the smaller data library (same file name and soname) into out_dir."""
    symbol, whole = _symbol(library)
    header, all_items = items(whole)
    chosen = [(n, d) for n, d in all_items if kept(n)]
    smaller = package(header, chosen)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = out_dir / (symbol + ".dat")
    data.write_bytes(smaller)
    source = out_dir / (library.name + ".S")
    source.write_text(
        f"/* {library.name} for the bundle: ICU's data package with only what Qt reads. */\n"
        f'.section .rodata\n.globl {symbol}\n.type {symbol}, @object\n.balign 16\n{symbol}:\n'
        f'.incbin "{data}"\n.size {symbol}, . - {symbol}\n.section .note.GNU-stack,"",@progbits\n')
    soname = re.search(r"Library soname: \[(.+?)\]",
                       subprocess.run(["readelf", "-dW", str(library)], capture_output=True, text=True).stdout)
    out = out_dir / library.name
    subprocess.run(["cc", "-shared", "-nostdlib", f"-Wl,-soname,{soname.group(1) if soname else library.name}",
                    "-o", str(out), str(source)], check=True)
    return out, {"items": len(all_items), "kept": len(chosen), "bytes": len(whole), "kept_bytes": len(smaller)}
