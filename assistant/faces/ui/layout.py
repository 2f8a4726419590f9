"""The page's layout and wiring in Gradio 6: a sidebar of conversations, a Chat tab (the
conversation in the middle, the evidence pane on the right) and a Documents tab.

Gradio is imported inside :func:`build` only; the handlers live in :mod:`assistant.faces.ui.page`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.faces.ui.examples import LIMIT
from assistant.faces.ui.library import table_html
from assistant.faces.ui.page import Page, UploadStep, View, new_state, upload_html

if TYPE_CHECKING:
    import gradio as gr

    from assistant.runtime import Runtime

STATIC = Path(__file__).with_name("static")
CSS = (STATIC / "ui.css").read_text(encoding="utf-8")
EXAMPLES = LIMIT  # buttons on the empty page


def theme() -> Any:
    """Gradio's Soft theme with system fonts: the default ones are fetched from Google Fonts."""
    import gradio as gr

    return gr.themes.Soft(
        font=["ui-sans-serif", "system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"]
    )


def build(runtime: Runtime) -> gr.Blocks:
    """The page (no model is touched here: the runtime loads later, in the app's lifespan)."""
    import gradio as gr

    from assistant.documents import supported_types

    page = Page(runtime)
    needs_key = runtime.settings.api_key is not None and bool(runtime.settings.api_key.get_secret_value())

    # functions the transcript's script calls (one argument: a JSON object)
    def feedback(data: Any) -> str:
        try:
            return page.feedback(str(data["session"]), int(data["pair"]), str(data["rating"]))
        except (KeyError, TypeError, ValueError):
            return "Could not record feedback."

    def export_markdown(data: Any) -> list[str]:
        sid = str((data or {}).get("session") or "")
        return list(page.export(sid)) if sid else ["", ""]

    def open_document(data: Any) -> str:
        return page.document(str(data["source"]), int(data["start"]), int(data["end"]), str(data.get("used") or ""))

    with gr.Blocks(title="Document assistant", analytics_enabled=False) as demo:
        state = gr.State(new_state())
        narrow = gr.Checkbox(False, visible=False)
        with gr.Sidebar(elem_id="sidebar", width=290, label="Conversations") as sidebar:
            gr.Markdown("### Conversations")
            new_btn = gr.Button("+ New conversation", variant="primary", elem_id="new-conversation", size="sm")
            convs = gr.Radio(choices=[], show_label=False, elem_id="conversations", container=False)
            with gr.Column(visible=False, elem_id="manage") as manage:
                title_box = gr.Textbox(label="Title of this conversation", elem_id="rename-box", max_lines=1)
                with gr.Row():
                    rename_btn = gr.Button("Rename", size="sm", variant="secondary", elem_id="rename", min_width=0)
                    ask_delete = gr.Button("Delete…", size="sm", variant="stop", elem_id="delete-conversation", min_width=0)
            with gr.Column(visible=False, elem_id="confirm-conversation") as confirm_conv:
                gr.Markdown("**Delete this conversation for good?**")
                with gr.Row():
                    yes_conv = gr.Button(
                        "Delete", variant="stop", size="sm", elem_id="confirm-delete-conversation", min_width=0
                    )
                    no_conv = gr.Button("Keep", size="sm", variant="secondary", min_width=0)
        with gr.Tabs(elem_id="tabs") as tabs:
            with gr.Tab("Chat", id="chat", elem_id="chat-tab"):
                notice = gr.HTML("", elem_id="notice", js_on_load=None, visible=False)
                with gr.Row(elem_id="workspace", equal_height=False):
                    with gr.Column(scale=3, elem_id="chat-pane", min_width=0):
                        transcript = gr.HTML(
                            "", elem_id="transcript", js_on_load=(STATIC / "transcript.js").read_text(encoding="utf-8"),
                            server_functions=[feedback, export_markdown, open_document], apply_default_css=True,
                        )
                        with gr.Row(elem_id="examples", visible=False) as examples_row:
                            example_btns = [
                                gr.Button("", visible=False, size="sm", elem_classes=["example"]) for _ in range(EXAMPLES)
                            ]
                        with gr.Row(elem_id="question-row"):
                            box = gr.Textbox(
                                show_label=False, placeholder="Ask a question about your documents…", elem_id="question",
                                autofocus=True, submit_btn=True, lines=1, max_lines=6, container=False,
                            )
                    with gr.Column(scale=2, elem_id="evidence-pane", min_width=0):
                        evidence = gr.HTML("", elem_id="evidence", js_on_load=None)
            with gr.Tab("Documents", id="documents", elem_id="documents-tab"):
                key = gr.Textbox(
                    label="API key", type="password", visible=needs_key, elem_id="api-key",
                    placeholder="needed to upload or delete",
                )
                with gr.Row(equal_height=False):
                    with gr.Column():
                        gr.Markdown("#### Add documents")
                        files = gr.File(
                            label=f"Files ({', '.join(supported_types())})", file_count="multiple",
                            file_types=list(supported_types()), type="filepath", elem_id="upload-files", height=170,
                        )
                        upload_btn = gr.Button("Upload and index", variant="primary", elem_id="upload")
                        upload_status = gr.HTML("", elem_id="upload-status", js_on_load=None)
                    with gr.Column():
                        gr.Markdown("#### Delete a document")
                        choice = gr.Dropdown(label="Document", choices=[], elem_id="delete-choice")
                        ask_remove = gr.Button("Delete…", variant="stop", elem_id="delete")
                        with gr.Group(visible=False, elem_id="confirm-delete") as confirm_doc:
                            confirm_text = gr.Markdown("")
                            with gr.Row():
                                yes_doc = gr.Button("Delete it", variant="stop", elem_id="confirm-delete-document")
                                no_doc = gr.Button("Cancel", elem_id="cancel-delete-document")
                        delete_status = gr.HTML("", elem_id="delete-status", js_on_load=None)
                gr.Markdown("### Documents in the collection")
                table = gr.HTML("", elem_id="documents-table", js_on_load=None, apply_default_css=False)

        chat_out = [transcript, evidence, state, convs, notice, box, title_box, manage, confirm_conv, examples_row, *example_btns]

        def show(view: View) -> list[Any]:
            asks = view.examples[:EXAMPLES]
            sid = view.state["session_id"]
            ids = {v for _, v in view.conversations}
            return [
                view.transcript, view.evidence, view.state,
                gr.update(choices=view.conversations, value=sid if sid in ids else None),
                gr.update(value=view.notice, visible=bool(view.notice)), view.box, view.title,
                gr.update(visible=sid in ids), gr.update(visible=False), gr.update(visible=bool(asks)),
                *[gr.update(value=asks[i], visible=True) if i < len(asks) else gr.update(value="", visible=False)
                  for i in range(EXAMPLES)],
            ]

        def respond(question: str, st: Any) -> Any:
            for view in page.respond(question, st):
                yield show(view)

        def on_load(is_narrow: bool, request: gr.Request) -> list[Any]:
            sid = request.query_params.get("c") if request is not None else None
            # on a phone the conversations stay behind the sidebar's menu button until asked for
            return [*show(page.open(sid) if sid else page.new()), gr.Sidebar(open=not is_narrow)]

        on_load.__annotations__["request"] = gr.Request  # resolved, so Gradio sees the request slot

        def docs_view() -> list[Any]:
            return [table_html(page.table()), gr.update(choices=page.document_choices(), value=None)]

        def upload(paths: Any, k: str | None) -> Any:
            step = UploadStep(0, 0, "")
            for step in page.upload(paths, k):
                yield upload_html(step), gr.skip(), gr.skip(), gr.skip()
            yield upload_html(step), *docs_view(), None

        def ask_to_delete(source: str | None) -> list[Any]:
            prompt = page.delete_prompt(source)
            if prompt is None:
                return [gr.update(visible=False), "", "Pick a document to delete."]
            return [gr.update(visible=True), prompt, ""]

        def delete(source: str | None, k: str | None) -> list[Any]:
            msg = page.delete(source, k)
            return [msg, gr.update(visible=False), *docs_view()]

        private: dict[str, Any] = {"api_visibility": "private"}
        demo.load(
            on_load, narrow, [*chat_out, sidebar], js="() => [window.matchMedia('(max-width: 820px)').matches]", **private
        ).then(docs_view, None, [table, choice], **private)
        box.submit(respond, [box, state], chat_out, api_name="chat")
        for btn in example_btns:
            btn.click(respond, [btn, state], chat_out, **private)
        new_btn.click(lambda: show(page.new()), None, chat_out, **private).then(
            lambda: gr.Tabs(selected="chat"), None, tabs, **private
        )
        convs.input(lambda sid: [*show(page.open(sid)), gr.Tabs(selected="chat")], convs, [*chat_out, tabs], **private)
        rename_btn.click(lambda st, t: show(page.rename(st, t)), [state, title_box], chat_out, **private)
        title_box.submit(lambda st, t: show(page.rename(st, t)), [state, title_box], chat_out, **private)
        ask_delete.click(lambda: [gr.update(visible=False), gr.update(visible=True)], None, [manage, confirm_conv], **private)
        no_conv.click(lambda: [gr.update(visible=True), gr.update(visible=False)], None, [manage, confirm_conv], **private)
        yes_conv.click(lambda st: show(page.delete_conversation(st)), state, chat_out, **private)

        refresh_chat: dict[str, Any] = {"fn": lambda st: show(page.view(st)), "inputs": state, "outputs": chat_out, **private}
        upload_btn.click(
            upload, [files, key], [upload_status, table, choice, files], show_progress="hidden", **private
        ).then(**refresh_chat)
        ask_remove.click(ask_to_delete, choice, [confirm_doc, confirm_text, delete_status], **private)
        no_doc.click(lambda: gr.update(visible=False), None, confirm_doc, **private)
        yes_doc.click(delete, [choice, key], [delete_status, confirm_doc, table, choice], **private).then(**refresh_chat)
    demo.queue(default_concurrency_limit=4)
    return demo

