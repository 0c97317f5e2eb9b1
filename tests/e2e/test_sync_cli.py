"""lectern sync from the command line against real S3 servers on loopback (moto server mode)."""
from __future__ import annotations

import datetime as dt
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import boto3

from desktop.core.catalog import file_sha256
from desktop.core.storage.db import open_db
from tests.conftest import REPO, lectern, wait_for
from tests.s3 import SECRET_KEY, free_port, moto_server, s3_env, s3_server  # noqa: F401

DATA_ENV = "LECTERN_DATA_DIR"


def run(data: Path, *args: str) -> tuple[int, dict | list, str]:
    out = lectern(*args, "--json", data_dir=data, timeout=300)
    try:
        body = json.loads(out.stdout)
    except ValueError:
        body = {}
    return out.returncode, body, out.stderr


def setup(data: Path, bucket: str, endpoint: str, user: str = "ana") -> None:
    code, body, err = run(data, "sync", "setup", "--bucket", bucket, "--endpoint-url", endpoint, "--user", user,
                          "--region", "us-east-1")
    assert code == 0, err
    assert body == {"bucket": bucket, "user": user, "endpoint_url": endpoint, "region": "us-east-1", "profile": ""}


def add_note(data: Path, path: Path, text: str) -> None:
    """File a note without indexing it (the library layer, as the window's import does)."""
    from desktop.core import library
    from desktop.core.storage.config import DataPaths

    path.write_text(text, encoding="utf-8")
    paths = DataPaths(data).ensure()
    db = open_db(paths.db)
    node = library.ensure_path(db, "Fall 2026", "Biology", "Reader")
    assert library.import_file(db, paths, node, path, starter=None).added


def test_setup_test_dry_run_sync_and_ls_store_no_secret(tmp_path, s3_server, s3_env):  # noqa: F811
    data = tmp_path / "data"
    bucket = s3_server.new_bucket()
    setup(data, bucket, s3_server.url)
    code, body, err = run(data, "sync", "test")
    assert code == 0, err
    assert body["ok"] is True and body["objects"] == 0

    add_note(data, tmp_path / "week 1.md", "# Osmosis\n")
    code, body, err = run(data, "sync", "--dry-run")
    assert code == 0, err
    assert body["dry_run"] is True and body["counts"] == {"upload": 1}
    assert body["actions"][0]["key"] == "users/ana/raw_data/Fall 2026/Biology/Reader/week 1.md"
    code, body, _ = run(data, "sync", "ls")
    assert [(r["state"], r["synced"]) for r in body] == [("local", False)]

    code, body, err = run(data, "sync")
    assert code == 0, err
    assert body["counts"] == {"upload": 1} and body["errors"] == []
    code, body, _ = run(data, "sync", "ls")
    assert [(r["key"].rsplit("/", 1)[1], r["state"], r["synced"]) for r in body] == [("week 1.md", "both", True)]
    s3_server.client().put_object(Bucket=bucket, Key="users/ana/raw_data/S/Sub/B/new.md", Body=b"x")
    code, body, _ = run(data, "sync", "ls", "raw_data/S/")
    assert [(r["key"], r["state"]) for r in body] == [("users/ana/raw_data/S/Sub/B/new.md", "remote")]

    for f in data.rglob("*"):          # credentials stay in the environment: no trace in the data folder
        if f.is_file():
            assert SECRET_KEY.encode() not in f.read_bytes(), f


class _NotS3(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"<html><body>Welcome to a web site</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_plain_messages_for_no_bucket_offline_and_a_wrong_endpoint(tmp_path, s3_server, s3_env):  # noqa: F811
    data = tmp_path / "data"
    setup(data, "no-such-bucket", s3_server.url)
    code, body, err = run(data, "sync", "test")
    assert code == 1 and body["error"] == f"There is no bucket called 'no-such-bucket' at {s3_server.url}."
    assert "lectern: There is no bucket" in err

    closed = f"http://127.0.0.1:{free_port()}"
    setup(data, "b", closed)
    code, body, _ = run(data, "sync")
    assert code == 1 and body["error"].startswith(f"Cannot reach {closed}: you may be offline")

    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotS3)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{web.server_address[1]}"
        setup(data, "b", url)
        code, body, _ = run(data, "sync", "test")
        assert code == 1 and body["error"].startswith(f"{url} does not answer like an S3 store")
    finally:
        web.shutdown()
        web.server_close()

    code, body, _ = run(data, "sync", "setup", "--bucket", "b", "--endpoint-url", "ftp://x", "--user", "ana")
    assert code == 1 and "is not a web address" in body["error"]
    code, body, _ = run(data, "sync", "setup", "--bucket", "b", "--user", "../bob")
    assert code == 1 and "cannot be a sync user id" in body["error"]


