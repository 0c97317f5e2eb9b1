"""What ``Answerer.ask`` yields while it answers, and a helper that drives it to the end."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

from .source import Source
from .store import ChatMessage


@dataclass
class Status:
    text: str


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


def run_to_end(events: Iterator[Event], on_token: Callable[[str], None] | None = None) -> Finished:
    """Drive an ``ask`` generator to the end (CLI, tests, benchmarks)."""
    done: Finished | None = None
    for ev in events:
        if isinstance(ev, Token) and on_token is not None:
            on_token(ev.text)
        elif isinstance(ev, Finished):
            done = ev
    assert done is not None
    return done
