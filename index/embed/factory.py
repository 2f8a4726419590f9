"""Build the configured embedder (the only place that knows the backends)."""

from __future__ import annotations

from index.config import IndexConfig
from index.embed.base import Embedder


def make_embedder(config: IndexConfig) -> Embedder:
    if config.embedder == "sentence-transformers":
        from index.embed.st import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder()
    from index.embed.onnx import OnnxEmbedder

    return OnnxEmbedder(config.model_dir)


def embedder_name(config: IndexConfig) -> str:
    """The vector-space name of the configured embedder, without loading it."""
    if config.embedder == "sentence-transformers":
        from index.embed.st import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder.name
    from index.embed.onnx import OnnxEmbedder

    return OnnxEmbedder.name