def test_plain_messages_for_unknown_key_wrong_secret_and_access_denied(tmp_path, s3_env):  # noqa: F811
    # A moto server that checks credentials: the first 3 requests (make a user, its key, a bucket) are free.
    with moto_server(tmp_path, INITIAL_NO_AUTH_ACTION_COUNT="3") as server:
        iam = boto3.client("iam", endpoint_url=server.url, aws_access_key_id="x", aws_secret_access_key="y",
                           region_name="us-east-1")
        iam.create_user(UserName="student")
        key = iam.create_access_key(UserName="student")["AccessKey"]
        server.client().create_bucket(Bucket="course")
        data = tmp_path / "data"
        setup(data, "course", server.url)
        env = dict(os.environ)

        def test_with(access: str, secret: str) -> str:
            os.environ.update(AWS_ACCESS_KEY_ID=access, AWS_SECRET_ACCESS_KEY=secret)
            try:
                code, body, _ = run(data, "sync", "test")
            finally:
                os.environ.clear()
                os.environ.update(env)
            assert code == 1
            return body["error"]

        assert test_with("AKIANOTKNOWN0000000", "x") == f"{server.url} does not know the access key in use."
        assert test_with(key["AccessKeyId"], "wrong-secret").startswith(f"{server.url} refused the secret key")
        assert test_with(key["AccessKeyId"], key["SecretAccessKey"]) == "Access to the bucket 'course' was denied."


def test_no_credentials_at_all_says_so(tmp_path, s3_server, s3_env, monkeypatch):  # noqa: F811
    data = tmp_path / "data"
    setup(data, "b", s3_server.url)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    code, body, _ = run(data, "sync", "test")
    assert code == 1 and body["error"] == "No AWS credentials were found."


def _big_note(path: Path, mib: int) -> Path:
    with open(path, "wb") as f:           # random bytes: no store can shortcut them
        for _ in range(mib):
            f.write(os.urandom(1 << 20))
    return path


