"""A cross-encoder that scores how well a passage answers a question (ms-marco-MiniLM-L-12-v2, int8 ONNX).

Unlike the embedder, which compares two vectors made apart, the cross-encoder reads
the question and the passage together, so it sees whether the passage *answers*
rather than only *mentions*. It is slow (about a dozen question/passage pairs a
second at ~200 tokens on 2 cores), so it only re-scores a short list, and each
passage is cut to the window of it that holds most of the question's words
(``window``): a short window scores nearly as well and costs a fraction.

Scores are logits: an answering passage scores about +5 to +10, an unrelated one
about -10.
"""
from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import LecternError
from ..storage.config import apply_offline_env
from . import registry as models

MAX_TOKENS = 160          # question + passage window, in model tokens
WINDOW_WORDS = 64         # a passage window (~85 tokens of prose): as good as 110 words here, 2-3× faster

_WORD = re.compile(r"\w+", re.UNICODE)
_SHORT = frozenset("""a an and are as at be by can do does for from how i in is it my of on or that the this
to what when where which who why with you your""".split())


class CrossEncoder:
    def __init__(self, folder: Path, threads: int = 0) -> None:
        apply_offline_env()
        import onnxruntime as ort
        from tokenizers import Tokenizer

        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
        opts.log_severity_level = 3
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(folder / "model.onnx"), opts, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS, strategy="only_second")
        self.tokenizer.enable_padding()
        self._inputs = {i.name for i in self.session.get_inputs()}
        self._lock = threading.Lock()

    def score(self, query: str, passages: Sequence[str], batch_size: int = 16) -> list[float]:
        """One logit per passage: higher means it answers ``query`` better."""
        out: list[float] = []
        for start in range(0, len(passages), batch_size):
            pairs = [(query, p if p.strip() else " ") for p in passages[start:start + batch_size]]
            enc = self.tokenizer.encode_batch(pairs)
            feeds = {"input_ids": np.array([e.ids for e in enc], dtype=np.int64),
                     "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64)}
            if "token_type_ids" in self._inputs:
                feeds["token_type_ids"] = np.array([e.type_ids for e in enc], dtype=np.int64)
            with self._lock:
                logits = self.session.run(None, feeds)[0]
            out.extend(float(x) for x in np.asarray(logits).reshape(len(pairs), -1)[:, 0])
        return out


def _stem(word: str) -> str:
    return word[:5]


def window(query: str, text: str, words: int = WINDOW_WORDS) -> str:
    """The run of about ``words`` words of ``text`` that holds most of the query's words.

    A query word counts once per window (by its first five letters, so "matrices"
    meets "matrix"); ties go to the earliest window, so a passage's opening (its
    section title, its first sentence) is kept when nothing better stands out.
    """
    tokens = text.split()
    if len(tokens) <= words:
        return text
    wanted = {_stem(w) for w in _WORD.findall(query.lower()) if w not in _SHORT}
    if not wanted:
        return " ".join(tokens[:words])
    keys = [{_stem(w) for w in _WORD.findall(t.lower())} & wanted for t in tokens]
    step = max(words // 4, 1)
    best, best_at = -1, 0
    for at in range(0, len(tokens) - words + step, step):
        at = min(at, len(tokens) - words)
        found: set[str] = set()
        for k in keys[at:at + words]:
            found |= k
        if len(found) > best:
            best, best_at = len(found), at
    return " ".join(tokens[best_at:best_at + words])


_cached: dict[str, CrossEncoder | None] = {}
_cache_lock = threading.Lock()


def reranker_ready() -> bool:
    """Is the reranker installed (its package or a bundled copy)? Cheap: no loading, no hashing."""
    spec = models.SPECS[models.DEFAULTS[models.RERANK]]
    return models.ready(spec.id) or models.is_installed(spec)


def get_reranker() -> CrossEncoder | None:
    """The cross-encoder, loaded once per process; None when it is not installed or unusable."""
    model_id = models.DEFAULTS[models.RERANK]
    with _cache_lock:
        if model_id in _cached:
            return _cached[model_id]
        if not reranker_ready():
            return None
        try:
            folder = models.locate(model_id)
            enc = CrossEncoder(folder)
        except (LecternError, OSError, RuntimeError, ValueError):
            enc = None        # damaged or unloadable: retrieval goes on without it
        _cached[model_id] = enc
        return enc
