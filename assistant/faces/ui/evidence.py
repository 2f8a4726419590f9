"""The evidence pane: for each answer, every passage it cites with the exact text the answer used
in ``<mark>``, its document's title, section and date; and the whole document around a passage.

Only the selected answer's sources are shown; the others are in the page, hidden, so that a
click on a marker of an older answer shows its sources without a round trip.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from assistant.engine import citations
from assistant.faces.ui.markup import esc, marked
from assistant.models import Answer, Citation
from index.text import sentence_spans

DateOf = Callable[[str], "str | None"]

EMPTY = (
    '<div class="ev-empty"><h3>Evidence</h3><p>The passages an answer cites appear here, with the words it '
    "used highlighted. Click a marker such as <span class=\"cite-sample\">[1]</span> in an answer to jump "
    "to its source.</p></div>"
)


def used_spans(c: Citation, answer_text: str) -> list[tuple[int, int]]:
    """What the answer used of passage ``c``: its highlights, or (an answer from a language model
    carries none) the passage's sentences that back a sentence citing ``c``."""
    if c.highlights:
        return [(h.start, h.end) for h in c.highlights]
    claims = [s for s, nums in citations.cited_sentences(answer_text) if c.n in nums]
    return [
        (a, b) for a, b in sentence_spans(c.text)
        if any(citations.is_supported(s, c.text[a:b]) or citations.is_supported(c.text[a:b], s) for s in claims)
    ]


def card(turn: int, c: Citation, date: str | None, used: Sequence[tuple[int, int]], related: bool = False) -> str:
    """One source: number, title, section, date, the passage with what was used marked."""
    label = "Related" if related else f"[{c.n}]"
    cid = f"ev-{turn}-{'r' if related else ''}{c.n}"
    meta = " · ".join(esc(x) for x in (c.section, date) if x)
    spans = ",".join(f"{a}-{b}" for a, b in used)
    return (
        f'<article class="ev-card{" related" if related else ""}" id="{cid}" data-n="{c.n}">'
        f'<header><span class="ev-n">{label}</span> <span class="ev-title">{esc(c.title)}</span></header>'
        + (f'<div class="ev-meta">{meta}</div>' if meta else "")
        + f'<div class="ev-text">{marked(c.text, used)}</div>'
        f'<footer><span class="ev-source">{esc(c.source)}</span>'
        f'<button class="ev-open" type="button" data-source="{esc(c.source)}" data-start="{c.start}" '
        f'data-end="{c.end}" data-used="{spans}">Open in document</button></footer></article>'
    )


def answer_evidence(turn: int, answer: Answer, date_of: DateOf) -> str:
    """The pane's section for one answer."""
    if answer.abstained:
        if not answer.related:
            return '<p class="ev-none">Nothing in the documents answers this question.</p>'
        cards = "".join(card(turn, c, date_of(c.source), [], related=True) for c in answer.related)
        return (
            '<p class="ev-label related-label">Related passages — <strong>not an answer</strong>: the closest '
            "the documents come to the question.</p>" + cards
        )
    if not answer.citations:
        return '<p class="ev-none">This answer cites no passage.</p>'
    return "".join(card(turn, c, date_of(c.source), used_spans(c, answer.answer)) for c in answer.citations)


def pane_html(answers: Sequence[tuple[int, str, Answer]], selected: int | None, date_of: DateOf) -> str:
    """The whole pane: ``answers`` are (turn, question, answer); ``selected`` the turn shown."""
    if not answers:
        return f'<div class="evidence">{EMPTY}</div>'
    if selected is None or selected not in {t for t, _, _ in answers}:
        selected = answers[-1][0]
    sections = []
    for turn, question, answer in answers:
        hidden = "" if turn == selected else " hidden"
        n = len(answer.related) if answer.abstained else len(answer.citations)
        head = "Related passages" if answer.abstained else f"{n} source{'s' if n != 1 else ''}"
        sections.append(
            f'<section class="ev-turn" data-turn="{turn}"{hidden}><h3>{head}</h3>'
            f'<p class="ev-question">for “{esc(question)}”</p>{answer_evidence(turn, answer, date_of)}</section>'
        )
    return f'<div class="evidence" data-selected="{selected}">' + "".join(sections) + "</div>"


def document_html(title: str, text: str, start: int, end: int, used: Sequence[tuple[int, int]] = ()) -> str:
    """A whole document, escaped: the passage at ``[start, end)`` tinted (``id="doc-passage"``), and
    within it the ``used`` spans (offsets into the passage) in ``<mark>``; the whole passage is
    marked when none is given."""
    start, end = max(0, min(start, len(text))), max(start, min(end, len(text)))
    passage = text[start:end]
    inner = marked(passage, used or [(0, len(passage))])
    return (
        f'<h2 class="doc-title">{esc(title)}</h2><div class="doc-text">{esc(text[:start])}'
        f'<span class="doc-passage" id="doc-passage">{inner}</span>{esc(text[end:])}</div>'
    )


def parse_spans(value: str) -> list[tuple[int, int]]:
    """``"3-10,20-31"`` (as the page sends it back) as spans; anything malformed is skipped."""
    out = []
    for part in (value or "").split(","):
        a, _, b = part.partition("-")
        if a.isdigit() and b.isdigit():
            out.append((int(a), int(b)))
    return out
