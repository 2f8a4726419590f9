"""The vector-store interface. The catalog, not the store, says which passages are live."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class VectorStore(Protocol):
    """Holds passage vectors by id; ``query`` returns ``(id, cosine similarity)`` best first."""

    def add(self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[dict[str, str | int]]) -> None: ...

    def query(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]: ...

    def delete(self, ids: Sequence[str]) -> None: ...

    def ids(self) -> set[str]: ...

    def count(self) -> int: ...
