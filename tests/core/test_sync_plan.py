"""The planner alone: every decision from (here, bucket, last agreement), no I/O."""
from desktop.core.sync.manifest import Entry
from desktop.core.sync.plan import LocalItem, RemoteItem, make_plan

K = "users/u/raw_data/S/Sub/Book/"


def L(doc, name, sha, size=10):
    return LocalItem(doc, K + name, sha, size)


def R(name, sha, size=10, etag=None):
    return RemoteItem(K + name, size, etag or f"e-{sha}", sha)


def M(doc, name, sha, size=10):
    return Entry(K + name, doc, sha, size, 0.0, f"e-{sha}")


def plan(local, remote, agreed, **kw):
    return make_plan(local, remote, {e.key: e for e in agreed}, machine="laptop", day="2026-12-02", **kw)


def ops(p):
    return sorted((a.op, a.key.removeprefix(K), a.document_id) for a in p.actions)


def test_in_agreement_does_nothing():
    p = plan([L(1, "a.pdf", "x")], [R("a.pdf", "x")], [M(1, "a.pdf", "x")])
    assert p.actions == [] and p.held == [] and p.notices == []


def test_new_here_uploads_new_there_downloads_same_on_both_adopts():
    p = plan([L(1, "a.pdf", "x"), L(2, "c.pdf", "z")], [R("b.pdf", "y"), R("c.pdf", "z")], [])
    assert ops(p) == [("adopt", "c.pdf", 2), ("download", "b.pdf", None), ("upload", "a.pdf", 1)]


def test_remote_file_without_checksum_is_downloaded_not_trusted():
    p = plan([], [RemoteItem(K + "b.pdf", 5, "etag", None)], [])
    assert ops(p) == [("download", "b.pdf", None)]


def test_changed_on_one_side_flows_to_the_other():
    p = plan([L(1, "a.pdf", "x2"), L(2, "b.pdf", "y")], [R("a.pdf", "x"), R("b.pdf", "y2")],
             [M(1, "a.pdf", "x"), M(2, "b.pdf", "y")])
    assert ops(p) == [("update_local", "b.pdf", 2), ("upload", "a.pdf", 1)]


def test_changed_on_both_sides_keeps_both_and_deletes_nothing():
    p = plan([L(1, "a.pdf", "mine")], [R("a.pdf", "theirs")], [M(1, "a.pdf", "old")])
    assert ops(p) == [("conflict", "a (conflict from laptop 2026-12-02).pdf", 1), ("download", "a.pdf", None)]
    assert not any(a.op.startswith("delete") for a in p.actions + p.held)


def test_changed_the_same_way_on_both_sides_is_no_conflict():
    p = plan([L(1, "a.pdf", "new")], [R("a.pdf", "new")], [M(1, "a.pdf", "old")])
    assert ops(p) == [("adopt", "a.pdf", 1)]


def test_added_on_both_sides_under_one_name_with_different_bytes_keeps_both():
    p = plan([L(1, "a.pdf", "mine")], [R("a.pdf", "theirs")], [])
    assert ops(p) == [("conflict", "a (conflict from laptop 2026-12-02).pdf", 1), ("download", "a.pdf", None)]


def test_conflict_name_never_takes_an_existing_key():
    taken = "a (conflict from laptop 2026-12-02).pdf"
    p = plan([L(1, "a.pdf", "mine")], [R("a.pdf", "theirs"), R(taken, "q")], [])
    assert ("conflict", "a (conflict from laptop 2026-12-02) 2.pdf", 1) in ops(p)


def test_rename_here_moves_the_key_without_uploading():
    p = plan([L(1, "b.pdf", "x")], [R("a.pdf", "x")], [M(1, "a.pdf", "x")])
    assert [(a.op, a.source_key, a.key) for a in p.actions] == [("move_remote", K + "a.pdf", K + "b.pdf")]


def test_rename_in_the_bucket_moves_the_document_here():
    p = plan([L(1, "a.pdf", "x")], [R("b.pdf", "x")], [M(1, "a.pdf", "x")])
    assert [(a.op, a.key, a.document_id) for a in p.actions] == [("move_local", K + "b.pdf", 1)]


def test_renamed_and_edited_here_uploads_to_the_new_key_and_drops_the_old():
    p = plan([L(1, "b.pdf", "x2")], [R("a.pdf", "x")], [M(1, "a.pdf", "x")])
    assert [(a.op, a.key, a.source_key) for a in p.actions] == [("upload", K + "b.pdf", K + "a.pdf")]


