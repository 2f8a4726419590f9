"""Stage 3, select: score the answer units of the retrieved passages against the query.

Takes the analysed :class:`~assistant.engine.query.Query` (with its vector) and the numbered
sources with the units each carries; gives every unit as a :class:`Candidate`, best first.

A unit scores for:

- ``coverage``: the share of the question's IDF-weighted terms in the unit (and its head: a
  table's header row, a Q&A's question), section-heading terms counting half, inherited
  follow-up terms counting :data:`CARRIED_WEIGHT`;
- ``similarity``: the cosine between the question and the unit's own vector, pooled at ingest
  from its passage's forward pass (late chunking), so meaning counts, not only shared words;
- ``kind``: holding the kind of thing asked for that the question does not already name (a
  number for "how many", a date for "when", a name for "who", a list for "which are");
- the rank of its passage, and a little for saying something the question does not.

A sentence that only introduces what follows (a trailing colon) is never a candidate on its
own: its list unit is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.engine.citations import Source
from assistant.engine.query import KINDS, Query, has_kind, mentions, names_exactly
from index.text import sentence_spans, terms
from index.units import PassageUnit

CARRIED_WEIGHT = 0.35  # a follow-up's inherited words count, but less than what was asked now
ITEM_WEIGHT = 0.3  # a list is what its introduction says it is; words of its items count little


FEATURES = (
    "coverage",  # IDF-weighted share of the question's terms the unit (and its head) holds
    "similarity",  # cosine of the question and the unit's own late-chunked vector
    "near",  # coverage of the sentence next to it (the answer often follows its topic sentence)
    "novelty",  # share of the unit's words the question does not use
    "kind",  # holds the kind of thing asked for (a number, a date, a name, a list)
    "rank",  # its passage's place in the reranked retrieval
    "long",  # a prose unit over 90 words
    "code",  # a code block, for a question that does not ask to be shown code
    "heading",  # IDF-weighted share of the question's terms in the unit's section and title
    "rarest",  # the unit holds the question's rarest term
    "names",  # share of the identifiers and acronyms the question names that the unit holds
    "first",  # the first unit of its passage (a definition opens its entry)
    "structured",  # a list, table row or Q&A answer: structure the document gave it
    "subject",  # share of the names the question is about that its heading or defined term names exactly
    "opens",  # opens its section or defined term, for a question that asks what something is or does
)


@dataclass(frozen=True)
class Weights:
    """One weight per feature of :data:`FEATURES`; a unit scores their weighted sum. Fitted on
    the development splits by ``python -m eval.tune_select``."""

    coverage: float = 0.43
    similarity: float = 0.52
    near: float = 0.067
    novelty: float = -0.024
    kind: float = 0.291
    rank: float = 0.218
    long: float = -0.119
    code: float = -0.162
    heading: float = 0.061
    rarest: float = 0.107
    names: float = -0.1
    first: float = 0.025
    structured: float = 0.002
    subject: float = 0.048
    opens: float = 0.032

    def vector(self) -> np.ndarray:
        return np.array([getattr(self, f) for f in FEATURES])


DEFAULT = Weights()


@dataclass(frozen=True)
class Candidate:
    """One answer unit of one source, scored."""

    unit: PassageUnit
    source: int  # 1-based source number
    score: float
    coverage: float
    similarity: float
    covered: frozenset[str]
    features: tuple[float, ...] = ()  # in the order of FEATURES (read by the tuner)

    @property
    def text(self) -> str:
        return self.unit.text


def sentence_units(source: Source) -> list[PassageUnit]:
    """A passage's sentences as units, for a passage stored without units (no vectors)."""
    p = source.passage
    return [
        PassageUnit(p.id, "sentence", p.start + a, p.start + b, p.text[a:b], None, None)
        for a, b in sentence_spans(p.text)
    ]


