"""Build the configured embedder (the only place that knows the backends)."""

from __future__ import annotations

from assistant.settings import Settings
from index.embed.base import Embedder


def make_embedder(settings: Settings) -> Embedder:
    if settings.embedder == "sentence-transformers":
        from index.embed.st import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder()
    from index.embed.onnx import OnnxEmbedder

    return OnnxEmbedder(settings.model_dir)


def embedder_name(settings: Settings) -> str:
    """The vector-space name of the configured embedder, without loading it."""
    if settings.embedder == "sentence-transformers":
        from index.embed.st import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder.name
    from index.embed.onnx import OnnxEmbedder

    return OnnxEmbedder.name
