"""lectern sync: set up, test, list and run the optional sync with an S3 bucket.

Credentials come from the standard AWS chain only (AWS_ACCESS_KEY_ID /
AWS_SECRET_ACCESS_KEY, or ``--profile``); nothing secret is ever stored.
"""
from __future__ import annotations

import argparse
import getpass
import sys
import time
from typing import Any

from ..core.errors import LecternError
from ..core.storage.config import DataPaths
from .common import emit, fail


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sync", help="sync the library with an S3 bucket (setup, test, ls; no subcommand: sync now)")
    p.add_argument("--dry-run", action="store_true", help="only say what a sync would do")
    p.add_argument("--yes-delete", action="store_true",
                   help="confirm deletions: remove from the bucket what was deleted here, and carry over "
                        "many deletions from the bucket (into the trash)")
    p.add_argument("--wait", action="store_true", help="start Lectern's services and wait until what arrived is indexed")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_sync)
    steps = p.add_subparsers(dest="sync_command", metavar="STEP")

    s = steps.add_parser("setup", help="choose the bucket (no secret is stored)")
    s.add_argument("--bucket", required=True)
    s.add_argument("--endpoint-url", default="", help="for an S3-compatible store (https://...)")
    s.add_argument("--region", default="")
    s.add_argument("--user", default="", help="your user id in the bucket (default: your login name)")
    s.add_argument("--profile", default="", help="an AWS profile from ~/.aws (default: the environment)")
    s.add_argument("--interval", choices=sorted(INTERVAL_WORDS, key=INTERVAL_WORDS.get), default=None,
                   help="sync by itself while the window is open: off, 15m, 1h or 4h (default: unchanged)")
    s.add_argument("--off", action="store_true", help="turn sync off (the bucket is remembered)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_setup)

    s = steps.add_parser("test", help="test the connection and say plainly what is wrong")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_test)

    s = steps.add_parser("ls", help="what is in the bucket for this user, and whether it is here too")
    s.add_argument("prefix", nargs="?", default="", help="only keys under users/<user>/PREFIX")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_ls)


INTERVAL_WORDS = {"off": 0, "15m": 15 * 60, "1h": 60 * 60, "4h": 4 * 60 * 60}


def _db(paths: DataPaths) -> Any:
    from ..core.storage.db import open_db

    paths.ensure()
    return open_db(paths.db)


def cmd_setup(args: argparse.Namespace, paths: DataPaths) -> int:
    from ..core import sync

    try:
        user = args.user or sync.check_user("".join(c for c in getpass.getuser() if c.isalnum() or c in "._-"))
        config = sync.SyncConfig(args.bucket, user, args.endpoint_url, args.region, args.profile)
        interval = None if args.interval is None else INTERVAL_WORDS[args.interval]
        sync.save_config(_db(paths), config, enabled=not args.off, interval_s=interval)
    except LecternError as exc:
        return fail(exc, args.json)
    data = config.as_dict()
    if args.off or interval is not None:
        data.update({"enabled": not args.off, **({} if interval is None else {"interval_s": interval})})
    emit(data, args.json, ("Sync is off; " if args.off else "Sync set up: ") +
         f"bucket {config.bucket} at {config.where}, user {config.user}.")
    return 0


def cmd_test(args: argparse.Namespace, paths: DataPaths) -> int:
    from ..core import sync

    try:
        result = sync.check_connection(sync.load_config(_db(paths)))
    except LecternError as exc:
        return fail(exc, args.json)
    emit(result, args.json, f"The bucket {result['bucket']} answers; {result['objects']} object(s) for "
                            f"{result['user']}.")
    return 0


# The cloud view's words for where a file is, as ``ls`` has always printed them.
LS_STATES = {"here": "local", "cloud": "remote", "both": "both", "refused": "refused"}


