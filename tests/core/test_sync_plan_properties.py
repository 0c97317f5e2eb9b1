"""Properties of the planner over many generated situations (hypothesis): whatever the
state of both sides, it never loses a change, and never deletes without agreement."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.core.sync.manifest import Entry
from desktop.core.sync.plan import (CONFLICT, DELETE_LOCAL, DELETE_REMOTE, DOWNLOAD, UPDATE_LOCAL, UPLOAD,
                                    LocalItem, RemoteItem, make_plan)

K = "users/u/raw_data/S/Sub/Book/"
NAMES = [f"{n}.pdf" for n in "abcd"]
SHAS = ["s0", "s1", "s2"]


@st.composite
def situations(draw):
    """Up to 4 documents; each maybe agreed before, maybe present here and/or there, maybe changed."""
    local, remote, agreed = [], [], {}
    used_remote: set[str] = set()
    for doc in range(1, draw(st.integers(0, 4)) + 1):
        name = draw(st.sampled_from(NAMES))
        if draw(st.booleans()) and K + name not in agreed:
            sha = draw(st.sampled_from(SHAS))
            agreed[K + name] = Entry(K + name, doc, sha, 1, 0.0, "e-" + sha)
        if draw(st.booleans()):
            local.append(LocalItem(doc, K + draw(st.sampled_from(NAMES)), draw(st.sampled_from(SHAS)), 1))
    local = list({i.key: i for i in local}.values())          # keys are unique here (local.py makes them so)
    for name in NAMES:
        if draw(st.booleans()) and name not in used_remote:
            used_remote.add(name)
            sha = draw(st.sampled_from(SHAS + [None]))
            remote.append(RemoteItem(K + name, 1, "e-" + str(sha), sha))
    return local, remote, agreed, draw(st.booleans())


@settings(max_examples=400, deadline=None)
@given(situations())
def test_the_planner_never_loses_a_change_and_never_deletes_without_agreement(case):
    local, remote, agreed, yes_delete = case
    plan = make_plan(local, remote, agreed, machine="m", day="d", yes_delete=yes_delete)
    acts = plan.actions + plan.held
    here = {i.document_id: i for i in local}
    there = {r.key: r for r in remote}
    for a in acts:
        if a.op == DELETE_REMOTE:
            m = agreed[a.key]                      # only what was agreed before...
            assert a.document_id not in here       # ...and is gone here
            assert there[a.key].sha256 == m.sha256  # ...and unchanged there
            assert yes_delete or a in plan.held    # ...and only when confirmed
        if a.op == DELETE_LOCAL:
            m = agreed[a.key]
            assert a.key not in there
            assert here[a.document_id].sha256 == m.sha256
    # Every remote object whose bytes are not here is fetched, kept, or deliberately held.
    shas_here = {i.sha256 for i in local}
    touched = {a.key for a in acts} | {a.source_key for a in acts}
    for r in remote:
        if r.sha256 not in shas_here or r.sha256 is None:
            assert r.key in touched, (r, plan)
    # Every local document changed since the agreement (or new) goes up or is kept as a conflict copy.
    agreed_sha = {e.document_id: e.sha256 for e in agreed.values()}
    for i in local:
        if agreed_sha.get(i.document_id) != i.sha256 and not any(r.sha256 == i.sha256 and r.key == i.key
                                                                 for r in remote):
            ops = {a.op for a in acts if a.document_id == i.document_id}
            same_there = any(r.sha256 == i.sha256 for r in remote)
            assert ops & {UPLOAD, CONFLICT} or "skip" in ops or (same_there and ops & {"move_remote", "adopt"}), \
                (i, plan)
    # A write into the bucket replaces only this document's own agreed, unchanged version.
    for a in plan.actions:
        if a.op in (UPLOAD, CONFLICT, "move_remote") and a.key in there and there[a.key].sha256 != a.sha256:
            m = agreed.get(a.key)
            assert m is not None and m.document_id == a.document_id and there[a.key].sha256 == m.sha256, (a, plan)
    # Nothing is done twice to one key.
    writes = [a.key for a in plan.actions if a.op in (UPLOAD, CONFLICT, DOWNLOAD, UPDATE_LOCAL)]
    assert len(writes) == len(set(writes)), plan
