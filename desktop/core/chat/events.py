"""What ``Answerer.ask`` yields while it answers, and a helper that drives it to the end.

A ``Status`` names the stage the answer is really in, so the window can say what it is
waiting for (with the seconds spent) and the command line can print it:

    SEARCHING    "Searching your material…"      retrieval in the chat's scope
    LOADING      "Loading the chat model…"       only while the model is really loading
    UNDERSTANDING "Understanding your follow-up…" the model rewrites a follow-up question
    READING      "Reading 5 passages…"           the model reads the prompt (before its first word)
    WRITING      "Writing…"                      from the first word on
    NOTICE       anything else worth saying (a model that failed to load, the previous one kept)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

from .source import Source
from .store import ChatMessage

SEARCHING, LOADING, UNDERSTANDING, READING, WRITING, NOTICE = (
    "searching", "loading", "understanding", "reading", "writing", "notice")
STAGES = (SEARCHING, LOADING, UNDERSTANDING, READING, WRITING, NOTICE)


@dataclass
class Status:
    text: str
    stage: str = NOTICE


@dataclass
class Retrieved:
    query: str
    sources: list[Source]
    retrieval_s: float
    mode: str            # what the answer will be: ANSWER, NOT_FOUND, PASSAGES


@dataclass
class Token:
    text: str


@dataclass
class Finished:
    message: ChatMessage
    stats: dict[str, Any]


Event = Status | Retrieved | Token | Finished


def run_to_end(events: Iterator[Event], on_token: Callable[[str], None] | None = None,
               on_status: Callable[[Status], None] | None = None) -> Finished:
    """Drive an ``ask`` generator to the end (CLI, tests, benchmarks)."""
    done: Finished | None = None
    for ev in events:
        if isinstance(ev, Token) and on_token is not None:
            on_token(ev.text)
        elif isinstance(ev, Status) and on_status is not None:
            on_status(ev)
        elif isinstance(ev, Finished):
            done = ev
    assert done is not None
    return done