class Selector:
    """Scores units; ``idf`` maps the collection's terms to their weight."""

    def __init__(self, idf: Mapping[str, float] | None = None, weights: Weights = DEFAULT) -> None:
        self.vocabulary: Mapping[str, float] = idf or {}
        self._rarest = max(self.vocabulary.values(), default=1.0)
        self.weights = weights

    def idf(self, term: str) -> float:
        """A term's IDF (an unknown term weighs like the rarest known one)."""
        return self.vocabulary.get(term, self._rarest) if self.vocabulary else 1.0

    def candidates(
        self,
        query: Query,
        sources: Sequence[Source],
        units_of: Callable[[Source], Sequence[PassageUnit]] = sentence_units,
    ) -> list[Candidate]:
        """Every unit of every source, scored, best first (a unit two passages carry, once)."""
        weights = self.weights.vector()
        qterms = set(query.terms)
        weight = {t: self.idf(t) * (CARRIED_WEIGHT if t in query.carried else 1.0) for t in qterms}
        total = sum(weight.values()) or 1.0
        own = [t for t in query.own_terms if t in weight] or list(weight)
        rarest = max(own, key=lambda t: weight[t]) if own else None
        best: dict[tuple[str, str], Candidate] = {}
        for i, src in enumerate(sources):
            context = set(terms((src.passage.section or "") + " " + src.title))
            heading = sum(weight[t] for t in qterms & context) / total
            units = [u for u in units_of(src) if len(u.text.split()) >= 3 and not _fragment(u)]
            rows = [self._row(query, u, qterms, weight, total, context) for u in units]
            rows += [self._row(query, u, qterms, weight, total, context) for u in _completed(query, src, units)]
            first_start = min((u.start for u in units if u.kind != "code"), default=-1)  # a definition is prose
            opening = _openers(src, units) if query.defines else set()
            for idx, (unit, coverage, covered, novelty, sim) in enumerate(rows):
                near = max((r[1] for r in rows[max(0, idx - 1) : idx + 2] if r[0] is not unit and r[0].kind == "sentence"), default=0.0)
                if query.wants == "list":
                    kind = unit.kind == "list" or (unit.kind != "code" and has_kind(unit.text, "list"))  # code is no list
                else:
                    kind = query.wants != "fact" and has_kind(unit.text, query.wants, query.text)
                f = (
                    coverage, sim, near, novelty, float(kind),
                    1.0 - i / max(len(sources), 1),
                    float(len(unit.text.split()) > 90 and unit.kind not in ("list", "code")),
                    float(is_code(unit) and not query.example),
                    heading,
                    float(rarest is not None and rarest in covered),
                    sum(mentions(unit.read, n) for n in query.names) / len(query.names) if query.names else 0.0,
                    float(unit.start == first_start),
                    float(unit.kind in ("list", "row", "answer")),
                    _share(query.subjects, read_under(unit, src)),
                    float(id(unit) in opening),
                )
                score = float(np.dot(weights, f))
                key = (unit.kind, " ".join(unit.text.split()).lower())  # a text two passages or documents repeat, once
                cand = Candidate(unit, i + 1, score, coverage, sim, covered, f)
                if key not in best or best[key].score < score:
                    best[key] = cand
        return sorted(best.values(), key=lambda c: c.score, reverse=True)

    @staticmethod
    def _row(
        query: Query, unit: PassageUnit, qterms: set[str], weight: Mapping[str, float], total: float, context: set[str]
    ) -> tuple[PassageUnit, float, frozenset[str], float, float]:
        """A unit's coverage of the question (section-heading terms count half, a list's items
        little), the terms it covers, its novelty and its similarity to the question."""
        lead, rest = _lead(unit)
        st = set(terms((unit.head or "") + " " + lead))
        covered = frozenset(qterms & st)
        topic = (qterms & context) - covered
        inside = (qterms & set(terms(rest))) - covered - topic
        coverage = (
            sum(weight[t] for t in covered) + 0.5 * sum(weight[t] for t in topic) + ITEM_WEIGHT * sum(weight[t] for t in inside)
        ) / total
        st |= set(terms(rest))
        novelty = len(st - qterms) / len(st) if st else 0.0
        return unit, coverage, covered, novelty, _cosine(query.vector, unit.vector)


