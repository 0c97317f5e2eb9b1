"""Chats with the student's own material: storage, and the answer pipeline.

Storage: ``chats`` (title, scope, running summary) and ``messages`` (role, content,
citations JSON, meta JSON) in app.db.

The pipeline (``Answerer.ask``) is a generator of events, so the CLI can print them
and the UI can run it on a thread and forward them to its loop:

1. a follow-up question is rewritten with the recent turns (with the LLM when one is
   loaded, otherwise by borrowing the key words of the previous question);
2. retrieval in the chat's scope, then a relevance gate: when nothing relevant is
   found the answer says so plainly and offers to widen the scope;
3. a prompt with numbered sources [1]..[n], budgeted to the model's context (older
   turns are folded into a short running summary);
4. tokens stream; afterwards citations are parsed and only numbers of sources that
   were actually given are kept;
5. without a usable chat model, "passages only": the best passages with citations.
"""
from __future__ import annotations

import json
import logging
import re
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any, Callable, Iterator

import sqlite_utils

from ..storage import settings as settings_mod
from ..errors import LecternError, ServiceUnavailable
from ..search.scope import Scope
from ..timefmt import format_duration

log = logging.getLogger(__name__)

# -- storage ---------------------------------------------------------------------------------

DEFAULT_TITLE = "New chat"
USER, ASSISTANT = "user", "assistant"
# What kind of assistant message: a written answer, "not in your material", passages only.
ANSWER, NOT_FOUND, PASSAGES = "answer", "not_found", "passages"


@dataclass
class Source:
    """A passage given to the model as [n], with where it came from."""

    n: int
    document_id: int
    kind: str
    title: str
    text: str
    page: int | None = None
    start_s: float | None = None
    end_s: float | None = None
    recording_id: int | None = None
    chunk_id: int | None = None
    score: float = 0.0
    cited: bool = False
    quote: str = ""          # the part of the passage the model was given (shown under the answer)

    @property
    def where(self) -> str:
        """"page 12" or "12:34" (lecture time)."""
        if self.start_s is not None:
            return format_duration(self.start_s)
        if self.page is not None:
            return f"page {self.page}"
        return ""

    def label(self) -> str:
        return f"{self.title}, {self.where}" if self.where else self.title

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Source":
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in d.items() if k in known})

    def public(self) -> dict[str, Any]:
        """The CLI's citation shape."""
        return {"n": self.n, "document": self.document_id, "title": self.title, "page": self.page,
                "start_s": self.start_s, "end_s": self.end_s, "text": self.text, "kind": self.kind,
                "recording_id": self.recording_id, "cited": self.cited}


@dataclass
class Chat:
    id: int
    title: str
    scope: Scope
    summary: str
    summary_upto: int        # id of the last message folded into the summary
    created_at: float
    updated_at: float


@dataclass
class ChatMessage:
    id: int
    chat_id: int
    role: str
    content: str
    sources: list[Source]
    meta: dict[str, Any]
    created_at: float

    @property
    def mode(self) -> str:
        return str(self.meta.get("mode", ANSWER))

    @property
    def cited(self) -> list[Source]:
        return [s for s in self.sources if s.cited]


def _summary_fields(raw: str) -> tuple[str, int]:
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return raw, 0
    if isinstance(data, dict):
        return str(data.get("text", "")), int(data.get("upto", 0) or 0)
    return raw, 0


def _chat(r: dict[str, Any]) -> Chat:
    try:
        scope = Scope.from_dict(json.loads(r["scope"] or "{}"))
    except (ValueError, TypeError):
        scope = Scope()
    text, upto = _summary_fields(r["summary"])
    return Chat(r["id"], r["title"], scope, text, upto, r["created_at"], r["updated_at"])


def _message(r: dict[str, Any]) -> ChatMessage:
    try:
        sources = [Source.from_dict(d) for d in json.loads(r["citations"] or "[]")]
    except (ValueError, TypeError):
        sources = []
    try:
        meta = json.loads(r["meta"] or "{}")
    except ValueError:
        meta = {}
    return ChatMessage(r["id"], r["chat_id"], r["role"], r["content"], sources, meta, r["created_at"])


def create_chat(db: sqlite_utils.Database, title: str = DEFAULT_TITLE, scope: Scope | None = None) -> int:
    now = time.time()
    cur = db.execute("INSERT INTO chats (title, scope, summary, created_at, updated_at) VALUES (?,?,?,?,?)",
                     (_clean_title(title), json.dumps((scope or Scope()).to_dict()), "", now, now))
    return int(cur.lastrowid)


