"""sentence-transformers adapter (torch, float32): the reference the ONNX model is checked against."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from index.embed.base import Span, pool_spans
from index.embed.tokenizer import packaged_model_path


class SentenceTransformerEmbedder:
    """The packaged all-MiniLM-L6-v2 through sentence-transformers (about 6 s to import)."""

    name = "all-MiniLM-L6-v2/torch-fp32"
    dim = 384

    def __init__(self) -> None:
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(packaged_model_path()), device="cpu")

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(
            self._model.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True),
            dtype=np.float32,
        )

    def embed_spans(self, texts: Sequence[str], spans: Sequence[Sequence[Span]]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Vectors of the texts and of character spans of them, pooled from one forward pass."""
        got: Any = self._model.encode(list(texts), output_value=None, convert_to_numpy=True)
        limit = self._model.max_seq_length
        enc = self._model.tokenizer(list(texts), return_offsets_mapping=True, truncation=True, max_length=limit)
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        pooled = []
        for i, out in enumerate(got):
            v = out["sentence_embedding"].detach().cpu().numpy()
            vectors[i] = v / (np.linalg.norm(v) or 1.0)
            states = out["token_embeddings"].detach().cpu().numpy()
            offsets = enc["offset_mapping"][i][: len(states)]
            pooled.append(pool_spans(states, offsets, [1] * len(offsets), spans[i]))
        return vectors, pooled
