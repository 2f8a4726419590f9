"""What the empty chat page offers: a line on what the collection holds, and example questions
made from the collection's own titles and section headings, kept only when the assistant
actually answers them (a suggestion that ends in a refusal would teach the reader nothing)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import zip_longest
from typing import TYPE_CHECKING

from assistant.faces.ui.markup import esc
from assistant.models import DocumentInfo

if TYPE_CHECKING:
    from assistant.service import Assistant

LIMIT = 4
TRIES = 16
_NUMBERING = re.compile(r"^\s*(?:\d+|[IVXLC]+|[a-z])[.)]\s+")
# an API signature, a path or a file name reads badly in a question ("... about class array.array(typecode)?")
_CODEISH = re.compile(r"[()\[\]{}=/\\<>_`]|\w\.\w|^(?:class|def|source code)\b", re.I)
_DATEISH = re.compile(r"^(?:\w+\s*[-–]\s*)?\w+ \d{4}$|^\d{1,2} \w+ \d{4}$|^\w+ \d{1,2}, \d{4}$")
# headings that name a part of a document, not a subject anyone would ask about
_GENERIC = {
    "takeaways", "background", "introduction", "summary", "contents", "overview", "conclusion", "annex",
    "references", "notes", "see also", "contact", "contact us", "about", "index",
}


def headings(title: str, sections: Sequence[str | None]) -> list[str]:
    """The distinct subject headings of one document (its title first), in document order:
    the last part of each section path, numbering removed; tables, dates, code (signatures,
    paths, file names), generic part names and headings too short or too long to make a
    question dropped."""
    out: list[str] = []
    for raw in [title, *sections]:
        if not raw:
            continue
        h = _NUMBERING.sub("", raw.split(" › ")[-1]).strip(" :.…")
        words = h.split()
        if (
            not 3 <= len(words) <= 12 or "|" in h or h.lower() in _GENERIC or _DATEISH.match(h) or _CODEISH.search(h)
            or sum(w.strip(",;:—-–'’\"“”").isalpha() for w in words) < 0.7 * len(words)
            or "newsletter" in h.lower() or h.endswith("…") or not any(len(w) > 3 and w.isalpha() for w in words)
        ):
            continue
        if h not in out:
            out.append(h)
    return out


def question_for(heading: str) -> str:
    """A question about a heading, the heading kept as written (lower-casing a headline would
    also lower-case the names in it: "China", "Vellmar Mining Guild").

    >>> question_for("Mutual Recognition Enhancing Trade Efficiency")
    'What do the documents say about Mutual Recognition Enhancing Trade Efficiency?'
    """
    return f"What do the documents say about {heading}?"


def example_questions(bot: Assistant, limit: int = LIMIT) -> list[str]:
    """Up to ``limit`` questions the collection answers, one document after another."""
    by_doc: dict[str, list[str | None]] = {}
    for p in bot.catalog.passages():
        by_doc.setdefault(p.source, []).append(p.section)
    per_doc = [headings(bot.titles.get(src, ""), secs) for src, secs in by_doc.items()]
    candidates = [h for row in zip_longest(*per_doc) for h in row if h]
    out: list[str] = []
    for h in candidates[:TRIES]:
        q = question_for(h)
        try:
            answer = bot.ask(q)
        except Exception:  # a suggestion is never worth an error on the page
            continue
        if not answer.abstained and answer.citations:
            out.append(q)
        if len(out) == limit:
            break
    return out


def collection_html(docs: Sequence[DocumentInfo], shown: int = 6) -> str:
    """One line on what the collection holds: how many documents, and their titles."""
    if not docs:
        return ""
    titles = "".join(
        f'<li title="{esc(d.title)}">{esc(d.title)}' + (f' <span class="muted">· {esc(d.date)}</span>' if d.date else "") + "</li>"
        for d in docs[:shown]
    )
    more = f'<li class="muted">and {len(docs) - shown} more (see the Documents tab)</li>' if len(docs) > shown else ""
    passages = sum(d.passages for d in docs)
    return (
        f'<p class="holds">The collection holds <strong>{len(docs)} document{"s" if len(docs) != 1 else ""}</strong> '
        f"({passages} passages):</p><ul class=\"doc-list\">{titles}{more}</ul>"
    )
