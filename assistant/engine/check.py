"""Stage 4, check: decide whether the selected units answer the question at all.

Takes the query, the fused hits and the ranked candidate units; gives an :class:`Evidence`
verdict and the candidates reordered so that the first one satisfies the question's
constraints when any near the top does. Checks, in order:

- constraints: the years, versions, ordinals ("the third batch"), standard codes, figures and
  names the question names, the office it asks about ("the vice-chair") and that office's body
  ("of CEN-CENELEC"), must be met by the chosen units or their headings (section, document
  title, a headless document's lead), not merely somewhere in a retrieved passage: a unit
  about another year, edition, release or office-holder is a near miss, not an answer; a
  function's parameter must be in a passage under that function, and the capitalised words
  and identifiers the question uses in the documents found; a year the question gives as the
  time of an event ("by the end of 2020") is not met by a sentence whose paragraph names
  another year last before it; a question after what was attained ("did ... actually reach")
  is not answered by a sentence that states a target ("will reach 1.2 billion");
- a question whose own words (a follow-up's inherited ones left out) are mostly words the
  whole collection never uses is about something else;
- the kind of answer: a "when"/"how many" needs a date/number about the question among the
  best units, a "who" needs a person or body in the chosen one (a person's name when it asks
  after people), a "why" a cause or purpose, a "what value" a literal, a "when does it take
  effect" the date of its entry into force;
- a question no passage comes near in meaning (embedding similarity under a floor) is not
  about this collection, whatever words it shares with it;
- otherwise the evidence score (how well the best passage matches in meaning, and how much of
  the question the best unit covers) is compared with a threshold calibrated on the
  evaluation's development splits.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass

from assistant.engine.citations import Source
from assistant.engine.query import (
    KINDS,
    Query,
    counts,
    has_kind,
    is_acronym,
    is_time_frame,
    last_year,
    mentions,
    mentions_form,
    names_exactly,
    names_person,
    names_role,
    states_plan,
)
from assistant.engine.retrieve import Hit
from assistant.engine.select import Candidate, read_under, section_of
from index.units import PassageUnit

CONSTRAINT_WINDOW = 5  # a unit that meets the constraints may be promoted from this far down...
CONSTRAINT_SCORE = 0.6  # ...when it scores at least this share of the best
FIT_COVERAGE = 0.5  # ...and covers at least this share of what the best covers
KIND_WINDOW = 1  # a "when"/"how many"/"who" answer must be in the chosen unit (dev: 3 -> 1 took abstention recall 0.58 -> 0.67, false refusals unchanged)...
KIND_COVERAGE = 0.1  # ...and be about the question, not a date that merely stands nearby
KIND_RELATIVE = 0.5  # a unit promoted for holding the kind must cover this share of what the best unit covers
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
    together: int = 1  # how many of the first ranked units meet the constraints together (2: a question about two things)

    @property
    def score(self) -> float:
        return 0.3 * self.dense + 0.7 * self.coverage


def assess(
    question: Query,
    hits: Sequence[Hit],
    ranked: Sequence[Candidate],
    sources: Sequence[Source],
    known: Container[str] = (),
    weigh: Callable[[str], float] = lambda t: 1.0,
    documents: Sequence[str] = (),
) -> tuple[Evidence, list[Candidate]]:
    """The verdict on ``ranked`` (the selected units, best first), and ``ranked`` with the best
    constraint-satisfying unit first. ``known``: the collection's vocabulary; ``weigh``: a
    term's IDF; ``documents``: the whole texts of the documents the retrieval found, where the
    names a question uses (``timeout_ms``, ``GPU``) must occur."""
    ranked = list(ranked)
    missing: tuple[str, ...] = ()
    together = 1
    if ranked:
        found: dict[int, tuple[str, ...]] = {}

        def unmet_at(k: int) -> tuple[str, ...]:  # what ranked[k] leaves unmet, worked out once
            if k not in found:
                found[k] = unmet(question, _context(ranked[k], sources))
            return found[k]

        # the first unit near the top that meets the constraints and holds the kind of answer
        fits = [k for k, c in enumerate(ranked[:CONSTRAINT_WINDOW])
                if c.score >= CONSTRAINT_SCORE * ranked[0].score and c.coverage >= FIT_COVERAGE * ranked[0].coverage
                and not unmet_at(k)]
        # a question about something by name ("functools.cache") is answered under the heading
        # or term that names it exactly, not under a longer name beside it ("functools.lru_cache")
        exact = [n for n in question.subjects if not is_acronym(n)]  # an acronym names an actor, not an entry
        named = [k for k in fits if exact and all(names_exactly(read_under(ranked[k].unit, sources[ranked[k].source - 1]), n) for n in exact)]
        if named:
            fits = named + [k for k in fits if k not in named]
        # a unit with the kind of answer but about much less of the question is a neighbouring
        # fact ("ISO/IEC 19823-16" beside the project asked about), not the answer
        kinded = [k for k in fits if _has_answer_kind(question, ranked[k])
                  and ranked[k].coverage >= KIND_RELATIVE * ranked[fits[0]].coverage]
        # a count of the thing asked about goes first; a lexical test of that is too brittle
        # (synonyms, "apps" for "applications") to refuse on, so it only ranks
        counting = [k for k in kinded if _counts_asked(question, ranked[k])]
        # a question after people ("which individuals signed") wants their names, not the bodies
        named_people = [k for k in (counting or kinded) if question.person and names_person(ranked[k].unit.read)]
        pick: int | None = (named_people or counting or kinded or fits)[0] if fits else None
        pair = _together(question, ranked, unmet_at) if pick is None else None
        if pair is not None:
            first, second = ranked[pair[0]], ranked[pair[1]]
            ranked = [first, second, *(c for c in ranked if c is not first and c is not second)]
            together = 2
        elif pick is None:
            missing = unmet_at(0)
        elif pick:
            ranked.insert(0, ranked.pop(pick))
    else:
        missing = (*question.specifics, *question.roles)
    # and what the question names must be in the passages the fused retrieval found before the
    # rerank: a rerank that pulls in a passage on "the 13th energy plan" must not make "the 13th
    # Five-Year Plan" answerable
    dates = {s.passage.source: f"{s.title}\n{s.date or ''}\n{s.lead or ''}" for s in sources}
    texts = [f"{dates.get(h.passage.source, '')}\n{h.passage.section or ''}\n{h.passage.text}" for h in hits]
    if ranked and ranked[0].unit.head:  # a table row is read under its header, which may sit in the passage before
        texts.append(ranked[0].unit.head)
    missing += tuple(s for s in question.specifics if s not in missing and not any(mentions(t, s) for t in texts))
    missing += tuple(n for n in question.names if not any(mentions(t, n) for t in (*texts, *documents)))
    # and so must the last part of a qualified name: nothing in math.html says "sumprod"
    missing += tuple(s for s in question.subjects if "." in s and documents
                     and not any(mentions(t, s.rsplit(".", 1)[1]) for t in (*texts, *documents)))
    # a capitalised word of the question, in any of its forms
    missing += tuple(w for w in question.proper if documents and not any(mentions_form(t, w) for t in (*texts, *documents)))
    # a parameter of a named function must be in a passage found under that function: glob.glob's
    # dir_fd does not make "the dir_fd argument of glob.escape" answerable
    missing += tuple(f"{name} of {owner}" for name, owner in question.param_of
                     if not any(names_exactly(t, owner) and mentions(t, name) for t in texts))
    coverage = ranked[0].coverage if ranked else 0.0
    dense = max((h.dense for h in hits), default=0.0)
    off_subject = False
    own = set(question.own_terms) - VAGUE
    # a question about a thing by name the passages found name is on their subject, in whatever
    # words it asks ("which one undoes time.localtime()")
    if own and known and not any(mentions(t, n) for n in question.subjects for t in texts):
        off_subject = _off_subject(own, known, weigh)
    kind_missing = question.wants in KINDS and not any(
        c.coverage >= KIND_COVERAGE and _has_answer_kind(question, c) for c in ranked[:KIND_WINDOW]
    )
    return Evidence(dense, coverage, missing, off_subject, kind_missing, together), ranked


def _together(question: Query, ranked: Sequence[Candidate], unmet_at: Callable[[int], tuple[str, ...]]) -> tuple[int, int] | None:
    """For a question about two things ("the 2019 edition's count, and the attendance of the
    first plenary") that no one unit answers: the best two units near the top, of different
    passages, that meet its constraints between them, each meeting one the other does not
    (``unmet_at(k)``: what ``ranked[k]`` leaves unmet)."""
    if not question.joined:
        return None
    near = [k for k in range(min(CONSTRAINT_WINDOW, len(ranked))) if ranked[k].score >= CONSTRAINT_SCORE * ranked[0].score]
    left = {k: set(unmet_at(k)) for k in near}
    pairs = [(a, b) for a in near for b in near if a < b and left[a] and left[b] and not left[a] & left[b]
             and ranked[a].unit.passage_id != ranked[b].unit.passage_id]
    return max(pairs, key=lambda p: ranked[p[0]].score + ranked[p[1]].score) if pairs else None


def _has_answer_kind(question: Query, c: Candidate) -> bool:
    """Whether a unit holds the kind of thing asked for (a date for "when", a number for "how
    many", a name for "who", a standard code for "which GB number") beyond what the question says."""
    if question.wants in ("fact", "list"):
        return True
    if (question.person or question.roles) and question.wants == "who":
        # "who represented the German Embassy" wants a name, not the embassy; "who was elected
        # vice-chair" the office-holder's name, not "the election of the Chair and Vice-Chair"
        return names_person(c.unit.read, question.proper)
    if question.other_date(c.unit.read):
        return False  # "when does it come into force" is not answered by the date it was approved
    if question.wants == "date" and not _of_named(question, c.unit):
        return False  # "since when has heapq.nlargest had key" is not answered by heapq.merge's "Changed in version 3.5"
    return has_kind(c.unit.read, question.wants, question.text, question.measure and question.wants == "number")


def _of_named(question: Query, unit: PassageUnit) -> bool:
    """Whether a unit may be about the thing a question names by qualified name (``heapq.nlargest``):
    not read under another entry (``heapq.merge``), unless it names the thing in its own words.
    A question naming none, or a unit under no entry, is met."""
    named = question.qualified
    return not named or not unit.head or any(names_exactly(unit.head, s) or mentions(unit.text, s.rsplit(".", 1)[1]) for s in named)


def _counts_asked(question: Query, c: Candidate) -> bool:
    """For a "how many": whether the unit's number counts the thing asked about ("connections"),
    not something that stands nearby ("700,000 base stations")."""
    return question.wants != "number" or counts(c.unit.read, question.counted)


def _context(c: Candidate, sources: Sequence[Source]) -> tuple[str, str, str, str]:
    """A unit with what it is read under (its head, section, document title and date), that
    with the rest of its passage (a time frame, "in 2020", "during the 14th plan", is often set
    once for a whole paragraph, or by the lead paragraph of a document that opens without a
    heading, not repeated in each sentence), and the unit with
    its head and section only (where an edition, "the 2021 version", must be named: a
    newsletter dated 2021 does not make its 2020 list the 2021 one); last, the part of its
    paragraph before it, where a year named last sets the unit's time frame ("By the end of
    2019, ... The number of connections has exceeded 1 billion")."""
    src = sources[c.source - 1]
    own = "\n".join(filter(None, (section_of(c.unit, src), c.unit.head, c.text)))
    unit = "\n".join(filter(None, (src.title, src.date, own)))
    p = src.passage
    before = p.text[: max(0, c.unit.start - p.start)].rsplit("\n\n", 1)[-1] if c.unit.start > p.start else ""
    return unit, "\n".join(filter(None, (unit, p.text, src.lead))), own, before


def unmet(question: Query, context: tuple[str, str, str, str]) -> tuple[str, ...]:
    """The question's constraints that a unit's context does not meet: what it names (codes,
    versions, figures, names, roles) in the unit itself, a time frame and the identifiers it
    names (``follow_symlinks``, ``StrEnum``) in its passage. An acronym names an actor
    ("SAMR and MIIT reconstituted ..."), often once per article: the documents found must
    have it (see :func:`assess`), the passage need not."""
    unit, passage, own, before = context
    return (
        tuple(s for s in question.specifics
              if not mentions(own if s in question.editions else passage if is_time_frame(s) else unit, s)
              or (s in question.frames and not mentions(own, s) and last_year(before) not in (None, s)))
        # an office asked after ("who is the vice-chair") must be the unit's; one that only says
        # who took part ("signed with the head of the Uzbek agency") may be named in its passage
        + tuple(r for r in question.roles if not names_role(unit if question.wants == "who" else passage, r))
        + tuple(b for b in question.role_of if not all(mentions(passage, w) for w in b.split()))
        + _names_unmet(question, passage)
        + (("an outcome (the passage states a target)",) if question.outcome and states_plan(own) else ())
    )


def _names_unmet(question: Query, passage: str) -> tuple[str, ...]:
    """The names of the question a unit's passage does not mention. A question about several
    things by their qualified names ("secrets.randbelow(n), and random.randint(a, b)") is
    answered by one unit for each, so a passage about one of them meets them all; the whole
    answer must still find each (see :func:`assess`)."""
    absent = tuple(n for n in question.names if not is_acronym(n) and not mentions(passage, n))
    things = [n for n in question.names if any(s.endswith("." + n) for s in question.subjects)]
    if len(things) > 1 and len(set(things) & set(absent)) < len(things):
        absent = tuple(n for n in absent if n not in things)
    return absent


def _off_subject(own: set[str], known: Container[str], weigh: Callable[[str], float]) -> bool:
    """A question mostly in words the whole collection never uses ("weather", "forecast",
    "weekend") is about something else; so is a follow-up that only inherits a subject."""
    # a word the collection never uses weighs like the question's other words, not like its
    # rarest one: one odd word ("the same trick for tuples") does not make a question off-subject
    known_weights = sorted(weigh(t) for t in own if t in known)
    typical = known_weights[len(known_weights) // 2] if known_weights else 1.0
    weight = {t: weigh(t) if t in known else typical for t in own}
    unknown = sum(w for t, w in weight.items() if t not in known)
    return unknown >= UNKNOWN_SHARE * sum(weight.values())


def reasons(evidence: Evidence, threshold: float) -> list[str]:
    """Why the documents do not answer, in words (empty when they do): the refusal's grounds,
    as the evaluation report and a curious user read them."""
    out = []
    if evidence.missing:
        out.append(f"the chosen passages do not meet: {', '.join(evidence.missing)}")
    if evidence.dense < DENSE_FLOOR:
        out.append(f"no passage is near in meaning ({evidence.dense:.2f} < {DENSE_FLOOR})")
    if evidence.off_subject:
        out.append("the question is mostly in words the collection never uses")
    if evidence.kind_missing:
        out.append("the chosen unit holds no answer of the kind asked (a date, number, name, code or exception)")
    if evidence.score < threshold:
        out.append(f"evidence score {evidence.score:.2f} < {threshold}")
    return out


def should_abstain(evidence: Evidence, threshold: float) -> bool:
    return bool(reasons(evidence, threshold))
