"""Chat speed: tokens/s inside Lectern vs raw llama-cpp-python, time to first token,
and the longest UI stall while an answer streams into the real ChatPane.

    python -m bench.bench_chat [--model qwen2.5-0.5b] [--threads 2] [--rounds 4]

Runs against a real PDF (R FAQ from r-doc-pdf, not written by us) ingested by the real
ingest job into a fresh data folder, the real Chroma server and the real models.
Prints one JSON object. Goals: ratio ≥ 0.95, first token ≤ 1.5 s after retrieval
(default model, 2 cores), UI stall < 50 ms.
"""
from __future__ import annotations
from desktop.workers.submit import QueueJobs

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (data_folder, emit, ingest_in_process, load_average, real_pdf, say,  # noqa: E402
                          services)

QUESTIONS = [
    "Where does the name R come from?",
    "Is it allowed to use R in a business?",
    "How do I turn a factor back into numbers?",
    "Why does -2^2 give -4 in R?",
    "How do I make read.table faster on a big file?",
    "How do I remove every object from my workspace?",
    "Which package provides Trellis graphics in R?",
    "How can a simulation keep running when one model fit fails?",
]
LONG_QUESTION = "Explain in detail what the sources say about floating point numbers not being equal in R."


def ingest_faq(db, paths) -> int:
    from desktop.core import library

    pdf = real_pdf("R-FAQ.pdf")
    node = library.ensure_path(db, "Bench", "Statistics", "R FAQ")
    res = library.import_files(db, paths, node, [pdf], starter=QueueJobs(paths, db))
    doc_id = res[0].document_id
    ingest_in_process(db, paths, doc_id)
    return doc_id


def tokens_per_s(stream) -> tuple[float, int]:
    """Generation speed from the first to the last token (prompt evaluation excluded)."""
    first = last = None
    n = 0
    for _ in stream:
        now = time.perf_counter()
        if first is None:
            first = now
        last = now
        n += 1
    if not first or not last or n < 2 or last <= first:
        return 0.0, n
    return (n - 1) / (last - first), n


def speed(answerer, model, args) -> dict:
    """Same model file, same prompt, same threads: Lectern's stream vs a raw Llama."""
    from llama_cpp import Llama

    from desktop.core import chat
    from desktop.core.search.scope import Scope

    sources = answerer.retrieve(LONG_QUESTION, Scope())
    prompt, _, _ = answerer.build_prompt(LONG_QUESTION, sources, "", [], chat.Budget())
    raw = Llama(model_path=str(model.choice.path), n_ctx=model.choice.n_ctx, n_threads=model.choice.threads,
                n_threads_batch=model.choice.threads, n_batch=512, verbose=False)
    params = dict(max_tokens=args.tokens, temperature=0.0)
    lectern, rawr, counts = [], [], []
    for r in range(args.rounds):   # interleaved, so background load hits both alike
        tps, n = tokens_per_s(model.stream(prompt, **params))
        lectern.append(tps)
        # The sampling Lectern's ChatModel.stream uses (greedy, its top_p and repeat penalty).
        chunks = raw.create_chat_completion(messages=prompt, stream=True, top_p=0.9, repeat_penalty=1.1,
                                            **params)
        tps_raw, n_raw = tokens_per_s(c for c in chunks if c["choices"][0]["delta"].get("content"))
        rawr.append(tps_raw)
        counts.append((n, n_raw))
        say(f"round {r + 1}: lectern {tps:.1f} tok/s ({n}), raw {tps_raw:.1f} tok/s ({n_raw})")
    raw.close()
    med_l, med_r = statistics.median(lectern), statistics.median(rawr)
    return {"lectern_tokens_per_s": round(med_l, 2), "raw_tokens_per_s": round(med_r, 2),
            "ratio": round(med_l / med_r, 3) if med_r else None,
            "lectern_runs": [round(x, 2) for x in lectern], "raw_runs": [round(x, 2) for x in rawr],
            "tokens_per_run": counts[0][0], "prompt_tokens": model.count_messages(prompt)}


