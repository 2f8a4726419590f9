"""The Documents tab's table: every document with its title, date, passages, when it was added
and its file, as plain HTML (titles wrap in full; on a phone each row becomes a card)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.faces.ui.markup import esc

COLUMNS = ("Title", "Date", "Passages", "Added", "File")


def table_html(rows: Sequence[Sequence[Any]]) -> str:
    """``rows`` as :meth:`Page.table` gives them: (title, date, passages, added, file)."""
    if not rows:
        return '<p class="doc-empty">No documents yet: add some above.</p>'
    head = "".join(f'<th scope="col">{c}</th>' for c in COLUMNS)
    body = "".join(
        "<tr>" + "".join(f'<td data-label="{c}">{esc(v)}</td>' for c, v in zip(COLUMNS, row, strict=True)) + "</tr>"
        for row in rows
    )
    total = sum(int(r[2]) for r in rows)
    return (
        f'<p class="doc-count">{len(rows)} document{"s" if len(rows) != 1 else ""}, {total} passages</p>'
        f'<table class="doc-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    )
