"""The vector store: one ``chroma run`` server per data folder, reached over loopback.

Chroma's embedded client is not process-safe, so the UI and the worker both use
``chromadb.HttpClient`` against the server the supervisor runs. ``import chromadb``
costs more than a second, so it happens lazily, never on the window's start-up path.
"""
from __future__ import annotations

import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_fixed

from ..storage.config import DataPaths, apply_offline_env
from ..errors import ServiceUnavailable

COLLECTION_PREFIX = "chunks"
MULTILINGUAL_COLLECTION = "use-m3"   # vectors of the material not in English (search.multilingual)


def port_file(paths: DataPaths) -> Path:
    return paths.run / "chroma.port"


def read_port(paths: DataPaths) -> int | None:
    try:
        return int(port_file(paths).read_text().strip())
    except (OSError, ValueError):
        return None


def heartbeat(port: int, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=timeout) as r:
            return r.status == 200 and b"heartbeat" in r.read()
    except OSError:
        return False


def run_server(path: Path, port: int) -> None:
    """Run the Chroma server in this process (the ``vector-store`` role), like ``chroma run``."""
    apply_offline_env()
    import chromadb_rust_bindings  # the same entry `chroma run` uses; avoids importing chromadb

    chromadb_rust_bindings.cli(["chroma", "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)])


class VectorStore:
    """A thin, reconnecting wrapper: the server may be restarted under us."""

    def __init__(self, paths: DataPaths, model_id: str = "minilm-l6") -> None:
        self.paths = paths
        self.name = f"{COLLECTION_PREFIX}_{model_id}".replace(".", "_")
        self._client: Any = None
        self._port: int | None = None
        self._collection: Any = None
        self._lock = threading.Lock()

    def _connect(self, wait_s: float = 20.0) -> Any:
        deadline = time.monotonic() + wait_s
        while True:
            port = read_port(self.paths)
            if port and heartbeat(port, timeout=2.0):
                break
            if time.monotonic() > deadline:
                raise ServiceUnavailable(
                    "The vector store is not running.",
                    "Start Lectern (it starts the vector store), or run `lectern doctor` to see why it is down.",
                )
            time.sleep(0.2)
        if port != self._port or self._collection is None:
            apply_offline_env()
            import chromadb
            from chromadb.config import Settings

            self._client = chromadb.HttpClient(host="127.0.0.1", port=port,
                                               settings=Settings(anonymized_telemetry=False))
            self._collection = self._client.get_or_create_collection(
                self.name, embedding_function=None, metadata={"hnsw:space": "cosine"})
            self._port = port
        return self._collection

    def _call(self, fn_name: str, **kwargs: Any) -> Any:
        # A connection dropped while the supervisor restarts the server is tried again
        # on a fresh client; any other error (bad arguments, server-side) is raised at once.
        def forget_client(_state: RetryCallState) -> None:
            self._collection = None

        with self._lock:
            for attempt in Retrying(retry=retry_if_exception(_dropped_connection),
                                    stop=stop_after_attempt(3), wait=wait_fixed(0.5), before_sleep=forget_client,
                                    reraise=True):
                with attempt:
                    return getattr(self._connect(), fn_name)(**kwargs)

    def upsert(self, ids: list[str], embeddings: list[list[float]], documents: list[str],
               metadatas: list[dict[str, Any]]) -> None:
        if ids:
            self._call("upsert", ids=ids, embeddings=embeddings, documents=documents, metadatas=metadatas)

    def delete(self, where: dict[str, Any]) -> None:
        self._call("delete", where=where)

    def query(self, embedding: list[float], k: int, where: dict[str, Any] | None = None,
              include: tuple[str, ...] = ("metadatas", "documents", "distances"),
              ids: list[str] | None = None) -> dict[str, Any]:
        """Nearest ``k`` vectors, optionally only among ``ids`` or those matching ``where``."""
        kwargs: dict[str, Any] = {"query_embeddings": [embedding], "n_results": k, "include": list(include)}
        if ids is not None:
            kwargs["ids"] = ids
        if where:
            kwargs["where"] = where
        return self._call("query", **kwargs)

    def count(self) -> int:
        return int(self._call("count"))

    def ids(self, where: dict[str, Any]) -> list[str]:
        """Ids of the vectors matching ``where`` (e.g. one document's)."""
        return list(self._call("get", where=where, include=[])["ids"])

    def texts(self, where: dict[str, Any]) -> dict[str, str]:
        """{vector id: the text stored with it} of the vectors matching ``where``."""
        got = self._call("get", where=where, include=["documents"])
        return {vid: doc or "" for vid, doc in zip(got["ids"], got.get("documents") or [])}

    def existing(self, ids: list[str]) -> list[str]:
        """Which of ``ids`` the store holds."""
        if not ids:
            return []
        return list(self._call("get", ids=ids, include=[])["ids"])

    def all_ids(self, page: int = 5000) -> list[str]:
        """Every vector id in the collection (read page by page)."""
        out: list[str] = []
        offset = 0
        while True:
            got = list(self._call("get", include=[], limit=page, offset=offset)["ids"])
            out.extend(got)
            if len(got) < page:
                return out
            offset += page

    def delete_ids(self, ids: list[str]) -> None:
        if ids:
            self._call("delete", ids=ids)

    def update_metadata(self, ids: list[str], metadatas: list[dict[str, Any]]) -> None:
        """Replace the metadata of existing vectors (after a rename or move); vectors stay."""
        if ids:
            self._call("update", ids=ids, metadatas=metadatas)


def _dropped_connection(exc: BaseException) -> bool:
    """True for a transport failure (refused, reset, timed out), as opposed to an error the server answered."""
    import httpx  # already loaded with chromadb by now; kept off the window's start-up path

    return isinstance(exc, (httpx.TransportError, ConnectionError))


_shared: dict[tuple[str, str], VectorStore] = {}
_shared_lock = threading.Lock()


def shared_store(paths: DataPaths, model_id: str = "minilm-l6") -> VectorStore:
    """One client per data folder, collection and process (it reconnects by itself): opening
    one costs a connection and a collection lookup (~50 ms), more than a query."""
    key = (str(paths.root), model_id)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = VectorStore(paths, model_id)
        return _shared[key]
