"""The chat model: one GGUF file run by llama.cpp, loaded once and lazily.

``ChatModel`` wraps a single ``llama_cpp.Llama`` with the chat template the GGUF
carries, streams tokens, and counts tokens for context budgeting. ``ModelHost`` keeps
the active model of the process: switching to another file only replaces the active
model once the new one has loaded, so a corrupt or oversized file leaves the previous
model in place and the student gets a plain message.
"""
from __future__ import annotations

import atexit
import logging
import os
import statistics
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import psutil

from . import registry as models
from ..errors import LecternError, ModelCorrupt, ModelMissing

log = logging.getLogger(__name__)

# llama.cpp's OpenMP threads spin while they wait for each other. When other programs
# share the cores (a browser, an indexing job, a transcription) the spinning threads are
# preempted and generation collapses (measured here: 2 → 8 tokens/s with passive waits on
# a busy 2-core machine). It must be set before libgomp loads, i.e. before llama_cpp is
# imported, which happens lazily below.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

GGUF_MAGIC = b"GGUF"
DEFAULT_CONTEXT = 4096
MIN_CONTEXT = 1024
MAX_CONTEXT = 32768
# Rough bytes per character for estimating before a tokenizer is at hand.
CHARS_PER_TOKEN = 3.6

Message = dict[str, str]


class ModelLoadError(LecternError):
    """A chat model file that cannot be used (damaged, not a model, too big)."""


def default_threads() -> int:
    return max(1, os.cpu_count() or 1)


def available_memory() -> int | None:
    """Bytes of memory the system could give us now, or None when unknown."""
    try:
        return int(psutil.virtual_memory().available)
    except (psutil.Error, OSError):
        return None


def memory_needed(path: Path, n_ctx: int) -> int:
    """Weights plus a generous allowance for the KV cache and scratch buffers."""
    size = path.stat().st_size
    return int(size * 1.1) + n_ctx * 64 * 1024 + 150 * 1024 * 1024


def check_file(path: Path, n_ctx: int = DEFAULT_CONTEXT) -> None:
    """Cheap checks before llama.cpp sees a file: present, GGUF, fits in memory."""
    if not path.exists():
        raise ModelMissing(f"The chat model file {path} is not there any more.",
                           "Choose another model in Settings → Chat.")
    if path.is_dir():
        raise ModelLoadError(f"{path.name} is a folder, not a GGUF model file.")
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError as exc:
        raise ModelLoadError(f"Lectern cannot read {path.name}: {exc.strerror or exc}.") from exc
    if magic != GGUF_MAGIC:
        raise ModelCorrupt(f"{path.name} is not a GGUF model file (or it is damaged).",
                           "Chat models must be .gguf files, as used by LM Studio, GPT4All, Jan or Ollama.")
    free = available_memory()
    need = memory_needed(path, n_ctx)
    if free is not None and need > free:
        raise ModelLoadError(
            f"{path.name} is too big for this computer's memory: it needs about {need / 1e9:.1f} GB "
            f"and only {free / 1e9:.1f} GB are free.",
            "Pick a smaller model (a 0.5–3B model in Q4 fits most laptops), or close other programs.")


_guarded = False


def _guard_amx() -> None:
    """llama.cpp's AMX kernels crash (SIGSEGV in ggml_backend_amx_mul_mat) on the Xeons we
    run on when the library was built with -march=native. Extra buffer types are how
    llama.cpp picks them; turning those off keeps the plain AVX kernels, which work."""
    global _guarded
    if _guarded:
        return
    import llama_cpp.llama_cpp as capi

    _guarded = True
    if "AMX_INT8 = 1" not in capi.llama_print_system_info().decode(errors="replace"):
        return
    original = capi.llama_model_default_params

    def params_without_amx():  # noqa: ANN202 - ctypes struct
        p = original()
        p.use_extra_bufts = False
        return p

    capi.llama_model_default_params = params_without_amx
    log.info("llama.cpp built with AMX: extra buffer types disabled")


