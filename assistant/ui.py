"""The chat page (Gradio 6): streaming answers, numbered sources under each answer (click one
to read the passage with the cited sentences highlighted), thumbs up/down, a documents panel.

Everything that comes from a document or a user is escaped before it reaches the page
(:func:`escape_text`), so markup inside a document shows as text and never runs. The handlers
are plain methods of :class:`Page`, testable without a browser.
"""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from assistant import citations
from assistant.errors import AssistantError, IndexNotBuiltError
from assistant.feedback import Feedback
from assistant.models import Answer, Citation, Message
from index.text import sentence_spans

if TYPE_CHECKING:
    import gradio as gr

    from assistant.runtime import Runtime

NO_INDEX = (
    "**No documents are indexed yet.** Build the index with `assistant ingest` (it reads "
    "`{corpus}`; `make run` does it for you), or upload documents in the panel on the right."
)
ABSTAINED = "**⚠ Not found in your documents.**"
CSS = """
#notice { border-left: 4px solid #d97706; padding-left: .75rem; }
#notice:empty { display: none; }
"""
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$])")

State = dict[str, Any]


def escape_text(text: str) -> str:
    """Text shown as text inside Gradio's Markdown: markdown syntax and HTML both neutralised.

    >>> print(escape_text("<img src=x onerror=alert(1)> *hi*"))
    &lt;img src=x onerror=alert\\(1\\)&gt; \\*hi\\*
    """
    return html.escape(_MD_SPECIAL.sub(r"\\\1", text), quote=True)


def highlight(passage: str, answer_sentences: list[str]) -> str:
    """The passage, escaped, with the sentences that back ``answer_sentences`` in ``<mark>``."""
    out, last = [], 0
    for a, b in sentence_spans(passage):
        sentence = passage[a:b]
        backed = any(
            citations.is_supported(s, sentence) or citations.is_supported(sentence, s) for s in answer_sentences
        )
        out.append(escape_text(passage[last:a]))
        out.append(f"<mark>{escape_text(sentence)}</mark>" if backed else escape_text(sentence))
        last = b
    out.append(escape_text(passage[last:]))
    return "".join(out)


def source_title(c: Citation, date: str | None, related: bool = False) -> str:
    where = c.title + (f" › {c.section}" if c.section else "")
    return ("Related: " if related else f"[{c.n}] ") + where + (f" · {date}" if date else "")


def answer_messages(answer: Answer, date_of: Any = lambda source: None) -> list[dict[str, Any]]:
    """The chat messages for one answer: its text, then one collapsed message per source."""
    if answer.abstained:
        body = f"{ABSTAINED}\n\n{escape_text(answer.answer)}"
        if answer.related:
            body += "\n\n*Related reading (not an answer):*"
    else:
        body = escape_text(answer.answer)
    messages: list[dict[str, Any]] = [{"role": "assistant", "content": body}]
    by_source: dict[int, list[str]] = {}
    for sentence, nums in citations.cited_sentences(answer.answer):
        for n in nums:
            by_source.setdefault(n, []).append(sentence)
    for c in answer.citations:
        messages.append({
            "role": "assistant",
            "content": highlight(c.text, by_source.get(c.n, [])),
            "metadata": {"title": source_title(c, date_of(c.source)), "status": "done"},
        })
    for c in answer.related if answer.abstained else []:
        messages.append({
            "role": "assistant",
            "content": escape_text(c.text),
            "metadata": {"title": source_title(c, date_of(c.source), related=True), "status": "done"},
        })
    return messages


def new_state() -> State:
    return {"messages": [], "turns": [], "answers": {}, "session_id": None}


