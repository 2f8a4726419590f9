"""What documents-in needs to know, and nothing more: where the collection lives, how passages
are cut, which embedder makes their vectors. The assistant's settings build one of these; no
module under ``index/`` reads the assistant's settings or the environment itself."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

EmbedderName = Literal["onnx", "sentence-transformers"]


@dataclass(frozen=True)
class IndexConfig:
    """One collection's location and the parameters its passages and vectors were made with."""

    data_dir: Path
    collection: str = "passages"
    chroma_url: str | None = None  # http://host:port of a Chroma server; None = embedded on disk
    embedder: EmbedderName = "onnx"
    model_cache: Path | None = None  # where the exported ONNX model lives; None = <data_dir>/models
    embed_batch_size: int = 16
    chunk_tokens: int = 200  # passage size in embedder word pieces
    chunk_overlap: int = 32

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def catalog_path(self) -> Path:
        return self.data_dir / "catalog.sqlite"

    @property
    def keyword_dir(self) -> Path:
        return self.data_dir / "keyword"

    @property
    def model_dir(self) -> Path:
        return self.model_cache or (self.data_dir / "models")
