"""sentence-transformers adapter (torch, float32): the reference the ONNX model is checked against."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

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
