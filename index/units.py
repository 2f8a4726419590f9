"""Answer units: the smallest spans of a document that answer a question on their own.

Recovered from the document's structure at ingest, so the answer step can quote a whole thing
instead of a sentence that sits near it:

- ``list``: a sentence that introduces a list (a trailing colon, "the following") together
  with its items, or with the table that follows it ("one of the following constants:");
- ``row``: a table row, with the table's header row as its ``head``;
- ``answer``: the answer paragraph of a question-and-answer pair, with the question as its
  ``head`` (a leading "Answer:" label is part of the span, not of what is quoted);
- ``code``: a fenced code block, whole;
- ``sentence``: an ordinary sentence.

A unit is a span ``[start, end)`` of the document's stored text, so a citation can point at
exactly what an answer used. Units may overlap (a list and the sentences of its items).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.structure import Block, StructuredDocument
from index.text import sentence_spans

KINDS = ("sentence", "list", "row", "answer", "code")
LIST_ITEM = re.compile(r"^\s*(?:[-–•*]\s+|\d{1,2}[.)]\s+|[a-z][.)]\s+|\(\w{1,3}\)\s+)")
_INTRODUCES = re.compile(r":\s*$|\bthe following\b[^.]{0,80}[.:]?\s*$|\b(?:as follows|include|includes|including)\b[^.]{0,40}[.:]?\s*$",
                         re.IGNORECASE)
_ANSWER_LABEL = re.compile(r"^\s*(?:answer|a|reply|response)\s*[:：]\s*", re.IGNORECASE)
_REFERS_BACK = re.compile(r"(?:it|they|this|these|those|its|their|such|each|both)\b", re.IGNORECASE)
_VERSION_NOTE = re.compile(r"^\s*(?:Changed in version|New in version|Deprecated since version|Added in version)\s+\d", re.IGNORECASE)
MAX_LIST_BLOCKS = 12
MAX_LIST_CHARS = 1800
MAX_PLAIN_ITEM = 400  # an unbulleted paragraph longer than this is prose, not a list item
MIN_SENTENCE_CHARS = 12


@dataclass(frozen=True)
class Unit:
    """A span of the stored text that can be quoted as an answer."""

    kind: str
    start: int
    end: int
    head: str | None = None  # what the unit must be read with: a table's header row, a Q&A's question, a defined term


def answer_units(doc: StructuredDocument) -> list[Unit]:
    """Every answer unit of ``doc``, in document order. Under a defined term (an API entry, a
    glossary word) every unit is read with the term as its ``head``: "Raised when ..." says
    nothing without "exception dataclasses.FrozenInstanceError" above it."""
    text, blocks = doc.text, doc.blocks
    out: list[Unit] = []
    term: str | None = None
    i = 0
    while i < len(blocks):
        b = blocks[i]
        body = text[b.start : b.end]
        if b.kind == "heading":
            term = body.lstrip("#").strip() if b.term else None
            i += 1
            continue
        if b.kind == "code":
            out.append(Unit("code", b.start, b.end, term))
            i += 1
            continue
        if b.kind == "row":
            j = i
            while j < len(blocks) and blocks[j].kind == "row":
                j += 1
            header = text[b.start : b.end] if j - i >= 2 else None
            out.extend(Unit("row", r.start, r.end, header) for r in blocks[i + 1 : j] if header)
            if header is None:
                out.append(Unit("row", b.start, b.end))
            i = j
            continue
        spans = [(b.start + a, b.start + e) for a, e in sentence_spans(body)]
        if _ANSWER_LABEL.match(body):
            out.append(Unit("answer", b.start, b.end, _question_before(text, blocks, i)))
        out.extend(Unit("sentence", a, e, term) for a, e in spans if e - a >= MIN_SENTENCE_CHARS)
        if len(spans) > 1 and _VERSION_NOTE.match(body):
            # "Changed in version 3.11: The population must be a sequence. Automatic conversion of
            # sets to lists is no longer supported.": one note, quoted whole
            out.append(Unit("sentence", spans[0][0], spans[-1][1], term))
        if spans and _INTRODUCES.search(text[spans[-1][0] : spans[-1][1]]):
            listed = _list_after(text, blocks, i)
            if listed is not None:
                # "It must be one of the following:" says what it is about in the sentence before
                start = spans[-2][0] if len(spans) > 1 and _REFERS_BACK.match(text[spans[-1][0] : spans[-1][1]]) else spans[-1][0]
                out.append(Unit("list", start, listed, term))
        i += 1
    out.sort(key=lambda u: (u.start, -u.end))
    return out


def _list_after(text: str, blocks: Sequence[Block], i: int) -> int | None:
    """The end of the list that block ``i`` introduces, or ``None`` when no list follows."""
    end, taken, items = None, 0, 0
    start_of_prev = blocks[i].start
    if i + 1 < len(blocks) and blocks[i + 1].kind == "row":
        return _table_after(blocks, i + 1)  # "one of the following constants:" and the table of them
    if i + 1 < len(blocks) and blocks[i + 1].term:
        return _terms_after(blocks, i + 1)  # "defines the following constants:" and their entries
    for b in blocks[i + 1 : i + 1 + MAX_LIST_BLOCKS]:
        if b.kind == "heading":
            break
        body = text[b.start : b.end]
        if b.kind == "row":
            break  # a table after the list: answered row by row, with its header
        is_item = bool(LIST_ITEM.match(body)) or (b.kind == "code" and not items)  # "Example:" + code
        if items and not is_item and not text[start_of_prev:end].rstrip().endswith(":"):
            break  # the list ended: prose again (an item ending in a colon goes on below)
        if not is_item and (taken >= 4 or len(body) > MAX_PLAIN_ITEM):
            break  # unbulleted paragraphs after an introduction: only a few short ones
        if end is not None and b.end - blocks[i].end > MAX_LIST_CHARS:
            break
        end, taken, items = b.end, taken + 1, items + is_item
        start_of_prev = b.start
    return end


MAX_TERM_BLOCKS = 3  # an entry with more than this many paragraphs is a whole entry, not a list item


def _terms_after(blocks: Sequence[Block], first: int) -> int | None:
    """The end of the defined terms that start at block ``first`` and their short descriptions
    ("csv.QUOTE_ALL" / "Instructs writer objects to quote all fields." ...), when there are two
    or more, each described in a few paragraphs, and all of them fit in a list unit; ``None``
    otherwise (a list of long entries, or one cut short, would misquote what the sentence
    introduces)."""
    end, terms, body = None, 0, 0
    for b in blocks[first:]:
        if b.kind == "heading" and not b.term:
            break  # the section resumes: the entries ended
        if b.kind == "heading":
            terms, body = terms + 1, 0
        elif b.kind != "para" or body == MAX_TERM_BLOCKS:
            return None
        else:
            body += 1
        if b.end - blocks[first].start > MAX_LIST_CHARS:
            return None
        end = b.end
    return end if terms >= 2 and body else None


def _table_after(blocks: Sequence[Block], first: int) -> int | None:
    """The end of the table that starts at block ``first``, when it has a header and a row and
    fits in a list unit; ``None`` otherwise (its rows still answer one by one)."""
    j = first
    while j < len(blocks) and blocks[j].kind == "row" and blocks[j].end - blocks[first].start <= MAX_LIST_CHARS:
        j += 1
    whole = j == len(blocks) or blocks[j].kind != "row"
    return blocks[j - 1].end if whole and j - first >= 2 else None


def _question_before(text: str, blocks: Sequence[Block], i: int) -> str | None:
    """The question an "Answer:" paragraph answers: the heading or paragraph right above it."""
    if i == 0:
        return None
    prev = text[blocks[i - 1].start : blocks[i - 1].end].strip()
    return prev if prev.endswith("?") or blocks[i - 1].kind == "heading" else None


def strip_label(unit_text: str) -> str:
    """A Q&A answer without its "Answer:" label."""
    return _ANSWER_LABEL.sub("", unit_text, count=1)


@dataclass(frozen=True)
class PassageUnit:
    """An answer unit as stored with the passage it was read in: its whole ``text`` (which may
    run past the passage), and its vector pooled from that passage's forward pass (``None``
    when the span lay past the embedder's input limit)."""

    passage_id: str
    kind: str
    start: int
    end: int
    text: str
    head: str | None
    vector: np.ndarray | None

    @property
    def read(self) -> str:
        """The unit as it must be read: its head (a table's header, a Q&A's question, a
        defined term) and its text."""
        return f"{self.head}\n{self.text}" if self.head else self.text


MIN_OVERLAP = 60  # characters of a long unit a passage must hold to carry it


def units_in(passage_start: int, passage_end: int, units: Sequence[Unit]) -> list[tuple[Unit, int, int]]:
    """The units a passage carries, each with the part of it inside the passage (document offsets)."""
    out = []
    for u in units:
        a, b = max(u.start, passage_start), min(u.end, passage_end)
        if b <= a:
            continue
        # a passage carries a unit it mostly holds, and one that begins in it: a list whose
        # introduction ends a passage ("defines the following constants:") is found with it
        if b - a >= min(MIN_OVERLAP, u.end - u.start) or 2 * (b - a) >= u.end - u.start or passage_start <= u.start:
            out.append((u, a, b))
    return out
