"""A real, small job that proves the whole path: queue -> worker -> models -> jobs table.

It embeds sentences with the default embedding model, round-trips them through the
vector store, and checks that every default model's files are present and verified.
"""
from __future__ import annotations

import time
from typing import Any

from .. import models
from ..jobs.table import JobContext
from ..models.embeddings import get_embedder
from ..search.vectorstore import VectorStore

SENTENCES = [
    "Photosynthesis turns light into chemical energy.",
    "The derivative measures how fast a function changes.",
    "Mitochondria are the powerhouse of the cell.",
]


def run(ctx: JobContext) -> dict[str, Any]:
    steps = int(ctx.payload.get("steps", 4))
    delay = float(ctx.payload.get("delay_s", 0.0))
    report: dict[str, Any] = {"models": {}}
    ctx.progress(0.05, "Checking model files", force=True)
    for role in models.ROLES:
        ctx.check_cancelled()
        report["models"][role] = str(models.resolve(role).path)
    ctx.progress(0.2, "Embedding sample sentences", force=True)
    vectors = get_embedder().embed(SENTENCES)
    report["embedding_dims"] = int(vectors.shape[1])
    # Extra paced steps make progress visible and give tests a window to interrupt.
    for i in range(steps):
        ctx.check_cancelled()
        time.sleep(delay)
        ctx.progress(0.2 + 0.6 * (i + 1) / max(steps, 1), f"Step {i + 1} of {steps}", force=True)
    if ctx.payload.get("vector_store", True):
        ctx.progress(0.85, "Querying the vector store", force=True)
        vs = VectorStore(ctx.paths, "selfcheck")
        ids = [f"selfcheck-{i}" for i in range(len(SENTENCES))]
        vs.upsert(ids, vectors.tolist(), SENTENCES, [{"n": i} for i in range(len(SENTENCES))])
        hit = vs.query(vectors[1].tolist(), 1)
        report["vector_store_top"] = hit["ids"][0][0]
    report["attempt"] = ctx.job.attempts
    return report
