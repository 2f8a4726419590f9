"""The conversation as the reader sees it (HTML) and as they take it away (Markdown).

A turn is a plain dict kept in the page's state: ``question``, then ``answer`` (an
:class:`Answer`) once it is known, ``draft`` while it streams, or ``error`` (a message) when
there is none; ``pair`` is its index among the stored session's question/answer pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.faces.ui.evidence import DateOf, used_spans
from assistant.faces.ui.markup import esc, markdown_html
from assistant.models import Answer

Turn = dict[str, Any]

MARKER = '<button class="cite" type="button" data-turn="{turn}" data-n="{{n}}" title="Show source {{n}}">[{{n}}]</button>'


def _where(c: Any, date: str | None) -> str:
    return c.title + (f" › {c.section}" if c.section else "") + (f" ({date})" if date else "")


def answer_markdown(answer: Answer, date_of: DateOf) -> str:
    """One answer with its sources, as Markdown (what "Copy" puts on the clipboard)."""
    if answer.abstained:
        lines = ["**Not found in the documents.**", "", answer.answer]
        if answer.related:
            lines += ["", "Related passages (not an answer):"]
            lines += [f"- {_where(c, date_of(c.source))} — {c.source}" for c in answer.related]
        return "\n".join(lines)
    lines = [answer.answer]
    if answer.citations:
        lines += ["", "Sources:"]
        for c in answer.citations:
            lines.append(f"[{c.n}] {_where(c, date_of(c.source))} — {c.source}")
            quoted = " … ".join(" ".join(c.text[a:b].split()) for a, b in used_spans(c, answer.answer))
            if quoted:
                lines.append(f"    > {quoted}")
    return "\n".join(lines)


def conversation_markdown(title: str, turns: Sequence[Turn], date_of: DateOf) -> str:
    """The whole conversation as a Markdown file (what "Export" downloads)."""
    out = [f"# {title or 'Conversation'}", ""]
    for t in turns:
        if t.get("answer") is None:
            continue
        out += [f"## {t['question']}", "", answer_markdown(t["answer"], date_of), ""]
    return "\n".join(out).rstrip() + "\n"


def _answer_html(k: int, t: Turn, date_of: DateOf) -> str:
    answer: Answer | None = t.get("answer")
    if answer is None:
        if t.get("error"):
            return f'<div class="answer error" role="alert">{t["error"]}</div>'
        draft = t.get("draft") or ""
        return f'<div class="answer pending" aria-busy="true">{esc(draft) if draft else "<span class=dots>Searching the documents…</span>"}</div>'
    if answer.abstained:
        body = (
            '<div class="refusal" role="note"><strong>Not found in your documents.</strong> '
            f"{esc(answer.answer)}</div>"
        )
        if answer.related:
            body += (
                f'<p class="related-note">{len(answer.related)} related passage'
                f'{"s" if len(answer.related) != 1 else ""} shown beside it, labelled as such: they are not an answer.</p>'
            )
    else:
        body = f'<div class="md">{markdown_html(answer.answer, MARKER.format(turn=k))}</div>'
    pair = t.get("pair")
    rate = ""
    if pair is not None:
        rate = (
            '<button type="button" class="act rate" data-rate="up" title="This answer helped">Helpful</button>'
            '<button type="button" class="act rate" data-rate="down" title="This answer is wrong or unhelpful">Not helpful</button>'
        )
    return (
        f'<div class="answer{" abstained" if answer.abstained else ""}" data-md="{esc(answer_markdown(answer, date_of))}">'
        f'{body}<div class="actions"><button type="button" class="act copy" title="Copy the answer and its sources as Markdown">Copy</button>'
        f'<button type="button" class="act show" title="Show this answer\'s sources">Sources</button>{rate}'
        '<span class="act-note" aria-live="polite"></span></div></div>'
    )


def _full_title(title: str, first_question: str) -> str:
    """The stored title is cut short; when it is the first question's start, show the question."""
    return first_question if not title or first_question.startswith(title) else title


def transcript_html(
    session_id: str | None, title: str, turns: Sequence[Turn], selected: int | None, date_of: DateOf, empty: str
) -> str:
    """The conversation pane. ``empty``: the (trusted) HTML shown before the first question."""
    head = ""
    if turns:
        head = (
            f'<div class="conv-head"><h2 class="conv-title">{esc(_full_title(title, turns[0]["question"]))}</h2>'
            '<button type="button" class="act export" title="Download this conversation as Markdown">Export Markdown</button></div>'
        )
    items = []
    last = len(turns) - 1
    chosen = selected if selected is not None else last
    for k, t in enumerate(turns):
        sel = " selected" if k == chosen and t.get("answer") is not None else ""
        pair = t.get("pair")
        items.append(
            f'<article class="turn{sel}" data-turn="{k}"'
            + (f' data-pair="{pair}"' if pair is not None else "")
            + f'><div class="question"><p>{esc(t["question"])}</p></div>{_answer_html(k, t, date_of)}</article>'
        )
    body = "".join(items) if turns else empty
    return (
        f'<div class="transcript" data-session="{esc(session_id or "")}" data-count="{len(turns)}">'
        f"{head}{body}</div>"
    )