def _start_sync(data: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "desktop", "sync", "--json"], cwd=str(REPO),
                            env={**os.environ, DATA_ENV: str(data)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _kill(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def test_a_sync_killed_mid_upload_or_mid_download_is_resumed_by_the_next(tmp_path, s3_server, s3_env):  # noqa: F811
    bucket = s3_server.new_bucket()
    client = s3_server.client()
    a, b = tmp_path / "A", tmp_path / "B"
    setup(a, bucket, s3_server.url)
    setup(b, bucket, s3_server.url)
    source = _big_note(tmp_path / "big.md", 96)
    sha = file_sha256(source)
    from desktop.core import library
    from desktop.core.storage.config import DataPaths
    paths_a = DataPaths(a)
    db_a = open_db(paths_a.db)
    assert library.import_file(db_a, paths_a, library.ensure_path(db_a, "S", "Sub", "Book"), source,
                               starter=None).added
    source.unlink()
    key = "users/ana/raw_data/S/Sub/Book/big.md"

    # Mid-upload: killed once the first part is in the bucket.
    def parts_arrived() -> bool:
        uploads = client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
        return any(client.list_parts(Bucket=bucket, Key=u["Key"], UploadId=u["UploadId"]).get("Parts")
                   for u in uploads)
    proc = _start_sync(a)
    wait_for(lambda: proc.poll() is not None or parts_arrived(), timeout=120, interval=0.01, what="a part uploaded")
    assert proc.poll() is None, "the upload ended before it could be interrupted"
    _kill(proc)
    assert client.list_objects_v2(Bucket=bucket).get("KeyCount") == 0     # nothing half-written is visible
    assert db_a.execute("SELECT count(*) FROM sync_manifest").fetchone()[0] == 0
    upload = client.list_multipart_uploads(Bucket=bucket)["Uploads"][0]
    held = sum(p["Size"] for p in client.list_parts(Bucket=bucket, Key=key, UploadId=upload["UploadId"])["Parts"])
    assert 0 < held < 96 << 20

    code, body, err = run(a, "sync")
    assert code == 0, err
    assert body["counts"] == {"upload": 1} and body["bytes_up"] == (96 << 20) - held      # resumed, not restarted
    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    head = client.head_object(Bucket=bucket, Key=key)
    assert head["Metadata"]["sha256"] == sha and head["ContentLength"] == 96 << 20

    # Mid-download: killed once some ranges are on disk.
    def ranges_done() -> list[Path]:
        return list((b / "files").glob(".incoming-sync-*/.lectern-done-*"))
    proc = _start_sync(b)
    wait_for(lambda: proc.poll() is not None or ranges_done(), timeout=120, interval=0.01,
             what="a download under way")
    assert proc.poll() is None, "the download ended before it could be interrupted"
    _kill(proc)
    db_b = open_db(b / "app.db")
    assert db_b.execute("SELECT count(*) FROM documents").fetchone()[0] == 0     # never a half-written document
    done = len(ranges_done())
    assert 0 < done < 12

    code, body, err = run(b, "sync")
    assert code == 0, err
    assert body["counts"] == {"download": 1} and body["bytes_down"] == (96 << 20) - done * (8 << 20)   # resumed
    rows = list(db_b.query("SELECT * FROM documents"))
    assert len(rows) == 1 and rows[0]["sha256"] == sha and file_sha256(b / rows[0]["path"]) == sha
    assert not list((b / "files").glob(".incoming-*"))                          # the killed download's leftovers
    assert run(a, "sync")[1]["counts"] == {} and run(b, "sync")[1]["counts"] == {}


def test_a_book_added_on_a_is_indexed_and_searchable_on_b_after_the_sync_job(tmp_path, s3_server, s3_env):  # noqa: F811
    from tests import pdfs

    bucket = s3_server.new_bucket()
    a, b = tmp_path / "A", tmp_path / "B"
    setup(a, bucket, s3_server.url)
    setup(b, bucket, s3_server.url)
    from desktop.core import library
    from desktop.core.storage.config import DataPaths
    paths_a = DataPaths(a)
    db_a = open_db(paths_a.db)
    reader = pdfs.make_course_pdf(tmp_path / "Cell biology.pdf", n=6)
    assert library.import_file(db_a, paths_a, library.ensure_path(db_a, "Fall 2026", "Biology", "Reader"), reader,
                               starter=None).added
    assert run(a, "sync")[1]["counts"] == {"upload": 1}

    code, body, err = run(b, "sync", "--wait")          # the sync_storage job on B's worker, then indexing
    assert code == 0, err
    assert body["counts"] == {"download": 1} and len(body["arrived"]) == 1
    tree = run(b, "library")[1]
    assert (tree[0]["name"], tree[0]["children"][0]["children"][0]["name"]) == ("Fall 2026", "Reader")
    code, hits, err = run(b, "search", "Which enzyme fixes carbon dioxide?", "--k", "1")
    assert code == 0, err
    assert (hits[0]["title"], hits[0]["page"]) == ("Cell biology", 3) and "rubisco" in hits[0]["text"]
    jobs = run(b, "jobs")[1]
    assert {"sync_storage", "ingest_document"} <= {j["kind"] for j in jobs}


class _ClockAhead(http.server.BaseHTTPRequestHandler):
    """An S3 endpoint whose clock is 23 minutes ahead of this computer's: like S3, it refuses a
    request signed more than 15 minutes away from its own time, with RequestTimeTooSkewed."""

    AHEAD_S = 23 * 60

    def do_GET(self):
        signed = dt.datetime.strptime(self.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)
        now = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=self.AHEAD_S)
        assert abs((now - signed).total_seconds()) > 15 * 60
        body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>RequestTimeTooSkewed</Code>"
                "<Message>The difference between the request time and the current time is too large.</Message>"
                f"<RequestTime>{signed:%Y%m%dT%H%M%SZ}</RequestTime><ServerTime>{now:%Y-%m-%dT%H:%M:%SZ}</ServerTime>"
                "<MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds></Error>").encode()
        self.send_response(403)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_skewed_clock_is_named_in_minutes(tmp_path, s3_env):  # noqa: F811
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ClockAhead)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        data = tmp_path / "data"
        setup(data, "course", url)
        code, body, _ = run(data, "sync", "test")
        assert code == 1
        assert body["error"] == f"Your computer's clock is 23 minutes off, so {url} refuses the requests."
        assert "automatic time" in body["hint"]
    finally:
        server.shutdown()
        server.server_close()


