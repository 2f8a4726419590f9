"""Abstention: decide whether the retrieved evidence answers the question at all.

Checks, in order:

- a question that names something specific (a year, a standard number, a figure, a person)
  whose best passages never mention it is a near-miss: the documents are on topic but do not
  hold the answer;
- a question whose own words (a follow-up's inherited ones left out) are mostly words the
  whole collection never uses is about something else ("And what's the weather in Paris?"
  after a question on standards): the conversation must not make it answerable;
- a question asking for a date or a number whose best sentences hold none has no answer here;
- a question no passage comes near in meaning (embedding similarity under a floor) is not
  about this collection, whatever words it shares with it;
- otherwise the evidence score (how well the best passage matches in meaning, and how much of
  the question the best sentence covers) is compared with a threshold calibrated on the
  evaluation's development split.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass

from assistant.question import Question, has_kind, mentions
from assistant.retrieval import Hit

KIND_WINDOW = 3  # a "when"/"how many" answer must be among this many best sentences...
KIND_COVERAGE = 0.1  # ...and be about the question, not a date that merely stands nearby
DENSE_FLOOR = 0.3  # no passage this close in meaning: the collection is not about it (dev answerable >= 0.46)
UNKNOWN_SHARE = 0.5  # a question mostly in words the collection never uses is off its subject
VAGUE = frozenset({"one", "thing", "other", "els", "detail", "exact", "specif", "more", "exampl"})


@dataclass(frozen=True)
class Evidence:
    dense: float
    coverage: float
    missing: tuple[str, ...]
    off_subject: bool = False  # the question's own words are mostly unknown to the collection
    kind_missing: bool = False  # no date/number among the best sentences of a when/how-many

    @property
    def score(self) -> float:
        return 0.3 * self.dense + 0.7 * self.coverage


def assess(
    question: Question,
    hits: Sequence[Hit],
    best: Sequence[tuple[str, float]],
    known: Container[str] = (),
    weigh: Callable[[str], float] = lambda t: 1.0,
) -> Evidence:
    """``best``: the best-scoring answer sentences with their coverage of the question, best
    first; ``known``: the collection's vocabulary; ``weigh``: a term's IDF."""
    coverage = best[0][1] if best else 0.0
    dense = max((h.dense for h in hits), default=0.0)
    texts = [(h.passage.section or "") + "\n" + h.passage.text for h in hits]
    missing = tuple(s for s in question.specifics if not any(mentions(t, s) for t in texts))
    off_subject = False
    own = set(question.own_terms) - VAGUE
    if own and known:
        off_subject = _off_subject(own, known, weigh)
    kind_missing = question.wants in ("date", "number") and not any(
        cov >= KIND_COVERAGE and has_kind(text, question.wants, question.text) for text, cov in best[:KIND_WINDOW]
    )
    return Evidence(dense, coverage, missing, off_subject, kind_missing)


def _off_subject(own: set[str], known: Container[str], weigh: Callable[[str], float]) -> bool:
    """A question mostly in words the whole collection never uses ("weather", "forecast",
    "weekend") is about something else; so is a follow-up that only inherits a subject."""
    weight = {t: weigh(t) for t in own}
    unknown = sum(w for t, w in weight.items() if t not in known)
    return unknown >= UNKNOWN_SHARE * sum(weight.values())


def should_abstain(evidence: Evidence, threshold: float) -> bool:
    return (
        bool(evidence.missing)
        or evidence.dense < DENSE_FLOOR
        or evidence.off_subject
        or evidence.kind_missing
        or evidence.score < threshold
    )
