"""Wraps the frozen folder (dist/lectern) into the archive a student downloads:

    lectern-<version>-linux-x86_64.tar.gz
      lectern-<version>/lectern/        the bundle (run lectern/lectern)
      lectern-<version>/install.sh      copies it under ~/.local, adds it to the desktop's menu
      lectern-<version>/uninstall.sh    removes it; the student's library stays
      lectern-<version>/lectern.desktop, lectern.svg, README.txt

    python packaging/make_tarball.py [--dist dist/lectern] [--out dist]
"""
from __future__ import annotations

import argparse
import os
import platform
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = """Lectern {version} for Linux ({machine})

Install (no root needed):   ./install.sh
  puts Lectern under ~/.local/opt/lectern, a 'lectern' command in ~/.local/bin,
  and Lectern in your desktop's menu (Education).
Or run it from here:        ./lectern/lectern
Check it works, offline:    ./lectern/lectern --self-test
Remove it:                  ~/.local/opt/lectern/uninstall.sh  (your library is kept)

Your library (lectures, books, notes, cards, chats) lives in ~/.local/share/Lectern,
never in the program's folder. Nothing is downloaded while Lectern runs.
Processor: x86-64 with AVX2, FMA and F16C (Intel Haswell, 2013, and AMD Excavator, 2015, or newer).
"""


def version() -> str:
    for line in (REPO / "pyproject.toml").read_text().splitlines():
        if line.startswith("version"):
            return line.split("=", 1)[1].strip().strip('"')
    return "0"


def make(dist: Path, out: Path) -> Path:
    if not (dist / "lectern").is_file():
        raise SystemExit(f"{dist}/lectern is missing: run `make bundle` first")
    ver, machine = version(), platform.machine()
    top = f"lectern-{ver}"
    target = out / f"{top}-linux-{machine}.tar.gz"
    tmp = target.with_name(target.name + ".part")
    linux = REPO / "packaging" / "linux"
    with tarfile.open(tmp, "w:gz", compresslevel=6) as tar:
        tar.add(dist, arcname=f"{top}/lectern")            # symlinks inside the bundle stay symlinks
        for name in ("install.sh", "uninstall.sh"):
            tar.add(linux / name, arcname=f"{top}/{name}")
        tar.add(REPO / "resources" / "lectern.desktop", arcname=f"{top}/lectern.desktop")
        tar.add(REPO / "resources" / "icons" / "lectern.svg", arcname=f"{top}/lectern.svg")
        readme = out / "README.txt"
        readme.write_text(README.format(version=ver, machine=machine))
        tar.add(readme, arcname=f"{top}/README.txt")
        readme.unlink()
    os.replace(tmp, target)
    return target


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--dist", default=str(REPO / "dist" / "lectern"))
    ap.add_argument("--out", default=str(REPO / "dist"))
    args = ap.parse_args()
    print(make(Path(args.dist), Path(args.out)))
