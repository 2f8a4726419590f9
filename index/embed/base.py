"""The embedder interface and the batching built once on top of it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors. ``name`` identifies the vector space: a
    collection built with one name is never queried with another."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def embed_batched(
    embedder: Embedder,
    texts: Sequence[str],
    batch_size: int = 16,
    on_progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Embed many texts in batches of similar length (less padding), in the original order."""
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    for i in range(0, len(order), batch_size):
        idx = order[i : i + batch_size]
        out[idx] = embedder.embed([texts[j] for j in idx])
        if on_progress:
            on_progress(len(idx))
    return out
