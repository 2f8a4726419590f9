"""The page's handlers as plain functions over a :class:`Runtime`: ask, open, rename and delete
conversations, rate and export answers, manage documents. Each returns plain data (a
:class:`View`, strings, rows), so the tests call them without a browser and ``layout`` maps
them onto Gradio components.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from assistant.conversation.feedback import Feedback
from assistant.errors import DomainError, IndexNotBuiltError
from assistant.faces.ui import evidence, examples, transcript
from assistant.faces.ui.markup import esc, md_text
from assistant.models import Answer, Message

if TYPE_CHECKING:
    from assistant.runtime import Runtime

State = dict[str, Any]
_SAFE_FILE = re.compile(r"[^\w\- ]+")


def new_state() -> State:
    return {"session_id": None, "title": "", "turns": [], "selected": None}


@dataclass
class View:
    """Everything the chat tab shows for one state."""

    transcript: str
    evidence: str
    state: State
    conversations: list[tuple[str, str]]
    examples: list[str]
    notice: str
    box: str = ""
    title: str = ""


@dataclass
class UploadStep:
    """Progress of a multi-file upload: ``done`` of ``total`` files, one line per file so far."""

    done: int
    total: int
    current: str
    lines: list[str] = field(default_factory=list)
    changed: bool = False


def upload_html(step: UploadStep) -> str:
    """An upload as it goes: a progress bar while files remain, then one line per file."""
    lines = list(step.lines)
    if step.current:
        percent = round(100 * step.done / max(1, step.total))
        lines.append(
            f'<span class="busy"><span class="bar" role="progressbar" aria-valuemin="0" aria-valuemax="{step.total}" '
            f'aria-valuenow="{step.done}"><span style="width: {percent}%"></span></span> '
            f"indexing {esc(step.current)} ({step.done + 1} of {step.total})…</span>"
        )
    return "<br>".join(lines)


def no_index_html(corpus: str) -> str:
    return (
        '<div class="notice" role="status"><strong>No documents are indexed yet.</strong> Add some on the '
        "<em>Documents</em> tab (upload .txt, .md, .html or .pdf files), or build the index from a folder "
        f"with <code>assistant ingest</code> (it reads <code>{esc(corpus)}</code>; <code>make run</code> does it "
        "for you).</div>"
    )


def when(ts: float, now: float | None = None) -> str:
    """A short local time for a conversation list: ``14:05`` today, ``3 Nov`` this year, else ``3 Nov 2024``."""
    t, n = time.localtime(ts), time.localtime(now or time.time())
    if t[:3] == n[:3]:
        return time.strftime("%H:%M", t)
    return time.strftime("%-d %b" if t.tm_year == n.tm_year else "%-d %b %Y", t)


class Page:
    """The page's handlers; one instance serves every browser tab (their state is passed in)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._examples: tuple[int, list[str]] | None = None
        self._examples_lock = threading.Lock()

    # --- what the collection offers -------------------------------------------------------
    def date_of(self, source: str) -> str | None:
        return self.runtime.document_date(source)

    def notice(self) -> str:
        """A banner when there is nothing to ask about yet."""
        if self.runtime.current() is None:
            return no_index_html(str(self.runtime.settings.corpus_dir))
        return ""

    def examples(self) -> list[str]:
        """Example questions for the collection as it is now (computed once per commit)."""
        bot = self.runtime.current()
        if bot is None:
            return []
        with self._examples_lock:
            if self._examples is None or self._examples[0] != bot.version:
                self._examples = (bot.version, examples.example_questions(bot))
            return list(self._examples[1])

    def empty_html(self) -> str:
        if self.runtime.current() is None:
            return no_index_html(str(self.runtime.settings.corpus_dir))
        docs = self.runtime.documents()
        asks = self.examples()
        hint = "Try one of these, or ask your own below:" if asks else "Ask a question below."
        return (
            '<div class="welcome"><h2>Ask your documents</h2>'
            "<p>Every sentence of an answer cites the passage it comes from; the sources appear beside "
            "the answer with the words used highlighted.</p>"
            f'{examples.collection_html(docs)}<p class="try">{hint}</p></div>'
        )

    def conversations(self) -> list[tuple[str, str]]:
        """(label, id) of the stored conversations, newest first."""
        store = self.runtime.sessions
        if store is None:
            return []
        return [(f"{_short(s.title)} · {when(s.updated_at)}", s.id) for s in store.list(100) if s.turns]

    def view(self, state: State, box: str = "") -> View:
        answers = [(k, t["question"], t["answer"]) for k, t in enumerate(state["turns"]) if t.get("answer") is not None]
        turns = state["turns"]
        return View(
            transcript=transcript.transcript_html(
                state["session_id"], state["title"], turns, state["selected"], self.date_of,
                "" if turns else self.empty_html(),
            ),
            evidence=evidence.pane_html(answers, state["selected"], self.date_of),
            state=state,
            conversations=self.conversations(),
            examples=[] if turns else self.examples(),
            notice=self.notice() if turns else "",  # the empty page says it in its own words
            box=box,
            title=state["title"],
        )

    # --- asking ---------------------------------------------------------------------------
    def respond(self, question: str, state: State | None) -> Iterator[View]:
        """Stream one answer: a placeholder at once, the draft as it is written, then the answer."""
        state = _copy(state)
        question = (question or "").strip()
        if not question:
            yield self.view(state)
            return
        history = _history(state["turns"])
        turn: dict[str, Any] = {"question": question, "answer": None, "draft": "", "error": None, "pair": None}
        state["turns"].append(turn)
        state["selected"] = None
        yield self.view(state)
        answer: Answer | None = None
        try:
            for kind, value in self.runtime.stream(question, history, None):
                if kind == "delta":
                    turn["draft"] += str(value)
                    yield self.view(state)
                elif isinstance(value, Answer):
                    answer = value
        except IndexNotBuiltError:
            turn["error"] = no_index_html(str(self.runtime.settings.corpus_dir))
            yield self.view(state, box=question)
            return
        except DomainError as exc:
            turn["error"] = f"<strong>The answer failed:</strong> {esc(exc)}"
            yield self.view(state, box=question)
            return
        assert answer is not None
        turn.update(answer=answer, draft=None)
        turn["pair"] = self._save(state, question, answer)
        yield self.view(state)

    def _save(self, state: State, question: str, answer: Answer) -> int | None:
        store = self.runtime.sessions
        if store is None:
            return None
        if state["session_id"] is None or not store.exists(state["session_id"]):
            state["session_id"] = store.create()
        store.append(state["session_id"], question, answer)
        session = store.get(state["session_id"])
        if session is None:
            return None
        state["title"] = session.title
        return session.turns // 2 - 1

    # --- conversations --------------------------------------------------------------------
    def new(self) -> View:
        return self.view(new_state())

    def open(self, session_id: str | None) -> View:
        """A stored conversation, with each answer's sources as they were first shown."""
        store = self.runtime.sessions
        session = store.get(session_id) if store is not None and session_id else None
        if session is None:
            return self.view(new_state())
        turns: list[dict[str, Any]] = []
        question = None
        for m in session.messages:
            if m.role == "user":
                question = m.content
            elif question is not None:
                turns.append({"question": question, "answer": m.answer, "draft": None, "pair": len(turns),
                              "error": None if m.answer else esc(m.content)})
                question = None
        return self.view({"session_id": session.id, "title": session.title, "turns": turns, "selected": None})

    def rename(self, state: State | None, title: str) -> View:
        state = _copy(state)
        title = " ".join((title or "").split())
        store = self.runtime.sessions
        if store is not None and state["session_id"] and title and store.rename(state["session_id"], title):
            state["title"] = title
        return self.view(state)

    def delete_conversation(self, state: State | None) -> View:
        state = _copy(state)
        store = self.runtime.sessions
        if store is not None and state["session_id"]:
            store.delete(state["session_id"])
        return self.view(new_state())

    # --- per answer (called from the page's script) -----------------------------------------
    def feedback(self, session_id: str, pair: int, rating: str) -> str:
        """Record a thumbs up/down on answer ``pair`` of a stored conversation."""
        store, sink = self.runtime.sessions, self.runtime.feedback
        session = store.get(session_id) if store is not None else None
        if session is None or sink is None or not 0 <= 2 * pair + 1 < len(session.messages):
            return "Could not record feedback: this conversation is no longer stored."
        q, a = session.messages[2 * pair], session.messages[2 * pair + 1]
        value: Literal["up", "down"] = "up" if rating == "up" else "down"
        sink.add(Feedback(question=q.content, answer=a.content, rating=value, comment=None, session_id=session_id))
        return "Thanks, feedback recorded."

    def export(self, session_id: str) -> tuple[str, str]:
        """(file name, Markdown) of a stored conversation."""
        view = self.open(session_id)
        title = view.state["title"] or "conversation"
        name = (_SAFE_FILE.sub("", title)[:60].strip().replace(" ", "-") or "conversation") + ".md"
        return name, transcript.conversation_markdown(title, view.state["turns"], self.date_of)

    def document(self, source: str, start: int, end: int, used: str = "") -> str:
        """The whole document of a source, the passage and what the answer used of it marked
        (``used``: spans into the passage, ``"a-b,c-d"``), as inert HTML."""
        bot = self.runtime.current()
        text = bot.catalog.document_text(source) if bot is not None else None
        if bot is None or text is None:
            return f'<p class="notice">The document {esc(source)} is no longer in the collection.</p>'
        return evidence.document_html(
            bot.titles.get(source, source), text, int(start), int(end), evidence.parse_spans(used)
        )

    # --- documents ------------------------------------------------------------------------
    def table(self) -> list[list[Any]]:
        """Title, date, passages, added, file: one row per document, newest addition first."""
        bot = self.runtime.current()
        added = {d.source: d.ingested_at or 0.0 for d in bot.catalog.documents()} if bot is not None else {}
        docs = sorted(self.runtime.documents(), key=lambda d: (-added.get(d.source, 0.0), d.title))
        return [
            [d.title, d.date or "", d.passages,
             time.strftime("%Y-%m-%d %H:%M", time.localtime(added[d.source])) if added.get(d.source) else "", d.source]
            for d in docs
        ]

    def document_choices(self) -> list[tuple[str, str]]:
        return [(f"{d.title} ({d.source})", d.source) for d in self.runtime.documents()]

    def check_key(self, key: str | None) -> None:
        expected = self.runtime.settings.api_key
        if expected is None or not expected.get_secret_value():
            return
        if not key:
            raise PermissionError("this server needs its API key to change documents: enter it above")
        if not secrets.compare_digest(key.encode(), expected.get_secret_value().encode()):
            raise PermissionError("wrong API key")

    def upload(self, paths: Sequence[str] | str | None, key: str | None) -> Iterator[UploadStep]:
        """Add files one by one; a file that fails gets one line saying why and the rest go on."""
        if isinstance(paths, str):
            paths = [paths]
        files = [Path(p) for p in paths or []]
        if not files:
            yield UploadStep(0, 0, "", ["Choose one or more files first."])
            return
        try:
            self.check_key(key)
        except PermissionError as exc:
            yield UploadStep(0, len(files), "", [f"✗ {esc(exc)}"])
            return
        step = UploadStep(0, len(files), "")
        for f in files:
            step.current = f.name
            yield replace(step, lines=list(step.lines))
            try:
                info, replaced = self.runtime.upload(f.name, f.read_bytes())
            except (*DomainError, OSError) as exc:
                why = str(exc).removeprefix(f"{f.name}: ")  # a DocumentError names the file already
                step.lines.append(f'<span class="fail">✗ {esc(f.name)}: {esc(why)}</span>')
            else:
                step.changed = True
                verb = "replaced" if replaced else "added"
                step.lines.append(f'<span class="ok">✓ {esc(info.source)} {verb}: “{esc(info.title)}”, {info.passages} passages</span>')
            step.done += 1
        step.current = ""
        yield step

    def delete_prompt(self, source: str | None) -> str | None:
        """The confirmation asked before a deletion (Markdown), or ``None`` with nothing chosen."""
        doc = next((d for d in self.runtime.documents() if d.source == source), None) if source else None
        if doc is None:
            return None
        return (
            f"Delete **{md_text(doc.title)}** ({md_text(doc.source)}) and its {doc.passages} passages? "
            "This cannot be undone."
        )

    def delete(self, source: str | None, key: str | None) -> str:
        """Delete a document; returns the line to show."""
        if not source:
            return "Pick a document to delete."
        try:
            self.check_key(key)
            self.runtime.delete(source)
        except (PermissionError, *DomainError) as exc:
            return f'<span class="fail">✗ {esc(exc)}</span>'
        return f'<span class="ok">✓ {esc(source)} deleted.</span>'


def _short(title: str) -> str:
    from assistant.conversation.sessions import TITLE_CHARS

    return (title or "Untitled") + ("…" if len(title) >= TITLE_CHARS else "")


def _copy(state: State | None) -> State:
    """A state the handler may change (Gradio hands the same object to concurrent events)."""
    s = state or new_state()
    return {**s, "turns": [dict(t) for t in s["turns"]]}


def _history(turns: Sequence[dict[str, Any]]) -> list[Message]:
    out: list[Message] = []
    for t in turns:
        if t.get("answer") is not None:
            out += [Message(role="user", content=t["question"]), Message(role="assistant", content=t["answer"].answer)]
    return out
