"""Stage 5, compose: the no-model answer, written from the chosen answer units.

Takes the query and the ranked candidates the check stage let through; gives the answer text
with a ``[n]`` marker after each quoted unit, and which units each source contributed (so the
citation can highlight exactly them). Units are rendered as what they are: a list as a
Markdown list under its introduction, a table row as ``header: value`` pairs, code as a fenced
block, a Q&A answer without its "Answer:" label; extraction artefacts (bullets, pilcrows,
"(hereinafter ...)", bold markers) are stripped, numbers and names are left intact.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from assistant.engine.citations import marker
from assistant.engine.query import Query, names_exactly
from assistant.engine.select import FEATURES, Candidate
from index.text import sentence_spans, terms
from index.units import LIST_ITEM, PassageUnit, strip_label

MAX_UNITS = 3
NEAR = 0.6  # a further unit must score at least this share of the best one
TIE = 0.9  # a unit this close to the best is quoted too, adding words or not: which of the two answers is not known
SIGNATURE_CHARS = 240  # a signature shown whole when the question asks about its defaults
_OPENS = FEATURES.index("opens")
MAX_CHARS = 900
SHORT_WORDS = 5  # a sentence this short says what it is about only with its heading
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_NOISE = [
    (re.compile(r"\s*\((?:hereinafter|hereafter)[^)]{0,120}\)"), ""),
    (re.compile(r"\u00b6"), ""),
    (re.compile(r"^\s*(?:[-–•*]\s+|\d{1,2}[.)]\s+|\(\d{1,2}\)\s+)"), ""),
    (re.compile(r"[ \t]*\n[ \t]*"), " "),
    (re.compile(r"[ \t]{2,}"), " "),
]


def tidy(text: str) -> str:
    """A quoted span without extraction artefacts, on one line."""
    text = strip_label(_BOLD.sub(r"\1", text))
    for pattern, repl in _NOISE:
        text = pattern.sub(repl, text)
    return text.strip()


@dataclass(frozen=True)
class Composed:
    text: str
    used: dict[int, list[PassageUnit]]  # source number -> the units quoted from it


def choose(query: Query, ranked: Sequence[Candidate], weigh: Callable[[str], float] = lambda t: 1.0,
           lead: int = 1) -> list[Candidate]:
    """The best unit (the first ``lead`` units, when the check found that they answer
    together), plus up to two more that score nearly as well and either add the most of what
    the question asked that the chosen ones leave out (by ``weigh``, a term's IDF: a unit that
    adds "topological" adds more than one that adds "module") or score within :data:`TIE` of
    the best; never two units that overlap."""
    if not ranked:
        return []
    best = ranked[0]
    # a unit that holds the best one whole, scores nearly as well and covers more of the question
    # is the fuller quote of the same thing ("Changed in version 3.11: ... must be a sequence.
    # Automatic conversion of sets to lists is no longer supported.")
    # Asked for a list, the list that holds the best unit (one of its items) is that quote, when
    # it fits in an answer.
    fuller = [c for c in ranked[1:] if _holds(c.unit, best.unit)
              and ((c.score >= TIE * best.score and c.coverage > best.coverage)
                   or (query.wants == "list" and c.unit.kind == "list" and c.score >= NEAR * best.score
                       and len(c.text) <= MAX_CHARS))] if lead == 1 else []
    if fuller:
        best = max(fuller, key=lambda c: c.score)
        ranked = [best, *(c for c in ranked if c is not best)]
    chosen = list(ranked[:lead])
    opener = _entry_opener(query, ranked)
    if opener is not None and not _overlaps(opener.unit, best.unit):
        chosen.insert(0, opener)  # "what does X do": X's entry opens with what it does
    says = {id(c): _says(query, c) for c in ranked if c.score >= NEAR * best.score or c in chosen}  # stemmed once
    covered = set().union(*(c.covered for c in chosen))
    said = set().union(*(says[id(c)] for c in chosen))
    length = sum(len(c.text) for c in chosen)
    # a question about several things by qualified name ("calendar.weekday() and date.isoweekday()")
    # is answered by a unit of each one's own entry: entering a thing not yet quoted weighs like
    # the question's rarest term
    things = query.qualified if len(query.qualified) > 1 else ()
    entered = {s for s in things for c in chosen if _entry_of(c, s)}
    rarest = max((weigh(t) for t in query.terms), default=1.0) if things else 0.0
    while len(chosen) < MAX_UNITS:
        pool = [c for c in ranked[1:] if c not in chosen and c.score >= NEAR * best.score
                and length + len(c.text) <= MAX_CHARS and not any(_overlaps(c.unit, o.unit) for o in chosen)]
        scored = []
        for c in pool:
            # a unit of an entry already quoted adds what its own words add: every unit of the
            # entry shares the terms of the entry's heading
            same_entry = c.unit.head is not None and any(o.unit.head == c.unit.head for o in chosen)
            gain = sum(weigh(t) for t in (says[id(c)] - said if same_entry else c.covered - covered))
            gain += rarest * sum(1 for s in things if s not in entered and _entry_of(c, s))
            if gain > 0 or c.score >= TIE * best.score:
                scored.append((gain, c.score, c))
        if not scored:
            break
        _, _, c = max(scored, key=lambda g: (g[0], g[1]))
        chosen.append(c)
        entered |= {s for s in things if _entry_of(c, s)}
        covered |= c.covered
        said |= says[id(c)]
        length += len(c.text)
    # units of one source read best in document order, sources in order of first use
    first_use = {c.source: i for i, c in reversed(list(enumerate(chosen)))}
    return sorted(chosen, key=lambda c: (first_use[c.source], c.unit.start))


def _entry_of(c: Candidate, name: str) -> bool:
    """Whether a unit is read under the entry of a thing named by qualified name."""
    return c.unit.head is not None and names_exactly(c.unit.head, name)


def _says(query: Query, c: Candidate) -> set[str]:
    """The question's terms a unit's own words hold (a list's by its introduction): not those of
    the term or header it is read under, which every unit of one entry shares."""
    own = c.text.split("\n", 1)[0] if c.unit.kind == "list" else c.text
    return set(terms(own)) & set(query.terms)


def _entry_opener(query: Query, ranked: Sequence[Candidate]) -> Candidate | None:
    """For a question that asks what something is or does, when the best unit sits inside a
    defined term's entry but is not its first: the unit that opens that entry (its definition),
    if it is among the candidates."""
    best = ranked[0]
    if not query.defines or not best.unit.head or best.features[_OPENS] > 0:
        return None
    return next((c for c in ranked[1:] if c.unit.head == best.unit.head and c.features[_OPENS] > 0
                 and c.unit.kind == "sentence"), None)


def _marked(lines: Sequence[str], mark: str) -> list[str]:
    """Each line with the marker, except inside a code block: a fence takes no marker (a
    closing fence followed by text is no longer one), so a block that ends the piece is cited
    on the line after it."""
    out, in_code = [], False
    for line in lines:
        if line.startswith("```"):
            in_code = not in_code
            out.append(line)
        else:
            out.append(line if in_code or not line.strip() else f"{line} {mark}")
    if out and out[-1].startswith("```"):
        out.append(mark)
    return out


def compose(chosen: Sequence[Candidate], labels: Mapping[int, str] | None = None, signatures: bool = False) -> Composed:
    """The answer text for the chosen units, each followed by its source's marker. A unit read
    under a defined term is led by the term, once: "`exception dataclasses.FrozenInstanceError`:
    Raised when ...". A sentence too short to say what it is about ("New in version 3.9.") is
    led by ``labels[source]``, its section or document title. ``signatures``: a long signature
    is shown whole (the question asks about a default or a parameter it holds), not shortened."""
    pieces: list[str] = []
    used: dict[int, list[PassageUnit]] = {}
    terms_shown: set[str] = set()
    for c in chosen:
        mark = marker(c.source)
        lead = ""
        if c.unit.kind in ("sentence", "list") and c.unit.head and c.unit.head not in terms_shown:
            terms_shown.add(c.unit.head)
            lead = f"`{term_label(c.unit.head, limit=SIGNATURE_CHARS if signatures else 80)}`: "
        elif c.unit.kind == "sentence" and not c.unit.head and labels and labels.get(c.source) \
                and len(c.unit.text.split()) <= SHORT_WORDS:
            lead = f"{labels[c.source]}: "
        # every line of a list is a claim of its own, and carries the marker
        if c.unit.kind in ("list", "code"):
            pieces.append(lead + "\n".join(_marked(render(c.unit).split("\n"), mark)))
        else:  # every sentence is a claim of its own (two read together each carry the marker)
            said = render(c.unit)
            pieces.append(lead + (" ".join(f"{said[a:b].strip()} {mark}" for a, b in sentence_spans(said)) or f"{said} {mark}"))
        used.setdefault(c.source, []).append(c.unit)
    text = ""
    for piece in pieces:
        sep = "\n\n" if text and ("\n" in piece or "\n" in text.rsplit("\n\n", 1)[-1]) else " "
        text = f"{text}{sep}{piece}" if text else piece
    return Composed(text, used)


def term_label(term: str, limit: int = 80) -> str:
    """A defined term as an answer shows it: a long signature shortened to its name."""
    term = term.replace("`", "").strip()
    if len(term) <= limit or "(" not in term:
        return term
    return term[: term.index("(")] + "(…)"


def render(unit: PassageUnit) -> str:
    """One unit as answer text (Markdown for lists and code)."""
    if unit.kind == "code":
        body = unit.text.strip()
        return body if body.startswith("```") else f"```\n{body}\n```"
    if unit.kind == "list":
        return _render_list(unit.text)
    if unit.kind == "row" and unit.head:
        return _end(_render_row(unit.head, unit.text))
    return _end(tidy(unit.text))


_FENCED = re.compile(r"```.*?(?:```|$)", re.S)


_ITEM_BREAK = re.compile(r"\n\s*\n|\n(?=\s*(?:[-–•*]|\d{1,2}[.)])\s)")


def _blocks(text: str) -> list[str]:
    """A list unit's introduction and items; a fenced code block is one item, blank lines and all."""
    out: list[str] = []
    pos = 0
    for m in _FENCED.finditer(text):
        out += _ITEM_BREAK.split(text[pos : m.start()])
        out.append(m.group(0))
        pos = m.end()
    out += _ITEM_BREAK.split(text[pos:])
    return [b for b in out if b.strip()]


# a defined term on a line of its own: a name or signature, no sentence ("csv.QUOTE_ALL",
# "class asyncio.Queue(maxsize=0)", "UUID.bytes")
_TERM_LINE = re.compile(r"^(?:(?:class|exception|coroutine|async|abstractmethod|classmethod|staticmethod)\s+|@)?"
                        r"[A-Za-z_][\w.]*(?:\(.*\))?(?:\s*→\s*\S+)?$")


def _terms_as_items(items: list[str]) -> list[str]:
    """The entries of a list of defined terms, each as one item: "`csv.QUOTE_ALL`: Instructs
    writer objects to quote all fields." (its description's paragraphs after its name)."""
    out: list[str] = []
    for item in items:
        if _TERM_LINE.match(item.strip()):
            out.append(f"`{item.strip()}`:")
        elif out:
            out[-1] = f"{out[-1]} {tidy(item)}"
    return out


def _render_list(text: str) -> str:
    blocks = _blocks(text)
    intro, items = blocks[0], blocks[1:]
    lines = [tidy(intro)]
    if items and _TERM_LINE.match(items[0].strip()) and not LIST_ITEM.match(items[0]):
        return "\n".join([lines[0]] + [_end("- " + item) for item in _terms_as_items(items)])
    for item in items:
        if item.strip().startswith("```"):
            lines.append(item.strip())
        elif " | " in item and "\n" in item.strip():  # a table: its header, then a row per item
            lines += ["- " + _table_item(row) for row in item.strip().split("\n")[1:] if row.strip()]
        elif len(lines) > 1 and lines[-1].endswith(":") and not LIST_ITEM.match(item):
            lines[-1] = f"{lines[-1]} {tidy(item)}"  # what an item introduces belongs to it
        else:
            lines.append("- " + tidy(item))
    return "\n".join([lines[0]] + [line if line.startswith("```") else _end(line) for line in lines[1:]])


def _table_item(row: str) -> str:
    """A table row as a list item: what it names, then what it says ("FIRST_COMPLETED: The
    function will return when any future finishes or is cancelled.")."""
    cells = [c.strip() for c in row.split("|") if c.strip() and c.strip() != "–"]
    return tidy(cells[0] + (": " + "; ".join(cells[1:]) if len(cells) > 1 else ""))


def _render_row(head: str, row: str) -> str:
    names = [h.strip() for h in head.split("|")]
    cells = [c.strip() for c in row.split("|")]
    if len(names) != len(cells):
        return tidy(f"{head}: {row}")
    pairs = [f"{n}: {tidy(v)}" if n and n != "–" else tidy(v) for n, v in zip(names, cells, strict=True) if v and v != "–"]
    return "; ".join(pairs)


def _end(sentence: str) -> str:
    sentence = sentence.rstrip()
    if sentence.endswith((":", ",", ";")):  # an answer never ends on a colon without what follows, nor on ",."
        sentence = sentence[:-1].rstrip()
    return sentence if sentence.endswith((".", "!", "?", '"', "”", ")", "`")) else sentence + "."


def _holds(a: PassageUnit, b: PassageUnit) -> bool:
    """Whether unit ``a`` spans all of ``b`` (and more), in one document."""
    return a.start <= b.start and b.end <= a.end and (a.end - a.start) > (b.end - b.start) and _same_document(a, b)


def _overlaps(a: PassageUnit, b: PassageUnit) -> bool:
    return a.start < b.end and b.start < a.end and _same_document(a, b)


def _same_document(a: PassageUnit, b: PassageUnit) -> bool:
    """Units' offsets compare only within one document (a passage id is "document:ordinal")."""
    return a.passage_id.split(":")[0] == b.passage_id.split(":")[0]

