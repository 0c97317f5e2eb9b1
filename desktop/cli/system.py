"""doctor, jobs, worker, vector-store, models, selfcheck."""
from __future__ import annotations

import argparse
import time

from ..core.storage.config import DataPaths
from ..core.errors import LecternError
from .common import emit, fail


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="check the data folder, worker, vector store, models and microphones")
    p.add_argument("--json", action="store_true")
    p.add_argument("--quick", action="store_true", help="do not load the models, only check their files")
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser("jobs", help="list background jobs")
    p.add_argument("--json", action="store_true")
    p.add_argument("--state", action="append", help="only jobs in this state (repeatable)")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=cmd_jobs)

    p = sub.add_parser("worker", help="run the background worker in the foreground")
    p.add_argument("--threads", type=int, default=2)
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("vector-store", help="run the vector store server in the foreground")
    p.add_argument("--port", type=int, required=True)
    p.set_defaults(func=cmd_vector_store)

    p = sub.add_parser("models", help="list the models, or prepare (assemble and verify) the bundled ones")
    p.add_argument("--prepare", action="store_true")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("selfcheck", help="run the self-check job through the worker")
    p.add_argument("--wait", action="store_true")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_selfcheck)


def cmd_doctor(args: argparse.Namespace, paths: DataPaths) -> int:
    from ..core.runtime.doctor import run_doctor

    report = run_doctor(paths, load_models=not args.quick)
    lines = [f"{'OK ' if c['ok'] else 'BAD'} {name}: {c['detail']}" for name, c in report["checks"].items()]
    emit(report, args.json, "\n".join(lines))
    return 0 if report["ok"] else 1


def cmd_jobs(args: argparse.Namespace, paths: DataPaths) -> int:
    from ..core import jobs
    from ..core.storage.db import open_db

    rows = [j.as_dict() for j in jobs.list_jobs(open_db(paths.db), args.state, args.limit)]
    text = "\n".join(f"{j['id']:>5} {j['state']:<10} {j['progress']*100:5.1f}% {j['kind']:<18} {j['title']}"
                     for j in rows) or "No jobs yet."
    emit(rows, args.json, text)
    return 0


def cmd_worker(args: argparse.Namespace, paths: DataPaths) -> int:
    from ..workers.consumer import run_consumer

    return run_consumer(paths, workers=args.threads)


def cmd_vector_store(args: argparse.Namespace, paths: DataPaths) -> int:
    from ..core.runtime.logs import setup_logging
    from ..core.search.vectorstore import run_server

    paths.ensure()
    setup_logging(paths.logs, "vector-store")
    run_server(paths.chroma, args.port)
    return 0


def cmd_models(args: argparse.Namespace, paths: DataPaths) -> int:
    from ..core import models

    if args.prepare:
        try:
            done = models.prepare_all(progress=lambda m: print(f"lectern: {m}"))
        except LecternError as exc:
            return fail(exc, args.json)
        emit(done, args.json, "\n".join(f"{k}: {v}" for k, v in done.items()))
        return 0
    rows = [{"id": s.id, "role": s.role, "label": s.label, "installed": models.is_installed(s),
             "default": models.DEFAULTS[s.role] == s.id} for s in models.SPECS.values()]
    emit(rows, args.json, "\n".join(f"{r['role']:<14} {r['id']:<16} {'installed' if r['installed'] else '-'}"
                                    for r in rows))
    return 0


def cmd_selfcheck(args: argparse.Namespace, paths: DataPaths) -> int:
    from ..core import jobs
    from ..core.storage.db import open_db
    from ..core.runtime.services import ensure_services
    from ..workers.submit import submit

    try:
        with ensure_services(paths):
            db = open_db(paths.db)
            job_id = submit(paths, "selfcheck", {"steps": 3, "delay_s": 0.1}, title="Self-check", db=db)
            job = jobs.get_job(db, job_id)
            while args.wait and job and not job.finished:
                time.sleep(0.2)
                job = jobs.get_job(db, job_id)
    except LecternError as exc:
        return fail(exc, args.json)
    assert job is not None
    emit(job.as_dict(), args.json, f"self-check job {job.id}: {job.state} {job.error}")
    return 0 if job.state in ("done", "queued", "running") else 1
