"""The embedder interface and the batching built once on top of it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

Span = tuple[int, int]  # character offsets [start, end) into an embedded text


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


@runtime_checkable
class SpanEmbedder(Protocol):
    """An embedder that also pools vectors for spans of each text from the same forward pass
    (late chunking), so the answer units of a passage cost no extra encoder run."""

    def embed_spans(self, texts: Sequence[str], spans: Sequence[Sequence[Span]]) -> tuple[np.ndarray, list[np.ndarray]]: ...


def pool_spans(
    states: np.ndarray, offsets: Sequence[tuple[int, int]], mask: Sequence[int], spans: Sequence[Span]
) -> np.ndarray:
    """Mean of the token states whose characters lie in each span, L2-normalised; a span no
    token reached (cut off at the model's input limit) gets a zero vector."""
    out = np.zeros((len(spans), states.shape[-1]), dtype=np.float32)
    if not spans:
        return out
    starts = np.array([a for a, _ in offsets])
    ends = np.array([b for _, b in offsets])
    real = (np.asarray(mask) > 0) & (ends > starts)  # padding and special tokens have no characters
    for k, (a, b) in enumerate(spans):
        take = real & (starts >= a) & (ends <= b)
        if take.any():
            v = states[take].mean(axis=0)
            norm = float(np.linalg.norm(v))
            if norm > 0:
                out[k] = v / norm
    return out


def embed_spans_batched(
    embedder: SpanEmbedder,
    dim: int,
    texts: Sequence[str],
    spans: Sequence[Sequence[Span]],
    batch_size: int = 16,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """:func:`embed_batched` for span embedders: text vectors and per-text span vectors."""
    out = np.zeros((len(texts), dim), dtype=np.float32)
    pooled: list[np.ndarray] = [np.zeros((0, dim), dtype=np.float32)] * len(texts)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for i in range(0, len(order), batch_size):
        idx = order[i : i + batch_size]
        vectors, spans_out = embedder.embed_spans([texts[j] for j in idx], [spans[j] for j in idx])
        out[idx] = vectors
        for j, v in zip(idx, spans_out, strict=True):
            pooled[j] = v
        if on_progress:
            on_progress(len(idx))
    return out, pooled
