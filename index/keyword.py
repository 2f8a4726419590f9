"""The keyword (BM25) index beside the vector store, built with ``bm25s``.

It is derived data: rebuilt from the catalog after every ingest and saved with the catalog
version it was built from; a stale or missing copy is rebuilt on load. It keeps the
collection's term statistics too (how many passages hold each content term), counted once when
it is built, so that a starting server need not read every passage to weigh terms.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

TermStats = tuple[int, dict[str, int]]  # (passages, passages holding each term)

_STEMMER = None


def _stemmer():  # type: ignore[no-untyped-def]
    global _STEMMER
    if _STEMMER is None:
        import Stemmer

        _STEMMER = Stemmer.Stemmer("english")
    return _STEMMER


def tokenize(texts: Sequence[str]):  # type: ignore[no-untyped-def]
    import bm25s

    return bm25s.tokenize(list(texts), stopwords="en", stemmer=_stemmer(), show_progress=False)


def count_terms(texts: Iterable[str]) -> TermStats:
    """How many of ``texts`` hold each content term (:func:`index.text.terms`), and how many
    texts there are: the document frequencies IDF is computed from."""
    from index.text import terms

    df: dict[str, int] = {}
    n = 0
    for text in texts:
        n += 1
        for t in set(terms(text)):
            df[t] = df.get(t, 0) + 1
    return n, df


class KeywordIndex:
    """BM25 over passage texts; ``search`` returns ``(passage id, score)`` best first.
    ``term_stats``: the collection's document frequencies (``None`` in an index saved before
    they were kept)."""

    def __init__(self, ids: list[str], retriever, term_stats: TermStats | None = None) -> None:  # type: ignore[no-untyped-def]
        self.ids = ids
        self._retriever = retriever
        self.term_stats = term_stats

    @classmethod
    def build(cls, ids: Sequence[str], texts: Sequence[str], stats_texts: Iterable[str] | None = None) -> KeywordIndex:
        """BM25 over ``texts``; term statistics over ``stats_texts`` (the passages' own text,
        without the section labels BM25 is given)."""
        import bm25s

        retriever = bm25s.BM25()
        if texts:
            retriever.index(tokenize(texts), show_progress=False)
        return cls(list(ids), retriever, count_terms(stats_texts) if stats_texts is not None else None)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        if not self.ids:
            return []
        tokens = tokenize([query])
        if not tokens.vocab or not any(len(t) for t in tokens.ids):
            return []
        k = min(k, len(self.ids))
        docs, scores = self._retriever.retrieve(tokens, k=k, show_progress=False, n_threads=1)
        return [(self.ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    def save(self, directory: Path, version: int) -> None:
        """Write to a fresh folder and swap it in, so a crash never leaves a torn index."""
        tmp = directory.with_name(f"{directory.name}.tmp-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.ids:
            self._retriever.save(str(tmp / "bm25"))
        (tmp / "ids.json").write_text(json.dumps({"version": version, "ids": self.ids}))
        if self.term_stats is not None:
            n, df = self.term_stats
            (tmp / "terms.json").write_text(json.dumps({"passages": n, "df": df}, ensure_ascii=False))
        old = directory.with_name(f"{directory.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        if directory.exists():
            os.replace(directory, old)
        os.replace(tmp, directory)
        shutil.rmtree(old, ignore_errors=True)

    @staticmethod
    def is_current(directory: Path, version: int) -> bool:
        """Whether a saved index matches ``version`` (without loading it)."""
        meta = directory / "ids.json"
        try:
            current = json.loads(meta.read_text()).get("version") == version
            return bool(current and (directory / "terms.json").exists())
        except (OSError, ValueError):
            return False

    @classmethod
    def load(cls, directory: Path, version: int) -> KeywordIndex | None:
        """The saved index if it matches ``version``, else ``None`` (caller rebuilds)."""
        import bm25s

        meta = directory / "ids.json"
        try:
            data = json.loads(meta.read_text())
        except (OSError, ValueError):
            return None  # missing, or swapped out by a writer this instant: rebuilt
        if data.get("version") != version:
            return None
        try:
            got = json.loads((directory / "terms.json").read_text())
            stats: TermStats = (int(got["passages"]), got["df"])
        except (OSError, ValueError, KeyError):
            return None  # saved before term statistics were kept: rebuilt once
        if not data["ids"]:
            return cls([], bm25s.BM25(), stats)
        try:
            retriever = bm25s.BM25.load(str(directory / "bm25"), mmap=False)
        except (OSError, ValueError):
            return None
        return cls(data["ids"], retriever, stats)

