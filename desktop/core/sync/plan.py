"""The pure decision: what to do, from the library here, the bucket's listing and the
last agreed state (the manifest). No I/O, so every rule is tested fast and alone.

Rules (learned from the bugs sync tools keep having):
- identity is the document id here and the key there; the manifest links them;
- a side that changed since the last agreement wins over a side that did not;
- both changed (differently) is a conflict: both copies are kept, the one from here
  under a "(conflict from <machine> <date>)" name; nothing is deleted because of it;
- a deletion is only ever carried over for something both sides agreed on before, and
  only when the other side did not change it since;
- deleting from the bucket always waits for the student's confirmation (``yes_delete``):
  the bucket may hold the last copy;
- deleting here (into the trash) waits for confirmation when it looks like an accident:
  the bucket shows none of what was agreed (emptied or switched), or more than
  ``mass_fraction`` of it would go.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .keys import with_suffix
from .manifest import Entry

# Operations, in the order they are carried out.
MOVE_REMOTE = "move_remote"      # server-side copy source_key -> key, then remove source_key
CONFLICT = "conflict"            # the local document takes the conflict key and is uploaded there
UPLOAD = "upload"                # local file -> key (then remove source_key if set: a moved + edited file)
ADOPT = "adopt"                  # same bytes on both sides: only the manifest is written
MOVE_LOCAL = "move_local"        # the document is filed where key says (renamed/moved in the bucket)
UPDATE_LOCAL = "update_local"    # the bucket's newer bytes replace the document's file (old one to trash)
DOWNLOAD = "download"            # a new document from key
FORGET = "forget"                # gone on both sides: drop the manifest row
DELETE_REMOTE = "delete_remote"  # deleted here after an agreement: remove key from the bucket
DELETE_LOCAL = "delete_local"    # deleted in the bucket after an agreement: document to the trash here
SKIP = "skip"
ORDER = (MOVE_REMOTE, CONFLICT, UPLOAD, ADOPT, MOVE_LOCAL, UPDATE_LOCAL, DOWNLOAD, FORGET, DELETE_REMOTE,
         DELETE_LOCAL, SKIP)


@dataclass(frozen=True)
class LocalItem:
    document_id: int
    key: str               # where it belongs in the bucket today (from its folders and title)
    sha256: str
    size: int
    mtime: float = 0.0


@dataclass(frozen=True)
class RemoteItem:
    key: str
    size: int
    etag: str = ""
    sha256: str | None = None    # from the object's metadata; None when not known (not uploaded by Lectern)
    mtime: float | None = None


@dataclass(frozen=True)
class Action:
    op: str
    key: str
    document_id: int | None = None
    source_key: str = ""
    sha256: str | None = None
    size: int = 0
    reason: str = ""

    def as_dict(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "", 0) or k == "op"}


@dataclass
class Plan:
    actions: list[Action] = field(default_factory=list)
    held: list[Action] = field(default_factory=list)       # deletions waiting for confirmation
    notices: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for a in self.actions:
            out[a.op] = out.get(a.op, 0) + 1
        if self.held:
            out["held"] = len(self.held)
        return out


def conflict_suffix(machine: str, day: str) -> str:
    return f" (conflict from {machine} {day})"


def make_plan(local: list[LocalItem], remote: list[RemoteItem], agreed: dict[str, Entry], *,
              machine: str, day: str, yes_delete: bool = False, mass_fraction: float = 0.2) -> Plan:
    """Decide every action. ``agreed`` is the manifest of this bucket, by key."""
    planner = _Planner(local, remote, agreed, conflict_suffix(machine, day))
    planner.run()
    _fail_safe(planner.plan, agreed, remote, yes_delete, mass_fraction)
    planner.plan.actions.sort(key=lambda a: (ORDER.index(a.op), a.key))
    return planner.plan


class _Planner:
    def __init__(self, local: list[LocalItem], remote: list[RemoteItem], agreed: dict[str, Entry],
                 suffix: str) -> None:
        self.local, self.remote, self.agreed, self.suffix = local, remote, agreed, suffix
        self.here = {item.document_id: item for item in local}
        self.there = {item.key: item for item in remote}
        self.claimed: set[str] = set()          # keys something in this plan already writes, reads or keeps
        self.plan = Plan()
        self.out = self.plan.actions

    def run(self) -> None:
        seen_docs: set[int] = set()
        # Stable order; for a document with several old keys the one it still has comes first.
        entries = sorted(self.agreed.values(), key=lambda e: (
            e.document_id, self.here.get(e.document_id) is None or self.here[e.document_id].key != e.key, e.key))
        for m in entries:
            item = self.here.get(m.document_id)
            self.claimed.add(m.key)
            if item is not None and m.document_id in seen_docs:
                # An older key of a document already handled under its current one: only the row goes.
                self.out.append(Action(FORGET, m.key, m.document_id, reason="an older name of a document"))
                continue
            if item is not None:
                seen_docs.add(m.document_id)
            r = self.there.get(m.key)
            if item is None and r is None:
                self.out.append(Action(FORGET, m.key, m.document_id, reason="gone on both sides"))
            elif item is None and r is not None and r.sha256 != m.sha256:
                self.out.append(Action(DOWNLOAD, m.key, None, "", r.sha256, r.size,
                                       "deleted here but changed in the bucket since: kept"))
            elif item is None:
                self.out.append(Action(DELETE_REMOTE, m.key, m.document_id, sha256=m.sha256, size=m.size,
                                       reason="deleted here"))
            elif r is None:
                self.remote_gone(m, item)
            else:
                self.both_present(m, item, r)
        for item in sorted(self.local, key=lambda i: i.document_id):
            if item.document_id not in seen_docs:
                self.new_here(item)
        self.new_there()

    # -- helpers ---------------------------------------------------------------------------------------
    def taken(self, key: str, item: LocalItem) -> bool:
        """Would writing ``item`` at ``key`` (not its agreed key) overwrite something else?"""
        if key in self.claimed:
            return True
        m = self.agreed.get(key)
        if m is not None and m.document_id != item.document_id:
            return True
        r = self.there.get(key)
        return r is not None and r.sha256 != item.sha256

    def free_key(self, key: str) -> str:
        used = set(self.there) | set(self.agreed) | self.claimed | {i.key for i in self.local}
        candidate, n = key, 2
        while candidate in used:
            candidate = with_suffix(key, f" {n}")
            n += 1
        return candidate

    def divert(self, item: LocalItem, old_key: str, reason: str) -> None:
        """Keep the copy from here under a conflict name (its place is taken by other bytes)."""
        new_key = self.free_key(with_suffix(item.key, self.suffix))
        self.claimed.add(new_key)
        self.out.append(Action(CONFLICT, new_key, item.document_id, old_key, item.sha256, item.size, reason))

    def conflict(self, item: LocalItem, remote_key: str) -> None:
        """Both sides changed: the copy from here takes a conflict name, the bucket's comes here too."""
        self.divert(item, remote_key, "changed on both sides: both copies are kept")
        r = self.there.get(remote_key)
        self.claimed.add(remote_key)
        self.out.append(Action(DOWNLOAD, remote_key, None, "", r.sha256 if r else None, r.size if r else 0,
                               "the bucket's side of a conflict"))

    def upload(self, item: LocalItem, m: Entry | None, reason: str, drop_old: bool = False) -> None:
        old = m.key if m is not None else ""
        if item.key != old and self.taken(item.key, item):
            self.divert(item, old, reason + "; its name is taken in the bucket, so it is kept under another")
            return
        self.claimed.add(item.key)
        self.out.append(Action(UPLOAD, item.key, item.document_id, old if drop_old and old != item.key else "",
                               item.sha256, item.size, reason))

    # -- the cases ---------------------------------------------------------------------------------------
    def remote_gone(self, m: Entry, item: LocalItem) -> None:
        """Agreed before, still here, gone from its key in the bucket: moved there, or deleted there."""
        changed_here = item.sha256 != m.sha256
        if not changed_here:
            moved_to = [r for r in self.there.values()
                        if r.key not in self.claimed and r.key not in self.agreed and r.sha256 == m.sha256]
            if moved_to:
                target = min(moved_to, key=lambda r: (r.key != item.key, r.key))
                self.claimed.add(target.key)
                self.out.append(Action(MOVE_LOCAL, target.key, item.document_id, m.key, m.sha256, m.size,
                                       "renamed or moved in the bucket"))
                return
        if changed_here or item.key != m.key:
            self.upload(item, m, "deleted in the bucket but changed here since: kept")
            return
        self.out.append(Action(DELETE_LOCAL, m.key, item.document_id, sha256=m.sha256, size=m.size,
                               reason="deleted in the bucket"))

    def both_present(self, m: Entry, item: LocalItem, r: RemoteItem) -> None:
        changed_here = item.sha256 != m.sha256
        changed_there = r.sha256 != m.sha256
        if changed_here and changed_there and item.sha256 != r.sha256:
            self.conflict(item, m.key)
        elif changed_here and not changed_there:
            self.upload(item, m, "changed here", drop_old=True)
        elif changed_there and item.sha256 != r.sha256:
            self.out.append(Action(UPDATE_LOCAL, m.key, item.document_id, "", r.sha256, r.size,
                                   "changed in the bucket"))
        elif item.key != m.key:          # same bytes on both sides, renamed or moved here
            if self.taken(item.key, item):
                self.out.append(Action(SKIP, item.key, item.document_id,
                                       reason="renamed here, but the new name is taken in the bucket by another file"))
                return
            self.claimed.add(item.key)
            self.out.append(Action(MOVE_REMOTE, item.key, item.document_id, m.key, item.sha256, item.size,
                                   "renamed or moved here"))
        elif changed_there or r.etag != m.etag:
            self.out.append(Action(ADOPT, m.key, item.document_id, "", item.sha256, item.size,
                                   "same file on both sides"))

    def new_here(self, item: LocalItem) -> None:
        r = self.there.get(item.key)
        if item.key in self.claimed:
            self.out.append(Action(SKIP, item.key, item.document_id,
                                   reason="another file already has this name in the bucket; rename one of them"))
        elif r is None:
            self.upload(item, None, "new here")
        elif r.sha256 == item.sha256:
            self.claimed.add(item.key)
            self.out.append(Action(ADOPT, item.key, item.document_id, "", item.sha256, item.size,
                                   "same file on both sides"))
        else:
            self.conflict(item, item.key)

    def new_there(self) -> None:
        shas_here = {i.sha256: i for i in self.local}
        for r in sorted(self.remote, key=lambda r: r.key):
            if r.key in self.claimed:
                continue
            if r.sha256 is not None and r.sha256 in shas_here:
                self.out.append(Action(SKIP, r.key, shas_here[r.sha256].document_id,
                                       reason="the same file is already here"))
            else:
                self.out.append(Action(DOWNLOAD, r.key, None, "", r.sha256, r.size, "new in the bucket"))


