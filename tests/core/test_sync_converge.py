"""Two data folders against one bucket on a real S3 server (moto, loopback) converge,
and the bucket cannot hurt the library: an emptied bucket, malicious keys, other users."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from desktop.core import library
from desktop.core.catalog import file_at, file_sha256
from desktop.core.storage.config import DataPaths
from desktop.core.storage.db import open_db
from desktop.core.sync import SyncConfig, sync
from tests import pdfs
from tests.s3 import any_s3_server, s3_env, s3_server  # noqa: F401  (fixtures)


class Folder:
    """One computer: a data folder, its database and its sync settings."""

    def __init__(self, root: Path, config: SyncConfig) -> None:
        self.paths = DataPaths(root).ensure()
        self.db = open_db(self.paths.db)
        self.config = config

    def add(self, source: Path, semester="Fall 2026", subject="Biology", book="Reader") -> int:
        node = library.ensure_path(self.db, semester, subject, book)
        result = library.import_file(self.db, self.paths, node, source, starter=None)
        assert result.added, result.message
        return result.document_id

    def sync(self, **kw):
        summary = sync(self.db, self.paths, self.config, **kw)
        assert summary.errors == [], summary.errors
        return summary

    def docs(self) -> dict[str, tuple[str, str]]:
        """'Semester / Subject / Book / title' -> (sha256 of the file on disk, kind)."""
        out = {}
        for r in self.db.query("SELECT id FROM documents"):
            d = library.get_document(self.db, r["id"])
            out[f"{library.where_is(self.db, d.node_id)} / {d.title}"] = (file_sha256(file_at(self.paths, d.path)),
                                                                         d.kind)
        return out

    def trash(self) -> list[str]:
        folder = self.paths.root / "trash"
        return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _pair(tmp_path: Path, server) -> tuple[Folder, Folder, object, str]:
    bucket = server.new_bucket()
    config = SyncConfig(bucket, "ana", server.url, "us-east-1")
    return Folder(tmp_path / "A", config), Folder(tmp_path / "B", config), server, bucket


@pytest.fixture
def pair(tmp_path, s3_server, s3_env):  # noqa: F811
    return _pair(tmp_path, s3_server)


@pytest.fixture
def any_pair(tmp_path, any_s3_server, s3_env):  # noqa: F811
    """Two folders against moto, then against rclone serve s3 (an independent S3 server)."""
    return _pair(tmp_path, any_s3_server)


def keys(server, bucket: str, prefix: str = "") -> list[str]:
    listed = server.client().list_objects_v2(Bucket=bucket, Prefix=prefix)
    return sorted(o["Key"] for o in listed.get("Contents", []))


def note(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_two_folders_converge_add_rename_conflict_delete(any_pair, tmp_path):
    a, b, server, bucket = any_pair
    reader = pdfs.make_course_pdf(tmp_path / "Cell biology.pdf", n=3)
    a.add(reader)
    week = a.add(note(tmp_path / "week 1.md", "# Osmosis\nWater moves toward more solute.\n"))
    a.add(note(tmp_path / "week 2.md", "# Diffusion\n"))
    big = tmp_path / "lab data.md"             # 20 MiB: in parts up, in ranges down, one copy when renamed
    big.write_bytes(os.urandom(20 << 20))
    a.add(big)

    first = a.sync()
    assert first.counts == {"upload": 4} and first.bytes_up == sum(p.stat().st_size for p in (
        reader, tmp_path / "week 1.md", tmp_path / "week 2.md", big))
    assert keys(server, bucket) == ["users/ana/raw_data/Fall 2026/Biology/Reader/Cell biology.pdf",
                                    "users/ana/raw_data/Fall 2026/Biology/Reader/lab data.md",
                                    "users/ana/raw_data/Fall 2026/Biology/Reader/week 1.md",
                                    "users/ana/raw_data/Fall 2026/Biology/Reader/week 2.md"]
    head = server.client().head_object(Bucket=bucket, Key=keys(server, bucket)[0])
    meta = {k.lower(): v for k, v in head["Metadata"].items()}     # rclone gives "Sha256"
    assert meta["sha256"] == file_sha256(reader) and float(meta["mtime"]) > 0

    assert b.sync().counts == {"download": 4}
    assert b.docs() == a.docs()
    mtimes = [sorted(round(file_at(f.paths, d.path).stat().st_mtime, 3) for d in library.documents_under(f.db, 1))
              for f in (a, b)]
    assert mtimes[0] == mtimes[1]                       # each file keeps its own mtime, not the download time
    assert a.sync().counts == {} and b.sync().counts == {}            # in agreement: nothing to do

    # Rename a book on A: the keys move in the bucket (no upload), and B follows.
    library.rename_node(a.db, a.paths, library.get_document(a.db, week).node_id, "Course reader")
    moved = a.sync()
    assert moved.counts == {"move_remote": 4} and moved.bytes_up == 0
    assert all("/Course reader/" in k for k in keys(server, bucket))
    assert b.sync().counts == {"move_local": 4}
    assert b.docs() == a.docs()
    assert [n.name for n in library.all_nodes(b.db) if n.level == "book"] == ["Course reader"]

    # Edit the same note on both sides: both versions are kept on both sides.
    def edit(folder: Folder, text: str) -> None:
        doc = [d for d in library.documents_in(folder.db, library.ensure_path(
            folder.db, "Fall 2026", "Biology", "Course reader")) if d.title == "week 1"][0]
        path = file_at(folder.paths, doc.path)
        path.write_text(text, encoding="utf-8")
        folder.db.execute("UPDATE documents SET sha256=?, size=? WHERE id=?",
                          (file_sha256(path), path.stat().st_size, doc.id))
    # Edit on A only: B takes the new bytes and keeps its old file in the trash.
    edit(a, "# Osmosis\nFirst edit on A.\n")
    assert a.sync().counts == {"upload": 1}
    assert b.sync().counts == {"update_local": 1}
    assert b.docs() == a.docs()
    replaced = [n for n in b.trash() if n.startswith("replaced-")]
    assert len(replaced) == 1 and (b.paths.root / "trash" / replaced[0]).read_text().startswith("# Osmosis\nWater")
    assert not list((b.paths.root / "files").glob(".incoming-*"))

    edit(a, "# Osmosis\nEdited on A.\n")
    edit(b, "# Osmosis\nEdited on B.\n")
    assert a.sync().counts == {"upload": 1}
    conflict = b.sync()
    assert conflict.counts == {"conflict": 1, "download": 1}
    assert a.sync().counts == {"download": 1}
    assert b.docs() == a.docs()
    titles = sorted(k.rsplit(" / ", 1)[1] for k in a.docs())
    assert titles[:3] == ["Cell biology", "lab data", "week 1"] and titles[3].startswith("week 1 (conflict from ")
    texts = {file_at(a.paths, d.path).read_bytes().decode(errors="replace")
             for d in library.documents_under(a.db, 1) if d.kind == "note"}
    assert {"# Osmosis\nEdited on A.\n", "# Osmosis\nEdited on B.\n"} <= texts

    # Delete on A: the bucket keeps it until confirmed; then B moves it to its trash.
    gone = [d for d in library.documents_under(a.db, 1) if d.title == "week 2"][0]
    library.delete_document(a.db, a.paths, gone.id)
    held = a.sync()
    assert held.counts == {"held": 1} and "--yes-delete" in held.notices[0]
    assert any(k.endswith("/week 2.md") for k in keys(server, bucket))
    assert a.sync(yes_delete=True).counts == {"delete_remote": 1}
    assert not any(k.endswith("/week 2.md") for k in keys(server, bucket))
    assert b.sync().counts == {"delete_local": 1}
    assert b.docs() == a.docs()
    trashed = [n for n in b.trash() if n.startswith("deleted-in-bucket-")]
    assert len(trashed) == 1 and trashed[0].endswith("week 2.md")
    assert (b.paths.root / "trash" / trashed[0]).read_text() == "# Diffusion\n"


def test_an_emptied_bucket_deletes_nothing_here_and_says_why(pair, tmp_path):
    a, _b, server, bucket = pair
    a.add(note(tmp_path / "n.md", "keep me\n"))
    a.add(note(tmp_path / "m.md", "and me\n"))
    a.sync()
    client = server.client()
    for key in keys(server, bucket):
        client.delete_object(Bucket=bucket, Key=key)
    before = a.docs()
    summary = a.sync()
    assert summary.counts == {"held": 2}
    assert "none of the 2 file(s) synced before" in summary.notices[0]
    assert "Nothing was deleted here" in summary.notices[0]
    assert a.docs() == before and a.trash() == []


def test_malicious_keys_are_refused_and_nothing_is_written_outside_the_library(pair, tmp_path):
    a, _b, server, bucket = pair
    client = server.client()
    bad = ["users/ana/raw_data/../../x.md", "users/ana/raw_data/a/b/../../../../escape.md",
           "users/ana/raw_data/S/Sub/Book/evil\\..\\..\\x.md", "users/ana/raw_data/S/Sub/Book/ctl\x01.md",
           "users/ana//raw_data/S/Sub/Book/x.md", "users/ana/raw_data/S/Sub/x.md"]
    for key in bad:
        client.put_object(Bucket=bucket, Key=key, Body=b"owned\n")
    client.put_object(Bucket=bucket, Key="users/ana/raw_data/S/Sub/Book/fine.md", Body=b"fine\n")
    client.put_object(Bucket=bucket, Key="users/ana/raw_data/S/", Body=b"")          # a console's folder marker
    client.put_object(Bucket=bucket, Key="users/bob/raw_data/S/Sub/Book/other.md", Body=b"bob's\n")
    client.put_object(Bucket=bucket, Key="/users/ana/raw_data/S/Sub/Book/abs.md", Body=b"abs\n")
    summary = a.sync()
    assert sorted(r["key"] for r in summary.refused) == sorted(bad)
    assert all("was refused" in r["reason"] for r in summary.refused)
    assert summary.counts == {"download": 1}
    assert {"key": "users/ana/raw_data/S/", "reason": "an empty folder marker"} in summary.skipped
    assert list(a.docs()) == ["S / Sub / Book / fine"]
    written = {p.name for p in tmp_path.rglob("*") if p.is_file()}
    assert not written & {"x.md", "escape.md", "other.md", "abs.md"}
    assert not any("owned" in p.read_text(errors="ignore") for p in tmp_path.rglob("*.md"))


def test_two_users_on_one_bucket_stay_apart(pair, tmp_path):
    a, b, server, bucket = pair
    b.config = SyncConfig(bucket, "bob", server.url, "us-east-1")
    a.add(note(tmp_path / "ana.md", "ana's\n"))
    b.add(note(tmp_path / "bob.md", "bob's\n"))
    a.sync()
    b.sync()
    assert keys(server, bucket) == ["users/ana/raw_data/Fall 2026/Biology/Reader/ana.md",
                                    "users/bob/raw_data/Fall 2026/Biology/Reader/bob.md"]
    assert a.sync().counts == {} and b.sync().counts == {}
    assert list(a.docs()) == ["Fall 2026 / Biology / Reader / ana"]
    assert list(b.docs()) == ["Fall 2026 / Biology / Reader / bob"]


def test_a_dry_run_changes_nothing(pair, tmp_path):
    a, _b, server, bucket = pair
    a.add(note(tmp_path / "n.md", "x\n"))
    summary = a.sync(dry_run=True)
    assert summary.dry_run and summary.counts == {"upload": 1} and summary.actions[0]["op"] == "upload"
    assert keys(server, bucket) == [] and a.sync().counts == {"upload": 1}


def test_a_damaged_download_is_not_kept_and_the_rest_goes_on(pair):
    a, _b, server, bucket = pair
    client = server.client()
    client.put_object(Bucket=bucket, Key="users/ana/raw_data/S/Sub/Book/liar.md", Body=b"not what it says\n",
                      Metadata={"sha256": "0" * 64})
    client.put_object(Bucket=bucket, Key="users/ana/raw_data/S/Sub/Book/fine.md", Body=b"fine\n")
    client.put_object(Bucket=bucket, Key="users/ana/raw_data/S/", Body=b"")          # a console's folder marker
    summary = sync(a.db, a.paths, a.config)
    assert [(e["op"], e["key"].rsplit("/", 1)[1]) for e in summary.errors] == [("download", "liar.md")]
    assert "arrived damaged" in summary.errors[0]["error"]
    assert list(a.docs()) == ["S / Sub / Book / fine"]
    assert not list((a.paths.root / "files").glob(".incoming-*"))
    assert a.db.execute("SELECT count(*) FROM sync_manifest").fetchone()[0] == 1     # only what was confirmed


def test_folders_that_differ_only_in_case_do_not_rename_keys_back_and_forth(pair, tmp_path):
    a, b, server, bucket = pair
    a.add(note(tmp_path / "x.md", "from A\n"), subject="biology")
    b.add(note(tmp_path / "y.md", "from B\n"), subject="Biology")
    assert a.sync().counts == {"upload": 1}
    assert b.sync().counts == {"download": 1, "upload": 1}
    assert a.sync().counts == {"download": 1}
    for _ in range(2):
        assert a.sync().counts == {} and b.sync().counts == {}
    assert keys(server, bucket) == ["users/ana/raw_data/Fall 2026/Biology/Reader/y.md",
                                    "users/ana/raw_data/Fall 2026/biology/Reader/x.md"]
    assert sorted(a.docs()) == ["Fall 2026 / biology / Reader / x", "Fall 2026 / biology / Reader / y"]
    assert sorted(b.docs()) == ["Fall 2026 / Biology / Reader / x", "Fall 2026 / Biology / Reader / y"]


def test_a_managed_file_changed_behind_the_librarys_back_is_not_uploaded(pair, tmp_path):
    a, _b, server, bucket = pair
    doc = a.add(note(tmp_path / "n.md", "as imported\n"))
    file_at(a.paths, library.get_document(a.db, doc).path).write_text("changed by another program\n")
    summary = sync(a.db, a.paths, a.config)
    assert [e["op"] for e in summary.errors] == ["upload"]
    assert "changed on disk outside Lectern" in summary.errors[0]["error"]
    assert keys(server, bucket) == []


def test_a_large_managed_file_changed_behind_the_librarys_back_is_not_completed_in_the_bucket(pair, tmp_path):
    a, _b, server, bucket = pair
    big = tmp_path / "big.md"
    big.write_bytes(os.urandom(20 << 20))
    doc = a.add(big)
    with open(file_at(a.paths, library.get_document(a.db, doc).path), "r+b") as f:
        f.seek(15 << 20)
        f.write(b"changed by another program")
    summary = sync(a.db, a.paths, a.config)
    assert [e["op"] for e in summary.errors] == ["upload"]
    assert "changed on disk outside Lectern" in summary.errors[0]["error"]
    assert keys(server, bucket) == []
    assert server.client().list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert a.db.execute("SELECT count(*) FROM sync_uploads").fetchone()[0] == 0
