"""The frozen bundle a student downloads (`make test-bundle`; not part of `make test`).

Builds dist/lectern with PyInstaller (unless LECTERN_BUNDLE points at one already built),
then: the frozen `--self-test` passes inside a network namespace with only loopback, every
connect() of every process traced; the window shows from the bundle; the archive installs
under a fresh home, appears in the menu, runs, and uninstalls keeping the library; MP3, M4A and
videos are transcribed and AES-protected PDFs read through the libraries the spec slimmed. The
figures (size with and without models, build time, self-test steps, time to a window) are
written to bench/figures/bundle.json.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from tests.e2e.test_self_test import STEPS, _can_isolate, _connects

pytestmark = pytest.mark.bundle
REPO = Path(__file__).resolve().parents[2]
FIGURES = REPO / "bench" / "figures" / "bundle.json"
_spec = importlib.util.spec_from_file_location("make_tarball", REPO / "packaging" / "make_tarball.py")
make_tarball = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_tarball)


def _size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            p = Path(root, f)
            if not p.is_symlink():
                total += p.stat().st_size
    return total


@pytest.fixture(scope="module")
def bundle() -> dict:
    given = os.environ.get("LECTERN_BUNDLE")
    figures: dict = {}
    if given:
        dist = Path(given)
    else:
        t0 = time.monotonic()
        out = subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean",
                              "--distpath", str(REPO / "dist"), "--workpath", str(REPO / "build"),
                              str(REPO / "packaging" / "lectern.spec")], cwd=REPO, capture_output=True, text=True,
                             timeout=3600)
        assert out.returncode == 0, out.stderr[-4000:]
        figures["build_s"] = round(time.monotonic() - t0, 1)
        dist = REPO / "dist" / "lectern"
    assert (dist / "lectern").is_file()
    models = dist / "_internal" / "models"
    figures["size_mib"] = round(_size(dist) / 2**20, 1)
    figures["models_mib"] = round(_size(models) / 2**20, 1) if models.exists() else 0.0
    figures["size_without_models_mib"] = round(figures["size_mib"] - figures["models_mib"], 1)
    return {"dist": dist, "figures": figures}


def _record(figures: dict) -> None:
    old = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    FIGURES.write_text(json.dumps({**old, **figures}, indent=2) + "\n")


def test_the_frozen_self_test_passes_offline_and_connects_only_to_loopback(bundle, tmp_path):
    exe = bundle["dist"] / "lectern"
    trace = tmp_path / "connects.log"
    offline = _can_isolate()
    cmd = [str(exe), "--self-test"]
    if offline:
        traced = ["strace", "-f", "--seccomp-bpf", "-e", "trace=connect", "-o", str(trace), *cmd]
        cmd = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *traced]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LECTERN_", "PYTHON", "VIRTUAL_ENV"))}
    env["HOME"] = str(tmp_path / "home")       # a first start: no settings, no model cache of a source install
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=1200, env=env, cwd=str(tmp_path))
    report = json.loads(out.stdout)
    assert out.returncode == 0 and report["ok"], (report.get("failed"), out.stderr[-3000:])
    assert report["frozen"] is True and [s["step"] for s in report["steps"]] == STEPS
    figures = {"self_test": {s["step"]: s["seconds"] for s in report["steps"]}, "self_test_total_s": report["total_s"]}
    assert not (tmp_path / "home" / ".cache" / "Lectern" / "models").exists(), "the bundle's own models are used"
    if offline:
        connects = _connects(trace.read_text())
        inet = [c for c in connects if c.startswith(("AF_INET ", "AF_INET6 "))]
        assert inet and all(c.split()[1] in ("127.0.0.1", "::1") for c in inet), sorted(set(inet))
        figures["offline"] = {"loopback_connects": len(inet), "local_sockets": len(connects) - len(inet),
                              "other": 0, "network_namespace": "unshare -n, loopback only"}
    _record({**bundle["figures"], **figures})


def test_the_bundle_shows_its_window(bundle, tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", LECTERN_DATA_DIR=str(tmp_path / "data"))
    times = []
    for _ in range(3):
        spawned = time.time()          # the probe says when it painted, by the same clock
        out = subprocess.run([str(bundle["dist"] / "lectern"), "--startup-probe"], capture_output=True, text=True,
                             timeout=120, env=env)
        assert out.returncode == 0, out.stderr[-2000:]
        probe = json.loads(out.stdout.strip().splitlines()[-1])
        times.append({"spawn_to_paint_s": round(probe["painted_at"] - spawned, 3), "cpu_s": probe["cpu_s"],
                      "load_avg": round(os.getloadavg()[0], 2)})
    _record({"startup": times})


def test_the_archive_installs_runs_and_uninstalls_keeping_the_library(bundle, tmp_path):
    archive = make_tarball.make(bundle["dist"], tmp_path)
    _record({"archive_mib": round(archive.stat().st_size / 2**20, 1)})
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path / "unpacked", filter="tar")
    (top,) = (tmp_path / "unpacked").iterdir()
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "PATH": os.environ["PATH"]}
    out = subprocess.run([str(top / "install.sh")], env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    shutil.rmtree(top)                               # the installed copy stands on its own
    installed = home / ".local/bin/lectern"
    doctor = subprocess.run([str(installed), "doctor", "--json"], env=env, capture_output=True, text=True,
                            timeout=300)
    assert doctor.returncode in (0, 1) and json.loads(doctor.stdout), doctor.stderr[-2000:]
    assert (home / ".local/share/applications/lectern.desktop").exists()
    library = home / ".local/share/Lectern"
    assert library.exists(), "the installed app made its data folder where the uninstaller looks"
    out = subprocess.run([str(home / ".local/opt/lectern/uninstall.sh")], env=env, capture_output=True, text=True)
    assert out.returncode == 0 and not (home / ".local/opt/lectern").exists()
    assert library.exists() and str(library) in out.stdout


def _reencode(source: Path, out: Path, audio_codec: str, video_codec: str | None = None) -> float:
    """The sample lecture's sound written by this machine's FFmpeg (PyAV with its encoders, which
    the bundle carries only stand-ins of), with a moving picture beside it for a video; its length."""
    import av
    import numpy as np

    with av.open(str(source)) as src, av.open(str(out), "w") as dst:
        rate = 48000 if audio_codec == "libopus" else 16000
        audio = dst.add_stream(audio_codec, rate=rate, layout="mono")
        video = None
        if video_codec:
            video = dst.add_stream(video_codec, rate=5)
            video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        resampler = av.AudioResampler(format=audio.codec_context.format.name, layout="mono", rate=rate)
        seconds = 0.0
        for frame in src.decode(audio=0):
            for piece in resampler.resample(frame):
                piece.pts = None
                seconds += piece.samples / rate
                dst.mux(audio.encode(piece))
        for piece in resampler.resample(None):
            piece.pts = None
            dst.mux(audio.encode(piece))
        dst.mux(audio.encode(None))
        if video is not None:
            for i in range(int(seconds * 5)):
                picture = np.full((48, 64, 3), (i * 7) % 256, np.uint8)
                dst.mux(video.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")))
            dst.mux(video.encode(None))
    return seconds


def test_the_bundle_transcribes_phone_recordings_and_videos(bundle, tmp_path):
    """MP3, M4A (AAC, as phones record) and the sound of H.264 and VP9 videos: decoded by the bundle's
    FFmpeg, whose encoders, AV1 decoder and TLS are stand-ins (packaging/native_libraries.py)."""
    lecture = REPO / "resources" / "sample" / "lecture-photosynthesis.ogg"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LECTERN_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(HOME=str(tmp_path / "home"), LECTERN_DATA_DIR=str(tmp_path / "data"))
    heard = {}
    for name, audio_codec, video_codec in (("phone.mp3", "libmp3lame", None), ("phone.m4a", "aac", None),
                                           ("video.mp4", "aac", "libx264"), ("video.webm", "libopus", "libvpx-vp9")):
        seconds = _reencode(lecture, tmp_path / name, audio_codec, video_codec)
        out = subprocess.run([str(bundle["dist"] / "lectern"), "transcribe", str(tmp_path / name), "--model", "tiny.en",
                              "--wait", "--json"], capture_output=True, text=True, timeout=600, env=env)
        assert out.returncode == 0, (name, out.stdout[-2000:], out.stderr[-3000:])
        result = json.loads(out.stdout)
        assert abs(result["duration_s"] - seconds) < 0.5, (name, result["duration_s"], seconds)
        text = result["text"].lower()
        assert "photosynthesis" in text and "light" in text and "energy" in text, (name, text)
        heard[name] = round(result["elapsed_s"], 1)
    _record({"formats_transcribed_s": heard})


def test_the_bundle_reads_aes_protected_pdfs(bundle, tmp_path):
    """pypdf decrypts with pycryptodome in the bundle (cryptography is left out): an AES-256 PDF
    opened with its password from stdin, and one that restricts printing only."""
    from tests import pdfs

    locked = pdfs.make_aes_pdf(tmp_path / "locked.pdf", "s3cret-42")
    restricted = pdfs.make_aes_pdf(tmp_path / "restricted.pdf", "")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LECTERN_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(HOME=str(tmp_path / "home"), LECTERN_DATA_DIR=str(tmp_path / "data"))
    out = subprocess.run([str(bundle["dist"] / "lectern"), "ingest", str(locked), str(restricted), "--semester", "S",
                          "--subject", "T", "--book", "B", "--wait", "--password-stdin", "--json"],
                         input="s3cret-42\n", capture_output=True, text=True, timeout=600, env=env)
    assert out.returncode == 0, (out.stdout[-2000:], out.stderr[-3000:])
    documents = json.loads(out.stdout)["documents"]
    assert sorted(d["state"] for d in documents) == ["ready", "ready"], documents
