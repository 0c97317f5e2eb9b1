"""Sentence embeddings with all-MiniLM-L6-v2 (int8 ONNX), no PyTorch.

Pads only to the longest text of a batch and truncates at 256 tokens: several times
faster than padding everything to the maximum.
"""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

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