def get_chat(db: sqlite_utils.Database, chat_id: int) -> Chat:
    rows = list(db.query("SELECT * FROM chats WHERE id = ?", [chat_id]))
    if not rows:
        raise LecternError(f"There is no chat number {chat_id} (it may have been deleted).")
    return _chat(rows[0])


def list_chats(db: sqlite_utils.Database, search: str = "") -> list[Chat]:
    """Most recent first; ``search`` matches titles and anything said in the chat."""
    if search.strip():
        like = f"%{search.strip()}%"
        rows = db.query(
            "SELECT * FROM chats WHERE title LIKE ? OR id IN (SELECT chat_id FROM messages WHERE content LIKE ?)"
            " ORDER BY updated_at DESC, id DESC", [like, like])
    else:
        rows = db.query("SELECT * FROM chats ORDER BY updated_at DESC, id DESC")
    return [_chat(r) for r in rows]


def _clean_title(title: str) -> str:
    title = " ".join(title.split())
    return title[:80] or DEFAULT_TITLE


def rename_chat(db: sqlite_utils.Database, chat_id: int, title: str) -> None:
    get_chat(db, chat_id)
    if not title.strip():
        raise LecternError("Please give the chat a name.")
    db.execute("UPDATE chats SET title = ? WHERE id = ?", (_clean_title(title), chat_id))


