"""The offline models: the registry (resolve and assemble), embeddings, the reranker, the chat LLM, discovery of GGUF files."""
from .registry import (TRANSCRIPTION, CHAT, EMBEDDINGS, RERANK, MULTILINGUAL, ROLES, Part, ModelSpec, SPECS, DEFAULTS, ResolvedModel,
                       package_dir, bundle_models_dir, prepare, locate, resolve, available, is_installed,
                       prepare_all, ready)

__all__ = ["TRANSCRIPTION", "CHAT", "EMBEDDINGS", "RERANK", "MULTILINGUAL", "ROLES", "Part", "ModelSpec", "SPECS", "DEFAULTS", "ResolvedModel", "package_dir", "bundle_models_dir", "prepare", "locate", "resolve", "available", "is_installed", "prepare_all", "ready"]