def _load_llama(path: Path, **kwargs: Any) -> Any:
    from llama_cpp import Llama

    _guard_amx()
    try:
        return Llama(model_path=str(path), verbose=False, **kwargs)
    except (ValueError, RuntimeError, OSError) as exc:
        raise ModelCorrupt(f"{path.name} could not be loaded: the file looks damaged or is not a chat model.",
                           "Choose another model in Settings → Chat.") from exc


@dataclass(frozen=True)
class ModelChoice:
    """What to load: a file plus the settings that shape the context."""

    path: Path
    label: str
    id: str = "custom"
    n_ctx: int = DEFAULT_CONTEXT
    n_threads: int = 0

    @property
    def threads(self) -> int:
        return self.n_threads or default_threads()


def choose(model: str = "", n_ctx: int = DEFAULT_CONTEXT, n_threads: int = 0) -> ModelChoice:
    """A registry id, a path, or "" for the default chat model (raises ModelMissing)."""
    resolved = models.resolve(models.CHAT, model or None)
    n_ctx = max(MIN_CONTEXT, min(MAX_CONTEXT, int(n_ctx or DEFAULT_CONTEXT)))
    return ModelChoice(Path(resolved.path), resolved.label, resolved.id, n_ctx, max(0, int(n_threads or 0)))


PROMPT_SPEEDS_KEPT = 5   # prompt speeds the next budget is sized from


