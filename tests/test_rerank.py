"""The rerank stage on hand-made hits: what each feature rewards, and that it only reorders."""

from __future__ import annotations

from assistant.engine.query import analyse
from assistant.engine.rerank import Reranker, Weights
from assistant.engine.retrieve import Hit
from index.split import Passage
from index.text import terms


def hit(pid: str, text: str, score: float, dense: float = 0.5, section: str | None = None) -> Hit:
    p = Passage(pid, "doc.txt", 0, text, section, 0, len(text), pid)
    return Hit(p, score, dense=dense)


IDF = {t: 1.0 for t in terms("battery passport standard drafted 2025 weather fine companies individuals")}


def rerank(query: str, hits: list[Hit], weights: Weights) -> list[str]:
    out = Reranker(IDF, weights).rerank(analyse(query), hits, lambda h: frozenset(terms(h.passage.text)))
    return [h.passage.id for h in out]


def test_a_passage_covering_the_question_overtakes_a_slightly_better_fused_one() -> None:
    hits = [
        hit("a", "The weather was fine for the companies.", 0.033),
        hit("b", "The battery passport standard was drafted in 2025.", 0.031),
    ]
    query = "When was the battery passport standard drafted?"
    assert rerank(query, list(hits), Weights(coverage=0.0)) == ["a", "b"]  # fused order alone
    assert rerank(query, list(hits), Weights(coverage=1.0)) == ["b", "a"]


def test_the_best_sentence_counts_more_than_scattered_words() -> None:
    scattered = hit("a", "A battery was shown. A passport was lost. A standard exists. It was drafted.", 0.03)
    together = hit("b", "Then the battery passport standard was drafted. Nothing else.", 0.03)
    order = rerank("battery passport standard drafted", [scattered, together], Weights(sentence=1.0))
    assert order == ["b", "a"]


def test_features_are_recorded_and_nothing_is_dropped() -> None:
    hits = [hit(str(i), f"passage {i} about fine companies", 0.03 - i * 0.001) for i in range(6)]
    reranker = Reranker(IDF)
    out = reranker.rerank(analyse("fine for companies"), hits, lambda h: frozenset(terms(h.passage.text)))
    assert sorted(h.passage.id for h in out) == [str(i) for i in range(6)]
    assert {"rrf", "coverage", "sentence", "section", "specifics", "dense", "fused"} <= set(out[0].features)
    assert out[0].features["coverage"] == 1.0
