"""The answer pipeline: ``Answerer.ask`` is a generator of events, so the CLI can print
them and the UI can run it on a thread and forward them to its loop.

0. the chat model starts loading on a thread (unless it is warm already), so a cold
   start waits for the longer of loading and searching, not for both;
1. a question that really leans on the previous turn (``followup`` decides by rules)
   is rewritten with the recent turns by the model, or by borrowing the key words of
   the previous question; any other question is searched as it is;
2. retrieval in the chat's scope, then a relevance gate: when nothing relevant is
   found the answer says so plainly and offers to widen the scope;
3. a prompt with numbered sources [1]..[n], budgeted to the model's context (older
   turns are folded into a short running summary);
4. tokens stream; afterwards citations are parsed, only numbers of sources that were
   actually given are kept, and each sentence is grounded in the passage that supports
   it (``citations.ground``: citations added or repointed, unsupported claims flagged,
   a partly covered answer says so);
5. without a usable chat model, "passages only": the best passages with citations.

Each step is announced with a ``Status`` naming its stage (``events``), so the window
says what it really waits for.

A chat whose stored scope cannot be read gets no answer until the student chooses one.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import sqlite_utils

import numpy as np

from ..errors import LecternError, ServiceUnavailable
from ..models import llm
from ..models.embeddings import get_embedder
from ..search.reranking import retrieve_ranked
from ..search.retrieval import embeddings_choice
from ..search.scope import Scope, describe_scope
from ..storage import settings as settings_mod
from .budget import Budget, build_prompt, count_prompt, fold_turns, recent_turns
from .citations import all_numbers, clean_citations, ground, lecture_moment, sentences, strip_citations
from .events import (LOADING, NOTICE, READING, SEARCHING, UNDERSTANDING, WRITING, Event, Finished,
                     Retrieved, Status, Token)
from .followup import follow_up_reason, heuristic_rewrite, is_follow_up
from .prompts import HOW_TO_ADD_MODEL, OPENING, REWRITE_PROMPT, conversation, not_found_text, passages_text, prefixed
from .rerank import Relevance, rerank
from .source import Source
from .store import (ANSWER, ASSISTANT, NOT_FOUND, PASSAGES, USER, Chat, ChatMessage, ChatScopeUnreadable, add_message,
                    delete_messages_after, get_chat, get_message, last_question, messages, set_scope, set_summary)
from .text import content_words, focus
from .warmup import is_warm, load_model

log = logging.getLogger(__name__)


def _rough_count(text: str) -> int:
    """Tokens estimated from characters, when no model is loaded to count them."""
    return int(len(text) / llm.CHARS_PER_TOKEN) + 1


@dataclass
class _Model:
    model: Any = None         # llm.ChatModel
    reason: str = ""          # why there is none (passages-only mode)
    warning: str = ""         # a new choice failed, the previous model is used


class Answerer:
    """Answers questions in chats, for one thread (it holds that thread's db connection)."""

    def __init__(self, db: sqlite_utils.Database, store: Any, model: str | None = None,
                 n_ctx: int | None = None, n_threads: int | None = None, k: int = 8,
                 relevance: Relevance | None = None, use_llm: bool = True,
                 max_answer_tokens: int | None = None) -> None:
        self.db = db
        self.store = store
        s = settings_mod.load(db)
        self.model_choice = s.chat_model if model is None else model
        self.n_ctx = int(n_ctx or s.chat_context)
        self.n_threads = int(s.chat_threads if n_threads is None else n_threads)
        self.k = k
        self.relevance = relevance or Relevance()
        self.use_llm = use_llm
        self.max_answer_tokens = max_answer_tokens
        self._model: _Model | None = None
        self._model_lock = threading.Lock()
        self._loader: threading.Thread | None = None
        self._vectors: dict[int, Any] = {}     # chunk id -> passage vector of the last retrieval

    # -- model ------------------------------------------------------------------------------
    def model(self) -> _Model:
        """The chat model to use, loading it on first need. Never raises: no model → passages.

        Thread-safe: a load started in the background (``start_loading``) is waited for,
        never repeated."""
        if self._model is not None:
            return self._model
        with self._model_lock:
            if self._model is not None:
                return self._model
            if not self.use_llm:
                self._model = _Model(reason="Written answers are turned off.")
                return self._model
            host = llm.host()
            try:
                model = load_model(self._choice())   # no db here: this may run on the loading thread
                self._model = _Model(model)
            except LecternError as exc:
                previous = host.active
                if previous is not None and previous.loaded:
                    self._model = _Model(previous, warning=f"{exc.message} Still using {previous.label}.")
                else:
                    self._model = _Model(reason=str(exc))
            return self._model

    def _choice(self) -> llm.ModelChoice:
        return llm.choose(self.model_choice, self.n_ctx, self.n_threads)

    def model_ready(self) -> bool:
        """Can the model be used at once (or is there none to wait for)?"""
        if self._model is not None or not self.use_llm:
            return True
        try:
            return is_warm(self._choice())
        except LecternError:
            return True    # nothing to load: the answer will be passages only

    def start_loading(self) -> None:
        """Load the model on a thread while the question is searched (no second load)."""
        if self.model_ready() or self._loader is not None:
            return
        self._loader = threading.Thread(target=self.model, name="chat-model-load", daemon=True)
        self._loader.start()

    def _count(self) -> Callable[[str], int]:
        m = self._model.model if self._model else None
        if m is not None and m.loaded:
            return m.count_tokens  # type: ignore[no-any-return]
        return _rough_count

    # -- steps ------------------------------------------------------------------------------
    def rewrite(self, question: str, history: list[ChatMessage]) -> str:
        """A standalone version of a follow-up question (the question itself otherwise)."""
        if not is_follow_up(question, bool(history)):
            return question.strip()
        fallback = heuristic_rewrite(question, history)
        m = self.model().model
        if m is None:
            return fallback
        turns = []
        for msg in history[-4:]:
            who = "Student" if msg.role == USER else "Assistant"
            turns.append(f"{who}: {m.truncate(strip_citations(msg.content), 80)}")
        prompt = prefixed(REWRITE_PROMPT + "\n\nConversation:\n" + "\n".join(turns)
                          + f"\n\nLast question: {question.strip()}\n\nRewritten question:")
        try:
            out = m.complete(prompt, max_tokens=48, stop=["\n"])
        except LecternError:
            return fallback
        out = out.strip().strip('"').strip()
        # A small model may answer instead of rewriting: accept only one plausible question
        # that keeps the student's own key words and brings in words of the conversation.
        own = content_words(question)
        words = set(content_words(out))
        kept = sum(1 for w in own if w in words) / len(own) if own else 1.0
        context = set(content_words(" ".join(strip_citations(m.content) for m in history[-4:])))
        brought = [w for w in words if w in context and w not in own]
        if not out or len(out) > 200 or not out.endswith("?") or out.count("?") > 1 or kept < 0.5 \
                or not brought:
            return fallback
        return str(out)

    def retrieve(self, query: str, scope: Scope) -> list[Source]:
        """Search in scope; keep the passages that are really about the question."""
        embedder = get_embedder(embeddings_choice(self.db) or None)
        qvec = embedder.embed([query])[0]
        try:
            # The fused short list, re-ordered by the cross-encoder when it is installed.
            passages, judged = retrieve_ranked(self.db, self.store, query, scope=scope, k=self.k,
                                               embed=lambda _q: qvec.tolist())
        except ServiceUnavailable:
            # The vector store is down (it restarts by itself): key words alone still find pages.
            log.warning("vector store unavailable: answering from the full-text index only")
            passages, judged = retrieve_ranked(self.db, None, query, scope=scope, k=self.k, mode="bm25")
        if not passages:
            return []
        vecs = embedder.embed([p.text for p in passages])
        kept = rerank(query, passages, [float(qvec @ v) for v in vecs], self.relevance,
                      judged=[p.score for p in passages] if judged else None)
        self._vectors = {p.chunk_id: v for p, v in zip(passages, vecs)}
        by_chunk = {p.chunk_id: p for p in passages}
        for src in kept:
            if src.recording_id is not None and src.start_s is not None:
                src.start_s = self.moment(src, query)
            # The chapter or section the passage is in, where the search result carries one.
            hit = by_chunk.get(src.chunk_id)
            src.section_title = str(getattr(hit, "section_title", "") or "") if hit is not None else ""
        return kept

    def similarities(self, text: str, sources: list[Source]) -> list[list[float]]:
        """Cosine similarity of each sentence of ``text`` to each source passage (for grounding)."""
        parts = sentences(text)
        if not parts or not sources:
            return []
        embedder = get_embedder(embeddings_choice(self.db) or None)
        svecs = embedder.embed([strip_citations(p) for p in parts])
        missing = [s for s in sources if s.chunk_id not in self._vectors]
        if missing:
            for s, v in zip(missing, embedder.embed([s.text for s in missing])):
                self._vectors[s.chunk_id if s.chunk_id is not None else -s.n] = v
        pvecs = np.stack([self._vectors.get(s.chunk_id if s.chunk_id is not None else -s.n) for s in sources])
        return (svecs @ pvecs.T).round(4).tolist()

    def moment(self, src: Source, query: str) -> float:
        """The second inside a lecture passage where the asked-about words are said."""
        return lecture_moment(self.db, src, query)

    def _history(self, chat: Chat, history: list[ChatMessage], budget: Budget,
                 keep: bool = True) -> tuple[str, list[dict[str, str]]]:
        """The running summary and the recent turns that fit the history budget.

        Turns that no longer fit are folded into the chat's summary (kept in app.db
        when ``keep``), so a long chat never overflows the context.
        """
        pending = [m for m in history if m.id > chat.summary_upto and m.content.strip()]
        recent, older = recent_turns(pending, budget.history, self._count())
        summary = chat.summary
        if older:
            summary = fold_turns(summary, older, budget.summary)
            if keep:
                set_summary(self.db, chat.id, summary, older[-1].id)
        turns = [{"role": m.role, "content": strip_citations(m.content)} for m in recent]
        return summary, turns

    def build_prompt(self, question: str, sources: list[Source], summary: str, turns: list[dict[str, str]],
                     budget: Budget, history_cached: bool = False) -> tuple[list[dict[str, str]], int, list[Source]]:
        """Messages for the loaded model, how many tokens it may write, and the sources given."""
        return build_prompt(self.model().model, question, sources, summary, turns, budget, history_cached)

    def _budget(self, model: Any) -> Budget:
        budget = Budget.for_model(model.n_ctx, model.prompt_tps)
        if self.max_answer_tokens:
            budget.answer = min(budget.answer, self.max_answer_tokens)
        return budget

    def prime_next(self, chat_id: int) -> bool:
        """Evaluate the conversation the chat's next question will follow (prefix, summary,
        recent turns) while the student reads the answer, so that question's first word waits
        only for its passages. Does nothing (False) without a loaded model or earlier turns."""
        if not self.use_llm or not self.model_ready():
            return False
        model = self.model().model
        if model is None or not model.loaded:
            return False
        chat = get_chat(self.db, chat_id)
        if chat.needs_scope:
            return False
        summary, turns = self._history(chat, messages(self.db, chat_id), self._budget(model), keep=False)
        if not turns and not summary:
            return False
        model.prime(conversation(summary, turns), OPENING)
        return True

    # -- the whole answer ---------------------------------------------------------------------
    def _open(self, chat_id: int, scope: Scope | None) -> Chat:
        chat = get_chat(self.db, chat_id)
        if chat.needs_scope:
            # Never widen to the whole library on our own: the student chooses (set_scope).
            raise ChatScopeUnreadable()
        if scope is not None and scope != chat.scope:
            set_scope(self.db, chat_id, scope)
            chat = get_chat(self.db, chat_id)
        return chat

    def ask(self, chat_id: int, question: str, cancel: threading.Event | None = None,
            regenerate: bool = False, scope: Scope | None = None, temperature: float = 0.0) -> Iterator[Event]:
        """Answer ``question`` in chat ``chat_id``, yielding events; stores both messages.

        With ``regenerate`` the last question of the chat is answered again (its old
        answer is replaced) and ``question`` is ignored. Answers are greedy by default
        (small models stray from their sources when sampling); "Regenerate" in the UI
        asks for some ``temperature`` to get a different wording. Raises
        ``ChatScopeUnreadable`` (nothing stored) while the chat's scope needs a choice.
        """
        t0 = time.perf_counter()
        cancel = cancel or threading.Event()
        chat = self._open(chat_id, scope)
        if regenerate:
            asked = last_question(self.db, chat_id)
            if asked is None:
                raise LecternError("There is no question to answer again in this chat.")
            delete_messages_after(self.db, chat_id, asked.id)
            question, question_id = asked.content, asked.id
        else:
            question = " ".join(question.split()) if "\n" not in question else question.strip()
            if not question:
                raise LecternError("Please type a question.")
            question_id = add_message(self.db, chat_id, USER, question)
        history = [m for m in messages(self.db, chat_id) if m.id < question_id]

        # The model loads while the question is searched: a cold start waits for the
        # longer of the two, not for both (a load already under way is joined, not repeated).
        self.start_loading()
        stats: dict[str, Any] = {"first_token_s": None, "tokens": 0, "tokens_per_s": None,
                                 "scope": chat.scope.to_dict(), "model_was_ready": self.model_ready()}
        follow_up = follow_up_reason(question, bool(history))
        stats["follow_up"] = follow_up
        if follow_up:
            if not self.model_ready():
                yield Status("Loading the chat model…", LOADING)
            if self.model().model is not None:
                yield Status("Understanding your follow-up…", UNDERSTANDING)
        query = self.rewrite(question, history)
        where = describe_scope(self.db, chat.scope)   # today's names of the chosen folders and items
        yield Status("Searching your material…" if chat.scope.is_everything else f"Searching {where}…", SEARCHING)
        t_search = time.perf_counter()
        sources = self.retrieve(query, chat.scope)
        t_retrieved = time.perf_counter()
        retrieval_s = t_retrieved - t_search
        stats.update(query=query, retrieval_s=round(retrieval_s, 3))

        if not sources:
            yield Retrieved(query, [], retrieval_s, NOT_FOUND)
            text = not_found_text(chat.scope, where)
            meta = {"mode": NOT_FOUND, "query": query, "scope": chat.scope.to_dict(),
                    "can_widen": not chat.scope.is_everything}
            yield from self._finish(chat_id, text, [], meta, stats, t0)
            return

        if not self.model_ready():
            yield Status("Loading the chat model…", LOADING)
        model = self.model()
        stats["model_wait_s"] = round(time.perf_counter() - t_retrieved, 3)
        if model.model is None:
            yield Retrieved(query, sources, retrieval_s, PASSAGES)
            for s in sources:
                s.cited = True
                s.quote = focus(s.text, query, 110, _rough_count)
            text = passages_text(sources, model.reason)
            meta = {"mode": PASSAGES, "query": query, "reason": model.reason, "how_to": HOW_TO_ADD_MODEL}
            yield from self._finish(chat_id, text, sources, meta, stats, t0)
            return

        if model.warning:
            yield Status(model.warning, NOTICE)
        budget = self._budget(model.model)
        summary, turns = self._history(chat, history, budget)
        cached = model.model.cached_tokens(conversation(summary, turns))
        history_cached = cached > model.model.warm_tokens   # the turns were primed (none: only the prefix)
        prompt, max_tokens, sources = self.build_prompt(question, sources, summary, turns, budget, history_cached)
        yield Retrieved(query, sources, retrieval_s, ANSWER)
        stats["prompt_tokens"] = count_prompt(model.model, prompt)
        stats["sources_given"] = len(sources)
        stats["history_cached"] = history_cached
        yield Status(f"Reading {len(sources)} passage{'s' if len(sources) != 1 else ''}…", READING)
        t_prompt = time.perf_counter()

        parts: list[str] = []
        first = last = None
        try:
            for piece in model.model.stream(prompt, max_tokens=max_tokens, temperature=temperature,
                                            should_stop=cancel.is_set):
                now = time.perf_counter()
                if first is None:
                    first = now
                    yield Status("Writing…", WRITING)
                last = now
                parts.append(piece)
                yield Token(piece)
        except LecternError:
            raise
        except Exception as exc:  # llama.cpp failure mid-answer: keep what was written
            raise LecternError(f"The chat model stopped with an error: {exc}") from exc
        n_tokens = len(parts)
        if first is not None:   # learn this computer's prompt speed (for the next budget)
            model.model.note_prompt_speed(stats["prompt_tokens"] - cached, first - t_prompt)
        stats.update(tokens=n_tokens, model=model.model.label, max_tokens=max_tokens,
                     first_token_s=round(first - t_retrieved, 3) if first else None,
                     prompt_s=round(first - t_prompt, 3) if first else None,
                     tokens_per_s=round((n_tokens - 1) / (last - first), 2) if first and last and last > first
                     else None)
        raw = "".join(parts).strip()
        text, _ = clean_citations(raw, len(sources))
        grounded = ground(text, sources, self.similarities(text, sources), partial=cancel.is_set())
        text = grounded.text
        _, cited = clean_citations(text, len(sources))
        for s in sources:
            s.cited = s.n in cited
        meta = {"mode": ANSWER, "query": query, "model": model.model.label, "stopped": cancel.is_set(),
                "invented": sorted(set(all_numbers(raw)) - set(range(1, len(sources) + 1))),
                "attributed": grounded.added, "repointed": grounded.repointed,
                "unsupported": grounded.unsupported, "uncited_dropped": grounded.dropped,
                "coverage": grounded.coverage}
        if not text:
            text = "(No answer was written.)" if not cancel.is_set() else "(Stopped before any answer.)"
        yield from self._finish(chat_id, text, sources, meta, stats, t0)

    def _finish(self, chat_id: int, text: str, sources: list[Source], meta: dict[str, Any],
                stats: dict[str, Any], t0: float) -> Iterator[Event]:
        stats["total_s"] = round(time.perf_counter() - t0, 3)
        meta["stats"] = stats
        message_id = add_message(self.db, chat_id, ASSISTANT, text, sources, meta)
        msg = get_message(self.db, message_id)
        assert msg is not None
        yield Finished(msg, stats)
