"""Scoring one answered turn and aggregating: ranking metrics come from ``ir_measures``;
answer, citation and abstention metrics are defined here on top of the citation module."""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from assistant.engine import citations
from eval.dataset import carries, flatten

K_VALUES = (1, 3, 5, 10)


@dataclass
class TurnResult:
    """Everything the report needs about one asked question."""

    item_id: str
    turn: int
    type: str
    split: str
    source: str
    paraphrased: bool
    near_miss: bool
    answerable: bool
    question: str
    query: str
    expected: str
    answer: str
    abstained: bool
    key_facts_ok: bool
    cited_supported: int
    cited_total: int
    evidence_cited: bool
    ranking: list[str]  # retrieved passage ids, best first (for ir_measures)
    relevant: list[str]  # passage ids that carry the evidence
    retrieved_preview: list[str] = field(default_factory=list)
    latency_ms: float = 0.0
    first_token_ms: float | None = None  # when the answer was streamed: its first piece
    clean: bool = True  # no ":." and no leading artefact ("Answer:", a pilcrow, a bullet)
    highlights_ok: bool = True  # every highlighted span of a citation is what the answer quotes
    collection: str = "standards"
    verdict: str = ""  # what the check stage decided, and why
    error: str = ""  # the generator failed on this turn (a time limit): no answer to score

    @property
    def correct(self) -> bool:
        """The turn's verdict for the gate: right facts when answerable, abstention when not."""
        return self.abstained if not self.answerable else (not self.abstained and self.key_facts_ok)


def key_facts_ok(answer: str, key_facts: Sequence[Sequence[str]]) -> bool:
    """Every key fact present (any of its alternatives), compared on letters and digits only;
    a fact that is only punctuation (the characters ``"`` and ``'``) is looked for as written."""
    flat = " " + flatten(answer) + " "
    return all(any(" " + flatten(alt) + " " in flat if flatten(alt) else alt in answer for alt in alts) for alts in key_facts)


_ARTEFACT = re.compile(r"^\s*(?:answer\s*:|question\s*:|\u00b6|[-•*]\s)", re.IGNORECASE)


def is_clean(answer: str) -> bool:
    """No sentence ending ":." (or ",." / ";.": a clause cut off) and no extraction artefact at
    the start (code blocks aside)."""
    prose = re.sub(r"```.*?```", " ", answer, flags=re.S)  # code is quoted as written
    return not re.search(r"[:,;]\.(?![\w.])", prose) and not _ARTEFACT.match(prose) and "\u00b6" not in prose


_ASIDE = re.compile(r"\((?:hereinafter|hereafter)[^)]{0,120}\)", re.IGNORECASE)


def highlights_quoted(answer: str, citations_: Sequence[tuple[str, Sequence[tuple[int, int]]]]) -> bool:
    """Every highlighted span (``(start, end)`` into its citation's text) holds words the answer
    quotes: at least nine in ten of its words are in the answer. A "(hereinafter ...)" aside
    is an artefact the answer leaves out by design, so it is not counted."""
    said = set(flatten(answer).split())
    for text, spans in citations_:
        for a, b in spans:
            words = flatten(_ASIDE.sub(" ", text[a:b])).split()
            if not words or sum(w in said for w in words) < 0.9 * len(words):
                return False
    return True


def citation_support(answer: str, cited: dict[int, str]) -> tuple[int, int]:
    """``(supported, total)`` over (sentence, cited passage) pairs of an answer."""
    supported = total = 0
    for sentence, nums in citations.cited_sentences(answer):
        for n in nums:
            if n in cited:
                total += 1
                supported += citations.is_supported(sentence, cited[n])
    return supported, total


def relevant_ids(passages: Iterable[tuple[str, str]], evidence: Sequence[str]) -> list[str]:
    return [pid for pid, text in passages if any(carries(text, e) for e in evidence)]


def ranking_metrics(results: Sequence[TurnResult]) -> dict[str, float]:
    """hit@k, MRR and nDCG@10 over the answerable turns, by ``ir_measures``."""
    import ir_measures
    from ir_measures import RR, Qrel, ScoredDoc, Success, nDCG

    scored = [r for r in results if r.answerable]
    if not scored:
        return {}
    qrels = [Qrel(f"{r.item_id}#{r.turn}", pid, 1) for r in scored for pid in r.relevant]
    run = [
        ScoredDoc(f"{r.item_id}#{r.turn}", pid, float(len(r.ranking) - i))
        for r in scored
        for i, pid in enumerate(r.ranking)
    ]
    measures = [Success @ k for k in K_VALUES] + [RR, nDCG @ 10]
    per_query: dict[str, dict[str, float]] = {}
    for m in ir_measures.iter_calc(measures, qrels, run):
        per_query.setdefault(m.query_id, {})[str(m.measure)] = m.value
    n = len(scored)  # a query with no relevant passage found in the index scores 0
    out = {f"hit@{k}": sum(q.get(f"Success@{k}", 0.0) for q in per_query.values()) / n for k in K_VALUES}
    out["mrr"] = sum(q.get("RR", 0.0) for q in per_query.values()) / n
    out["ndcg@10"] = sum(q.get("nDCG@10", 0.0) for q in per_query.values()) / n
    return out


def answer_metrics(results: Sequence[TurnResult]) -> dict[str, float]:
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    abstained = [r for r in results if r.abstained]
    out: dict[str, float] = {}
    if answerable:
        out["key_fact_accuracy"] = _mean(r.key_facts_ok and not r.abstained for r in answerable)
        out["false_refusal_rate"] = _mean(r.abstained for r in answerable)
        out["citation_recall"] = _mean(r.evidence_cited for r in answerable)
    pairs = sum(r.cited_total for r in results)
    out["citation_precision"] = sum(r.cited_supported for r in results) / pairs if pairs else 1.0
    if unanswerable:
        out["abstention_recall"] = _mean(r.abstained for r in unanswerable)
    out["abstention_precision"] = _mean(not r.answerable for r in abstained) if abstained else 1.0
    out["abstention_correct"] = _mean(r.abstained == (not r.answerable) for r in results) if results else 0.0
    answered = [r for r in results if not r.abstained]
    if answered:
        out["clean_answers"] = _mean(r.clean for r in answered)
        out["highlights_ok"] = _mean(r.highlights_ok for r in answered)
    lat = sorted(r.latency_ms for r in results)
    if lat:
        out["latency_p50_ms"] = statistics.median(lat)
        out["latency_p95_ms"] = lat[min(len(lat) - 1, int(0.95 * len(lat)))]
    first = sorted(r.first_token_ms for r in results if r.first_token_ms is not None)
    if first:
        out["first_token_p50_ms"] = statistics.median(first)
        out["first_token_p95_ms"] = first[min(len(first) - 1, int(0.95 * len(first)))]
    return out


def _mean(values: Iterable[bool]) -> float:
    vals = list(values)
    return sum(vals) / len(vals) if vals else 0.0


def summarize(results: Sequence[TurnResult]) -> dict[str, float]:
    """Ranking figures over every turn; answer, citation and abstention figures over the turns
    the generator answered (one that failed, say past its time limit, is counted in ``errors``)."""
    out = ranking_metrics(results)
    out.update(answer_metrics([r for r in results if not r.error]))
    out["errors"] = float(sum(bool(r.error) for r in results))
    out["n"] = float(len(results))
    return out