class ChatModel:
    """One loaded GGUF chat model. Generation is serialised: one answer at a time."""

    def __init__(self, choice: ModelChoice) -> None:
        self.choice = choice
        self._llm: Any = None
        self._lock = threading.RLock()
        self.load_s: float = 0.0
        self._prompt_speeds: deque[float] = deque(maxlen=PROMPT_SPEEDS_KEPT)
        self.warm_tokens = 0                   # tokens of the cached prefix
        self.warm_s: float = 0.0               # seconds the prefix took to evaluate
        self._warm_key: str | None = None
        self._primed: tuple[list[Message], int] | None = None   # messages held evaluated, their tokens

    # -- loading ------------------------------------------------------------------------
    @property
    def loaded(self) -> bool:
        return self._llm is not None

    @property
    def label(self) -> str:
        return self.choice.label

    def load(self) -> "ChatModel":
        """Load the weights (once). Raises ModelLoadError/ModelCorrupt/ModelMissing."""
        with self._lock:
            if self._llm is not None:
                return self
            check_file(self.choice.path, self.choice.n_ctx)
            t0 = time.perf_counter()
            # Flash attention reads prompts about 12 % faster on 2 CPU cores (measured with
            # the default model); llama.cpp turns it off by itself for a model that cannot use it.
            llm = _load_llama(self.choice.path, n_ctx=self.choice.n_ctx, n_threads=self.choice.threads,
                              n_threads_batch=self.choice.threads, n_batch=512, flash_attn=True)
            if not llm.metadata.get("tokenizer.chat_template"):
                llm.close()
                raise ModelLoadError(
                    f"{self.choice.path.name} has no chat template: it is probably a base model, not a chat one.",
                    "Choose an 'instruct' or 'chat' version of the model.")
            self._llm = llm
            self.load_s = time.perf_counter() - t0
            log.info("chat model %s loaded in %.2f s (n_ctx=%d, threads=%d)", self.choice.path,
                     self.load_s, self.choice.n_ctx, self.choice.threads)
            return self

    def close(self) -> None:
        with self._lock:
            if self._llm is not None:
                self._llm.close()
                self._llm = None
                self._warm_key = None
                self._primed = None

    @property
    def llama(self) -> Any:
        """The underlying llama_cpp.Llama (loaded on first use)."""
        return self.load()._llm

    @property
    def n_ctx(self) -> int:
        return self.llama.n_ctx() if self.loaded else self.choice.n_ctx

    # -- tokens ---------------------------------------------------------------------------
    def count_tokens(self, text: str) -> int:
        if not text:
            return 0
        if self._llm is None:
            return int(len(text) / CHARS_PER_TOKEN) + 1
        with self._lock:
            return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def count_messages(self, messages: list[Message]) -> int:
        """Tokens of a chat prompt: contents plus the template's few tokens per turn."""
        return sum(self.count_tokens(m["content"]) + 6 for m in messages) + 4

    def truncate(self, text: str, max_tokens: int) -> str:
        """``text`` cut to at most ``max_tokens`` tokens, at a word boundary."""
        if self.count_tokens(text) <= max_tokens:
            return text
        words = text.split()
        lo, hi = 0, len(words)
        while lo < hi:  # longest prefix of words that fits
            mid = (lo + hi + 1) // 2
            if self.count_tokens(" ".join(words[:mid])) + 1 <= max_tokens:
                lo = mid
            else:
                hi = mid - 1
        return " ".join(words[:lo]) + " …"

    # -- generation -----------------------------------------------------------------------
    def stream(self, messages: list[Message], max_tokens: int = 512, temperature: float = 0.0,
               should_stop: Callable[[], bool] | None = None, stop: list[str] | None = None) -> Iterator[str]:
        """Yield the answer piece by piece, with the model's own chat template.

        Stops early when ``should_stop()`` turns true; the lock is released as soon as
        the caller stops iterating (the generator's ``finally``).
        """
        llm = self.llama
        with self._lock:
            if self._primed is not None and messages[:len(self._primed[0])] != self._primed[0]:
                self._primed = None    # this prompt replaces what the cache held after the shared prefix
            chunks = llm.create_chat_completion(messages=messages, stream=True, max_tokens=max_tokens,
                                                temperature=temperature, top_p=0.9, repeat_penalty=1.1,
                                                stop=stop or [])
            try:
                for chunk in chunks:
                    if should_stop is not None and should_stop():
                        break
                    piece = chunk["choices"][0]["delta"].get("content")
                    if piece:
                        yield piece
            finally:
                chunks.close()

    @property
    def prompt_tps(self) -> float | None:
        """Prompt tokens read per second here: the median of the latest prompts (None before the
        first). Not the best seen: the warm-up reads the first few hundred positions, which go
        faster than the ones after a cached prefix, and sizing prompts from it overshot the
        first-token target by a third; one busy moment still does not shrink the next prompt."""
        return statistics.median(self._prompt_speeds) if self._prompt_speeds else None

    def note_prompt_speed(self, tokens: int, seconds: float) -> None:
        """Remember how fast a prompt of ``tokens`` new tokens was read."""
        if tokens >= 32 and seconds > 0:
            self._prompt_speeds.append(tokens / seconds)

    def complete(self, messages: list[Message], max_tokens: int = 64, temperature: float = 0.0,
                 stop: list[str] | None = None) -> str:
        return "".join(self.stream(messages, max_tokens=max_tokens, temperature=temperature, stop=stop)).strip()

    def warm_up(self, prefix: list[Message], opening: str = "Hello") -> None:
        """Evaluate a fixed prompt prefix once, so llama.cpp's prefix cache starts hot.

        Every later prompt that starts with the same messages skips their evaluation;
        ``opening`` is how the user message after them usually begins (evaluated too, so a
        prompt whose message begins alike skips those tokens as well).
        """
        key = repr(prefix)
        if self._warm_key == key:
            return
        # Under the model's lock: a second caller (the question beside a background
        # warm-up) waits for this warm-up instead of running its own.
        with self._lock:
            if self._warm_key == key:
                return
            try:
                t0 = time.perf_counter()
                self.warm_tokens = self._read_ahead(prefix, opening)
                self.note_prompt_speed(self.count_messages(prefix + [{"role": "user", "content": opening}]),
                                       time.perf_counter() - t0)
                self.warm_s = time.perf_counter() - t0
                self._warm_key = key
            except LecternError:
                raise
            except Exception:  # a warm-up failure must never block the real question
                log.exception("warm-up failed")

    def prime(self, messages: list[Message], opening: str = "Hello") -> None:
        """Evaluate ``messages`` (a conversation before its next question) now, so a prompt that
        starts with them reads only what follows (``opening``: as in ``warm_up``). Its speed is
        not noted: prompts are sized from what a question costs, and this runs while no one waits."""
        with self._lock:
            if self._primed is not None and self._primed[0] == messages:
                return
            try:
                self._primed = (list(messages), self._read_ahead(messages, opening))
            except LecternError:
                raise
            except Exception:  # priming is a head start, never a reason to fail
                log.exception("priming the next question failed")

    def _read_ahead(self, messages: list[Message], opening: str) -> int:
        """Have llama.cpp evaluate ``messages`` and the start of a user message after them;
        returns the tokens a prompt beginning alike will find evaluated."""
        for _ in self.stream(messages + [{"role": "user", "content": opening}], max_tokens=1):
            pass
        return self.count_messages(messages) + self.count_tokens(opening)

    def cached_tokens(self, messages: list[Message]) -> int:
        """Tokens at the start of a prompt of ``messages`` that llama.cpp holds evaluated already
        (the primed conversation, else the warm prefix)."""
        primed = self._primed
        if primed is not None and messages[:len(primed[0])] == primed[0]:
            return primed[1]
        return self.warm_tokens

    def is_warm(self, prefix: list[Message]) -> bool:
        """Loaded, and ``prefix`` already evaluated (a prompt starting with it answers at once)."""
        return self.loaded and self._warm_key == repr(prefix)