def delete_chat(db: sqlite_utils.Database, chat_id: int) -> None:
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("DELETE FROM messages WHERE chat_id = ?", (chat_id,))
        conn.execute("DELETE FROM chats WHERE id = ?", (chat_id,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def set_scope(db: sqlite_utils.Database, chat_id: int, scope: Scope) -> None:
    db.execute("UPDATE chats SET scope = ?, updated_at = ? WHERE id = ?",
               (json.dumps(scope.to_dict()), time.time(), chat_id))


def set_summary(db: sqlite_utils.Database, chat_id: int, text: str, upto: int) -> None:
    db.execute("UPDATE chats SET summary = ? WHERE id = ?", (json.dumps({"text": text, "upto": upto}), chat_id))


def messages(db: sqlite_utils.Database, chat_id: int) -> list[ChatMessage]:
    return [_message(r) for r in db.query("SELECT * FROM messages WHERE chat_id = ? ORDER BY id", [chat_id])]


def get_message(db: sqlite_utils.Database, message_id: int) -> ChatMessage | None:
    rows = list(db.query("SELECT * FROM messages WHERE id = ?", [message_id]))
    return _message(rows[0]) if rows else None


def add_message(db: sqlite_utils.Database, chat_id: int, role: str, content: str,
                sources: list[Source] | None = None, meta: dict[str, Any] | None = None) -> int:
    now = time.time()
    cur = db.execute(
        "INSERT INTO messages (chat_id, role, content, citations, meta, created_at) VALUES (?,?,?,?,?,?)",
        (chat_id, role, content, json.dumps([s.as_dict() for s in sources or []]), json.dumps(meta or {}), now))
    db.execute("UPDATE chats SET updated_at = ? WHERE id = ?", (now, chat_id))
    if role == USER:  # a fresh chat is named after its first question
        db.execute("UPDATE chats SET title = ? WHERE id = ? AND title = ?",
                   (_title_from(content), chat_id, DEFAULT_TITLE))
    return int(cur.lastrowid)


def _title_from(question: str) -> str:
    words = question.split()
    title = " ".join(words[:8])
    return _clean_title(title + ("…" if len(words) > 8 else ""))


def delete_messages_after(db: sqlite_utils.Database, chat_id: int, message_id: int) -> None:
    db.execute("DELETE FROM messages WHERE chat_id = ? AND id > ?", (chat_id, message_id))


def last_question(db: sqlite_utils.Database, chat_id: int) -> ChatMessage | None:
    rows = list(db.query("SELECT * FROM messages WHERE chat_id = ? AND role = ? ORDER BY id DESC LIMIT 1",
                         [chat_id, USER]))
    return _message(rows[0]) if rows else None


# -- citations -------------------------------------------------------------------------------

# "[1]", "[1, 2]", "[1-3]", "[Source 2]", "[source 1; 3]"
_CITE = re.compile(r"\s?\[\s*((?:sources?\s*)?\d+(?:\s*(?:[,;]|-|–|and)\s*(?:sources?\s*)?\d+)*)\s*\]",
                   re.IGNORECASE)
_NUM_RANGE = re.compile(r"(\d+)\s*(?:-|–)\s*(\d+)")


def _numbers(group: str) -> list[int]:
    nums: list[int] = []
    for part in re.split(r"\s*(?:[,;]|and)\s*", re.sub(r"(?i)sources?", "", group)):
        m = _NUM_RANGE.fullmatch(part.strip())
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if 0 < b - a < 20:
                nums.extend(range(a, b + 1))
                continue
        if part.strip().isdigit():
            nums.append(int(part.strip()))
    return nums


def clean_citations(text: str, n_sources: int, partial: bool = False) -> tuple[str, list[int]]:
    """Keep only citations of sources 1..n_sources, written as [1][2]; drop invented ones.

    With ``partial`` (while streaming), an unfinished "[1" at the very end is held back.
    Returns the cleaned text and the cited numbers in order of first appearance.
    """
    cited: list[int] = []

    def repl(m: re.Match[str]) -> str:
        keep = [n for n in _numbers(m.group(1)) if 1 <= n <= n_sources]
        out = []
        for n in keep:
            if n not in cited:
                cited.append(n)
            if f"[{n}]" not in out:
                out.append(f"[{n}]")
        lead = " " if m.group(0).startswith(" ") and out else ""
        return lead + "".join(out)

    cleaned = _CITE.sub(repl, text)
    if partial:
        tail = cleaned.rfind("[")
        if tail != -1 and "]" not in cleaned[tail:] and len(cleaned) - tail <= 14:
            cleaned = cleaned[:tail].rstrip()
    # Tidy the space a dropped citation leaves before punctuation.
    cleaned = re.sub(r"[ \t]+([.,;:!?])", r"\1", cleaned)
    return cleaned, cited


_SENTENCE_END = re.compile(r"(?<=[.!?])(?=\s|$)")


def attribute(text: str, sources: list["Source"], min_support: float = 0.4,
              weak_support: float = 0.4) -> tuple[str, list[int], list[tuple[int, int]]]:
    """Ground each sentence of an answer in the source its words come from.

    A sentence "comes from" a source when most of its key words are in that source
    and in no other source as much. An uncited sentence that plainly comes from source
    n gets [n]; a citation whose source hardly shares the sentence's words, while
    another source holds them, is pointed at that source (small models often write
    the wrong number). Returns the text, the numbers added and the (from, to) fixes.
    """
    if not sources:
        return text, [], []
    by_n = {s.n: i for i, s in enumerate(sources)}
    vocab = [set(content_words(s.text)) for s in sources]
    added: list[int] = []
    fixed: list[tuple[int, int]] = []
    out: list[str] = []
    pos = 0
    for m in list(_SENTENCE_END.finditer(text)) + [None]:
        end = m.start() if m is not None else len(text)
        sentence = text[pos:end]
        pos = end
        words = content_words(_CITE.sub("", sentence))
        if len(words) < 2:
            out.append(sentence)
            continue
        support = [sum(1 for w in words if w in v) / len(words) for v in vocab]
        best = max(range(len(sources)), key=lambda i: support[i])
        ranked = sorted(support, reverse=True)
        clear = support[best] >= min_support and (len(ranked) == 1 or ranked[0] - ranked[1] >= 0.15)
        if _CITE.search(sentence):
            def repoint(mm: re.Match[str]) -> str:
                n = int(mm.group(1))
                i = by_n.get(n)
                if i is None or not clear or i == best or support[i] >= weak_support \
                        or support[best] - support[i] < 0.25:
                    return mm.group(0)
                fixed.append((n, sources[best].n))
                return f"[{sources[best].n}]"
            sentence = re.sub(r"\[(\d+)\]", repoint, sentence)
            # "[2][2]" after a fix reads as one citation
            sentence = re.sub(r"(\[\d+\])(?:\1)+", r"\1", sentence)
        elif clear:
            n = sources[best].n
            stripped = sentence.rstrip()
            tail = stripped[-1] if stripped and stripped[-1] in ".!?" else ""
            body = stripped[:-1] if tail else stripped
            sentence = f"{body} [{n}]{tail}" + sentence[len(stripped):]
            if n not in added:
                added.append(n)
        out.append(sentence)
    out.append(text[pos:])
    return "".join(out), added, fixed


def strip_citations(text: str) -> str:
    """The text without any [n] markers (for history turns, whose sources are gone)."""
    return re.sub(r"[ \t]+([.,;:!?])", r"\1", _CITE.sub("", text)).strip()


# -- text helpers: words, relevance, follow-ups ------------------------------------------------

_STOP = set("""a an the and or but if then else of to in on at by for with about from into over under as is are was
were be been being do does did have has had i you he she it we they me him her us them my your his its our their this
that these those what which who whom whose when where why how can could should would will shall may might must not no
yes so than too very just also any some all each every more most other such only own same both few there here please
tell explain describe give list show mean means meaning define definition thing things something anything way use
used using one ones lecture book page chapter say said says according""".split())
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ0-9][A-Za-zÀ-ÖØ-öø-ÿ0-9']*")
_FOLLOW_UP = set("it its it's they them their theirs this that these those he she him her his there then also "
                 "else same former latter above previous earlier again more".split())


def _stem(word: str) -> str:
    w = word.lower().strip("'-")
    for suffix in ("ations", "ation", "ings", "ing", "ies", "es", "ed", "ly", "s"):
        if len(w) > len(suffix) + 3 and w.endswith(suffix):
            return w[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return w


def content_words(text: str) -> list[str]:
    """Lower-cased stems of the words that carry meaning, in order, without repeats."""
    out: list[str] = []
    for w in _WORD.findall(text):
        lw = w.lower()
        if lw in _STOP or len(lw) < 3 and not lw.isdigit():
            continue
        s = _stem(lw)
        if s not in out:
            out.append(s)
    return out


_LEADERS = re.compile(r"(?:\.\s?){4,}\s*\d+")


def looks_like_contents(text: str) -> bool:
    """A table of contents or an index: entries with dot leaders and page numbers."""
    return len(_LEADERS.findall(text)) >= 3


def lexical_overlap(query: str, text: str) -> float:
    """Share of the query's content words found in ``text`` (0..1)."""
    q = content_words(query)
    if not q:
        return 0.0
    t = set(content_words(text))
    return sum(1 for w in q if w in t) / len(q)


def is_follow_up(question: str, has_history: bool) -> bool:
    """Does this question lean on the previous turns ("and why?", "what about its cost?")?"""
    if not has_history:
        return False
    words = [w.lower() for w in _WORD.findall(question)]
    if not words:
        return False
    if len(content_words(question)) <= 1:
        return True
    if words[0] in ("and", "but", "so", "also", "then", "what's", "whats") or question.lower().startswith(
            ("what about", "how about", "and ", "why?", "how so", "tell me more", "more on")):
        return True
    return any(w in _FOLLOW_UP for w in words)


def heuristic_rewrite(question: str, history: list[ChatMessage]) -> str:
    """The question plus the key words of the previous question it leans on."""
    previous = next((m.content for m in reversed(history) if m.role == USER), "")
    have = set(content_words(question))
    extra = [w for w in _WORD.findall(previous) if w.lower() not in _STOP and _stem(w) not in have and len(w) > 2]
    seen: set[str] = set()
    words = [w for w in extra if not (w.lower() in seen or seen.add(w.lower()))]  # type: ignore[func-returns-value]
    return f"{question.strip()} ({' '.join(words[:8])})" if words else question.strip()


_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def focus(text: str, query: str, max_tokens: int, count: Callable[[str], int]) -> str:
    """The part of ``text`` (whole sentences) that fits ``max_tokens`` and best matches ``query``."""
    text = " ".join(text.split())
    if count(text) <= max_tokens:
        return text
    sentences = _SENT.split(text)
    if len(sentences) == 1:
        words = text.split()
        return " ".join(words[: max(8, int(max_tokens * 0.7))]) + " …"
    terms = set(content_words(query))
    lengths = [count(s) + 1 for s in sentences]
    best, best_score = (0, 1), -1.0
    for i in range(len(sentences)):
        total, j, score = 0, i, 0.0
        while j < len(sentences) and total + lengths[j] <= max_tokens:
            total += lengths[j]
            score += sum(1 for w in content_words(sentences[j]) if w in terms)
            j += 1
        if j == i:
            continue
        score -= 0.01 * i  # prefer earlier windows on ties
        if score > best_score:
            best, best_score = (i, j), score
    i, j = best
    if j <= i:
        words = text.split()
        return " ".join(words[: max(8, int(max_tokens * 0.7))]) + " …"
    out = " ".join(sentences[i:j])
    return ("… " if i > 0 else "") + out + (" …" if j < len(sentences) else "")


# -- the pipeline ----------------------------------------------------------------------------

SYSTEM_PROMPT = (
    "You are Lectern, a study assistant. You answer a student's question using only the numbered sources "
    "they give you, which come from their own course material. Write a short answer in your own words. "
    "Right after each fact, put the number of the source it comes from in square brackets, for example: "
    "\"Water boils at 100 degrees at sea level [2].\" Use only the numbers of the sources given. If the "
    "sources do not contain the answer, say that the material does not cover it. Answer in the language "
    "of the question.")

# One worked example before the real question: small models copy its shape (short answer,
# [n] after each fact). It never changes, so llama.cpp's prefix cache makes it free after
# the first question.
EXAMPLE_QUESTION = (
    "Sources:\n\nSource [1] (Geography notes, page 4):\nThe Nile flows north into the Mediterranean Sea. "
    "It is about 6,650 km long.\n\nSource [2] (Geography lecture, 12:05):\nThe Amazon carries more water "
    "than any other river on Earth.\n\nQuestion: How long is the Nile, and where does it flow?")
EXAMPLE_ANSWER = "The Nile is about 6,650 km long [1]. It flows north into the Mediterranean Sea [1]."

# Every prompt starts with these messages, the side tasks (rewriting a follow-up,
# summarising) too: llama.cpp keeps them evaluated, so only what follows costs time.
PREFIX = [{"role": "system", "content": SYSTEM_PROMPT},
          {"role": "user", "content": EXAMPLE_QUESTION},
          {"role": "assistant", "content": EXAMPLE_ANSWER}]


def prefixed(user_text: str) -> list[dict[str, str]]:
    return PREFIX + [{"role": "user", "content": user_text}]


# The sources and the question, in the last user turn (closest to the answer: small models follow it best).
SOURCE_BLOCK = "Source [{n}] ({label}):\n{text}"
QUESTION_BLOCK = "Sources:\n\n{sources}\n\nQuestion: {question}"

REWRITE_PROMPT = (
    "Rewrite the student's last question so that it can be understood on its own, replacing words like "
    "'it', 'they' or 'that' with what they refer to in the conversation. Reply with the rewritten "
    "question only.")

SUMMARY_PROMPT = (
    "Summarise this conversation between a student and a study assistant in at most 60 words: which "
    "topics were asked about and the key facts of the answers. Reply with the summary only.")

HOW_TO_ADD_MODEL = (
    "To get written answers, choose a chat model in Settings → Chat: pick the default model, one found "
    "on this computer, or \"Add model…\" for any GGUF chat model file. The bundled default is installed "
    "with `lectern models --prepare`.")


# Aim for the first word within this long after retrieval: the part of the prompt that
# follows the cached prefix is sized from the model's measured prompt speed.
TARGET_FIRST_TOKEN_S = 1.2
MIN_SOURCE_TOKENS = 60      # a passage shorter than this rarely holds a whole answer


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


@dataclass
class Relevance:
    """Thresholds of the "is anything here about the question?" gate.

    Calibrated on MiniLM cosine similarities: passages that answer a question score
    0.35–0.75, unrelated course text 0.0–0.25. A passage also counts when it shares most
    of the question's key words (names, formulas, rare terms MiniLM does not know).
    """

    cosine_strong: float = 0.40
    cosine_weak: float = 0.22
    overlap_strong: float = 0.75
    overlap_weak: float = 0.3
    keep_margin: float = 0.2   # sources kept: within this of the best cosine
    overlap_weight: float = 0.5   # re-ranking: cosine + this × key-word overlap
    score_margin: float = 0.1     # given to the model: within this of the best re-ranked score


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

    # -- model ------------------------------------------------------------------------------
    def model(self) -> _Model:
        """The chat model to use, loading it on first need. Never raises: no model → passages."""
        if self._model is not None:
            return self._model
        from ..models import llm

        if not self.use_llm:
            self._model = _Model(reason="Written answers are turned off.")
            return self._model
        host = llm.host()
        try:
            choice = llm.choose(self.model_choice, self.n_ctx, self.n_threads)
            model = host.get(choice)
            model.warm_up(PREFIX)
            self._model = _Model(model)
        except LecternError as exc:
            previous = host.active
            if previous is not None:
                self._model = _Model(previous, warning=f"{exc.message} Still using {previous.label}.")
            else:
                self._model = _Model(reason=str(exc))
        return self._model

    def _count(self) -> Callable[[str], int]:
        m = self._model.model if self._model else None
        if m is not None and m.loaded:
            return m.count_tokens
        from ..models.llm import CHARS_PER_TOKEN

        return lambda t: int(len(t) / CHARS_PER_TOKEN) + 1

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
        # A small model may answer instead of rewriting: accept only a plausible question
        # that keeps the student's own key words.
        own = content_words(question)
        kept = sum(1 for w in own if w in set(content_words(out))) / len(own) if own else 1.0
        if not out or len(out) > 300 or kept < 0.5 or len(content_words(out)) <= len(own):
            return fallback
        return out

    def retrieve(self, query: str, scope: Scope) -> list[Source]:
        """Search in scope; keep the passages that are really about the question."""
        from ..models.embeddings import get_embedder
        from ..search.retrieval import embeddings_choice, search

        embedder = get_embedder(embeddings_choice(self.db) or None)
        qvec = embedder.embed([query])[0]
        try:
            passages = search(self.db, self.store, query, scope=scope, k=self.k, embed=lambda _q: qvec.tolist())
        except ServiceUnavailable:
            # The vector store is down (it restarts by itself): key words alone still find pages.
            log.warning("vector store unavailable: answering from the full-text index only")
            passages = search(self.db, None, query, scope=scope, k=self.k, mode="bm25")
        if not passages:
            return []
        vecs = embedder.embed([p.text for p in passages])
        cos = [float(qvec @ v) for v in vecs]
        overlaps = [lexical_overlap(query, p.text) for p in passages]
        r = self.relevance
        best = max(cos)
        scored: list[tuple[float, Source]] = []
        for p, c, o in zip(passages, cos, overlaps):
            if looks_like_contents(p.text):
                continue   # a table of contents names every topic and answers none
            relevant = c >= r.cosine_strong or o >= r.overlap_strong or (c >= r.cosine_weak and o >= r.overlap_weak)
            if not relevant or (c < best - r.keep_margin and o < r.overlap_weak):
                continue
            scored.append((c + r.overlap_weight * o, Source(
                n=0, document_id=p.document_id, kind=p.kind, title=p.title, text=p.text, page=p.page,
                start_s=p.start_s, end_s=p.end_s, recording_id=p.recording_id, chunk_id=p.chunk_id,
                score=round(c + r.overlap_weight * o, 3))))
        # Re-ranked by meaning and shared key words: on the R FAQ this put the page that
        # answers first for 17 of 23 questions, against 13 in the fused search order.
        scored.sort(key=lambda t: -t[0])
        # Far weaker passages only distract a small model (it copies from them).
        kept = [src for score, src in scored if score >= scored[0][0] - r.score_margin] if scored else []
        for i, src in enumerate(kept, start=1):
            src.n = i
        for src in kept:
            if src.recording_id is not None and src.start_s is not None:
                src.start_s = self.moment(src, query)
        return kept

    def moment(self, src: Source, query: str) -> float:
        """The second inside a lecture passage (45–60 s) where the asked-about words are said.

        Lecture passages are windows of transcript segments; playing from the segment
        that matches the question saves the student up to a minute of listening.
        """
        assert src.start_s is not None
        end = src.end_s if src.end_s is not None else src.start_s
        rows = list(self.db.query(
            "SELECT start_s, text FROM segments WHERE recording_id = ? AND start_s >= ? AND start_s < ?"
            " ORDER BY start_s", [src.recording_id, src.start_s - 0.5, end]))
        if not rows:
            return src.start_s
        terms = content_words(query)
        if not terms:
            return src.start_s
        best_s, best = src.start_s, 0.0
        for i, r in enumerate(rows):
            # A segment and the next one: a sentence often runs over a segment boundary.
            window = r["text"] + " " + (rows[i + 1]["text"] if i + 1 < len(rows) else "")
            words = set(content_words(window))
            score = sum(1 for w in terms if w in words) + 0.5 * sum(1 for w in terms if w in content_words(r["text"]))
            if score > best:
                best_s, best = float(r["start_s"]), score
        return max(src.start_s, best_s)

    def _history(self, chat: Chat, history: list[ChatMessage], budget: Budget,
                 events: list[Event]) -> tuple[str, list[dict[str, str]]]:
        """The running summary and the recent turns that fit the history budget.

        Turns that no longer fit are folded into the chat's summary (kept in app.db),
        so a long chat never overflows the context.
        """
        count = self._count()
        pending = [m for m in history if m.id > chat.summary_upto and m.content.strip()]
        recent: list[ChatMessage] = []
        used = 0
        for msg in reversed(pending):
            cost = count(strip_citations(msg.content)) + 6
            if used + cost > budget.history or len(recent) >= 6:
                break
            recent.insert(0, msg)
            used += cost
        # Never start the recent window with a dangling answer.
        while recent and recent[0].role != USER:
            recent.pop(0)
        older = [m for m in pending if m not in recent]
        summary = chat.summary
        if older:
            events.append(Status("Summarising the earlier conversation…"))
            summary = self._summarise(summary, older, budget)
            set_summary(self.db, chat.id, summary, older[-1].id)
        turns = [{"role": m.role, "content": strip_citations(m.content)} for m in recent]
        return summary, turns

    def _summarise(self, summary: str, older: list[ChatMessage], budget: Budget) -> str:
        m = self.model().model
        if m is not None:
            lines = [f"Summary so far: {summary}"] if summary else []
            for msg in older:
                who = "Student" if msg.role == USER else "Assistant"
                lines.append(f"{who}: {m.truncate(strip_citations(msg.content), 120)}")
            try:
                out = m.complete(prefixed(SUMMARY_PROMPT + "\n\n" + "\n".join(lines)), max_tokens=budget.summary)
                if out:
                    return m.truncate(out, budget.summary)
            except LecternError:
                pass
        # Without a model: the questions asked, most recent last, cut to the budget.
        asked = [msg.content.strip() for msg in older if msg.role == USER]
        text = (summary + " " if summary else "") + "Earlier the student asked: " + " | ".join(asked)
        words = text.split()
        limit = int(budget.summary * 0.7)
        return " ".join(words[-limit:]) if len(words) > limit else text

    def build_prompt(self, question: str, sources: list[Source], summary: str, turns: list[dict[str, str]],
                     budget: Budget) -> tuple[list[dict[str, str]], int, list[Source]]:
        """Messages for the model, how many tokens it may write, and the sources given.

        The best passages that fit the budget are given, renumbered [1]..[n], each cut
        to the sentences that best match the question; the prompt always fits n_ctx.
        """
        m = self.model().model
        count = m.count_tokens
        n_ctx = m.n_ctx
        used = (count(summary) + 12 if summary else 0) + sum(count(t["content"]) + 6 for t in turns)
        room = budget.sources_after(used + count(question))
        n = max(1, min(len(sources), room // MIN_SOURCE_TOKENS))
        per = max(MIN_SOURCE_TOKENS, min(budget.per_source, room // n))
        given = [Source(**{**s.as_dict(), "n": i}) for i, s in enumerate(sources[:n], start=1)]
        texts = [focus(s.text, question, per, count) for s in given]
        for s, t in zip(given, texts):
            s.quote = t

        def assemble(turns: list[dict[str, str]], texts: list[str]) -> list[dict[str, str]]:
            msgs = list(PREFIX)
            if summary:
                msgs.append({"role": "user", "content": f"(Summary of our earlier conversation: {summary})"})
                msgs.append({"role": "assistant", "content": "Understood."})
            msgs.extend(turns)
            blocks = [SOURCE_BLOCK.format(n=s.n, label=s.label(), text=t) for s, t in zip(given, texts)]
            msgs.append({"role": "user", "content": QUESTION_BLOCK.format(sources="\n\n".join(blocks),
                                                                          question=question.strip())})
            return msgs

        msgs = assemble(turns, texts)
        # Guarantee the fit: drop old turns first, then shorten the sources.
        while count_prompt(m, msgs) + min(budget.answer, 128) > n_ctx and (turns or any(len(t) > 80 for t in texts)):
            if turns:
                turns = turns[2:] if len(turns) > 1 else []
            else:
                texts = [t[: max(80, int(len(t) * 0.7))] for t in texts]
            msgs = assemble(turns, texts)
        max_tokens = max(32, min(budget.answer, n_ctx - count_prompt(m, msgs) - 8))
        return msgs, max_tokens, given

    # -- the whole answer ---------------------------------------------------------------------
    def ask(self, chat_id: int, question: str, cancel: threading.Event | None = None,
            regenerate: bool = False, scope: Scope | None = None, temperature: float = 0.0) -> Iterator[Event]:
        """Answer ``question`` in chat ``chat_id``, yielding events; stores both messages.

        With ``regenerate`` the last question of the chat is answered again (its old
        answer is replaced) and ``question`` is ignored. Answers are greedy by default
        (small models stray from their sources when sampling); "Regenerate" in the UI
        asks for some ``temperature`` to get a different wording.
        """
        t0 = time.perf_counter()
        cancel = cancel or threading.Event()
        chat = get_chat(self.db, chat_id)
        if scope is not None and scope != chat.scope:
            set_scope(self.db, chat_id, scope)
            chat = get_chat(self.db, chat_id)
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

        events: list[Event] = []
        if is_follow_up(question, bool(history)):
            yield Status("Understanding your follow-up…" if self._model else "Loading the chat model…")
        query = self.rewrite(question, history)
        yield Status(f"Searching {chat.scope.describe()}…")
        t_search = time.perf_counter()
        sources = self.retrieve(query, chat.scope)
        t_retrieved = time.perf_counter()
        retrieval_s = t_retrieved - t_search
        stats: dict[str, Any] = {"query": query, "retrieval_s": round(retrieval_s, 3), "first_token_s": None,
                                 "tokens": 0, "tokens_per_s": None, "scope": chat.scope.to_dict()}

        if not sources:
            yield Retrieved(query, [], retrieval_s, NOT_FOUND)
            text = not_found_text(chat.scope)
            meta = {"mode": NOT_FOUND, "query": query, "scope": chat.scope.to_dict(),
                    "can_widen": not chat.scope.is_everything}
            yield from self._finish(chat_id, text, [], meta, stats, t0)
            return

        if self._model is None:
            yield Status("Loading the chat model…")
        model = self.model()
        if model.model is None:
            yield Retrieved(query, sources, retrieval_s, PASSAGES)
            from ..models.llm import CHARS_PER_TOKEN

            for s in sources:
                s.cited = True
                s.quote = focus(s.text, query, 110, lambda t: int(len(t) / CHARS_PER_TOKEN) + 1)
            text = passages_text(sources, model.reason)
            meta = {"mode": PASSAGES, "query": query, "reason": model.reason, "how_to": HOW_TO_ADD_MODEL}
            yield from self._finish(chat_id, text, sources, meta, stats, t0)
            return

        if model.warning:
            yield Status(model.warning)
        budget = Budget.for_model(model.model.n_ctx, model.model.prompt_tps)
        if self.max_answer_tokens:
            budget.answer = min(budget.answer, self.max_answer_tokens)
        summary, turns = self._history(chat, history, budget, events)
        yield from events
        prompt, max_tokens, sources = self.build_prompt(question, sources, summary, turns, budget)
        yield Retrieved(query, sources, retrieval_s, ANSWER)
        stats["prompt_tokens"] = count_prompt(model.model, prompt)
        stats["sources_given"] = len(sources)
        yield Status("Writing…")

        parts: list[str] = []
        first = last = None
        try:
            for piece in model.model.stream(prompt, max_tokens=max_tokens, temperature=temperature,
                                            should_stop=cancel.is_set):
                now = time.perf_counter()
                if first is None:
                    first = now
                last = now
                parts.append(piece)
                yield Token(piece)
        except LecternError:
            raise
        except Exception as exc:  # llama.cpp failure mid-answer: keep what was written
            raise LecternError(f"The chat model stopped with an error: {exc}") from exc
        n_tokens = len(parts)
        if first is not None:   # learn this computer's prompt speed (for the next budget)
            model.model.note_prompt_speed(stats["prompt_tokens"] - model.model.warm_tokens,
                                          first - t_retrieved)
        stats.update(tokens=n_tokens, model=model.model.label, max_tokens=max_tokens,
                     first_token_s=round(first - t_retrieved, 3) if first else None,
                     tokens_per_s=round((n_tokens - 1) / (last - first), 2) if first and last and last > first
                     else None)
        raw = "".join(parts).strip()
        text, cited = clean_citations(raw, len(sources))
        text, attributed, repointed = attribute(text, sources)
        _, cited = clean_citations(text, len(sources))
        for s in sources:
            s.cited = s.n in cited
        meta = {"mode": ANSWER, "query": query, "model": model.model.label, "stopped": cancel.is_set(),
                "invented": sorted(set(_all_numbers(raw)) - set(range(1, len(sources) + 1))),
                "attributed": attributed, "repointed": repointed}
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


def count_prompt(model: Any, msgs: list[dict[str, str]]) -> int:
    return model.count_messages(msgs)


def _all_numbers(raw: str) -> list[int]:
    out: list[int] = []
    for m in _CITE.finditer(raw):
        out.extend(_numbers(m.group(1)))
    return out


def not_found_text(scope: Scope) -> str:
    if scope.is_everything:
        return ("This is not in your material: nothing in your library seems to cover it, so I won't guess. "
                "Add the book or lecture that covers it to your library, or ask in other words.")
    return (f"This is not in your material: nothing in {scope.describe()} seems to cover it, so I won't guess. "
            "Search everything to look in your whole library, or ask in other words.")


def passages_text(sources: list[Source], reason: str) -> str:
    head = "No chat model is available, so here are the passages of your material that best match your question"
    cites = "".join(f"[{s.n}]" for s in sources)
    return f"{head} {cites}."


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
