"""The bundle's ICU data (packaging/icu_data.py): Qt answers the same with it as with the whole
package — collation, case mapping, encodings, time zones — from 42 % of the bytes or less."""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("icu_data", REPO / "packaging" / "icu_data.py")
icu_data = sys.modules.setdefault("icu_data", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(icu_data)
PROBE = Path(__file__).with_name("qt_icu_probe.py")

pytestmark = pytest.mark.skipif(not (sys.platform.startswith("linux") and shutil.which("readelf") and shutil.which("cc")),
                                reason="the data library is made with GNU binutils and a C compiler")


def _qt_icu_data() -> Path:
    return Path(importlib.util.find_spec("PySide6").origin).parent / "Qt" / "lib" / "libicudata.so.73"


def _probe(preload: Path | None = None) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    if preload:
        env["LD_PRELOAD"] = str(preload)   # its soname is libicudata.so.73: libicuuc takes it instead of Qt's
    out = subprocess.run([sys.executable, str(PROBE)], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout)


@pytest.mark.skipif(not _qt_icu_data().exists(), reason="this PySide6 carries no ICU 73 data library")
def test_qt_answers_the_same_from_the_smaller_icu_data(tmp_path):
    smaller, figures = icu_data.write_stand_in(_qt_icu_data(), tmp_path)
    assert figures["kept_bytes"] < 0.42 * figures["bytes"], figures
    whole, trimmed = _probe(), _probe(smaller)
    assert trimmed == whole
    # The answers depend on the data: Swedish sorts Å after Z, Turkish upper-cases i to İ…
    assert trimmed["sort_sv"].index("Ångström") > trimmed["sort_sv"].index("zebra")
    assert trimmed["sort_en"].index("Ångström") < trimmed["sort_en"].index("zebra")
    assert trimmed["upper_tr"].startswith("İSTANBUL") and trimmed["upper_en"].startswith("ISTANBUL")
    assert trimmed["encoding_Shift_JIS"][0] and trimmed["encodings"] > 50
    assert trimmed["tz_Europe/Berlin"][1] == 7200 and "Mitteleuropäische" in trimmed["tz_Europe/Berlin"][4]


def test_a_package_written_again_whole_is_the_same_package(tmp_path):
    # The writer is exact: every item kept gives back the library's own package, byte for byte.
    symbol, whole = icu_data._symbol(_qt_icu_data())
    header, items = icu_data.items(whole)
    assert symbol == "icudt73_dat" and len(items) > 3000
    assert icu_data.package(header, items) == whole
