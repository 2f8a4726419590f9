"""Readable terminal output of an answer (Rich): the answer, then its numbered sources."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from assistant.models import Answer


def print_answer(answer: Answer, console: Console | None = None) -> None:
    console = console or Console()
    style = "yellow" if answer.abstained else "green"
    console.print(f"[{style}]{escape(answer.answer)}[/{style}]")
    if answer.citations:
        console.print("[bold]Sources[/bold]")
        for c in answer.citations:
            where = c.title + (f" › {c.section}" if c.section else "")
            console.print(f"  [{c.n}] {escape(where)} [dim]({escape(c.source)})[/dim]")
    elif answer.related:
        console.print("[bold]Related reading[/bold] [dim](not an answer)[/dim]")
        for c in answer.related:
            where = c.title + (f" › {c.section}" if c.section else "")
            console.print(f"  - {escape(where)} [dim]({escape(c.source)})[/dim]")
