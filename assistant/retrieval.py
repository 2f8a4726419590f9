"""Hybrid retrieval: dense (Chroma) and keyword (BM25) candidates fused by reciprocal rank,
near-duplicates collapsed (the newsletters repeat each article's opening in a Takeaways block),
then an optional rerank.

Only passages the catalog lists are returned: vectors orphaned by an interrupted ingest are
invisible here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.text import terms
from index.catalog import Catalog
from index.embed.base import Embedder
from index.keyword import KeywordIndex
from index.split import Passage
from index.store.base import VectorStore

RRF_K = 60
DUPLICATE_OVERLAP = 0.8


@dataclass
class Hit:
    """A retrieved passage with the evidence of how it was found."""

    passage: Passage
    score: float
    dense: float = 0.0
    keyword: float = 0.0
    dense_rank: int | None = None
    keyword_rank: int | None = None
    features: dict[str, float] = field(default_factory=dict)


class Retriever:
    """Dense + keyword retrieval over one collection."""

    def __init__(
        self,
        catalog: Catalog,
        store: VectorStore,
        keyword: KeywordIndex,
        embedder: Embedder,
        candidates: int = 30,
    ) -> None:
        self.catalog = catalog
        self.store = store
        self.keyword = keyword
        self.embedder = embedder
        self.candidates = candidates
        self.passages: dict[str, Passage] = {p.id: p for p in catalog.passages()}
        self._terms: dict[str, frozenset[str]] = {}

    def embed_query(self, query: str) -> np.ndarray:
        return self.embedder.embed([query])[0]

    def dense(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        # over-fetch a little: orphans from an interrupted ingest are filtered out here
        got = self.store.query(vector, k + 8)
        return [(i, s) for i, s in got if i in self.passages][:k]

    def retrieve(self, query: str, k: int, vector: np.ndarray | None = None) -> list[Hit]:
        """The ``k`` best distinct passages for ``query``, best first."""
        if not self.passages:
            return []
        if vector is None:
            vector = self.embed_query(query)
        dense = self.dense(vector, self.candidates)
        keyword = [(i, s) for i, s in self.keyword.search(query, self.candidates) if i in self.passages]
        hits: dict[str, Hit] = {}
        for rank, (pid, sim) in enumerate(dense):
            h = hits.setdefault(pid, Hit(self.passages[pid], 0.0))
            h.dense, h.dense_rank = sim, rank
            h.score += 1.0 / (RRF_K + rank + 1)
        for rank, (pid, bm) in enumerate(keyword):
            h = hits.setdefault(pid, Hit(self.passages[pid], 0.0))
            h.keyword, h.keyword_rank = bm, rank
            h.score += 1.0 / (RRF_K + rank + 1)
        ranked = sorted(hits.values(), key=lambda h: h.score, reverse=True)
        return self.collapse(ranked)[:k]

    def passage_terms(self, passage: Passage) -> frozenset[str]:
        got = self._terms.get(passage.id)
        if got is None:
            got = frozenset(terms(passage.text))
            self._terms[passage.id] = got
        return got

    def collapse(self, ranked: Sequence[Hit]) -> list[Hit]:
        """Collapse passages whose content terms are mostly those of a better-ranked one, keeping
        the fuller of the two at the better rank."""
        kept: list[Hit] = []
        for h in ranked:
            t = self.passage_terms(h.passage)
            duplicate = False
            for pos, other in enumerate(kept):
                o = self.passage_terms(other.passage)
                small = min(len(t), len(o)) or 1
                if len(t & o) / small >= DUPLICATE_OVERLAP:
                    duplicate = True
                    if len(t) > len(o):  # keep the fuller passage (the article, not its summary)
                        h.score = max(h.score, other.score)
                        kept[pos] = h
                    break
            if not duplicate:
                kept.append(h)
        return kept