class Page:
    """The page's handlers as plain functions over a :class:`Runtime`."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    # --- chat --------------------------------------------------------------------------------
    def respond(self, question: str, state: State | None) -> Iterator[tuple[list[dict[str, Any]], State, str]]:
        """Stream one answer: yields (chat messages, state, text box value)."""
        state = state or new_state()
        question = (question or "").strip()
        if not question:
            yield state["messages"], state, ""
            return
        chat = [*state["messages"], {"role": "user", "content": escape_text(question)}]
        pending = {"role": "assistant", "content": "…"}
        yield [*chat, pending], state, ""
        history = [Message.model_validate(t) for t in state["turns"]]
        answer: Answer | None = None
        text = ""
        try:
            for kind, value in self.runtime.stream(question, history, None):
                if kind == "delta":
                    text += str(value)
                    yield [*chat, {"role": "assistant", "content": escape_text(text)}], state, ""
                elif isinstance(value, Answer):
                    answer = value
        except IndexNotBuiltError:
            notice = NO_INDEX.format(corpus=escape_text(str(self.runtime.settings.corpus_dir)))
            yield [*chat, {"role": "assistant", "content": notice}], state, question
            return
        except AssistantError as exc:
            yield [*chat, {"role": "assistant", "content": f"**⚠ {escape_text(str(exc))}**"}], state, question
            return
        assert answer is not None
        index = len(chat)
        chat += answer_messages(answer, self.runtime.document_date)
        state = {
            **state,
            "messages": chat,
            "turns": [*state["turns"], {"role": "user", "content": question}, {"role": "assistant", "content": answer.answer}],
            "answers": {**state["answers"], str(index): {"question": question, "answer": answer.answer}},
        }
        state["session_id"] = self._save(state["session_id"], question, answer)
        yield chat, state, ""

    def _save(self, session_id: str | None, question: str, answer: Answer) -> str | None:
        store = self.runtime.sessions
        if store is None:
            return session_id
        sid = session_id or store.create()
        store.append(sid, question, answer)
        return sid

    def like(self, state: State | None, index: int | list[int] | tuple[int, ...], liked: bool | str) -> str:
        """Record a thumbs up/down on the answer that message ``index`` belongs to."""
        state = state or new_state()
        i = index[0] if isinstance(index, list | tuple) else index
        owners = [int(k) for k in state["answers"] if int(k) <= int(i)]
        if not owners or self.runtime.feedback is None:
            return ""
        record = state["answers"][str(max(owners))]
        rating: Literal["up", "down"] = "up" if liked is True or liked == "Like" else "down"
        self.runtime.feedback.add(Feedback(
            question=record["question"], answer=record["answer"], rating=rating, comment=None,
            session_id=state.get("session_id"),
        ))
        return f"Thanks: feedback recorded ({'👍' if rating == 'up' else '👎'})."

    def clear(self) -> tuple[list[dict[str, Any]], State]:
        return [], new_state()

    # --- documents ----------------------------------------------------------------------------
    def notice(self) -> str:
        if self.runtime.current() is None:
            return NO_INDEX.format(corpus=escape_text(str(self.runtime.settings.corpus_dir)))
        return ""

    def table(self) -> list[list[Any]]:
        return [[d.source, d.title, d.date or "", d.passages] for d in self.runtime.documents()]

    def _check_key(self, key: str | None) -> None:
        expected = self.runtime.settings.api_key
        if expected is None or not expected.get_secret_value():
            return
        if not key:
            raise PermissionError("this server needs its API key to change documents: enter it above")
        if not secrets.compare_digest(key.encode(), expected.get_secret_value().encode()):
            raise PermissionError("wrong API key")

    def upload(self, path: str | None, key: str | None) -> tuple[str, list[list[Any]], str]:
        """Add one file; returns (status, document table, notice)."""
        if not path:
            return "Choose a file first.", self.table(), self.notice()
        try:
            self._check_key(key)
            info, replaced = self.runtime.upload(Path(path).name, Path(path).read_bytes())
        except (PermissionError, AssistantError) as exc:
            return f"**⚠ {escape_text(str(exc))}**", self.table(), self.notice()
        verb = "replaced" if replaced else "added"
        return (f"{escape_text(info.source)} {verb}: {info.passages} passages, searchable now.",
                self.table(), self.notice())

    def delete(self, source: str | None, key: str | None) -> tuple[str, list[list[Any]], str]:
        if not source:
            return "Pick a document to delete.", self.table(), self.notice()
        try:
            self._check_key(key)
            self.runtime.delete(source)
        except (PermissionError, AssistantError) as exc:
            return f"**⚠ {escape_text(str(exc))}**", self.table(), self.notice()
        return f"{escape_text(source)} deleted.", self.table(), self.notice()

    def sources(self) -> list[str]:
        return [d.source for d in self.runtime.documents()]


def theme() -> Any:
    """Gradio's Soft theme with system fonts: the default ones are fetched from Google Fonts."""
    import gradio as gr

    return gr.themes.Soft(
        font=["ui-sans-serif", "system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"]
    )


