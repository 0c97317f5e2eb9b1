"""How the model's context is shared: prompt sizing from the measured prompt speed, which
turns stay word for word, and the running summary the older ones are folded into.

``Budget``, ``recent_turns``, ``fold_turns`` and ``build_prompt`` are pure (the
model is only asked to count tokens), so they are unit-tested with constructed sizes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .citations import strip_citations
from .prompts import answer_messages
from .source import Source
from .store import USER, ChatMessage
from .text import focus

# Aim for the first word within this long after retrieval: the part of the prompt that
# follows the cached prefix is sized from the model's measured prompt speed.
TARGET_FIRST_TOKEN_S = 1.2
MIN_SOURCE_TOKENS = 60      # a passage shorter than this rarely holds a whole answer
MAX_RECENT_MESSAGES = 6     # word-for-word turns kept; older ones go to the summary
TURN_OVERHEAD = 6           # tokens a chat template adds around each message


@dataclass
class Budget:
    """How the context window is shared (tokens)."""

    answer: int = 512
    per_source: int = 140
    sources: int = 700
    history: int = 600
    summary: int = 120
    fresh: int | None = None   # tokens after the cached prefix (None: only n_ctx limits)

    @classmethod
    def for_context(cls, n_ctx: int) -> "Budget":
        if n_ctx >= 4096:
            return cls()
        scale = max(0.35, (n_ctx - 300) / 3800)
        return cls(answer=int(512 * max(scale, 0.6)), per_source=int(140 * max(scale, 0.6)),
                   sources=int(700 * scale), history=int(600 * scale), summary=int(120 * scale))

    @classmethod
    def for_model(cls, n_ctx: int, prompt_tps: float | None,
                  target_s: float = TARGET_FIRST_TOKEN_S) -> "Budget":
        """Fit the context window, and keep the first token near ``target_s`` on this computer."""
        b = cls.for_context(n_ctx)
        if prompt_tps:
            fresh = max(4 * MIN_SOURCE_TOKENS, int(prompt_tps * target_s))
            b.fresh = fresh
            b.history = min(b.history, int(fresh * 0.25))
            b.summary = min(b.summary, int(fresh * 0.12))
            b.sources = min(b.sources, fresh)
        return b

    def sources_after(self, used: int, overhead: int = 40) -> int:
        """Tokens left for the passages once the history (``used``) is in."""
        room = self.sources if self.fresh is None else min(self.sources, self.fresh - used - overhead)
        return max(2 * MIN_SOURCE_TOKENS, room)


def count_prompt(model: Any, msgs: list[dict[str, str]]) -> int:
    return int(model.count_messages(msgs))


def recent_turns(pending: list[ChatMessage], history_tokens: int,
                 count: Callable[[str], int]) -> tuple[list[ChatMessage], list[ChatMessage]]:
    """The latest messages that fit ``history_tokens`` (kept word for word), and the older ones.

    The recent window always starts with a question, never with a dangling answer.
    """
    recent: list[ChatMessage] = []
    used = 0
    for msg in reversed(pending):
        cost = count(strip_citations(msg.content)) + TURN_OVERHEAD
        if used + cost > history_tokens or len(recent) >= MAX_RECENT_MESSAGES:
            break
        recent.insert(0, msg)
        used += cost
    while recent and recent[0].role != USER:
        recent.pop(0)
    older = [m for m in pending if m not in recent]
    return recent, older


def fold_turns(summary: str, older: list[ChatMessage], summary_tokens: int) -> str:
    """The running summary with ``older`` folded in: each question asked, with the first
    sentence of its answer, most recent last, cut to the budget (oldest words go first).

    Made without the model on purpose: asking a 0.5B model to summarise cost about 3 s
    before the next answer's first word, and its summaries drifted from what was said.
    """
    parts: list[str] = []
    for msg in older:
        text = " ".join(strip_citations(msg.content).split())
        if msg.role == USER:
            parts.append(text)
        elif parts and text:
            parts[-1] += f" ({_first_sentence(text)})"
    text = (summary + " " if summary else "") + "Earlier the student asked: " + " | ".join(parts)
    words = text.split()
    limit = int(summary_tokens * 0.7)
    return " ".join(words[-limit:]) if len(words) > limit else text


def _first_sentence(text: str, max_words: int = 20) -> str:
    end = min((i for i in (text.find(". "), text.find("? "), text.find("! ")) if i >= 0), default=-1)
    sentence = text[:end + 1] if end >= 0 else text
    words = sentence.split()
    return " ".join(words[:max_words]) + ("…" if len(words) > max_words else "")


def build_prompt(model: Any, question: str, sources: list[Source], summary: str, turns: list[dict[str, str]],
                 budget: Budget, history_cached: bool = False) -> tuple[list[dict[str, str]], int, list[Source]]:
    """Messages for the model, how many tokens it may write, and the sources given.

    The best passages that fit the budget are given, renumbered [1]..[n], each cut to
    the sentences that best match the question; the prompt always fits ``model.n_ctx``
    (``model`` needs ``count_tokens``, ``count_messages`` and ``n_ctx``). With
    ``history_cached`` the summary and turns were evaluated before the question came
    (``ChatModel.prime``), so they take nothing from the passages' share of the fresh tokens.
    """
    count = model.count_tokens
    n_ctx = model.n_ctx
    used = (count(summary) + 12 if summary else 0) + sum(count(t["content"]) + TURN_OVERHEAD for t in turns)
    room = budget.sources_after((0 if history_cached else used) + count(question))
    n = max(1, min(len(sources), room // MIN_SOURCE_TOKENS))
    per = max(MIN_SOURCE_TOKENS, min(budget.per_source, room // n))
    given = [Source(**{**s.as_dict(), "n": i}) for i, s in enumerate(sources[:n], start=1)]
    texts = [focus(s.text, question, per, count) for s in given]
    for s, t in zip(given, texts):
        s.quote = t

    msgs = answer_messages(question, given, texts, summary, turns)
    # Guarantee the fit: drop old turns first, then shorten the sources.
    while count_prompt(model, msgs) + min(budget.answer, 128) > n_ctx and (turns or any(len(t) > 80 for t in texts)):
        if turns:
            turns = turns[2:] if len(turns) > 1 else []
        else:
            texts = [t[: max(80, int(len(t) * 0.7))] for t in texts]
        msgs = answer_messages(question, given, texts, summary, turns)
    max_tokens = max(32, min(budget.answer, n_ctx - count_prompt(model, msgs) - 8))
    return msgs, max_tokens, given
