"""The one owner of the citation format: numbering sources, ``[n]`` markers, parsing them, and
the support check the answer verifier and the evaluation share."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.models import Citation
from assistant.text import sentence_spans, terms
from index.split import Passage

MARKER = re.compile(r"\s?\[(\d{1,3})\]")
_ANY_MARKERS = re.compile(r"(?:\s?\[\d{1,3}(?:\s*,\s*\d{1,3})*\])+")


@dataclass(frozen=True)
class Source:
    """A passage handed to a generator, with its document's title and its retrieval score."""

    passage: Passage
    title: str
    score: float


def marker(n: int) -> str:
    return f"[{n}]"


def to_citation(n: int, source: Source) -> Citation:
    p = source.passage
    return Citation(
        n=n, source=p.source, title=source.title, section=p.section, text=p.text,
        start=p.start, end=p.end, score=round(float(source.score), 4),
    )


def format_for_prompt(sources: Sequence[Source]) -> str:
    """Numbered sources as a language model sees them: ``[n] title › section`` then the text."""
    blocks = []
    for n, s in enumerate(sources, 1):
        where = s.title + (f" › {s.passage.section}" if s.passage.section else "")
        blocks.append(f"{marker(n)} {where}\n{s.passage.text.strip()}")
    return "\n\n".join(blocks)


def markers_in(text: str) -> list[int]:
    """Every marker number in order of appearance (``[1, 2]`` groups included)."""
    out: list[int] = []
    for group in _ANY_MARKERS.findall(text):
        out.extend(int(x) for x in re.findall(r"\d+", group))
    return out


def strip_markers(text: str) -> str:
    return _ANY_MARKERS.sub("", text).strip()


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


def resolve(text: str, sources: Sequence[Source]) -> tuple[str, list[Citation]]:
    """Renumber the markers of ``text`` in order of first use, drop markers that point at no
    source, and return the rewritten text with its citations."""
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

    rewritten = _ANY_MARKERS.sub(group, text)
    rewritten = re.sub(r"[ \t]+([.,;:])", r"\1", rewritten).strip()
    citations = [to_citation(new, sources[old - 1]) for old, new in sorted(mapping.items(), key=lambda kv: kv[1])]
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
