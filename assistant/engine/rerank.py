"""Stage 2, rerank: reorder the fused candidates with evidence neither retriever weighs alone.

No cross-encoder can be downloaded here, so the rerank scores each candidate passage on a few
cheap, interpretable features and adds them to its fused rank score:

- ``coverage``: the share of the question's (IDF-weighted) terms the passage or its section
  heading contains;
- ``sentence``: the same share for the passage's best single sentence (the answer sits in one
  sentence, not spread over a passage that merely shares vocabulary);
- ``section``: the share the section heading alone contains (an article titled with the topic);
- ``specifics``: whether the years, numbers, standard codes and names the question names are in
  the passage (a question on "GB 45438" wants the passage that says GB 45438);
- ``dense``: the embedding similarity already measured by the dense retriever.

The weights were chosen on the evaluation's development split (``eval/tune_rerank.py``); the
test split judges them. ``ASSISTANT_RERANK=false`` turns the stage off.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from assistant.engine.query import Query, mentions
from assistant.engine.retrieve import Hit
from index.text import sentence_spans, terms


@dataclass(frozen=True)
class Weights:
    rrf: float = 1.0
    coverage: float = 0.0
    sentence: float = 0.0
    section: float = 0.0
    specifics: float = 0.0
    dense: float = 0.0


# chosen on the dev split by eval/tune_rerank.py (MRR + hit@5 of the evidence); on the test split
# they took MRR 0.777 -> 0.793 and hit@5 0.928 -> 0.946 over the fused order of the same pool
DEFAULT = Weights(rrf=1.0, coverage=2.0, sentence=1.0, section=0.0, specifics=0.0, dense=0.3)
FEATURES = ("rrf", "coverage", "sentence", "section", "specifics", "dense")


class Reranker:
    """Scores hits with :data:`FEATURES`; ``idf`` maps the collection's terms to their weight."""

    def __init__(self, idf: Mapping[str, float], weights: Weights = DEFAULT) -> None:
        self.idf = idf
        self.weights = weights
        self._rarest = max(idf.values(), default=1.0)
        self._sentences: dict[str, list[frozenset[str]]] = {}
        self._section: dict[str, frozenset[str]] = {}

    def features(self, q: Query, hits: Sequence[Hit], passage_terms: Callable[[Hit], frozenset[str]]) -> None:
        """Fill ``hit.features`` for every hit."""
        weight = {t: self.idf.get(t, self._rarest) for t in q.terms}
        total = sum(weight.values()) or 1.0
        top = max((h.score for h in hits), default=1.0) or 1.0

        def share(have: frozenset[str]) -> float:
            return sum(w for t, w in weight.items() if t in have) / total

        for h in hits:
            p = h.passage
            section = self._section_terms(p.id, p.section)
            body = passage_terms(h)
            text = (p.section or "") + "\n" + p.text
            h.features = {
                "rrf": h.score / top,
                "coverage": share(body | section),
                "sentence": max((share(s) for s in self._sentence_terms(p.id, p.text)), default=0.0),
                "section": share(section),
                "specifics": (
                    sum(mentions(text, s) for s in q.specifics) / len(q.specifics) if q.specifics else 1.0
                ),
                "dense": max(h.dense, 0.0),
            }

    def rerank(self, query: Query, hits: Sequence[Hit], passage_terms: Callable[[Hit], frozenset[str]]) -> list[Hit]:
        """``hits`` best first by the weighted features (the fused order breaks ties)."""
        self.features(query, hits, passage_terms)
        w = self.weights
        for h in hits:
            f = h.features
            f["fused"] = h.score
            h.score = (
                w.rrf * f["rrf"]
                + w.coverage * f["coverage"]
                + w.sentence * f["sentence"]
                + w.section * f["section"]
                + w.specifics * f["specifics"]
                + w.dense * f["dense"]
            )
        return sorted(hits, key=lambda h: h.score, reverse=True)

    def _sentence_terms(self, pid: str, text: str) -> list[frozenset[str]]:
        got = self._sentences.get(pid)
        if got is None:
            got = [frozenset(terms(text[a:b])) for a, b in sentence_spans(text)]
            self._sentences[pid] = got
        return got

    def _section_terms(self, pid: str, section: str | None) -> frozenset[str]:
        got = self._section.get(pid)
        if got is None:
            got = frozenset(terms(section or ""))
            self._section[pid] = got
        return got