def _fail_safe(plan: Plan, agreed: dict[str, Entry], remote: list[RemoteItem], yes_delete: bool,
               mass_fraction: float) -> None:
    """Hold back deletions that need the student's word."""
    remote_deletes = [a for a in plan.actions if a.op == DELETE_REMOTE]
    local_deletes = [a for a in plan.actions if a.op == DELETE_LOCAL]
    if remote_deletes and not yes_delete:
        plan.notices.append(f"{len(remote_deletes)} file(s) deleted here are still in the bucket. "
                            "They are removed there only when you confirm (sync with --yes-delete).")
        _hold(plan, remote_deletes)
    if local_deletes and not yes_delete:
        if not remote:
            plan.notices.append(
                f"The bucket shows none of the {len(agreed)} file(s) synced before: it may have been emptied, "
                "or this is another bucket. Nothing was deleted here. If they were removed on purpose, "
                "sync with --yes-delete to move them to the trash here too.")
            _hold(plan, local_deletes)
        elif len(local_deletes) > max(1, int(mass_fraction * len(agreed))):
            plan.notices.append(
                f"{len(local_deletes)} of the {len(agreed)} synced file(s) were deleted in the bucket. "
                "That is a lot, so nothing was deleted here. Sync with --yes-delete if that is what you want "
                "(they go to the trash).")
            _hold(plan, local_deletes)


def _hold(plan: Plan, actions: list[Action]) -> None:
    ids = {id(a) for a in actions}
    plan.held.extend(actions)
    plan.actions[:] = [a for a in plan.actions if id(a) not in ids]
