"""Ingestion of a large real PDF through the real worker, against its raw cost.

The R reference manual (fullrefman.pdf, 2,415 pages, R Core Team; Debian's
r-doc-pdf) is imported into a fresh data folder and read by the ``ingest_document``
job in the real worker (queue, extraction, chunking, embedding, SQLite + FTS5 and
the Chroma server). Meanwhile the worker's memory is sampled. In this process, with
the services stopped, the raw cost of the same work is measured before and after the
job: plain extraction of every page (PDFium, as the job reads), plus embedding the very
chunks the job stored with their section titles (same model, same settings). ``ratio_raw_to_job`` = mean raw seconds / job
seconds (1.0 = no overhead); ``ratio_raw_to_job_cpu`` compares CPU seconds (raw
process vs worker + vector store), which other programs on the machine barely move.

    python -m bench.bench_ingest [--pdf fullrefman.pdf] [--skip-raw]
"""
from __future__ import annotations
from desktop.workers.submit import QueueJobs

import argparse
import time

from bench.common import (data_folder, emit, load_average, peak_rss_mb, real_pdf, rss_mb, say, services,
                          wait_job)


def chunk_texts(pdf) -> list[tuple[str, str]]:
    """The chunks the job will store, (text, section title) (chunking is deterministic), computed untimed."""
    from desktop.core.library import chunking
    from desktop.core.library import pdftext

    return [(c.text, c.heading) for c in chunking.chunk_pages(pdftext.outlined(pdftext.iter_pages(pdf), pdf))]


def raw_cost(pdf, chunks: list[tuple[str, str]]) -> dict:
    """Extraction of every page (PDFium, as the job reads) + embedding of ``chunks``, nothing else."""
    from desktop.core.library import ingest, pdftext
    from desktop.core.models.embeddings import get_embedder
    from desktop.core.search.index import embed_text

    texts = [embed_text(t, h) for t, h in chunks]
    embedder = get_embedder()
    embedder.embed(texts[:8])                    # model loaded outside the timing, as in the worker
    c0, t0 = time.process_time(), time.monotonic()
    n = sum(1 for _ in pdftext.iter_pages(pdf))
    extract_s = time.monotonic() - t0
    t1 = time.monotonic()
    for i in range(0, len(texts), ingest.BATCH):
        embedder.embed(ingest.heads(embedder.tokenizer, texts[i:i + ingest.BATCH], ingest.EMBED_TOKENS))
    embed_s = time.monotonic() - t1
    return {"pages": n, "extract_s": round(extract_s, 1), "embed_s": round(embed_s, 1),
            "total_s": round(extract_s + embed_s, 1), "cpu_s": round(time.process_time() - c0, 1)}


def cpu_seconds(pid: int | None) -> float:
    """user + system CPU time of a process so far."""
    import os

    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError, TypeError):
        return 0.0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pdf", default="fullrefman.pdf")
    ap.add_argument("--skip-raw", action="store_true")
    args = ap.parse_args()
    pdf = real_pdf(args.pdf)

    from desktop.core.library import ingest
    from desktop.core import library
    from desktop.core.search import retrieval
    from desktop.core.storage.db import open_db
    from desktop.core.runtime.supervisor import VECTOR_STORE, WORKER

    load_start = load_average()
    raws: list[dict] = []
    texts: list[tuple[str, str]] = []
    if not args.skip_raw:
        # The machine may be shared: measure the raw cost before and after the job and
        # compare the job with their mean (and CPU seconds, which others' load barely moves).
        say("raw cost, before the job…")
        texts = chunk_texts(pdf)
        raws.append(raw_cost(pdf, texts))
        say(f"raw: {raws[-1]}")
    with data_folder() as paths:
        with services(paths) as sup:
            db = open_db(paths.db)
            book = library.ensure_path(db, "Bench", "Statistics", "R manuals")
            r = library.import_file(db, paths, book, pdf, starter=QueueJobs(paths, db))
            worker, store_pid = sup.pid(WORKER), sup.pid(VECTOR_STORE)
            cpu0 = (cpu_seconds(worker), cpu_seconds(store_pid))
            job_id = ingest.submit_ingest(db, paths, r.document_id, QueueJobs(paths, db))
            samples: list[tuple[float, float]] = []
            last = [0.0]

            def tick(job) -> None:
                samples.append((job.progress, rss_mb(sup.pid(WORKER))))
                if job.progress - last[0] >= 0.05:
                    last[0] = job.progress
                    say(f"{job.progress * 100:.0f}% {job.stage} rss={samples[-1][1]:.0f} MB")

            job = wait_job(db, job_id, on_tick=tick, tick_s=0.5)
            worker_cpu, store_cpu = cpu_seconds(worker) - cpu0[0], cpu_seconds(store_pid) - cpu0[1]
            job_cpu = worker_cpu + store_cpu
            if job.state != "done":
                emit({"benchmark": "ingest", "error": job.error, "state": job.state})
                return 1
            worker_peak = peak_rss_mb(sup.pid(WORKER))
            restarted = sup.pid(WORKER) != worker
            stored = [row[0] for row in db.execute(
                "SELECT text FROM chunks WHERE document_id=? ORDER BY ordinal", (r.document_id,))]
            vectors = len(retrieval.open_store(paths, db).ids({"document_id": r.document_id}))
        job_s = job.finished_at - job.started_at
        pages = job.result["pages"]

        def rss_at(p: float) -> float:
            near = [rss for prog, rss in samples if prog >= p]
            return round(near[0], 1) if near else float("nan")

        out = {
            "benchmark": "ingest", "pdf": pdf.name, "pages": pages, "chunks": len(stored), "vectors": vectors,
            "job_s": round(job_s, 1), "job_cpu_s": round(job_cpu, 1),
            "job_cpu_split_s": {"worker": round(worker_cpu, 1), "vector_store": round(store_cpu, 1)}, "pages_per_s": round(pages / job_s, 2),
            "projected_3800_pages_min": round(3800 / (pages / job_s) / 60, 1),
            "worker_peak_rss_mb": round(worker_peak, 1),
            "worker_rss_mb_at": {"10%": rss_at(0.10), "50%": rss_at(0.50), "90%": rss_at(0.90)},
            "worker_restarted": restarted,
            "settings": {"embed_tokens": ingest.EMBED_TOKENS, "batch": ingest.BATCH},
            "load_average_start": load_start,
        }
        if not args.skip_raw:
            assert stored == [t for t, _ in texts], "the job stored other chunks than the raw side embedded"
            say("raw cost, after the job…")
            raws.append(raw_cost(pdf, texts))
            raw_s = sum(r["total_s"] for r in raws) / len(raws)
            raw_cpu = sum(r["cpu_s"] for r in raws) / len(raws)
            out["raw"] = raws
            out["ratio_raw_to_job"] = round(raw_s / job_s, 3)
            out["ratio_raw_to_job_cpu"] = round(raw_cpu / job_cpu, 3) if job_cpu else None
        out["load_average_end"] = load_average()
        emit(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
