"""Follow-up questions ("and in R?", "what about its default?") and their rewrite without a model.

Whether a question leans on the previous turn is decided by cheap rules, so a standalone
question asked inside a chat ("How do I read a CSV file?") is searched as it is and the
model is asked to rewrite only what really needs the conversation:

- it opens by continuing the conversation: "and …", "but …", "what about …", "how about …";
- it is an ellipsis: no word of its own that carries meaning ("Why?", "In R?"), or a short
  fragment that is not a question of its own ("Examples?", "Any exceptions?");
- it refers back: a pronoun (it, its, they, this, that, those…) with nothing earlier in
  the question it could stand for, or words such as "the same", "the above", "you said".
  Pronouns that refer to nothing ("is there …", "is it possible …", "a function that …")
  do not count.
"""
from __future__ import annotations

import re

from .store import USER, ChatMessage
from .text import STOP_WORDS, WORD, content_words, stem

# Words that stand for something said before.
_REFERRING = set("it its itself they them their theirs themselves this these those he she him her his hers "
                 "that".split())
# Openings that continue the conversation.
_OPENINGS = ("and ", "and,", "but ", "so ", "also ", "what about", "how about", "what else", "why not",
             "why is that", "how so", "tell me more", "more on", "more about", "go on", "same for",
             "same with", "then ", "or ", "what if", "in that case", "is that", "are those", "is this",
             "does that", "does this", "do they", "does it", "is it the same")
# Words that point back at the conversation wherever they stand.
_BACK = re.compile(r"\b(the same|the above|above-mentioned|the previous|the former|the latter|the last one|"
                   r"you (?:just )?(?:said|mentioned|wrote)|mentioned (?:above|before|earlier)|as well\?|"
                   r"that one|this one|those ones|instead\??$|otherwise\??$|else\??$)", re.IGNORECASE)
# A question of its own starts like one.
_QUESTION_START = set("what which who whom whose when where why how is are was were do does did can could should "
                      "would will shall may might must explain define describe list give show tell compare "
                      "name find write summarise summarize".split())
# Verbs often asked about with an object pronoun ("how do I install it?"): before a
# pronoun they are not something it could stand for.
_VERBS = set("install use used using do does make get read write work works run change set create compute "
             "calculate find fix handle sort convert remove delete save load plot add call change mean means "
             "happen happens apply define explain show need needs import export open close start stop update "
             "print return returns store stores keep keeps cause causes affect affects differ differs "
             "compare check test".split())
# Nouns that are only meaningful about something else ("an example?", "the default?").
_GENERIC = set(stem(w) for w in ("example examples detail details default defaults difference differences "
                                 "meaning reason reasons advantage advantages disadvantage disadvantages "
                                 "alternative alternatives syntax code exception exceptions case cases "
                                 "limit limits cost costs").split())
_EXISTENTIAL = re.compile(r"\b(?:is|are|was|were|isn't|aren't) there\b|\bthere (?:is|are|was|were)\b", re.IGNORECASE)
_DUMMY_IT = re.compile(r"\b(?:is|was|isn't|wasn't) it (?:possible|necessary|true|better|best|safe|ok|okay|allowed|"
                       r"important|wise|worth|hard|easy|bad|good|normal|common|required|recommended)\b|"
                       r"\bit(?: is|'s| was) (?:possible|necessary|true|better|best|safe|ok|okay|allowed|"
                       r"important|wise|worth|hard|easy|bad|good|normal|common|required|recommended)\b",
                       re.IGNORECASE)


def _words(question: str) -> list[str]:
    return [w.lower() for w in WORD.findall(question)]


# After these a word is most likely a verb ("who maintains it?", "how do I install it?").
_BEFORE_VERB = set("i you we who what which to can could should would will must may might please".split())


def _could_stand_for(words: list[str]) -> bool:
    """Is there a word before a pronoun that it could refer to (a noun-like content word)?"""
    for i, w in enumerate(words):
        if w in STOP_WORDS or w in _VERBS or w in _QUESTION_START or len(w) < 2:
            continue
        if stem(w) in _GENERIC or (i > 0 and words[i - 1] in _BEFORE_VERB):
            continue
        return True
    return False


def follow_up_reason(question: str, has_history: bool) -> str:
    """Why the question leans on the previous turns ("" when it stands on its own)."""
    if not has_history:
        return ""
    q = " ".join(question.split())
    words = _words(q)
    if not words:
        return ""
    low = q.lower()
    if low.startswith(_OPENINGS):
        return "opening"
    own = content_words(q)
    if not own:
        return "ellipsis"
    if len(words) <= 3 and words[0] not in _QUESTION_START and len(own) <= 1:
        return "fragment"
    if all(w in _GENERIC for w in own):
        return "generic"
    if _BACK.search(q):
        return "refers back"
    cleaned = _DUMMY_IT.sub(" ", _EXISTENTIAL.sub(" ", low))
    words = _words(cleaned)
    for i, w in enumerate(words):
        if w not in _REFERRING:
            continue
        before = words[:i]
        if w == "that":
            # "a function that sorts", "I read that it…": a relative or a conjunction after a word.
            prev = before[-1] if before else ""
            if prev and prev not in STOP_WORDS and prev not in _QUESTION_START:
                continue
            if i + 1 < len(words) and words[i + 1] not in STOP_WORDS and words[i + 1] not in _VERBS \
                    and prev in ("of", "than", "so", "such"):
                continue
        if not _could_stand_for(before):
            return "pronoun"
    return ""


def is_follow_up(question: str, has_history: bool) -> bool:
    """Does this question lean on the previous turns ("and why?", "what about its cost?")?"""
    return bool(follow_up_reason(question, has_history))


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
