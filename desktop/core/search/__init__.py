"""Search: the vector store client, the index (chunks in SQLite/FTS5 and vectors), scopes and hybrid retrieval.

Modules: ``vectorstore``, ``index``, ``scope``, ``retrieval``, ``reranking`` (the cross-encoder over the
fused short list), ``language`` (document languages and stemming). Everything here goes by id:
a chunk carries its ``document_id`` (never a name), a ``Scope`` holds folder and document ids."""
from .index import (ChunkIn, DocumentScope, Passage, VECTOR_MISSING, VECTOR_OK, VECTOR_STALE, add_chunks,
                    delete_document_chunks, pending_vectors, remove_orphan_vectors, repair_vectors, replace_document_chunks,
                    vector_id)
from .language import detect_language
from .reranking import retrieve, retrieve_ranked
from .retrieval import MODES, TextHit, embeddings_choice, open_store, query_embedder, search, store_key, text_hits
from .scope import Scope, ScopeError, describe_scope, resolve_document_ids, scope_from_names
from .vectorstore import VectorStore

__all__ = ["ChunkIn", "DocumentScope", "Passage", "VECTOR_MISSING", "VECTOR_OK", "VECTOR_STALE", "add_chunks",
           "delete_document_chunks", "pending_vectors", "remove_orphan_vectors", "repair_vectors",
           "replace_document_chunks", "vector_id",
           "MODES", "TextHit", "embeddings_choice", "open_store", "query_embedder", "search", "store_key",
           "text_hits", "Scope", "ScopeError", "describe_scope", "resolve_document_ids", "scope_from_names",
           "VectorStore", "detect_language", "retrieve", "retrieve_ranked"]
