"""Abstention: decide whether the retrieved evidence answers the question at all.

Two checks. A question that names something specific (a year, a standard number, a figure, a
person) whose best passages never mention it is a near-miss: the documents are on topic but
do not hold the answer. Otherwise the evidence score (how well the best passage matches in
meaning, and how much of the question the best sentence covers) is compared with a threshold
calibrated on the evaluation's development split.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.question import Question, mentions
from assistant.retrieval import Hit


@dataclass(frozen=True)
class Evidence:
    dense: float
    coverage: float
    missing: tuple[str, ...]

    @property
    def score(self) -> float:
        return 0.3 * self.dense + 0.7 * self.coverage


def assess(question: Question, hits: Sequence[Hit], coverage: float) -> Evidence:
    dense = max((h.dense for h in hits), default=0.0)
    texts = [(h.passage.section or "") + "\n" + h.passage.text for h in hits]
    missing = tuple(s for s in question.specifics if not any(mentions(t, s) for t in texts))
    return Evidence(dense=dense, coverage=coverage, missing=missing)


def should_abstain(evidence: Evidence, threshold: float) -> bool:
    return bool(evidence.missing) or evidence.score < threshold
