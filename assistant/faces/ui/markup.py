"""Text from documents and users turned into HTML that cannot run: the one place the page
escapes, renders Markdown and draws highlights.

Every other UI module builds its HTML from these functions and never interpolates a document's
or a user's text itself, so "is this escaped?" has one answer.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

_MARKER = re.compile(r"\[(\d{1,3})\]")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$])")
# the parts of rendered HTML where a "[1]" is code, not a citation marker
_CODE = re.compile(r"(<pre[\s>].*?</pre>|<code[\s>].*?</code>)", re.S)


def esc(text: object) -> str:
    """Text (or an attribute value) as inert HTML.

    >>> esc('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    """
    return html.escape(str(text), quote=True)


def md_text(text: str) -> str:
    """Text placed inside Markdown (a Gradio Markdown component) so that it shows as written.

    >>> md_text("a*b <c> [d]")
    'a\\\\*b &lt;c&gt; \\\\[d\\\\]'
    """
    return html.escape(_MD_SPECIAL.sub(r"\\\1", text), quote=True)


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    # html=False: markup inside a document or an answer is shown as text, never parsed as HTML;
    # no images (nothing may be fetched, and a document must not place pictures on the page)
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table").enable("strikethrough").disable("image")
    return md


def markdown_html(text: str, marker: str | None = None) -> str:
    """Markdown (an answer: lists, code, emphasis) as HTML in which raw markup is text.

    ``marker``: a format with ``{n}`` for each ``[n]`` outside code, e.g. a button that points at
    source ``n`` (the format itself is trusted; ``n`` is digits only).

    >>> markdown_html("- one [1]\\n- `a[1]` <b>x</b>", marker="<sup>{n}</sup>")
    '<ul>\\n<li>one <sup>1</sup></li>\\n<li><code>a[1]</code> &lt;b&gt;x&lt;/b&gt;</li>\\n</ul>\\n'
    """
    rendered = _markdown().render(mend_fences(text))
    if marker is None:
        return rendered
    parts = _CODE.split(rendered)
    for i in range(0, len(parts), 2):  # even parts are outside code
        parts[i] = _MARKER.sub(lambda m: marker.format(n=int(m.group(1))), parts[i])
    return "".join(parts)


def mend_fences(text: str) -> str:
    r"""A closing code fence written at the end of the block's last line (as in "x = 1 ```"),
    which CommonMark does not take as closing, moved onto a line of its own, so the code block
    ends where its author meant and the prose after it is not swallowed as code.

    >>> mend_fences("```\nx = 1 ```\nAfter.")
    '```\nx = 1\n```\nAfter.'
    """
    out: list[str] = []
    inside = False
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("```"):
            inside = not inside
        elif inside and stripped.endswith("```"):
            out += [line.rstrip()[:-3].rstrip(), "```"]
            inside = False
            continue
        out.append(line)
    return "\n".join(out)


def marked(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` escaped, with the character ranges ``spans`` wrapped in ``<mark>``.

    >>> marked("a <b> c", [(2, 5)])
    'a <mark>&lt;b&gt;</mark> c'
    """
    out, last = [], 0
    for a, b in _merged(spans, len(text)):
        out.append(esc(text[last:a]))
        out.append(f"<mark>{esc(text[a:b])}</mark>")
        last = b
    out.append(esc(text[last:]))
    return "".join(out)


def _merged(spans: Iterable[tuple[int, int]], size: int) -> list[tuple[int, int]]:
    """Spans clipped to the text, sorted, overlaps joined, empty ones dropped."""
    out: list[tuple[int, int]] = []
    for a, b in sorted((max(0, a), min(size, b)) for a, b in spans):
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out
