"""Search: the vector store client, the index (chunks in SQLite/FTS5 and vectors), scopes and hybrid retrieval.

Modules: ``vectorstore``, ``index``, ``scope``, ``retrieval``."""