def test_a_lecture_from_a_is_searchable_on_b_without_transcribing_it_again(tmp_path, s3_server, s3_env):  # noqa: F811
    from tests.core.test_sync_lectures import Computer, transcribed_lecture
    from desktop.core.sync import SyncConfig

    bucket = s3_server.new_bucket()
    a, b = tmp_path / "A", tmp_path / "B"
    setup(a, bucket, s3_server.url)
    setup(b, bucket, s3_server.url)
    transcribed_lecture(Computer(a, SyncConfig(bucket, "ana", s3_server.url, "us-east-1")), tmp_path)
    assert run(a, "sync")[1]["counts"] == {"upload": 2}

    code, body, err = run(b, "sync", "--wait")
    assert code == 0, err
    assert body["counts"] == {"download": 2}
    code, hits, err = run(b, "search", "Which cycle fixes carbon?", "--k", "1")
    assert code == 0, err
    assert "Calvin cycle" in hits[0]["text"] and hits[0]["title"] == "Lecture 1"
    kinds = {j["kind"]: j["state"] for j in run(b, "jobs")[1]}
    assert kinds == {"sync_storage": "done", "index_lecture": "done"}     # no transcribe_recording job
    listed = run(b, "sync", "ls", "lectures/")[1]
    assert [(r["key"].rsplit("/", 1)[1], r["state"], r["synced"]) for r in listed] == [
        ("Lecture 1.wav", "both", True), ("Lecture 1.wav.lecture.json", "both", True)]


def test_setup_chooses_the_interval_and_can_turn_sync_off(tmp_path, s3_server, s3_env):  # noqa: F811
    data = tmp_path / "data"
    bucket = s3_server.new_bucket()
    code, body, err = run(data, "sync", "setup", "--bucket", bucket, "--endpoint-url", s3_server.url, "--user", "ana",
                          "--interval", "1h")
    assert code == 0, err
    assert body["interval_s"] == 3600 and body["enabled"] is True
    code, body, err = run(data, "sync", "setup", "--bucket", bucket, "--endpoint-url", s3_server.url, "--user", "ana",
                          "--off")
    assert code == 0 and body["enabled"] is False
    code, body, err = run(data, "sync", "--dry-run")
    assert code != 0 and body["error"].startswith("Sync is turned off.")


def test_deletions_waiting_for_a_decision_are_named_with_how_to_confirm_even_when_a_sync_fails(
        tmp_path, s3_server, s3_env):  # noqa: F811
    from desktop.core import library
    from desktop.core.storage.config import DataPaths

    data = tmp_path / "data"
    bucket = s3_server.new_bucket()
    setup(data, bucket, s3_server.url)
    for i in range(4):
        add_note(data, tmp_path / f"n{i}.md", f"note {i}\n")
    assert run(data, "sync")[1]["counts"] == {"upload": 4}
    paths = DataPaths(data)
    db = open_db(paths.db)
    ids = {r["title"]: r["id"] for r in db.query("SELECT id, title FROM documents")}
    key = "users/ana/raw_data/Fall 2026/Biology/Reader/{}.md"

    library.delete_document(db, paths, ids["n0"])
    code, body, err = run(data, "sync")
    assert code == 0, err
    assert body["counts"] == {"held": 1}
    assert body["waiting"]["keys"] == [key.format("n0")] and body["waiting"]["confirm"] == "lectern sync --yes-delete"
    text = lectern("sync", data_dir=data)
    assert text.returncode == 0, text.stderr
    assert ("1 deletion is waiting for your decision; nothing has been deleted. To delete it, run: "
            "lectern sync --yes-delete") in text.stdout
    code, body, err = run(data, "sync", "--yes-delete")
    assert code == 0 and body["counts"] == {"delete_remote": 1} and "waiting" not in body

    # Held again, then the next sync fails (the bucket is gone): it still says what waits.
    library.delete_document(db, paths, ids["n1"])
    assert run(data, "sync")[1]["counts"] == {"held": 1}
    client = s3_server.client()
    for obj in client.list_objects_v2(Bucket=bucket)["Contents"]:
        client.delete_object(Bucket=bucket, Key=obj["Key"])
    client.delete_bucket(Bucket=bucket)
    code, body, err = run(data, "sync")
    assert code == 1 and body["error"].startswith(f"There is no bucket called '{bucket}'")
    assert body["waiting"]["keys"] == [key.format("n1")]
    assert "1 deletion is waiting for your decision" in err and "lectern sync --yes-delete" in err
