"""The chat page's handlers as plain functions, and the page once over a real socket with
gradio_client."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from assistant.errors import IndexNotBuiltError
from assistant.feedback import FeedbackStore
from assistant.models import Answer, Citation, Message, Timings
from assistant.sessions import SessionStore
from assistant.ui import ABSTAINED, Page, answer_messages, escape_text, highlight
from tests.live import copy_index, live_server

EVIL = 'Quartz <script>alert(1)</script> and <img src=x onerror="alert(2)"> *bold* [link](javascript:x)'


def _citation(n: int, text: str, title: str = "Guide") -> Citation:
    return Citation(n=n, source="guide.md", title=title, section="Cooling", text=text, start=0, end=len(text), score=0.5)


def _answer(text: str, cites: list[Citation], abstained: bool = False, related: Sequence[Citation] = ()) -> Answer:
    return Answer(
        answer=text, abstained=abstained, citations=cites, query=text,
        timings_ms=Timings(retrieve=1, generate=1, total=2), related=list(related),
    )


class FakeRuntime:
    """A runtime with a scripted queue of answers (a real implementation of what Page uses)."""

    def __init__(self, tmp: Path, answers: list[Answer] | None, api_key: str | None = None) -> None:
        from pydantic import SecretStr

        from assistant.settings import Settings

        self.settings = Settings(_env_file=None, data_dir=tmp, api_key=SecretStr(api_key) if api_key else None)  # type: ignore[call-arg]
        self.answers = answers
        self.assistant = object() if answers is not None else None
        self.sessions = SessionStore(tmp / "sessions.sqlite")
        self.feedback = FeedbackStore(tmp / "feedback.sqlite")
        self.asked: list[tuple[str, list[Message]]] = []
        self.uploaded: list[str] = []

    def current(self) -> Any:
        return self.assistant

    def stream(self, question: str, history: Sequence[Message] = (), top_k: int | None = None) -> Iterator[Any]:
        if self.answers is None:
            raise IndexNotBuiltError("no index: run `assistant ingest` first")
        self.asked.append((question, list(history)))
        answer = self.answers.pop(0)
        for word in answer.answer.split(" "):
            yield "delta", word + " "
        yield "answer", answer

    def document_date(self, source: str) -> str | None:
        return "4 November 2025"

    def documents(self) -> list[Any]:
        return []

    def upload(self, name: str, data: bytes) -> Any:
        self.uploaded.append(name)
        from assistant.models import DocumentInfo

        return DocumentInfo(source=name, title="T", date=None, passages=1), False


def test_escape_text_neutralises_markup() -> None:
    out = escape_text(EVIL)
    assert "<" not in out and ">" not in out and "&lt;script&gt;" in out
    assert "\\*bold\\*" in out and "\\[link\\]" in out


def test_highlight_marks_the_cited_sentences_only() -> None:
    passage = "The reactor is cooled by purple quartz. Nobody knows why. <b>Quartz</b> is replaced weekly."
    out = highlight(passage, ["The reactor is cooled by purple quartz."])
    assert out.count("<mark>") == 1 and "<mark>The reactor is cooled by purple quartz\\.</mark>" in out
    assert "&lt;b&gt;" in out and "<b>" not in out


def test_answer_messages_put_numbered_sources_under_the_answer() -> None:
    c = _citation(1, "The reactor is cooled by purple quartz. " + EVIL)
    msgs = answer_messages(_answer("It is cooled by purple quartz. [1]", [c]), lambda s: "2025-01-02")
    assert msgs[0]["content"].startswith("It is cooled") and "metadata" not in msgs[0]
    assert msgs[1]["metadata"]["title"] == "[1] Guide › Cooling · 2025-01-02"
    assert "<mark>" in msgs[1]["content"] and "<script>" not in msgs[1]["content"] and "<img" not in msgs[1]["content"]


def test_abstentions_look_different_and_offer_related_reading() -> None:
    related = [_citation(1, "Something nearby.")]
    msgs = answer_messages(_answer("I could not find that in the documents.", [], abstained=True, related=related))
    assert msgs[0]["content"].startswith(ABSTAINED)
    assert msgs[1]["metadata"]["title"].startswith("Related: Guide")


def test_respond_streams_then_shows_the_answer_and_keeps_history(tmp_path: Path) -> None:
    c = _citation(1, "The reactor is cooled by purple quartz.")
    rt = FakeRuntime(tmp_path, [_answer("Purple quartz cools it. [1]", [c]), _answer("Weekly. [1]", [c])])
    page = Page(rt)  # type: ignore[arg-type]
    steps = list(page.respond("What cools <b>it</b>?", None))
    assert steps[0][0][-1]["content"] == "…"  # a placeholder at once
    assert len(steps) >= 4  # then the pieces as they come
    chat, state, box = steps[-1]
    assert box == "" and chat[0] == {"role": "user", "content": "What cools &lt;b&gt;it&lt;/b&gt;?"}
    assert chat[1]["content"] == "Purple quartz cools it\\. \\[1\\]" and chat[2]["metadata"]["title"].startswith("[1]")
    chat, state, _ = list(page.respond("How often?", state))[-1]
    assert [m.content for m in rt.asked[1][1]] == ["What cools <b>it</b>?", "Purple quartz cools it. [1]"]
    assert len(chat) == 6
    stored = rt.sessions.get(state["session_id"])
    assert stored is not None and stored.turns == 4


def test_like_records_feedback_against_the_answer(tmp_path: Path) -> None:
    c = _citation(1, "The reactor is cooled by purple quartz.")
    rt = FakeRuntime(tmp_path, [_answer("Purple quartz cools it. [1]", [c])])
    page = Page(rt)  # type: ignore[arg-type]
    _, state, _ = list(page.respond("What cools it?", None))[-1]
    assert "recorded" in page.like(state, 2, False)  # thumbs down on the source under the answer
    assert "recorded" in page.like(state, 1, True)
    got = rt.feedback.all()
    assert [(f.rating, f.question, f.answer) for f in got] == [
        ("down", "What cools it?", "Purple quartz cools it. [1]"), ("up", "What cools it?", "Purple quartz cools it. [1]"),
    ]


def test_without_an_index_the_page_says_how_to_build_it(tmp_path: Path) -> None:
    page = Page(FakeRuntime(tmp_path, None))  # type: ignore[arg-type]
    assert "assistant ingest" in page.notice()
    chat, _, box = list(page.respond("Anything?", None))[-1]
    assert "assistant ingest" in chat[-1]["content"] and box == "Anything?"


def test_upload_from_the_page_needs_the_key_when_set(tmp_path: Path) -> None:
    rt = FakeRuntime(tmp_path, [], api_key="s3cret")
    page = Page(rt)  # type: ignore[arg-type]
    doc = tmp_path / "note.md"
    doc.write_text("# Note\n\nHello.\n")
    assert "API key" in page.upload(str(doc), "")[0]
    assert "wrong API key" in page.upload(str(doc), "nope")[0]
    assert rt.uploaded == []
    assert "added" in page.upload(str(doc), "s3cret")[0] and rt.uploaded == ["note.md"]
    assert "wrong API key" in page.delete("note.md", "nope")[0]


@pytest.mark.slow
def test_gradio_client_over_a_real_server(built_index: Any, tmp_path: Path) -> None:
    from gradio_client import Client

    with live_server(copy_index(built_index, tmp_path)) as url:
        client = Client(url + "/", verbose=False, download_files=False)
        result = client.predict(
            "What did China achieve in international standardization during the 14th Five-Year Plan?", api_name="/chat"
        )
        chat = result[0] if isinstance(result, tuple | list) and isinstance(result[0], list) else result
        def text(m: dict[str, Any]) -> str:
            content = m.get("content")
            return "".join(p.get("text", "") for p in content) if isinstance(content, list) else str(content)

        assert text(chat[1]).endswith("\\[1\\]")  # the answer, escaped for Markdown
        import re

        assert "<mark>" in text(chat[2])  # the cited sentence is highlighted in the source
        assert set(re.findall(r"</?(\w+)", text(chat[2]))) == {"mark"}  # and nothing else is markup
        assert any((m.get("metadata") or {}).get("title", "").startswith("[1]") for m in chat)
