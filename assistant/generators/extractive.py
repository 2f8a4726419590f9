"""The default generator: no language model. It answers with the one to three sentences of the
retrieved passages that best answer the question, each followed by its citation marker.

A sentence scores by how much of the question's (IDF-weighted) content it covers, whether it
holds the kind of thing asked for (a number for "how many", a date for "when", a name for
"who", items for "which are"), and the rank of its passage.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from assistant.citations import Source, marker
from assistant.generators.base import Draft
from assistant.models import Message
from assistant.question import Question, analyse, has_kind
from assistant.text import sentence_spans, terms

_NOISE = [
    (re.compile(r"\s*\((?:hereinafter|hereafter)[^)]{0,120}\)"), ""),
    (re.compile(r"^\s*(?:[-–•]\s+|\d{1,2}[.)]\s+)"), ""),
    (re.compile(r"\s+"), " "),
]
MAX_SENTENCES = 3
MAX_CHARS = 700
CARRIED_WEIGHT = 0.35  # a follow-up's inherited words count, but less than what was asked now


@dataclass(frozen=True)
class Candidate:
    text: str
    source: int  # 1-based source number
    score: float
    coverage: float
    covered: frozenset[str]
    position: int


def tidy(sentence: str) -> str:
    """Trim PDF noise from a sentence that is quoted in an answer."""
    for pattern, repl in _NOISE:
        sentence = pattern.sub(repl, sentence)
    return sentence.strip()


class ExtractiveGenerator:
    """Composes answers from source sentences; deterministic and fast (a few ms)."""

    name = "extractive"

    def __init__(self, idf: Mapping[str, float] | None = None) -> None:
        self.vocabulary: Mapping[str, float] = idf or {}  # term -> IDF over the collection
        self._rarest = max(self.vocabulary.values(), default=1.0)

    def idf(self, term: str) -> float:
        """A term's IDF (an unknown term weighs like the rarest known one)."""
        return self.vocabulary.get(term, self._rarest) if self.vocabulary else 1.0

    def candidates(self, question: Question, sources: Sequence[Source]) -> list[Candidate]:
        """Every sentence of every source, scored, best first. A sentence scores for covering the
        question (IDF-weighted), for standing next to one that does (the answer often follows the
        sentence that restates the question), for holding the kind of thing asked for that the
        question does not already name, for saying something new, and for its passage's rank."""
        qterms = set(question.terms)
        weight = {t: self.idf(t) * (CARRIED_WEIGHT if t in question.carried else 1.0) for t in qterms}
        total = sum(weight.values()) or 1.0
        out = []
        for i, src in enumerate(sources):
            text = src.passage.text
            context = set(terms(src.passage.section or ""))
            rows = []
            for pos, (a, b) in enumerate(sentence_spans(text)):
                sentence = tidy(text[a:b])
                n_words = len(sentence.split())
                if n_words < 4 or (" | " in sentence and n_words < 6):
                    continue
                st = set(terms(sentence))
                covered = frozenset(qterms & st)
                topic = (qterms & context) - covered  # section heading terms count half
                coverage = (sum(weight[t] for t in covered) + 0.5 * sum(weight[t] for t in topic)) / total
                novelty = len(st - qterms) / len(st) if st else 0.0
                rows.append((pos, sentence, coverage, covered, novelty, n_words))
            for idx, (pos, sentence, coverage, covered, novelty, n_words) in enumerate(rows):
                near = max(
                    (r[2] for r in rows[max(0, idx - 1) : idx + 2] if r[0] != pos and abs(r[0] - pos) == 1),
                    default=0.0,
                )
                score = 0.6 * coverage + 0.25 * near + 0.1 * novelty
                if question.wants != "fact" and has_kind(sentence, question.wants, question.text):
                    score += 0.25
                score += 0.12 * (1.0 - i / max(len(sources), 1))
                if n_words > 70:
                    score -= 0.1
                out.append(Candidate(sentence, i + 1, score, coverage, covered, pos))
        out.sort(key=lambda c: c.score, reverse=True)
        return out

    def compose(self, question: Question, ranked: Sequence[Candidate]) -> list[Candidate]:
        """The best sentence, plus up to two more that add something and score nearly as well."""
        if not ranked:
            return []
        best = ranked[0]
        chosen = [best]
        covered = set(best.covered)
        length = len(best.text)
        for c in ranked[1:]:
            if len(chosen) >= MAX_SENTENCES or length + len(c.text) > MAX_CHARS:
                break
            if c.score < 0.6 * best.score or c.text == best.text:
                continue
            same_passage_next = c.source == best.source and abs(c.position - best.position) == 1
            adds = bool(c.covered - covered) or (question.wants == "list" and same_passage_next)
            if adds or (same_passage_next and c.score >= 0.9 * best.score):
                chosen.append(c)
                covered |= c.covered
                length += len(c.text)
        # sentences of one passage read best in their own order
        first_use = {c.source: i for i, c in reversed(list(enumerate(chosen)))}
        return sorted(chosen, key=lambda c: (first_use[c.source], c.position))

    def generate(self, question: str, sources: Sequence[Source], history: Sequence[Message] = ()) -> Draft:
        q = analyse(question)
        return self.draft(q, self.candidates(q, sources))

    def draft(self, question: Question, ranked: Sequence[Candidate]) -> Draft:
        """The answer from already ranked candidates (the service ranks them once per question)."""
        chosen = self.compose(question, ranked)
        if not chosen:
            return Draft("", abstained=True)
        text = " ".join(f"{_end(c.text)} {marker(c.source)}" for c in chosen)
        return Draft(text)

    def stream(self, question: str, sources: Sequence[Source], history: Sequence[Message] = ()) -> Iterator[str]:
        yield from self.pieces(self.generate(question, sources, history).text)

    @staticmethod
    def pieces(text: str) -> Iterator[str]:
        """An answer in streamable pieces: one cited sentence each."""
        for piece in re.split(r"(?<=\])\s", text):
            if piece:
                yield piece + " "


def _end(sentence: str) -> str:
    return sentence if sentence.endswith((".", "!", "?", '"', "”", ")")) else sentence + "."
