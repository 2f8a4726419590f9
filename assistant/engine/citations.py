"""The one owner of the citation format: numbering sources, ``[n]`` markers, parsing them, and
the support check the answer verifier and the evaluation share."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from assistant.models import Citation, Span
from index.split import Passage
from index.text import sentence_spans, terms
from index.units import PassageUnit

MARKER = re.compile(r"\s?\[(\d{1,3})\]")
_ANY_MARKERS = re.compile(r"(?:\s?\[\d{1,3}(?:\s*,\s*\d{1,3})*\])+")


@dataclass(frozen=True)
class Source:
    """A passage handed to a generator, with its document's title and its retrieval score."""

    passage: Passage
    title: str
    score: float
    date: str | None = None  # the document's date, when it has one
    evidence: tuple[str, ...] = ()  # the answer units the select stage chose from it, for a language model
    lead: str | None = None  # the opening paragraph of a document that starts without a heading: its frame


def marker(n: int) -> str:
    return f"[{n}]"


def to_citation(n: int, source: Source, used: Sequence[PassageUnit] = ()) -> Citation:
    """Source ``n`` as a citation; ``used`` are the answer units quoted from it, which become its
    highlights (the cited text widens to hold a unit that runs past the passage)."""
    p = source.passage
    start, end, text = p.start, p.end, p.text
    for u in used:  # both are slices of one document's text: their union is one too
        if u.start < start and u.end >= start:
            text, start = u.text[: start - u.start] + text, u.start
        if u.end > end and u.start <= end:
            text, end = text + u.text[len(u.text) - (u.end - end) :], u.end
    highlights = [Span(start=u.start - start, end=u.end - start) for u in used if start <= u.start and u.end <= end]
    return Citation(
        n=n, source=p.source, title=source.title, section=p.section, text=text,
        start=start, end=end, score=round(float(source.score), 4), highlights=highlights,
    )


def format_for_prompt(sources: Sequence[Source]) -> str:
    """Numbered sources as a language model sees them: ``[n] title › section``, the answer units
    the select stage chose from it (``Most relevant: ...``), then the text."""
    blocks = []
    for n, s in enumerate(sources, 1):
        where = s.title + (f" › {s.passage.section}" if s.passage.section else "")
        best = "".join(f"\nMost relevant: {' '.join(e.split())}" for e in s.evidence)
        blocks.append(f"{marker(n)} {where}{best}\n{s.passage.text.strip()}")
    return "\n\n".join(blocks)


_CODE = re.compile(r"```.*?(?:```|$)|`[^`\n]+`", re.S)


def _in_prose(text: str, change: Callable[[str], str]) -> str:
    """``text`` with ``change`` applied outside code: a fenced block or an inline code span is
    quoted as written, so ``c.mylist += [1, 2, 3]`` is no group of citation markers."""
    out, pos = [], 0
    for m in _CODE.finditer(text):
        out += [change(text[pos : m.start()]), m.group(0)]
        pos = m.end()
    out.append(change(text[pos:]))
    return "".join(out)


def markers_in(text: str) -> list[int]:
    """Every marker number in order of appearance (``[1, 2]`` groups included), code aside."""
    out: list[int] = []
    for group in _ANY_MARKERS.findall(_CODE.sub(" ", text)):
        out.extend(int(x) for x in re.findall(r"\d+", group))
    return out


def strip_markers(text: str) -> str:
    return _in_prose(text, lambda t: _ANY_MARKERS.sub("", t)).strip()


def cited_sentences(text: str) -> list[tuple[str, list[int]]]:
    """Split an answer into sentences with the markers each one carries."""
    out = []
    for a, b in sentence_spans(text):
        chunk = text[a:b]
        out.append((strip_markers(chunk), markers_in(chunk)))
    # a marker group right after a sentence's full stop belongs to that sentence
    merged: list[tuple[str, list[int]]] = []
    for sentence, nums in out:
        if not sentence and merged:
            merged[-1] = (merged[-1][0], merged[-1][1] + nums)
        elif sentence:
            merged.append((sentence, nums))
    return merged


def resolve(
    text: str, sources: Sequence[Source], used: Mapping[int, Sequence[PassageUnit]] | None = None
) -> tuple[str, list[Citation]]:
    """Renumber the markers of ``text`` in order of first use, drop markers that point at no
    source, and return the rewritten text with its citations (``used``: source number -> the
    units the answer quoted from it, highlighted in its citation)."""
    mapping: dict[int, int] = {}
    for n in markers_in(text):
        if 1 <= n <= len(sources) and n not in mapping:
            mapping[n] = len(mapping) + 1

    def group(m: re.Match[str]) -> str:
        nums = [int(x) for x in re.findall(r"\d+", m.group(0))]
        kept = []
        for n in nums:
            if n in mapping and mapping[n] not in kept:
                kept.append(mapping[n])
        return "".join(f" {marker(k)}" for k in kept)

    rewritten = _in_prose(text, lambda t: re.sub(r"[ \t]+([.,;:])", r"\1", _ANY_MARKERS.sub(group, t))).strip()
    used = used or {}
    citations = [
        to_citation(new, sources[old - 1], used.get(old, ()))
        for old, new in sorted(mapping.items(), key=lambda kv: kv[1])
    ]
    return rewritten, citations


def support(sentence: str, passage_text: str) -> float:
    """Share of the sentence's content terms found in the passage (0..1): the lexical support
    used by the verifier and by the evaluation's citation precision."""
    st = set(terms(sentence))
    if not st:
        return 1.0
    pt = set(terms(passage_text))
    return len(st & pt) / len(st)


SUPPORTED = 0.6


def is_supported(sentence: str, passage_text: str) -> bool:
    return support(sentence, passage_text) >= SUPPORTED
