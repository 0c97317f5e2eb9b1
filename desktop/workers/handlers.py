"""Job kind -> the core function that does the work. Add new kinds here.

Each handler imports its core module when a job of its kind first runs: the window
imports this module too (``submit`` -> ``queue``) and must not load the transcription
and ingestion code at start-up for it. (No import cycle is involved.)

Study jobs run below the window in the CPU's eyes (``lowered_priority``): their chat model would
otherwise hold the cores the window needs to stay responsive.
"""
from __future__ import annotations

from typing import Any, Callable

from ..core.jobs.priority import lowered_priority
from ..core.jobs.table import JobContext

Handler = Callable[[JobContext], dict[str, Any] | None]


def _selfcheck(ctx: JobContext) -> dict[str, Any] | None:
    from ..core.runtime import selfcheck

    return selfcheck.run(ctx)


def _ingest_document(ctx: JobContext) -> dict[str, Any] | None:
    from ..core.library import ingest

    return ingest.run(ctx)


def _transcribe_recording(ctx: JobContext) -> dict[str, Any] | None:
    from ..core.lectures import transcribe

    ctx.payload.setdefault("hotwords", course_terms(ctx))
    return transcribe.run(ctx)


def course_terms(ctx: JobContext) -> str:
    """The glossary terms of the subject a lecture is filed in, for Whisper to listen for (core
    lectures knows nothing of study: the terms travel in the job's payload). '' when there are none."""
    from ..core.errors import LecternError
    from ..core.lectures import get_recording
    from ..core.study import glossary

    try:
        node = get_recording(ctx.db, int(ctx.payload["recording_id"])).node_id
        return glossary.hotwords_for_node(ctx.db, node)
    except (LecternError, KeyError, ValueError):
        return ""    # the job itself says what is wrong with its recording


def _index_lecture(ctx: JobContext) -> dict[str, Any] | None:
    from ..core.lectures import transcribe

    return transcribe.run_index(ctx)


def _reindex_vectors(ctx: JobContext) -> dict[str, Any] | None:
    from ..core.library import upgrade

    return upgrade.run_reindex(ctx)


def _switch_embeddings(ctx: JobContext) -> dict[str, Any] | None:
    from ..core.library import model_switch

    return model_switch.run(ctx)


def _sync_storage(ctx: JobContext) -> dict[str, Any] | None:
    from ..core.sync import job

    assert ctx.starter is not None, "the worker hands every job its queue"
    return job.run_job(ctx, ctx.starter)


def _sync_cloud(ctx: JobContext) -> dict[str, Any] | None:
    from ..core.sync import cloud

    assert ctx.starter is not None, "the worker hands every job its queue"
    return cloud.run_job(ctx, ctx.starter)


def _study_cards(ctx: JobContext) -> dict[str, Any] | None:
    from ..core.study import cards

    with lowered_priority():
        return cards.run(ctx)


def _study_summary(ctx: JobContext) -> dict[str, Any] | None:
    from ..core.study import summaries

    with lowered_priority():
        return summaries.run(ctx)


def _study_glossary(ctx: JobContext) -> dict[str, Any] | None:
    from ..core.study import glossary

    with lowered_priority():
        return glossary.run(ctx)


HANDLERS: dict[str, Handler] = {
    "study_glossary": _study_glossary,
    "study_cards": _study_cards,
    "study_summary": _study_summary,
    "sync_storage": _sync_storage,
    "sync_cloud": _sync_cloud,
    "reindex_vectors": _reindex_vectors,
    "switch_embeddings": _switch_embeddings,
    "selfcheck": _selfcheck,
    "transcribe_recording": _transcribe_recording,
    "index_lecture": _index_lecture,
    "ingest_document": _ingest_document,
}
