"""Follow-up questions ("and why?", "what about its cost?") and their rewrite without a model."""
from __future__ import annotations

from .store import USER, ChatMessage
from .text import STOP_WORDS, WORD, content_words, stem

_FOLLOW_UP = set("it its it's they them their theirs this that these those he she him her his there then also "
                 "else same former latter above previous earlier again more".split())
_LEADING = ("and", "but", "so", "also", "then", "what's", "whats")
_OPENINGS = ("what about", "how about", "and ", "why?", "how so", "tell me more", "more on")


def is_follow_up(question: str, has_history: bool) -> bool:
    """Does this question lean on the previous turns ("and why?", "what about its cost?")?"""
    if not has_history:
        return False
    words = [w.lower() for w in WORD.findall(question)]
    if not words:
        return False
    if len(content_words(question)) <= 1:
        return True
    if words[0] in _LEADING or question.lower().startswith(_OPENINGS):
        return True
    return any(w in _FOLLOW_UP for w in words)


def heuristic_rewrite(question: str, history: list[ChatMessage]) -> str:
    """The question plus the key words of the previous question it leans on."""
    previous = next((m.content for m in reversed(history) if m.role == USER), "")
    have = set(content_words(question))
    seen: set[str] = set()
    words: list[str] = []
    for w in WORD.findall(previous):
        if w.lower() in STOP_WORDS or stem(w) in have or len(w) <= 2 or w.lower() in seen:
            continue
        seen.add(w.lower())
        words.append(w)
    return f"{question.strip()} ({' '.join(words[:8])})" if words else question.strip()
