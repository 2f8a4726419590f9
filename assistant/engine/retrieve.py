"""Stage 1, retrieve: dense (Chroma) and keyword (BM25) candidates fused by reciprocal rank,
near-duplicates collapsed (a document that repeats an article's opening in a summary block),
then the optional rerank stage (:mod:`assistant.engine.rerank`).

Takes the analysed query (its text and vector); gives the ``k`` best passages as :class:`Hit`.

Only passages the catalog lists are returned: vectors orphaned by an interrupted ingest are
invisible here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from assistant.engine.query import Query, analyse, is_acronym, names_exactly
from index.catalog import Catalog
from index.embed.base import Embedder
from index.keyword import KeywordIndex, count_terms
from index.split import Passage
from index.store.base import VectorStore
from index.text import terms

RRF_K = 60
DUPLICATE_OVERLAP = 0.8
RERANK_POOL = 20  # fused candidates the rerank stage reorders
NAMED = 2  # passages a name's own heading contributes, as a third ranked list
TERMS_CACHE = 20_000  # passages whose term sets are kept between questions
_WORD = re.compile(r"\w+")


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


class Reranks(Protocol):
    """A rerank stage (:class:`assistant.engine.rerank.Reranker`)."""

    def rerank(self, query: Query, hits: Sequence[Hit], passage_terms: Callable[[Hit], frozenset[str]]) -> list[Hit]: ...


class Retriever:
    """Dense + keyword retrieval over one collection, with an optional rerank stage."""

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
        self._all: dict[str, Passage] | None = None
        self._terms: dict[str, frozenset[str]] = {}
        self._idf: dict[str, float] | None = None
        self._headings: dict[str, list[str]] | None = None
        self._by_word: dict[str, list[str]] = {}
        self.reranker: Reranks | None = None

    @property
    def passages(self) -> dict[str, Passage]:
        """Every live passage, read from the catalog on first use. Answering never needs it (it
        reads the hits' texts only); the evaluation's baselines do."""
        if self._all is None:
            self._all = {p.id: p for p in self.catalog.passages()}
        return self._all

    def live(self, ids: Sequence[str]) -> dict[str, Passage]:
        """The passages the catalog lists among ``ids`` (an orphan vector from an interrupted
        ingest, or a passage deleted since, is not among them), texts read for these only."""
        if self._all is not None:
            return {i: self._all[i] for i in ids if i in self._all}
        return {p.id: p for p in self.catalog.passages(list(dict.fromkeys(ids)))}

    def embed_query(self, query: str) -> np.ndarray:
        return self.embedder.embed([query])[0]

    def dense(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        # over-fetch a little: orphans from an interrupted ingest are filtered out here
        got = self.store.query(vector, k + 8)
        live = self.live([i for i, _ in got])
        return [(i, s) for i, s in got if i in live][:k]

    def retrieve(self, query: str | Query, k: int) -> list[Hit]:
        """The ``k`` best distinct passages for ``query``, best first."""
        return self.retrieve_both(query if isinstance(query, Query) else analyse(query), k)[0]

    def retrieve_both(self, query: Query, k: int) -> tuple[list[Hit], list[Hit]]:
        """The ``k`` best passages after the rerank, and the ``k`` best of the fused order
        before it (the abstention checks were calibrated on those: a rerank that pulls in a
        passage on "the 13th energy plan" must not make "the 13th Five-Year Plan" answerable).
        A question about several things by name ("secrets.randbelow(n), and random.randint")
        gets the entry of each among both, however the others rank."""
        names = [n for n in query.subjects if not is_acronym(n)]
        entries = self.entries(names)
        fused = self.fused(query.text, query.vector, names, entries)
        before = [_copy(h) for h in fused[:k]]
        several = [ids for ids in entries if ids]
        by_id: dict[str, Hit] = {}
        if len(several) > 1:
            # an entry the collapse folded into a fuller passage is still that name's own entry
            by_id = {pid: Hit(p, 0.0) for pid, p in self.live([ids[0] for ids in several]).items()}
            by_id.update({h.passage.id: h for h in fused})
            before = _each_entry(before, several, lambda pid: _copy(by_id[pid]) if pid in by_id else None)
        if self.reranker is None:
            hits = fused[:k]
        else:
            pool = fused[: max(RERANK_POOL, k)]
            hits = self.reranker.rerank(query, pool, lambda h: self.passage_terms(h.passage))[:k]
        if by_id:
            hits = _each_entry(hits, several, by_id.get)
        return hits, before

    def fused(self, query: str, vector: np.ndarray | None = None, names: Sequence[str] = (),
              entries: Sequence[Sequence[str]] | None = None) -> list[Hit]:
        """Every candidate of either retriever, fused by reciprocal rank and collapsed, with the
        passages under a heading that names one of ``names`` exactly as a third ranked list
        (``entries``: :meth:`entries` of ``names``, when the caller has them already)."""
        if vector is None:
            vector = self.embed_query(query)
        got = self.store.query(vector, self.candidates + 8)  # over-fetch: orphans are dropped
        found = self.keyword.search(query, self.candidates)
        headed = _first_of_each(self.entries(names) if entries is None else entries)
        live = self.live([i for i, _ in got] + [i for i, _ in found] + headed)
        if not live:
            return []
        dense = [(i, s) for i, s in got if i in live][: self.candidates]
        keyword = [(i, s) for i, s in found if i in live]
        hits: dict[str, Hit] = {}
        for rank, (pid, sim) in enumerate(dense):
            h = hits.setdefault(pid, Hit(live[pid], 0.0))
            h.dense, h.dense_rank = sim, rank
            h.score += 1.0 / (RRF_K + rank + 1)
        for rank, (pid, bm) in enumerate(keyword):
            h = hits.setdefault(pid, Hit(live[pid], 0.0))
            h.keyword, h.keyword_rank = bm, rank
            h.score += 1.0 / (RRF_K + rank + 1)
        for rank, pid in enumerate(p for p in headed if p in live):
            h = hits.setdefault(pid, Hit(live[pid], 0.0))
            h.score += 1.0 / (RRF_K + rank + 1)
        ranked = sorted(hits.values(), key=lambda h: h.score, reverse=True)
        return self.collapse(ranked)

    def named(self, names: Sequence[str]) -> list[str]:
        """The passages under the headings that name one of ``names`` exactly (the entry of
        ``functools.cache``, not of ``functools.cached_property``), :data:`NAMED` per name:
        a name the question asks about finds its own entry, however common its words are."""
        return _first_of_each(self.entries(names))

    def entries(self, names: Sequence[str]) -> list[list[str]]:
        """For each name, the passages under the headings that name it exactly, the nearest
        heading first; a bare name its qualified form already found ("randint" after
        "random.randint") adds nothing."""
        if not names:
            return []
        if self._headings is None:
            self._headings = self.catalog.headings()
            # each heading under every identifier in it, so a name looks at a few headings, not all
            for heading in self._headings:
                for word in set(_WORD.findall(heading)):
                    self._by_word.setdefault(word, []).append(heading)
        out: list[list[str]] = []
        seen: set[str] = set()
        for name in names:
            words = _WORD.findall(name)
            near = self._by_word.get(words[-1], []) if words else []
            matched = sorted((h for h in near if names_exactly(h, name)), key=len)  # the nearest first
            ids = list(dict.fromkeys(pid for heading in matched for pid in self._headings[heading]))
            out.append([] if seen & set(ids) else ids)
            seen.update(ids)
        return out

    def idf(self) -> dict[str, float]:
        """Inverse document frequency of every term over the collection's passages (BM25's),
        from the document frequencies saved with the keyword index (counted once, at ingest)."""
        if self._idf is None:
            stats = self.keyword.term_stats
            if stats is None:  # an index saved before it kept them: count now
                stats = count_terms(p.text for p in self.passages.values())
            n, df = stats
            n = max(n, 1)
            self._idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        return self._idf

    def passage_terms(self, passage: Passage) -> frozenset[str]:
        got = self._terms.get(passage.id)
        if got is None:
            if len(self._terms) >= TERMS_CACHE:  # the hits of many questions, not the collection
                self._terms.clear()
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


def _first_of_each(entries: Sequence[Sequence[str]]) -> list[str]:
    """The first :data:`NAMED` passages of each name's entries, each passage once."""
    out: list[str] = []
    for ids in entries:
        out += [pid for pid in ids if pid not in out][:NAMED]
    return out


def _copy(hit: Hit) -> Hit:
    """A hit the rerank's writing to its features leaves as it was."""
    return replace(hit, features=dict(hit.features))


def _each_entry(hits: list[Hit], entries: Sequence[Sequence[str]], hit_of: Callable[[str], Hit | None]) -> list[Hit]:
    """``hits`` with, for each named thing none of them is an entry of, its first entry's
    passage (``hit_of`` it) in place of the last hit that no other named thing needs."""
    hits = list(hits)
    for ids in entries:
        entry = None if any(h.passage.id in ids for h in hits) else hit_of(ids[0])
        if entry is None:
            continue
        needed = {h.passage.id for h in hits if any(h.passage.id in other for other in entries)}
        for pos in range(len(hits) - 1, -1, -1):
            if hits[pos].passage.id not in needed:
                hits[pos] = entry
                break
    return hits
