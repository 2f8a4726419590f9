"""Chroma adapter: embedded (persistent on disk) or a Chroma server (``ASSISTANT_CHROMA_URL``).

Embeddings are always supplied by us (``embedding_function=None``): Chroma's own default model
would be downloaded on first use, which fails offline. Telemetry is off.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

import numpy as np

from index.config import IndexConfig
from index.errors import StoreError

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

_BATCH = 1000
T = TypeVar("T")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:300]


HNSW = {"hnsw:space": "cosine", "hnsw:num_threads": 1, "hnsw:construction_ef": 200, "hnsw:search_ef": 200}


class ChromaStore:
    """One Chroma collection of passage vectors (cosine space).

    Against a Chroma server every call that fails (the server stopped, restarted, unreachable)
    raises :class:`StoreError` naming the URL and what to do, and the collection is looked up
    again on the next call: when the server is back, the store works again by itself.
    """

    def __init__(self, collection: str, path: Path | None = None, url: str | None = None) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        self.name = collection
        self.url = url
        self.where = url or str(path)

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        try:
            if url:
                parsed = urlparse(url)
                if not parsed.hostname:
                    raise StoreError(f"ASSISTANT_CHROMA_URL={url!r} is not a URL like http://127.0.0.1:8000")
                self._client = chromadb.HttpClient(
                    host=parsed.hostname,
                    port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                    ssl=parsed.scheme == "https",
                    settings=chroma_settings,
                )
            else:
                assert path is not None
                path.mkdir(parents=True, exist_ok=True)
                self._client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
            self._collection: Any = self._open()
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"cannot open the Chroma collection {collection!r} at {self.where}: {_one_line(exc)}{self._advice()}") from exc

    def _open(self) -> Any:
        # a wide search, so two builds of the same documents answer (nearly) alike; the thread
        # count is honoured by Chroma's Python HNSW only, its Rust one (1.x) builds with several
        return self._client.get_or_create_collection(
            name=self.name, embedding_function=None, metadata=HNSW
        )

    def _advice(self) -> str:
        if not self.url:
            return ""
        return (f"; is the Chroma server running? Start it (`chroma run --path DIR --host {urlparse(self.url).hostname} "
                f"--port {urlparse(self.url).port or 8000}`) or fix ASSISTANT_CHROMA_URL")

    def _call(self, what: str, fn: Callable[[Any], T]) -> T:
        """``fn(collection)``, with a failure turned into a :class:`StoreError` that says what to do."""
        try:
            if self._collection is None:
                self._collection = self._open()
            return fn(self._collection)
        except Exception as exc:
            self._collection = None  # looked up again next time (a restarted server, a new id)
            retry = "; the assistant reconnects by itself when it is back" if self.url else ""
            raise StoreError(
                f"the Chroma collection {self.name!r} at {self.where} failed to {what}: {_one_line(exc)}{self._advice()}{retry}"
            ) from exc

    def add(self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[dict[str, str | int]]) -> None:
        for i in range(0, len(ids), _BATCH):
            self._call("store vectors", lambda c, i=i: c.upsert(  # type: ignore[misc]
                ids=list(ids[i : i + _BATCH]),
                embeddings=vectors[i : i + _BATCH].tolist(),
                metadatas=[dict(m) for m in metadatas[i : i + _BATCH]],
            ))

    def query(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        n = self.count()
        if n == 0:
            return []
        res = self._call("answer a query", lambda c: c.query(
            query_embeddings=[vector.tolist()], n_results=min(k, n), include=["distances"]
        ))
        ids = res["ids"][0]
        dists = (res.get("distances") or [[1.0] * len(ids)])[0]
        return [(i, 1.0 - float(d)) for i, d in zip(ids, dists, strict=True)]

    def delete(self, ids: Sequence[str]) -> None:
        ids = list(ids)
        for i in range(0, len(ids), _BATCH):
            self._call("delete vectors", lambda c, i=i: c.delete(ids=ids[i : i + _BATCH]))  # type: ignore[misc]

    def ids(self) -> set[str]:
        out: set[str] = set()
        offset = 0
        while True:
            got = self._call("list its ids", lambda c, o=offset: c.get(include=[], limit=5000, offset=o)["ids"])  # type: ignore[misc]
            out.update(got)
            if len(got) < 5000:
                return out
            offset += len(got)

    def count(self) -> int:
        return int(self._call("count its vectors", lambda c: c.count()))

    def check(self) -> None:
        """Raise :class:`StoreError` when the store cannot be reached now (a cheap round trip)."""
        if self.url:
            self._call("answer a heartbeat", lambda c: self._client.heartbeat())


def open_store(config: IndexConfig) -> ChromaStore:
    """The configured store: a Chroma server when ``chroma_url`` is set, else embedded on disk."""
    return ChromaStore(config.collection, path=config.chroma_dir, url=config.chroma_url)