def cmd_ls(args: argparse.Namespace, paths: DataPaths) -> int:
    from ..core import sync
    from ..core.sync import cloud

    try:
        db = _db(paths)
        entries = cloud.listing(db, paths, sync.load_config(db), prefix=args.prefix, every_key=True)
    except LecternError as exc:
        return fail(exc, args.json)
    # What the bucket has, in its own key order, then what is only here.
    entries.sort(key=lambda e: (e.state == cloud.ONLY_HERE, e.key))
    rows = [{"key": e.key, "size": e.size, "state": LS_STATES[e.state], "synced": e.synced,
             **({"reason": e.reason} if e.reason else {})} for e in entries]
    emit(rows, args.json, "\n".join(f"{r['state']:<8} {r['size']:>12} {r['key']}" for r in rows) or "Nothing.")
    return 0


def cmd_sync(args: argparse.Namespace, paths: DataPaths) -> int:
    from ..core import sync
    from ..workers.submit import QueueJobs

    db = None
    try:
        db = _db(paths)
        config = sync.load_config(db)
        if args.wait and not args.dry_run:
            summary = _sync_and_wait(db, paths, config, args)
        else:
            summary = sync.sync(db, paths, config, dry_run=args.dry_run, yes_delete=args.yes_delete,
                                starter=QueueJobs(paths, db))
    except LecternError as exc:
        return _failed(exc, args.json, db)
    data = summary.as_dict()
    counts = ", ".join(f"{n} {op.replace('_', ' ')}" for op, n in sorted(summary.counts.items())) or "nothing to do"
    lines = [("Would do: " if args.dry_run else "Done: ") + counts]
    lines += [f"  {a['op']:<13} {a['key']}" for a in summary.actions]
    lines += [f"  held          {a['key']}" for a in summary.held]
    lines += [f"refused: {r['reason']}" for r in summary.refused]
    lines += [f"failed: {e['op']} {e['key']}: {e['error']}" for e in summary.errors]
    lines += summary.notices
    waiting = sync.held_deletions(data)
    if waiting is not None:
        data["waiting"] = _waiting(waiting)
        lines.append(data["waiting"]["message"])
    emit(data, args.json, "\n".join(lines))
    return 1 if summary.errors else 0


CONFIRM = "lectern sync --yes-delete"


def _waiting(held: Any) -> dict[str, Any]:
    """The deletions that wait for the student's decision, and how to confirm them."""
    n = len(held.keys)
    message = (f"{n} deletion{'s' if n != 1 else ''} {'are' if n != 1 else 'is'} waiting for your decision; "
               f"nothing has been deleted. To delete {'them' if n != 1 else 'it'}, run: {CONFIRM} "
               "(or answer in the window: Delete, or Keep them).")
    return {"keys": held.keys, "question": held.question, "confirm": CONFIRM, "message": message}


def _failed(exc: LecternError, as_json: bool, db: Any) -> int:
    """A failed sync still says that deletions an earlier sync held back wait for an answer."""
    from ..core.sync.status import pending_deletions

    held = pending_deletions(db) if db is not None else None
    if held is None:
        return fail(exc, as_json)
    waiting = _waiting(held)
    if as_json:
        emit({"error": exc.message, "hint": exc.hint, "waiting": waiting}, True)
    print(f"lectern: {exc}\n{waiting['message']}", file=sys.stderr)
    return 1


def _sync_and_wait(db: Any, paths: DataPaths, config: Any, args: argparse.Namespace) -> Any:
    """The same sync as the window's "Sync now": the sync_storage job on Lectern's worker, then
    the indexing of what arrived."""
    from ..core import jobs, sync
    from ..core.runtime.services import ensure_services
    from ..core.sync.job import submit_sync
    from ..workers.submit import QueueJobs

    with ensure_services(paths):
        job_id = submit_sync(QueueJobs(paths, db), yes_delete=args.yes_delete)
        job = _wait_job(db, job_id)
        if job.state != jobs.DONE:
            raise LecternError(job.error or f"The sync job ended {job.state}.")
        summary = sync.Summary(**job.result)
        rows = [db.execute("SELECT job_id FROM documents WHERE id=?", (i,)).fetchone() for i in summary.arrived]
        for ingest_job in [r[0] for r in rows if r and r[0]]:
            _wait_job(db, ingest_job)
    return summary


def _wait_job(db: Any, job_id: int) -> Any:
    from ..core import jobs

    while True:
        job = jobs.get_job(db, job_id)
        if job is None or job.finished:
            return job
        time.sleep(0.3)              # the worker updates the jobs table; nothing else to wait on
