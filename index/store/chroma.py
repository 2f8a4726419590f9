"""Chroma adapter: embedded (persistent on disk) or a Chroma server (``ASSISTANT_CHROMA_URL``).

Embeddings are always supplied by us (``embedding_function=None``): Chroma's own default model
would be downloaded on first use, which fails offline. Telemetry is off.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from assistant.errors import StoreError

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

_BATCH = 1000


class ChromaStore:
    """One Chroma collection of passage vectors (cosine space)."""

    def __init__(self, collection: str, path: Path | None = None, url: str | None = None) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

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
            self._collection = self._client.get_or_create_collection(
                name=collection,
                embedding_function=None,
                metadata={"hnsw:space": "cosine"},
            )
        except StoreError:
            raise
        except Exception as exc:
            where = url or str(path)
            raise StoreError(f"cannot open the Chroma collection {collection!r} at {where}: {exc}") from exc

    def add(self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[dict[str, str | int]]) -> None:
        for i in range(0, len(ids), _BATCH):
            self._collection.upsert(
                ids=list(ids[i : i + _BATCH]),
                embeddings=vectors[i : i + _BATCH].tolist(),
                metadatas=[dict(m) for m in metadatas[i : i + _BATCH]],
            )

    def query(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        n = self.count()
        if n == 0:
            return []
        res = self._collection.query(
            query_embeddings=[vector.tolist()], n_results=min(k, n), include=["distances"]
        )
        ids = res["ids"][0]
        dists = (res.get("distances") or [[1.0] * len(ids)])[0]
        return [(i, 1.0 - float(d)) for i, d in zip(ids, dists, strict=True)]

    def delete(self, ids: Sequence[str]) -> None:
        ids = list(ids)
        for i in range(0, len(ids), _BATCH):
            self._collection.delete(ids=ids[i : i + _BATCH])

    def ids(self) -> set[str]:
        out: set[str] = set()
        offset = 0
        while True:
            got = self._collection.get(include=[], limit=5000, offset=offset)["ids"]
            out.update(got)
            if len(got) < 5000:
                return out
            offset += len(got)

    def count(self) -> int:
        return int(self._collection.count())


def open_store(settings) -> ChromaStore:  # type: ignore[no-untyped-def]
    """The configured store: a Chroma server when ``chroma_url`` is set, else embedded on disk."""
    return ChromaStore(settings.collection, path=settings.chroma_dir, url=settings.chroma_url)
