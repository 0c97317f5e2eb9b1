import json
import os
import subprocess
import sys

from tests.conftest import REPO, lectern, wait_for


def test_doctor_reports_every_component_on_a_fresh_data_folder(tmp_path):
    out = lectern("doctor", "--json", data_dir=tmp_path / "fresh")
    report = json.loads(out.stdout)
    checks = report["checks"]
    for name in ("data_folder", "worker", "vector_store", "model.transcription", "model.chat",
                 "model.embeddings", "audio_input"):
        assert name in checks, name
    for name in ("data_folder", "worker", "vector_store", "model.transcription", "model.chat", "model.embeddings"):
        assert checks[name]["ok"], checks[name]
    assert report["ok"] and out.returncode == 0
    # No microphone on this machine: reported, but not essential.
    assert checks["audio_input"]["essential"] is False


def test_jobs_lists_the_jobs_table_as_json(tmp_path):
    data = tmp_path / "d"
    done = lectern("selfcheck", "--wait", "--json", data_dir=data)
    assert done.returncode == 0, done.stderr
    rows = json.loads(lectern("jobs", "--json", data_dir=data).stdout)
    assert rows[0]["kind"] == "selfcheck" and rows[0]["state"] == "done"


def test_a_second_instance_on_the_same_data_folder_is_refused(tmp_path):
    data = tmp_path / "d"
    env = dict(os.environ, LECTERN_DATA_DIR=str(data), QT_QPA_PLATFORM="offscreen")
    first = subprocess.Popen([sys.executable, "-m", "desktop"], env=env, cwd=str(REPO),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: (data / "run" / "worker.heartbeat").exists(), 60, what="the first instance")
        second = lectern("--startup-probe", data_dir=data, timeout=60)
        assert second.returncode == 1
        assert "already running" in second.stderr
        assert first.poll() is None, "the first instance keeps running"
    finally:
        first.terminate()
        first.wait(30)
    assert not (data / "run" / "worker.pid").exists(), "children stopped with the window"


def test_doctor_tells_of_settings_that_could_not_be_read(tmp_path):
    from desktop.core.storage.config import DataPaths
    from desktop.core.storage.db import open_db

    data = tmp_path / "d"
    db = open_db(DataPaths(data).ensure().db)
    db.execute("INSERT INTO settings (key, value) VALUES ('settings', '{not json')")
    report = json.loads(lectern("doctor", "--quick", "--json", data_dir=data).stdout)
    check = report["checks"]["settings"]
    assert not check["ok"] and "could not be read" in check["detail"]
    assert not check["essential"] and report["ok"], "Lectern still works, with default settings"
    kept = list(data.glob("settings.bad-*.json"))
    assert len(kept) == 1 and kept[0].read_text() == "{not json"