def _completed(query: Query, src: Source, units: Sequence[PassageUnit]) -> list[PassageUnit]:
    """Two sentences of one paragraph read together when only one holds the kind of answer asked
    for: "The largest year number allowed in a date object. MAXYEAR is 9999." answers "what is
    the largest year" though neither sentence does alone."""
    if query.wants not in KINDS:
        return []
    p = src.passage
    out = []
    for a, b in zip(units, units[1:], strict=False):
        if a.kind != "sentence" or b.kind != "sentence" or not p.start <= a.start < b.end <= p.start + len(p.text):
            continue
        if b.start < a.end or "\n\n" in p.text[a.end - p.start : b.start - p.start]:
            continue  # overlapping, or not one paragraph
        if _answers_kind(query, a.text) == _answers_kind(query, b.text):
            continue
        vector = None
        if a.vector is not None and b.vector is not None:
            mean = (a.vector + b.vector) / 2
            vector = mean / (np.linalg.norm(mean) or 1.0)
        out.append(PassageUnit(a.passage_id, "sentence", a.start, b.end, p.text[a.start - p.start : b.end - p.start], a.head, vector))
    return out


def _answers_kind(query: Query, text: str) -> bool:
    """Whether a sentence holds the kind of answer asked for: for "when does it take effect", a
    date of taking effect, not of release."""
    return not query.other_date(text) and has_kind(text, query.wants, query.text)


_CONTINUED_ITEM = re.compile(r"^\s*(?:[-–•*]|\d{1,2}[.)])\s+[a-z]")
# an item that runs on into the next ("- A core element of institutional opening-up,")
_ITEM = re.compile(r"^\s*(?:[-–•*]|\d{1,2}[.)])\s+")
_RUNS_ON = re.compile(r"(?:[,;]|\b(?:and|or))$")


def _fragment(unit: PassageUnit) -> bool:
    """A sentence that cannot stand alone: one that only introduces what follows (a trailing
    colon), or a list item that continues its introduction ("- letting user-defined classes
    override ..." under "The deepcopy() function avoids these problems by:"). Its list unit
    is the candidate instead."""
    if unit.kind != "sentence":
        return False
    text = unit.text.rstrip()
    return text.endswith(":") or bool(_CONTINUED_ITEM.match(unit.text)) or bool(_ITEM.match(text) and _RUNS_ON.search(text))


def _openers(src: Source, units: Sequence[PassageUnit]) -> set[int]:
    """The units (by ``id``) that open a section or a defined term's entry in this passage: the
    first prose unit when the passage opens its section, and the first unit under each defined
    term that begins inside it (short entries share a passage)."""
    out: set[int] = set()
    prose = [u for u in units if u.kind != "code"]
    previous: str | None = None
    for k, u in enumerate(prose):
        if k == 0:
            if src.passage.opens and u.start <= src.passage.start + 2:
                out.add(id(u))
        elif u.head and u.head != previous:
            out.add(id(u))
        previous = u.head
    return out


def is_code(unit: PassageUnit) -> bool:
    """A code block, or a list unit that is only an introduction to one ("For example:" and
    the block): what it answers is "show me", not "what does it do"."""
    if unit.kind != "list":
        return unit.kind == "code"
    _, items = _lead(unit)
    items = items.strip()
    return items.startswith("```") and items.endswith("```") and items.count("```") == 2


def read_under(unit: PassageUnit, src: Source) -> str:
    """What a unit is read under: its defined term or table header, its section, its title."""
    return f"{unit.head or ''}\n{section_of(unit, src) or ''}\n{src.title}"


def section_of(unit: PassageUnit, src: Source) -> str | None:
    """The section a unit is in: its passage's, unless the unit began in a passage before (a
    list of entries carried by the passage of its third entry is not under that entry)."""
    return src.passage.section if unit.start >= src.passage.start else None


def _share(names: Sequence[str], text: str) -> float:
    return sum(names_exactly(text, n) for n in names) / len(names) if names else 0.0


def _lead(unit: PassageUnit) -> tuple[str, str]:
    """What a unit says it is about, and the rest: a list's introduction and its items."""
    if unit.kind != "list":
        return unit.text, ""
    intro, _, items = unit.text.partition("\n")
    return intro, items


def _cosine(a: np.ndarray | None, b: np.ndarray | None) -> float:
    if a is None or b is None or not len(b):
        return 0.0
    return max(float(np.dot(a, b)), 0.0)