class ModelHost:
    """The process's active chat model. Switching keeps the old one until the new one loads."""

    def __init__(self) -> None:
        self._active: ChatModel | None = None
        self._loading: ModelChoice | None = None
        self._lock = threading.Lock()
        self.loads = 0        # models loaded by this host (a second caller never loads again)
        self.last_error: LecternError | None = None

    @property
    def active(self) -> ChatModel | None:
        return self._active

    @property
    def loading(self) -> ModelChoice | None:
        """The choice being loaded right now (another caller of ``get`` waits for it)."""
        return self._loading

    def ready(self, choice: ModelChoice) -> ChatModel | None:
        """The active model if it is ``choice`` and loaded (never loads, never waits)."""
        current = self._active
        return current if current is not None and current.choice == choice and current.loaded else None

    def get(self, choice: ModelChoice) -> ChatModel:
        """The loaded model for ``choice``, loading it if needed.

        On failure raises the LecternError and leaves the previously active model active.
        """
        with self._lock:
            current = self._active
            if current is not None and current.choice == choice:
                return current.load()
            candidate = ChatModel(choice)
            self._loading = choice
            try:
                candidate.load()
            except LecternError as exc:
                self.last_error = exc
                raise
            except MemoryError as exc:
                err = ModelLoadError(f"{choice.path.name} is too big for this computer's memory.",
                                     "Pick a smaller model.")
                self.last_error = err
                raise err from exc
            finally:
                self._loading = None
            self.loads += 1
            self._active = candidate
            self.last_error = None
            if current is not None:
                current.close()
            return candidate

    def unload(self, wait: bool = True) -> None:
        """Close the active model. Without ``wait``, a load under way is left to the exiting
        process instead of being waited for (a question answered "not in your material"
        need not wait for the model it never used)."""
        if not self._lock.acquire(timeout=-1 if wait else 0):
            return
        try:
            if self._active is not None:
                self._active.close()
                self._active = None
        finally:
            self._lock.release()


_host = ModelHost()
# Free the model before the interpreter tears llama_cpp down (its __del__ would fail then).
atexit.register(_host.unload, wait=False)


def host() -> ModelHost:
    return _host


def check_loads(path: Path) -> dict[str, Any]:
    """Does this GGUF open (vocabulary only: fast) and does it carry a chat template?"""
    try:
        check_file(path, MIN_CONTEXT)
        llm = _load_llama(path, vocab_only=True)
    except LecternError as exc:
        return {"loads": False, "error": str(exc), "chat": False, "name": path.stem}
    try:
        meta = dict(llm.metadata)
    finally:
        llm.close()
    chat = bool(meta.get("tokenizer.chat_template"))
    return {"loads": True, "error": "" if chat else "no chat template (a base model?)", "chat": chat,
            "name": meta.get("general.name") or path.stem, "architecture": meta.get("general.architecture", "")}
