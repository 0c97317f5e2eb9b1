"""``lectern --self-test`` on this installation: every step passes, and a broken
installation is named at the step that breaks."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

from desktop.core.storage.config import model_cache_dir
from tests.conftest import REPO, lectern

STEPS = ["services", "sample course", "read the PDF", "transcribe the lecture", "answer with a citation",
         "flashcards to Anki", "sync stays off", "window", "play the lecture"]


def _report(out) -> dict:
    return json.loads(out.stdout)


def _can_isolate() -> bool:
    """A network namespace (root, or a kernel allowing unprivileged ones) and strace."""
    if not (shutil.which("unshare") and shutil.which("strace") and shutil.which("ip")):
        return False
    return subprocess.run(["unshare", "-n", "ip", "link", "set", "lo", "up"], capture_output=True).returncode == 0


def _connects(log: str) -> list[str]:
    """The address of every connect() of the process tree: "AF_INET 127.0.0.1", "AF_UNIX /path"…"""
    out = []
    for line in log.splitlines():
        m = re.search(r"connect\(\d+, \{sa_family=(\w+), (.*?)\}", line)
        if m:
            addr = re.search(r'inet6?_(?:addr|pton)\((?:AF_INET6, )?"([^"]+)"|sun_path=(?:@)?"([^"]*)"', m.group(2))
            out.append(f"{m.group(1)} {next((g for g in (addr.groups() if addr else ()) if g), m.group(2))}")
    return out


def test_the_self_test_passes_with_no_network_and_connects_only_to_loopback(tmp_path):
    """Reads, transcribes, answers, exports and opens the window: inside a network namespace
    whose only interface is loopback, with every connect() of every process traced."""
    trace = tmp_path / "connects.log"
    offline = _can_isolate()
    cmd = [sys.executable, "-m", "desktop", "--self-test"]
    if offline:
        traced = ["strace", "-f", "--seccomp-bpf", "-e", "trace=connect", "-o", str(trace), *cmd]
        cmd = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *traced]
    else:
        print("no network namespace here (needs root or unprivileged user namespaces): the self-test runs "
              "with the machine's network and its connections are not traced")
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=str(REPO))
    report = _report(out)
    assert out.returncode == 0, (report.get("failed"), out.stderr[-2000:])
    assert report["ok"] and [s["step"] for s in report["steps"]] == STEPS
    steps = {s["step"]: s for s in report["steps"]}
    assert all(s["ok"] and s["seconds"] >= 0 for s in report["steps"])
    assert steps["read the PDF"]["pages"] == 6 and steps["read the PDF"]["passages"] > 0
    heard = steps["transcribe the lecture"]["text"].lower()
    assert "plant" in heard and "light" in heard and "energy" in heard, heard
    assert steps["answer with a citation"]["cites"] and "stroma" in steps["answer with a citation"]["answer"].lower()
    assert steps["flashcards to Anki"]["exported_notes"] == steps["flashcards to Anki"]["cards"] > 0
    assert steps["sync stays off"]["sync"] == "off"
    assert "Cell biology primer" in steps["window"]["library"]
    assert abs(steps["play the lecture"]["duration_s"] - steps["transcribe the lecture"]["duration_s"]) < 1.0
    assert report["data_folder"] == "(removed)"
    if offline:
        connects = _connects(trace.read_text())
        inet = [c for c in connects if c.startswith(("AF_INET ", "AF_INET6 "))]
        assert inet, "the worker and the window reach the vector store over loopback: those connects are seen"
        assert all(c.split()[1] in ("127.0.0.1", "::1", "::ffff:127.0.0.1") for c in inet), sorted(set(inet))
        others = {c.split()[0] for c in connects} - {"AF_INET", "AF_INET6", "AF_UNIX"}
        assert not others, others
        print(f"offline: {len(inet)} loopback connects, {len(connects) - len(inet)} local sockets, nothing else")


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
