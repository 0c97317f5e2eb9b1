"""The Linux archive's install and uninstall scripts, on a stand-in for the frozen folder
(the real bundle goes through the same scripts in tests/packaging/test_bundle.py)."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# packaging/ is a folder of build scripts, not a package (the name belongs to PyPI's 'packaging').
_spec = importlib.util.spec_from_file_location("make_tarball", REPO / "packaging" / "make_tarball.py")
make_tarball = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_tarball)


def _stub_bundle(root: Path, says: str) -> Path:
    dist = root / "lectern"
    (dist / "_internal").mkdir(parents=True)
    exe = dist / "lectern"
    exe.write_text(f"#!/bin/sh\necho {says}\n")
    exe.chmod(0o755)
    (dist / "_internal" / "libexample.so.0").write_bytes(b"\x7fELF")
    os.symlink("libexample.so.0", dist / "_internal" / "libexample.so")
    return dist


def _unpack(archive: Path, into: Path) -> Path:
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="tar")
    (top,) = into.iterdir()
    return top


def _run(script: Path, home: Path) -> subprocess.CompletedProcess:
    env = {"HOME": str(home), "PATH": os.environ["PATH"]}
    return subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=60)


def test_install_puts_lectern_in_the_menu_and_uninstall_keeps_the_library(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    archive = make_tarball.make(_stub_bundle(tmp_path / "v1", "version-one"), tmp_path)
    assert archive.name.startswith("lectern-") and archive.name.endswith(".tar.gz")
    top = _unpack(archive, tmp_path / "unpacked")
    assert {p.name for p in top.iterdir()} == {"lectern", "install.sh", "uninstall.sh", "lectern.desktop",
                                               "lectern.svg", "README.txt"}
    assert (top / "lectern" / "_internal" / "libexample.so").is_symlink(), "the bundle's links stay links"

    out = _run(top / "install.sh", home)
    assert out.returncode == 0, out.stderr
    app = home / ".local/opt/lectern"
    link = home / ".local/bin/lectern"
    desktop = home / ".local/share/applications/lectern.desktop"
    assert link.is_symlink() and subprocess.run([str(link)], capture_output=True, text=True).stdout == "version-one\n"
    entry = desktop.read_text()
    assert f'Exec="{app}/lectern"' in entry and "Icon=lectern" in entry and "Categories=Education;" in entry
    assert (home / ".local/share/icons/hicolor/scalable/apps/lectern.svg").exists()
    assert "--self-test" in out.stdout and "uninstall.sh" in out.stdout

    # Installing a newer archive replaces the app; the student's library is untouched.
    library = home / ".local/share/Lectern"
    library.mkdir(parents=True)
    (library / "app.db").write_bytes(b"the student's semester")
    top2 = _unpack(make_tarball.make(_stub_bundle(tmp_path / "v2", "version-two"), tmp_path / "v2"),
                   tmp_path / "unpacked2")
    assert _run(top2 / "install.sh", home).returncode == 0
    assert subprocess.run([str(link)], capture_output=True, text=True).stdout == "version-two\n"
    assert not list((home / ".local/opt").glob("lectern.*")), "no half copy or old copy left beside it"

    out = _run(app / "uninstall.sh", home)
    assert out.returncode == 0, out.stderr
    assert not app.exists() and not link.exists() and not desktop.exists()
    assert (library / "app.db").read_bytes() == b"the student's semester"
    assert f"Your library is kept in {library}" in out.stdout


def test_uninstall_leaves_a_lectern_command_that_is_not_its_own(tmp_path):
    home = tmp_path / "home"
    other = home / ".local/bin/lectern"
    other.parent.mkdir(parents=True)
    other.write_text("#!/bin/sh\necho mine\n")
    (home / ".local/opt/lectern").mkdir(parents=True)
    script = REPO / "packaging" / "linux" / "uninstall.sh"
    out = _run(script, home)
    assert out.returncode == 0 and other.read_text().endswith("echo mine\n")