def build(runtime: Runtime) -> gr.Blocks:
    """The page's layout and wiring (no model is touched here: the runtime loads later)."""
    import gradio as gr

    from assistant.documents import supported_types

    page = Page(runtime)
    needs_key = runtime.settings.api_key is not None and bool(runtime.settings.api_key.get_secret_value())
    with gr.Blocks(title="Document assistant", analytics_enabled=False) as demo:
        gr.Markdown("## Ask your documents\nAnswers cite their sources as [n]; open a source to read the passage.")
        notice = gr.Markdown("", elem_id="notice")
        state = gr.State(new_state())
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="Conversation", elem_id="chat", height=560, sanitize_html=True, allow_tags=False,
                    latex_delimiters=[], feedback_options=("Like", "Dislike"), buttons=["copy"],
                    group_consecutive_messages=True, placeholder="Ask a question about the documents.",
                )
                with gr.Row():
                    box = gr.Textbox(
                        show_label=False, placeholder="Your question…", elem_id="question", scale=5, autofocus=True,
                        submit_btn=True,
                    )
                    clear = gr.Button("New conversation", scale=1)
                feedback_note = gr.Markdown("", elem_id="feedback-note")
            with gr.Column(scale=2):
                gr.Markdown("### Documents")
                table = gr.Dataframe(
                    headers=["source", "title", "date", "passages"], datatype=["str", "str", "str", "number"],
                    interactive=False, elem_id="documents", wrap=True,
                )
                key = gr.Textbox(
                    label="API key", type="password", visible=needs_key, elem_id="api-key",
                    placeholder="needed to upload or delete",
                )
                upload = gr.File(label="Add a document", file_types=list(supported_types()), type="filepath")
                add = gr.Button("Upload and index", elem_id="upload")
                choice = gr.Dropdown(label="Delete a document", choices=[], elem_id="delete-choice")
                remove = gr.Button("Delete", variant="stop", elem_id="delete")
                doc_status = gr.Markdown("", elem_id="doc-status")

        def refresh() -> tuple[str, list[list[Any]], Any]:
            return page.notice(), page.table(), gr.update(choices=page.sources(), value=None)

        def on_like(st: State, data: gr.LikeData) -> str:
            return page.like(st, data.index, data.liked)

        on_like.__annotations__["data"] = gr.LikeData  # resolved, so Gradio sees the event-data slot

        def on_upload(path: str | None, k: str | None) -> tuple[str, list[list[Any]], str, Any, None]:
            msg, rows, note = page.upload(path, k)
            return msg, rows, note, gr.update(choices=page.sources(), value=None), None

        def on_delete(source: str | None, k: str | None) -> tuple[str, list[list[Any]], str, Any]:
            msg, rows, note = page.delete(source, k)
            return msg, rows, note, gr.update(choices=page.sources(), value=None)

        demo.load(refresh, None, [notice, table, choice], api_visibility="private")
        box.submit(page.respond, [box, state], [chatbot, state, box], api_name="chat")
        chatbot.like(on_like, [state], [feedback_note], api_visibility="private")
        clear.click(page.clear, None, [chatbot, state], api_visibility="private")
        add.click(on_upload, [upload, key], [doc_status, table, notice, choice, upload], api_visibility="private")
        remove.click(on_delete, [choice, key], [doc_status, table, notice, choice], api_visibility="private")
    demo.queue(default_concurrency_limit=4)
    return demo