def first_token(answerer, db) -> dict:
    from desktop.core import chat

    ttft, retrieval, prompts, pipeline_tps = [], [], [], []
    for q in QUESTIONS:
        cid = chat.create_chat(db)
        done = chat.run_to_end(answerer.ask(cid, q))
        st = done.stats
        if st.get("first_token_s") is None:
            say(f"no answer written for {q!r} ({done.message.mode})")
            continue
        ttft.append(st["first_token_s"])
        retrieval.append(st["retrieval_s"])
        prompts.append(st.get("prompt_tokens", 0))
        if st.get("tokens_per_s"):
            pipeline_tps.append(st["tokens_per_s"])
        say(f"{q!r}: retrieval {st['retrieval_s']:.2f} s, first token {st['first_token_s']:.2f} s, "
            f"prompt {st.get('prompt_tokens')} tokens")
    return {"first_token_s_median": round(statistics.median(ttft), 3), "first_token_s_max": round(max(ttft), 3),
            "first_token_s_runs": ttft, "retrieval_s_median": round(statistics.median(retrieval), 3),
            "prompt_tokens_median": statistics.median(prompts),
            "pipeline_tokens_per_s_median": round(statistics.median(pipeline_tps), 2) if pipeline_tps else None}


def ui_stall(paths, db, questions: list[str]) -> dict:
    """QTimer ticks every 5 ms on the UI thread while the real ChatPane streams answers."""
    import qasync
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.ui.chat_pane import ChatPane
    from desktop.ui.context import AppContext
    from desktop.ui.theme import apply_theme

    app = QApplication.instance() or QApplication([])
    apply_theme(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    pane = ChatPane(AppContext(paths=paths, db=db))
    pane.resize(1100, 760)
    pane.show()
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    tokens = [0]

    async def scenario():
        windows = []
        for q in questions:
            start = time.perf_counter()
            msg = await pane.ask(q)
            windows.append((start, time.perf_counter()))
            tokens[0] += int((msg.meta.get("stats") or {}).get("tokens") or 0) if msg else 0
        return windows

    timer.start()
    with loop:
        windows = loop.run_until_complete(scenario())
    timer.stop()
    gaps = []
    for a, b in zip(ticks, ticks[1:]):
        if any(s <= a and b <= e for s, e in windows):
            gaps.append((b - a) * 1000)
    gaps.sort()
    pane.shutdown()
    return {"ui_longest_stall_ms": round(gaps[-1], 1) if gaps else None,
            "ui_p99_gap_ms": round(gaps[int(len(gaps) * 0.99)], 1) if gaps else None,
            "ui_ticks": len(gaps), "ui_streamed_tokens": tokens[0], "ui_answers": len(windows)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="", help="registry id or GGUF path (default: the default chat model)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--tokens", type=int, default=160)
    ap.add_argument("--keep", help="reuse this data folder")
    args = ap.parse_args()

    from desktop.core import chat
    from desktop.core.storage import settings
    from desktop.core.storage.db import open_db
    from desktop.core.search.retrieval import open_store

    t0 = time.perf_counter()
    with data_folder(args.keep) as paths, services(paths):
        db = open_db(paths.db)
        if not db.execute("SELECT count(*) FROM chunks").fetchone()[0]:
            say("ingesting R-FAQ.pdf…")
            ingest_faq(db, paths)
        settings.update(db, chat_model=args.model, chat_threads=args.threads)
        answerer = chat.Answerer(db, open_store(paths, db))
        t_load = time.perf_counter()
        model = answerer.model().model
        if model is None:
            emit({"error": answerer.model().reason})
            return
        load_s = time.perf_counter() - t_load
        out = {"model": model.label, "threads": model.choice.threads, "n_ctx": model.choice.n_ctx,
               "model_load_and_warm_s": round(load_s, 2), "load_average_start": load_average()}
        out.update(first_token(answerer, db))
        out.update(speed(answerer, model, args))
        out.update(ui_stall(paths, db, QUESTIONS[:3]))
        out.update({"load_average_end": load_average(), "bench_s": round(time.perf_counter() - t0, 1),
                    "goals": {"ratio": ">= 0.95", "first_token_s_median": "<= 1.5", "ui_longest_stall_ms": "< 50"}})
        emit(out)


if __name__ == "__main__":
    main()
