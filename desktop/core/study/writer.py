"""The local chat model as a writer of study material: one prompt in, text out, timed.

Summaries and cards ask the model many small questions (one per part of the material), so
each call is short and a cancel is seen within one call. ``Writer`` counts the seconds spent
in the model, so a job can report how much of its time was the model's (the rest is ours).
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Callable

import sqlite_utils

from ..models import llm
from ..storage import settings as settings_mod

# Source text per model call: about 700 tokens, which a 0.5B model reads in a few seconds
# on 2 cores and which leaves room for the instructions and the answer in a 2048 context.
WINDOW_CHARS = 2400
# Tokens kept for the instructions and the chat template around the source text.
PROMPT_RESERVE = 160
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


@dataclass
class Writer:
    model: llm.ChatModel
    should_stop: Callable[[], bool] | None = None
    model_s: float = field(default=0.0, init=False)
    calls: int = field(default=0, init=False)

    @property
    def label(self) -> str:
        return self.model.label

    def fit(self, text: str, max_tokens: int) -> str:
        """``text`` cut (at a word) so that it, the instructions and an answer of ``max_tokens``
        fit the model's context, whatever context size the student chose."""
        budget = self.model.n_ctx - max_tokens - PROMPT_RESERVE
        return self.model.truncate(text, max(64, budget))

    def ask(self, system: str, user: str, max_tokens: int = 256) -> str:
        t0 = time.perf_counter()
        try:
            messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
            return "".join(self.model.stream(messages, max_tokens=max_tokens, temperature=0.0,
                                             should_stop=self.should_stop)).strip()
        finally:
            self.model_s += time.perf_counter() - t0
            self.calls += 1


def open_writer(db: sqlite_utils.Database, model: str = "", should_stop: Callable[[], bool] | None = None) -> Writer:
    """The student's chat model (or ``model``: a registry id or a path), loaded once per process."""
    s = settings_mod.load(db)
    choice = llm.choose(model or s.chat_model, s.chat_context, s.chat_threads)
    return Writer(llm.host().get(choice), should_stop)


# "The text discusses X" says nothing the source says: the claim is X.
_ABOUT_THE_TEXT = re.compile(r"^(?:the|this) (?:text|passage|section|chapter|document|lecture|speaker)(?: also)? "
                             r"(?:discusses|describes|explains|covers|introduces|mentions|talks about|highlights|"
                             r"provides|presents|outlines|shows)(?: how| that)?\s+", re.IGNORECASE)


def claim(line: str) -> str:
    """A point without a lead-in about the text itself, starting with a capital."""
    bare = _ABOUT_THE_TEXT.sub("", line).strip()
    return bare[:1].upper() + bare[1:] if bare else line


def bullet_lines(text: str) -> list[str]:
    """'- one\\n2. two\\n* three' -> ['one', 'two', 'three']; plain lines count when there are no bullets."""
    lines = [" ".join(line.replace("**", "").split()) for line in text.splitlines() if line.strip()]
    bullets = [_BULLET.sub("", line).strip() for line in lines if _BULLET.match(line)]
    # Small models write a list of bare words; a point says something (three words at least).
    said = [claim(b) for b in bullets if len(b.split()) >= 3]
    return said or [claim(line) for line in lines
                    if len(line.split()) >= 3 and not line.endswith(":") and not _BULLET.match(line)]
