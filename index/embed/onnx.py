"""ONNX Runtime adapter: the default embedder, int8, no torch at query time."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.embed.base import Span, pool_spans
from index.embed.export import ONNX_FILE, export_onnx
from index.embed.tokenizer import MAX_TOKENS
from index.errors import EmbedderError


class OnnxEmbedder:
    """all-MiniLM-L6-v2 exported to ONNX and quantised; 384 dimensions, normalised."""

    name = "all-MiniLM-L6-v2/onnx-int8"
    dim = 384

    def __init__(self, model_dir: Path, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        path = model_dir / ONNX_FILE
        if not path.exists():
            try:
                export_onnx(model_dir)
            except Exception as exc:  # torch/transformers failure: say what to do
                raise EmbedderError(
                    f"could not prepare the ONNX embedder in {model_dir}: {exc}. "
                    "Run `assistant prepare` or set ASSISTANT_EMBEDDER=sentence-transformers."
                ) from exc
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or 0
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding()
        self._lock = threading.Lock()  # the tokenizer's padding state is shared

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        _, ids, mask = self._encode(texts)
        (vectors,) = self._session.run(["embedding"], {"input_ids": ids, "attention_mask": mask})
        return np.asarray(vectors, dtype=np.float32)

    def embed_spans(self, texts: Sequence[str], spans: Sequence[Sequence[Span]]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Each text's vector and, from the same forward pass, one vector per character span
        of it (its token states pooled: "late chunking")."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32), []
        encodings, ids, mask = self._encode(texts)
        vectors, states = self._session.run(["embedding", "tokens"], {"input_ids": ids, "attention_mask": mask})
        pooled = [pool_spans(states[i], e.offsets, e.attention_mask, spans[i]) for i, e in enumerate(encodings)]
        return np.asarray(vectors, dtype=np.float32), pooled

    def _encode(self, texts: Sequence[str]):  # type: ignore[no-untyped-def]
        with self._lock:
            encodings = self._tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        return encodings, ids, mask
