"""``lectern --self-test`` on this installation: every step passes, and a broken
installation is named at the step that breaks."""
from __future__ import annotations

import json
import os

from desktop.core.storage.config import model_cache_dir
from tests.conftest import lectern

STEPS = ["services", "sample course", "read the PDF", "transcribe the lecture", "answer with a citation",
         "flashcards to Anki", "sync stays off", "window"]


def _report(out) -> dict:
    return json.loads(out.stdout)


def test_the_self_test_reads_transcribes_answers_exports_and_opens_the_window(tmp_path):
    out = lectern("--self-test", timeout=900)
    report = _report(out)
    assert out.returncode == 0, (report.get("failed"), out.stderr[-2000:])
    assert report["ok"] and [s["step"] for s in report["steps"]] == STEPS
    steps = {s["step"]: s for s in report["steps"]}
    assert all(s["ok"] and s["seconds"] >= 0 for s in report["steps"])
    assert steps["read the PDF"]["pages"] == 6 and steps["read the PDF"]["passages"] > 0
    assert "photosynthesis" in json.dumps(steps["transcribe the lecture"]).lower()
    assert steps["answer with a citation"]["cites"] and "stroma" in steps["answer with a citation"]["answer"].lower()
    assert steps["flashcards to Anki"]["exported_notes"] == steps["flashcards to Anki"]["cards"] > 0
    assert steps["sync stays off"]["sync"] == "off"
    assert "Cell biology primer" in steps["window"]["library"]
    assert report["data_folder"] == "(removed)"


def test_an_installation_whose_chat_model_was_damaged_fails_at_the_answer_and_says_so(tmp_path, monkeypatch):
    # The chat model's file has been overwritten with zeros after it was verified (same size and
    # time, so only loading it can tell): every step before the answer passes, the answer fails.
    cache = tmp_path / "models"
    cache.mkdir()
    for model in model_cache_dir().iterdir():
        if model.is_dir() and not model.name.startswith("qwen"):
            os.symlink(model, cache / model.name)
    real = model_cache_dir() / "qwen2.5-0.5b"
    damaged = cache / "qwen2.5-0.5b"
    damaged.mkdir()
    st = (real / "model.gguf").stat()
    with open(damaged / "model.gguf", "wb") as f:
        f.truncate(st.st_size)
    os.utime(damaged / "model.gguf", ns=(st.st_atime_ns, st.st_mtime_ns))
    marker = json.loads((real / ".verified.json").read_text())
    (damaged / ".verified.json").write_text(json.dumps(marker))
    monkeypatch.setenv("LECTERN_MODEL_CACHE", str(cache))
    out = lectern("--self-test", timeout=900)
    report = _report(out)
    assert out.returncode == 1 and not report["ok"]
    assert report["failed"]["step"] == "answer with a citation", report["failed"]
    assert "no answer was written" in report["failed"]["error"]
    assert [s["step"] for s in report["steps"]][-1] == "answer with a citation"   # nothing after it ran
    assert "self-test failed at “answer with a citation”" in out.stderr