def test_deleted_here_waits_for_confirmation_then_deletes_in_the_bucket():
    args = ([], [R("a.pdf", "x"), R("b.pdf", "y")], [M(1, "a.pdf", "x"), M(2, "b.pdf", "y")])
    p = plan(*args)
    assert p.actions == [] and [a.op for a in p.held] == ["delete_remote"] * 2
    assert "--yes-delete" in p.notices[0]
    assert ops(plan(*args, yes_delete=True)) == [("delete_remote", "a.pdf", 1), ("delete_remote", "b.pdf", 2)]


def test_deleted_here_but_changed_there_comes_back():
    p = plan([], [R("a.pdf", "x2")], [M(1, "a.pdf", "x")], yes_delete=True)
    assert ops(p) == [("download", "a.pdf", None)]


def test_deleted_there_goes_to_the_trash_here_when_it_is_one_of_many():
    agreed = [M(i, f"{i}.pdf", f"s{i}") for i in range(1, 11)]
    local = [L(i, f"{i}.pdf", f"s{i}") for i in range(1, 11)]
    remote = [R(f"{i}.pdf", f"s{i}") for i in range(2, 11)]
    assert ops(plan(local, remote, agreed)) == [("delete_local", "1.pdf", 1)]


def test_deleted_there_but_changed_here_is_uploaded_again():
    p = plan([L(1, "a.pdf", "x2"), L(2, "b.pdf", "y")], [R("b.pdf", "y")], [M(1, "a.pdf", "x"), M(2, "b.pdf", "y")])
    assert ops(p) == [("upload", "a.pdf", 1)]


def test_many_deletions_in_the_bucket_stop_and_ask():
    agreed = [M(i, f"{i}.pdf", f"s{i}") for i in range(1, 11)]
    local = [L(i, f"{i}.pdf", f"s{i}") for i in range(1, 11)]
    remote = [R(f"{i}.pdf", f"s{i}") for i in range(4, 11)]
    p = plan(local, remote, agreed)
    assert p.actions == [] and len(p.held) == 3 and "3 of the 10" in p.notices[0]
    assert len(plan(local, remote, agreed, yes_delete=True).actions) == 3


def test_an_empty_bucket_behind_our_back_deletes_nothing_here_and_says_why():
    agreed = [M(1, "a.pdf", "x")]
    p = plan([L(1, "a.pdf", "x")], [], agreed)
    assert p.actions == [] and [a.op for a in p.held] == ["delete_local"]
    assert "none of the 1 file(s)" in p.notices[0] and "Nothing was deleted here" in p.notices[0]


def test_another_bucket_with_no_agreement_never_deletes():
    p = plan([L(1, "a.pdf", "x")], [R("b.pdf", "y")], [], yes_delete=True)
    assert ops(p) == [("download", "b.pdf", None), ("upload", "a.pdf", 1)]


def test_gone_on_both_sides_is_forgotten():
    assert ops(plan([], [], [M(1, "a.pdf", "x")])) == [("forget", "a.pdf", 1)]


def test_the_same_bytes_under_a_second_name_in_the_bucket_are_not_downloaded_twice():
    p = plan([L(1, "a.pdf", "x")], [R("a.pdf", "x"), R("copy.pdf", "x")], [M(1, "a.pdf", "x")])
    assert ops(p) == [("skip", "copy.pdf", 1)]


def test_a_new_etag_with_the_same_checksum_only_refreshes_the_agreement():
    p = plan([L(1, "a.pdf", "x")], [R("a.pdf", "x", etag="other")], [M(1, "a.pdf", "x")])
    assert ops(p) == [("adopt", "a.pdf", 1)]


def test_an_upload_never_overwrites_another_files_newer_bytes_in_the_bucket():
    # Doc 1 was b.pdf, is now a.pdf here and edited; b.pdf went from the bucket. a.pdf belonged to doc 2,
    # deleted here but changed in the bucket since: its bytes must come here, not be overwritten.
    p = plan([L(1, "a.pdf", "mine")], [R("a.pdf", "theirs")], [M(1, "b.pdf", "old1"), M(2, "a.pdf", "old2")])
    assert ops(p) == [("conflict", "a (conflict from laptop 2026-12-02).pdf", 1), ("download", "a.pdf", None)]
