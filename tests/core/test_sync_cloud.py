"""The cloud view's operations, the sync's status words, confirmed and kept deletions, the
trash clean-up and the conditional put, against real S3 servers on loopback."""
from __future__ import annotations

import os
import time

import pytest

from desktop.core import jobs
from desktop.core.sync import cloud, status
from desktop.core.sync.apply import clean_trash, keep_in_trash
from desktop.core.sync.job import JOB_KIND, JOB_TARGET
from desktop.core.sync.run import keep_held, sync
from tests.core.test_sync_converge import Folder, _pair
from tests.s3 import any_s3_server, s3_env, s3_server  # noqa: F401  (fixtures)

KEY = "users/ana/raw_data/Fall 2026/Biology/Reader/"


@pytest.fixture
def pair(tmp_path, s3_server, s3_env):  # noqa: F811
    return _pair(tmp_path, s3_server)


def note(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def states(rows):
    return {r.key.rsplit("/", 1)[-1]: r.state for r in rows}


def test_the_cloud_view_lists_only_here_only_in_the_cloud_and_both(pair, tmp_path):
    a, b, server, bucket = pair
    a.add(note(tmp_path, "week 1.md", "osmosis\n"))
    a.sync()
    a.add(note(tmp_path, "week 2.md", "diffusion\n"))
    server.client().put_object(Bucket=bucket, Key=KEY + "slides.md", Body=b"from elsewhere")
    server.client().put_object(Bucket=bucket, Key="users/ana/raw_data/x/../../escape.md", Body=b"x")
    server.client().put_object(Bucket=bucket, Key="users/bob/raw_data/S/S/B/theirs.md", Body=b"x")
    rows = cloud.listing(a.db, a.paths, a.config)
    assert states(rows) == {"week 1.md": "both", "week 2.md": "here", "slides.md": "cloud", "escape.md": "refused"}
    both = next(r for r in rows if r.state == cloud.BOTH)
    assert both.path == ("Fall 2026", "Biology", "Reader", "week 1.md") and both.synced and both.document_id
    assert next(r for r in rows if r.state == cloud.REFUSED).reason == "it contains '.' or '..'"



def test_every_key_is_the_listing_lectern_sync_ls_prints(pair, tmp_path):
    a, b, server, bucket = pair
    a.add(note(tmp_path, "week 1.md", "osmosis\n"))
    a.sync()
    a.add(note(tmp_path, "week 2.md", "diffusion\n"))
    client = server.client()
    for key in ("users/ana/raw_data/Fall 2026/", "users/ana/other/readme.txt", "users/ana/raw_data/x/../../escape.md"):
        client.put_object(Bucket=bucket, Key=key, Body=b"" if key.endswith("/") else b"x")
    every = {r.key: (r.state, r.synced, r.reason) for r in cloud.listing(a.db, a.paths, a.config, every_key=True)}
    assert every == {
        KEY + "week 1.md": ("both", True, ""), KEY + "week 2.md": ("here", False, ""),
        "users/ana/raw_data/Fall 2026/": ("refused", False, "it contains an empty folder name"),
        "users/ana/other/readme.txt": ("cloud", False, ""),            # not a book, but listed as it is
        "users/ana/raw_data/x/../../escape.md": ("refused", False, "it contains '.' or '..'")}
    only = cloud.listing(a.db, a.paths, a.config, prefix="raw_data/Fall 2026/Biology/", every_key=True)
    assert [(r.key, r.state) for r in only] == [(KEY + "week 1.md", "both"), (KEY + "week 2.md", "here")]
    view = {r.key: r.state for r in cloud.listing(a.db, a.paths, a.config)}      # the cloud view refuses it
    assert view["users/ana/other/readme.txt"] == "refused" and "users/ana/raw_data/Fall 2026/" not in view

def test_downloading_one_book_files_it_here_and_the_next_sync_agrees(pair, tmp_path):
    a, b, server, bucket = pair
    a.add(note(tmp_path, "week 1.md", "osmosis\n"))
    a.add(note(tmp_path, "other.md", "elsewhere\n"), book="Other book")
    a.sync()
    wanted = [r.key for r in cloud.listing(b.db, b.paths, b.config) if r.path[2] == "Reader"]
    assert len(wanted) == 1
    seen = []
    summary = cloud.download(b.db, b.paths, b.config, wanted + ["users/ana/raw_data/../x.md"], starter=None,
                             report=lambda f, s: seen.append(s))
    assert summary.counts == {"download": 1} and summary.errors == []
    assert summary.refused and "refused" in summary.refused[0]["reason"]
    assert list(b.docs()) == ["Fall 2026 / Biology / Reader / week 1"]
    assert any("Downloading week 1.md: file 1 of 1" in s for s in seen)
    again = b.sync()                    # the download was recorded: only the other book comes now
    assert again.counts == {"download": 1}


def test_ingest_new_books_only_takes_what_is_only_in_the_cloud_and_uploads_nothing(pair, tmp_path):
    a, b, server, bucket = pair
    a.add(note(tmp_path, "week 1.md", "osmosis\n"))
    a.sync()
    b.add(note(tmp_path, "mine.md", "only on B\n"), book="Mine")
    summary = cloud.new_books(b.db, b.paths, b.config, starter=None)
    assert summary.counts == {"download": 1}
    assert sorted(b.docs()) == ["Fall 2026 / Biology / Mine / mine", "Fall 2026 / Biology / Reader / week 1"]
    keys = [o["Key"] for o in server.client().list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == [KEY + "week 1.md"]           # nothing of B went up


def test_deleting_from_the_bucket_names_only_this_users_keys_and_trashes_the_copy_here(pair, tmp_path):
    a, b, server, bucket = pair
    a.add(note(tmp_path, "week 1.md", "osmosis\n"))
    a.add(note(tmp_path, "week 2.md", "diffusion\n"))
    a.sync()
    b.sync()
    server.client().put_object(Bucket=bucket, Key="users/bob/raw_data/S/S/B/theirs.md", Body=b"x")
    result = cloud.delete(a.db, a.paths, a.config, [KEY + "week 1.md", "users/bob/raw_data/S/S/B/theirs.md"])
    assert result["deleted"] == [KEY + "week 1.md"] and len(result["trashed_here"]) == 1
    assert result["refused"][0]["reason"] == "it is outside users/ana/"
    left = sorted(o["Key"] for o in server.client().list_objects_v2(Bucket=bucket)["Contents"])
    assert left == [KEY + "week 2.md", "users/bob/raw_data/S/S/B/theirs.md"]
    assert list(a.docs()) == ["Fall 2026 / Biology / Reader / week 2"] and len(a.trash()) == 1
    assert a.sync().counts == {}                 # not uploaded again
    assert b.sync().counts == {"delete_local": 1}  # the other computer follows, into its trash
    assert len(b.trash()) == 1


def test_uploading_a_folder_files_it_here_and_puts_it_in_the_bucket(pair, tmp_path):
    a, b, server, bucket = pair
    folder = tmp_path / "Chapter notes"
    (folder / "part 2").mkdir(parents=True)
    (folder / "one.md").write_text("one\n")
    (folder / "part 2" / "two.md").write_text("two\n")
    (folder / "ignored.xyz").write_text("?\n")
    summary = cloud.upload_folder(a.db, a.paths, a.config, folder, "Fall 2026", "Biology", "Chapter notes",
                                  starter=None)
    assert summary.counts == {"upload": 2} and summary.errors == []
    rows = cloud.listing(a.db, a.paths, a.config)
    assert {r.name: (r.state, r.synced) for r in rows} == {"one.md": ("both", True), "two.md": ("both", True)}
    assert a.sync().counts == {}
    with pytest.raises(Exception, match="is not a folder"):
        cloud.upload_folder(a.db, a.paths, a.config, tmp_path / "nope", "S", "S", "B", starter=None)


def test_confirmed_deletions_delete_only_those_and_kept_ones_come_back(pair, tmp_path):
    a, b, server, bucket = pair
    ids = [a.add(note(tmp_path, f"n{i}.md", f"note {i}\n")) for i in range(4)]
    a.sync()
    from desktop.core import library

    for doc_id in ids[:2]:
        library.delete_document(a.db, a.paths, doc_id)
    held = a.sync()
    ask = status.held_deletions(held.as_dict())
    assert ask is not None and ask.question.startswith("This sync would delete 2 of 4 files from the bucket")
    assert len(ask.keys) == 2 and ask.delete_label == "Delete"
    one = sorted(ask.keys)[0]
    done = sync(a.db, a.paths, a.config, confirmed=[one])
    assert done.counts == {"delete_remote": 1, "held": 1}
    other = sorted(ask.keys)[1]
    assert keep_held(a.db, a.paths, a.config, [other]) == 1
    assert a.sync().counts == {"download": 1}   # kept: it comes back to this library
    left = sorted(o["Key"] for o in server.client().list_objects_v2(Bucket=bucket)["Contents"])
    assert one not in left and other in left


def test_the_status_words_follow_the_sync_jobs(db):
    from desktop.core.sync import SyncConfig, save_config

    assert status.sync_status(db).state == status.OFF
    save_config(db, SyncConfig("b", "ana"))
    assert status.sync_status(db).text == "Not synced yet"
    job = jobs.create_job(db, JOB_KIND, {}, target=JOB_TARGET)
    assert status.sync_status(db).state == status.RUNNING
    jobs.claim(db, job)
    jobs.finish(db, job, {"counts": {"upload": 3, "download": 2, "conflict": 1}, "skipped": [{}], "refused": []})
    st = status.sync_status(db, now=time.time() + 5 * 60 + 1)
    assert st.text == "Synced 5 min ago"
    assert st.detail.startswith("3 uploaded, 2 downloaded, 1 conflict (both copies kept), 1 skipped, 0 refused.")
    job = jobs.create_job(db, JOB_KIND, {}, target=JOB_TARGET)
    jobs.claim(db, job)
    jobs.fail(db, job, "Cannot reach http://127.0.0.1:9: you may be offline, or the endpoint address is wrong.")
    st = status.sync_status(db)
    assert st.text.startswith("Sync failed: Cannot reach") and st.text.endswith("…")
    assert "offline" in st.detail and "Last good sync just now" in st.detail
    save_config(db, SyncConfig("b", "ana"), enabled=False)
    assert status.sync_status(db).state == status.OFF


def test_trash_cleanup_removes_only_the_syncs_own_files_older_than_30_days(paths, tmp_path):
    src = tmp_path / "old.md"
    src.write_text("x")
    os.utime(src, (0, 0))                        # a hard link keeps this old mtime: the name's date counts
    fresh = keep_in_trash(paths, src, 7, "replaced")
    trash = paths.root / "trash"
    old = trash / "deleted-in-bucket-20200101-000000-3-abcdef-old.md"
    old.write_text("old")
    other = trash / "files-12-deadbeef"
    other.mkdir()
    mine_looking = trash / "replaced-20200101-000000-notes.md"     # not the sync's pattern
    mine_looking.write_text("keep")
    assert clean_trash(paths) == [old.name]
    assert fresh.exists() and other.exists() and mine_looking.exists() and not old.exists()
    assert clean_trash(paths, now=time.time() + 31 * 86400) == [fresh.name]


def test_a_new_key_is_not_written_over_when_another_computer_just_put_it(pair, tmp_path, monkeypatch):
    a, b, server, bucket = pair
    a.add(note(tmp_path, "week 1.md", "mine\n"))
    from desktop.core.sync import run as run_mod

    real = run_mod.read_remote

    def listing_then_race(client, config, agreed):
        seen = real(client, config, agreed)     # the key is free when listed...
        server.client().put_object(Bucket=bucket, Key=KEY + "week 1.md", Body=b"theirs\n")   # ...then taken
        return seen

    monkeypatch.setattr(run_mod, "read_remote", listing_then_race)
    summary = sync(a.db, a.paths, a.config)
    monkeypatch.setattr(run_mod, "read_remote", real)
    assert [e["error"] for e in summary.errors] == [
        "week 1.md was put in the bucket by another computer a moment ago; this copy was not written over it. "
        "The next sync keeps both."]
    body = server.client().get_object(Bucket=bucket, Key=KEY + "week 1.md")["Body"].read()
    assert body == b"theirs\n"
    again = a.sync()
    assert again.counts == {"conflict": 1, "download": 1}


def test_a_large_new_key_taken_meanwhile_is_not_completed_over_the_other_file(pair, tmp_path, monkeypatch):
    a, b, server, bucket = pair
    a.add(note(tmp_path, "big.md", "x" * (20 << 20)))
    from desktop.core.sync import run as run_mod

    real = run_mod.read_remote

    def listing_then_race(client, config, agreed):
        seen = real(client, config, agreed)
        server.client().put_object(Bucket=bucket, Key=KEY + "big.md", Body=b"theirs\n")
        return seen

    monkeypatch.setattr(run_mod, "read_remote", listing_then_race)
    summary = sync(a.db, a.paths, a.config)
    monkeypatch.setattr(run_mod, "read_remote", real)
    assert len(summary.errors) == 1 and "was not written over it" in summary.errors[0]["error"]
    assert server.client().get_object(Bucket=bucket, Key=KEY + "big.md")["Body"].read() == b"theirs\n"
    assert server.client().list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []   # aborted, not left
    assert a.db.execute("SELECT count(*) FROM sync_uploads").fetchone()[0] == 0


def test_the_question_for_deletions_held_here_names_this_library_and_keeping_restores_the_bucket():
    result = {"held": [{"op": "delete_local", "key": KEY + f"n{i}.md"} for i in range(37)], "synced_files": 120}
    ask = status.held_deletions(result)
    assert ask.question.startswith("This sync would delete 37 of the 120 synced files from this library "
                                   "(into Lectern's trash): they are gone from the bucket.")
    assert ask.keep_label == "Keep them (they go back into the bucket)"
    assert ask.names[0] == "Fall 2026 / Biology / Reader / n0.md"
    assert status.held_deletions({"held": []}) is None


def test_deleting_the_old_key_of_a_document_renamed_here_keeps_the_document(pair, tmp_path):
    a, b, server, bucket = pair
    doc_id = a.add(note(tmp_path, "week 1.md", "osmosis\n"))
    a.sync()
    from desktop.core import library

    library.rename_document(a.db, doc_id, "Osmosis")
    rows = {r.name: r.state for r in cloud.listing(a.db, a.paths, a.config)}
    assert rows == {"week 1.md": "cloud", "Osmosis.md": "here"}
    result = cloud.delete(a.db, a.paths, a.config, [KEY + "week 1.md"])
    assert result["trashed_here"] == [] and list(a.docs()) == ["Fall 2026 / Biology / Reader / Osmosis"]
    assert a.sync().counts == {"upload": 1}
    assert keys_of(server, bucket) == [KEY + "Osmosis.md"]


def keys_of(server, bucket):
    return sorted(o["Key"] for o in server.client().list_objects_v2(Bucket=bucket).get("Contents", []))


def test_downloading_a_file_deleted_here_since_it_was_synced_brings_it_back(pair, tmp_path):
    a, b, server, bucket = pair
    doc_id = a.add(note(tmp_path, "week 1.md", "osmosis\n"))
    a.sync()
    from desktop.core import library

    library.delete_document(a.db, a.paths, doc_id)
    [row] = cloud.listing(a.db, a.paths, a.config)
    assert (row.state, row.synced) == ("cloud", True)
    assert cloud.download(a.db, a.paths, a.config, [row.key], starter=None).counts == {"download": 1}
    assert list(a.docs()) == ["Fall 2026 / Biology / Reader / week 1"]
    assert a.sync().counts == {}                      # agreed again: nothing held, nothing to do
