"""The chat page's handlers and HTML as plain functions, and the page once over a real socket with
gradio_client."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from assistant.conversation.feedback import FeedbackStore
from assistant.conversation.sessions import SessionStore
from assistant.errors import DocumentError, IndexNotBuiltError
from assistant.faces.ui import Page, new_state
from assistant.faces.ui.evidence import document_html, pane_html, parse_spans
from assistant.faces.ui.examples import collection_html, example_questions, headings, question_for
from assistant.faces.ui.markup import esc, markdown_html, marked
from assistant.faces.ui.transcript import answer_markdown
from assistant.models import Answer, Citation, DocumentInfo, Message, Span, Timings
from index.split import Passage
from tests.live import copy_index, live_server

EVIL = 'Quartz <script>alert(1)</script> and <img src=x onerror="alert(2)"> *bold* [link](javascript:x)'
PASSAGE = "The reactor is cooled by purple quartz. Nobody knows why. Quartz is replaced weekly."


def _citation(n: int, text: str = PASSAGE, title: str = "Guide", used: Sequence[tuple[int, int]] = ()) -> Citation:
    return Citation(
        n=n, source="guide.md", title=title, section="Cooling", text=text, start=100, end=100 + len(text), score=0.5,
        highlights=[Span(start=a, end=b) for a, b in used],
    )


def _answer(text: str, cites: list[Citation], abstained: bool = False, related: Sequence[Citation] = ()) -> Answer:
    return Answer(
        answer=text, abstained=abstained, citations=cites, query=text,
        timings_ms=Timings(retrieve=1, generate=1, total=2), related=list(related),
    )


def _tags(html: str) -> set[str]:
    return set(re.findall(r"<([a-zA-Z][\w-]*)", html))


class FakeCatalog:
    def __init__(self, passages: list[Passage], texts: dict[str, str]) -> None:
        self._passages, self._texts = passages, texts

    def passages(self) -> list[Passage]:
        return self._passages

    def document_text(self, source: str) -> str | None:
        return self._texts.get(source)


class FakeBot:
    """What the page reads of a loaded assistant: the catalog, titles, its version, ``ask``."""

    def __init__(self, answerable: Sequence[str] = ()) -> None:
        self.version = 1
        self.titles = {"guide.md": "Reactor guide", "notes.md": "Site notes"}
        sections = ["Cooling › 1. Purple Quartz Cooling Loops", "Takeaways", "Staff | Role | Shift",
                    "Maintenance › Weekly Replacement of the Crystals"]
        self.catalog = FakeCatalog(
            [Passage(f"p{i}", "guide.md", i, "x", s, 0, 1, "h") for i, s in enumerate(sections)]
            + [Passage("n0", "notes.md", 0, "x", "Visitors From the Vellmar Mining Guild", 0, 1, "h")],
            {"guide.md": "Intro text. " + PASSAGE + " The end."},
        )
        self.answerable = set(answerable)
        self.asked: list[str] = []

    def ask(self, question: str, history: Sequence[Message] = (), top_k: int | None = None) -> Answer:
        self.asked.append(question)
        ok = any(a.lower() in question.lower() for a in self.answerable)
        return _answer("Yes. [1]" if ok else "Not found.", [_citation(1)] if ok else [], abstained=not ok)


class FakeRuntime:
    """A runtime with a scripted queue of answers (a real implementation of what Page uses)."""

    def __init__(self, tmp: Path, answers: list[Answer] | None, api_key: str | None = None) -> None:
        from pydantic import SecretStr

        from assistant.settings import Settings

        self.settings = Settings(_env_file=None, data_dir=tmp, api_key=SecretStr(api_key) if api_key else None)  # type: ignore[call-arg]
        self.answers = answers
        self.assistant: Any = FakeBot(["Quartz", "Vellmar"]) if answers is not None else None
        self.sessions = SessionStore(tmp / "sessions.sqlite")
        self.feedback = FeedbackStore(tmp / "feedback.sqlite")
        self.asked: list[tuple[str, list[Message]]] = []
        self.uploaded: list[str] = []
        self.docs = [DocumentInfo(source="guide.md", title="Reactor <b>guide</b>", date="2025-01-02", passages=4)]

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

    def documents(self) -> list[DocumentInfo]:
        return self.docs

    def upload(self, name: str, data: bytes) -> Any:
        if name.endswith(".exe"):
            raise DocumentError(name, "unsupported file type '.exe'")
        self.uploaded.append(name)
        return DocumentInfo(source=name, title="T <i>x</i>", date=None, passages=1), False

    def delete(self, source: str) -> None:
        self.docs = [d for d in self.docs if d.source != source]


# --- text from documents and users stays inert ------------------------------------------------
def test_markdown_renders_lists_and_code_but_never_markup() -> None:
    out = markdown_html("Steps:\n\n- first [1]\n- `a[1] <b>`\n\n```\n<script>x()</script>\n```\n\n" + EVIL, marker="<sup>{n}</sup>")
    assert "<ul>" in out and "<li>first <sup>1</sup></li>" in out
    assert "<code>a[1] &lt;b&gt;</code>" in out  # a [1] in code is code, not a marker
    assert "<pre><code>&lt;script&gt;x()&lt;/script&gt;" in out
    assert _tags(out) <= {"p", "ul", "li", "sup", "code", "pre", "em"}
    assert "javascript:" not in re.sub(r">[^<]*<", "><", out)  # no link carries it (it stays text)


def test_a_code_block_closed_at_the_end_of_its_last_line_still_ends_there() -> None:
    out = markdown_html("Example: [1]\n```\n@dataclass\nclass D:\n    x: list ```\n\nMore prose. [2]", marker="<sup>{n}</sup>")
    assert "<pre><code>@dataclass\nclass D:\n    x: list\n</code></pre>" in out
    assert "<p>More prose. <sup>2</sup></p>" in out


def test_marked_escapes_and_merges_overlapping_spans() -> None:
    assert marked("a <b> c d", [(2, 5), (4, 7), (20, 30)]) == "a <mark>&lt;b&gt; c</mark> d"
    assert esc(EVIL).count("<") == 0


# --- the evidence pane -------------------------------------------------------------------------
def test_evidence_marks_exactly_what_the_answer_used() -> None:
    c = _citation(1, used=[(0, 39)], title=EVIL)
    html = pane_html([(0, "What cools it?", _answer("Purple quartz. [1]", [c]))], None, lambda s: "4 Nov 2025")
    assert re.findall(r"<mark>(.*?)</mark>", html) == ["The reactor is cooled by purple quartz."]
    assert 'id="ev-0-1"' in html and "Cooling · 4 Nov 2025" in html and "Open in document" in html
    assert "<script>" not in html and "<img" not in html and "&lt;script&gt;" in html
    assert 'data-used="0-39"' in html


def test_evidence_without_highlights_marks_the_sentences_that_back_the_claim() -> None:
    c = _citation(1)  # an answer from a language model carries no highlights
    html = pane_html([(0, "q", _answer("It is cooled by purple quartz. [1]", [c]))], None, lambda s: None)
    assert re.findall(r"<mark>(.*?)</mark>", html) == ["The reactor is cooled by purple quartz."]


def test_only_the_selected_answer_sources_are_visible() -> None:
    a1, a2 = _answer("One. [1]", [_citation(1)]), _answer("Two. [1]", [_citation(1)])
    html = pane_html([(0, "q1", a1), (2, "q2", a2)], None, lambda s: None)
    assert '<section class="ev-turn" data-turn="0" hidden>' in html and '<section class="ev-turn" data-turn="2">' in html
    html = pane_html([(0, "q1", a1), (2, "q2", a2)], 0, lambda s: None)
    assert '<section class="ev-turn" data-turn="0">' in html


def test_a_refusal_labels_its_passages_as_related_not_an_answer() -> None:
    a = _answer("I could not find that.", [], abstained=True, related=[_citation(1)])
    html = pane_html([(0, "q", a)], None, lambda s: None)
    assert "not an answer" in html and 'class="ev-card related"' in html and "<mark>" not in html
    md = answer_markdown(a, lambda s: None)
    assert md.startswith("**Not found in the documents.**") and "Related passages (not an answer)" in md


def test_document_view_shows_the_passage_and_what_was_used() -> None:
    text = "Intro <b>. " + PASSAGE + " End."
    start = text.index(PASSAGE)
    html = document_html("T <i>", text, start, start + len(PASSAGE), parse_spans("0-39,bad,5-x"))
    assert '<span class="doc-passage" id="doc-passage">' in html and "<mark>The reactor is cooled by purple quartz.</mark>" in html
    assert "&lt;b&gt;" in html and "<b>" not in html and "&lt;i&gt;" in html


# --- asking, and the conversations ---------------------------------------------------------------
def test_respond_streams_then_shows_the_answer_with_clickable_markers(tmp_path: Path) -> None:
    c = _citation(1, used=[(0, 39)])
    rt = FakeRuntime(tmp_path, [_answer("- Purple quartz cools it. [1]\n- `q[1]`", [c]), _answer("Weekly. [1]", [c])])
    page = Page(rt)  # type: ignore[arg-type]
    steps = list(page.respond("What cools <b>it</b>?", None))
    assert "Searching the documents" in steps[0].transcript  # a placeholder at once
    assert len(steps) >= 4  # then the draft as it comes
    view = steps[-1]
    assert view.box == "" and "What cools &lt;b&gt;it&lt;/b&gt;?" in view.transcript
    assert '<li>Purple quartz cools it. <button class="cite" type="button" data-turn="0" data-n="1"' in view.transcript
    assert "<code>q[1]</code>" in view.transcript
    assert "<mark>The reactor is cooled by purple quartz.</mark>" in view.evidence
    assert view.state["session_id"] and f'data-session="{view.state["session_id"]}"' in view.transcript
    assert view.conversations == [(f"What cools <b>it</b>? · {view.conversations[0][0].split(' · ')[-1]}", view.state["session_id"])]
    assert view.examples == []  # no suggestions once the conversation has begun
    view = list(page.respond("How often?", view.state))[-1]
    assert [m.content for m in rt.asked[1][1]] == ["What cools <b>it</b>?", "- Purple quartz cools it. [1]\n- `q[1]`"]
    assert view.transcript.count('<article class="turn') == 2 and 'data-pair="1"' in view.transcript


def test_a_reopened_conversation_shows_its_evidence_as_first_shown(tmp_path: Path) -> None:
    c = _citation(1, used=[(40, 57)])
    rt = FakeRuntime(tmp_path, [_answer("Nobody knows. [1]", [c])])
    page = Page(rt)  # type: ignore[arg-type]
    first = list(page.respond("Why?", None))[-1]
    again = page.open(first.state["session_id"])  # a reload: the id comes back from the URL
    assert again.state["session_id"] == first.state["session_id"] and again.evidence == first.evidence
    assert "<mark>Nobody knows why.</mark>" in again.evidence
    assert page.open("no-such-id").state == new_state()


def test_conversations_can_be_renamed_and_deleted_newest_first(tmp_path: Path) -> None:
    rt = FakeRuntime(tmp_path, [_answer("A. [1]", [_citation(1)]), _answer("B. [1]", [_citation(1)])])
    page = Page(rt)  # type: ignore[arg-type]
    older = list(page.respond("First question", None))[-1].state
    newer = list(page.respond("Second question", None))[-1].state
    view = page.rename(older, "  My <own>   title ")
    assert view.state["title"] == "My <own> title" and "My &lt;own&gt; title" in view.transcript
    assert [label.split(" · ")[0] for label, _ in view.conversations] == ["Second question", "My <own> title"]
    view = page.delete_conversation(newer)
    assert view.state == new_state() and [sid for _, sid in view.conversations] == [older["session_id"]]
    assert rt.sessions.get(newer["session_id"]) is None


def test_feedback_and_export_come_from_the_stored_conversation(tmp_path: Path) -> None:
    c = _citation(1, used=[(0, 39)])
    rt = FakeRuntime(tmp_path, [_answer("Purple quartz cools it. [1]", [c])])
    page = Page(rt)  # type: ignore[arg-type]
    sid = list(page.respond("What cools it?", None))[-1].state["session_id"]
    assert "recorded" in page.feedback(sid, 0, "down")
    assert "no longer stored" in page.feedback(sid, 5, "up")
    assert [(f.rating, f.question, f.answer, f.session_id) for f in rt.feedback.all()] == [
        ("down", "What cools it?", "Purple quartz cools it. [1]", sid)
    ]
    name, md = page.export(sid)
    assert name == "What-cools-it.md"
    assert md.splitlines()[:5] == ["# What cools it?", "", "## What cools it?", "", "Purple quartz cools it. [1]"]
    assert "[1] Guide › Cooling (4 November 2025) — guide.md" in md and "> The reactor is cooled by purple quartz." in md


def test_the_empty_page_says_what_the_collection_holds_and_suggests_questions(tmp_path: Path) -> None:
    page = Page(FakeRuntime(tmp_path, []))  # type: ignore[arg-type]
    view = page.new()
    assert "1 document</strong>" in view.transcript and "Reactor &lt;b&gt;guide&lt;/b&gt;" in view.transcript
    assert view.examples == [
        "What do the documents say about Purple Quartz Cooling Loops?",
        "What do the documents say about Visitors From the Vellmar Mining Guild?",
    ]
    assert page.examples() == view.examples  # computed once per state of the collection
    bot = page.runtime.current()
    asked = len(bot.asked)
    page.examples()
    assert len(bot.asked) == asked
    bot.version = 2
    page.examples()
    assert len(bot.asked) > asked


def test_without_an_index_the_page_says_how_to_add_documents(tmp_path: Path) -> None:
    page = Page(FakeRuntime(tmp_path, None))  # type: ignore[arg-type]
    assert "assistant ingest" in page.notice() and "Documents" in page.notice()
    view = page.new()
    assert "No documents are indexed yet" in view.transcript and view.examples == []
    assert view.notice == ""  # said once, by the empty page
    view = list(page.respond("Anything?", None))[-1]
    assert "assistant ingest" in view.transcript and view.box == "Anything?"
    assert page.document("guide.md", 0, 5).startswith('<p class="notice">')


# --- the example questions ---------------------------------------------------------------------
def test_headings_become_questions_and_only_answered_ones_are_offered() -> None:
    hs = headings("SESEC V China Standardisation Newsletter", [
        None, "Takeaways", "Horizontal Actions › 5. SAMR Released its Legislative Work Plans for 2025",
        "March - April 2025", "Phase | Recommended | Mandatory", "Horizontal Actions › 5. SAMR Released its Legislative Work Plans for 2025",
        "Background", "Short one", "class array.array(typecode[, initializer])", "Source code: Lib/abc.py",
        "Module contents › dataclasses.field default_factory", "3.2 4.5 6.7 and 8",
    ])
    assert hs == ["SAMR Released its Legislative Work Plans for 2025"]
    assert question_for("China Releases Guidelines for Product Carbon Footprint Accounting") == (
        "What do the documents say about China Releases Guidelines for Product Carbon Footprint Accounting?"
    )
    bot = FakeBot(["Vellmar"])
    assert example_questions(bot) == ["What do the documents say about Visitors From the Vellmar Mining Guild?"]  # type: ignore[arg-type]
    assert len(bot.asked) == 3  # guide's two headings (title too short to ask about), then notes'


def test_collection_line_is_escaped_and_shortened() -> None:
    docs = [DocumentInfo(source=f"d{i}", title=f"<b>T{i}</b>", date=None, passages=2) for i in range(8)]
    html = collection_html(docs, shown=6)
    assert "8 documents</strong> (16 passages)" in html and "and 2 more" in html and "<b>" not in html


# --- documents -----------------------------------------------------------------------------------
def test_upload_of_several_files_reports_each_failure_and_goes_on(tmp_path: Path) -> None:
    rt = FakeRuntime(tmp_path, [])
    page = Page(rt)  # type: ignore[arg-type]
    good, bad = tmp_path / "note.md", tmp_path / "tool.exe"
    good.write_text("# Note\n\nHello.\n")
    bad.write_bytes(b"MZ")
    steps = list(page.upload([str(bad), str(good)], None))
    assert [(s.done, s.current) for s in steps][:1] == [(0, "tool.exe")]
    last = steps[-1]
    assert last.done == last.total == 2 and last.changed and rt.uploaded == ["note.md"]
    assert "✗ tool.exe: unsupported file type" in last.lines[0] and "✓ note.md added" in last.lines[1]
    assert "T &lt;i&gt;x&lt;/i&gt;" in last.lines[1]
    from assistant.faces.ui.page import upload_html

    assert 'role="progressbar"' in upload_html(steps[0]) and "1 of 2" in upload_html(steps[0])
    assert 'aria-valuenow="1"' in upload_html(steps[1]) and 'style="width: 50%"' in upload_html(steps[1])
    assert "progressbar" not in upload_html(last) and upload_html(last).count("<br>") == 1
    assert list(page.upload([], None))[-1].lines == ["Choose one or more files first."]


def test_changing_documents_needs_the_key_when_set(tmp_path: Path) -> None:
    rt = FakeRuntime(tmp_path, [], api_key="s3cret")
    page = Page(rt)  # type: ignore[arg-type]
    doc = tmp_path / "note.md"
    doc.write_text("# Note\n\nHello.\n")
    assert "API key" in list(page.upload([str(doc)], ""))[-1].lines[0]
    assert "wrong API key" in list(page.upload([str(doc)], "nope"))[-1].lines[0]
    assert rt.uploaded == []
    assert "added" in list(page.upload([str(doc)], "s3cret"))[-1].lines[0] and rt.uploaded == ["note.md"]
    assert page.delete_prompt("guide.md") == (
        "Delete **Reactor &lt;b&gt;guide&lt;/b&gt;** (guide\\.md) and its 4 passages? This cannot be undone."
    )
    assert page.delete_prompt(None) is None and page.delete_prompt("nope.md") is None
    assert "wrong API key" in page.delete("guide.md", "nope")
    assert "deleted" in page.delete("guide.md", "s3cret") and rt.docs == []


def test_document_table_has_title_date_passages_added_and_file(built_index: Any) -> None:
    from assistant.runtime import Runtime

    rows = Page(Runtime(built_index)).table()
    assert len(rows) == 5 and all(len(r) == 5 for r in rows)
    title, date, passages, added, source = next(r for r in rows if r[4].startswith("000_"))
    assert "Standards Innovation" in title and date == "4 November 2025" and passages > 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", added)


def test_document_table_html_is_escaped() -> None:
    from assistant.faces.ui.library import table_html

    html = table_html([["<b>T</b>", "", 3, "2025-01-01 10:00", "t.md"], ["U", "2020", 4, "", "u.md"]])
    assert "2 documents, 7 passages" in html and '<td data-label="Title">&lt;b&gt;T&lt;/b&gt;</td>' in html
    assert table_html([]).startswith('<p class="doc-empty">')


@pytest.mark.slow
def test_gradio_client_over_a_real_server(built_index: Any, tmp_path: Path) -> None:
    from gradio_client import Client

    with live_server(copy_index(built_index, tmp_path)) as url:
        client = Client(url + "/", verbose=False, download_files=False)
        result = client.predict(
            "How many international standards did China lead during the 14th Five-Year Plan period?",
            {"session_id": None, "title": "", "turns": [], "selected": None}, api_name="/chat",
        )
        transcript, evidence = result[0], result[1]
        assert 'class="cite"' in transcript and "1,079" in transcript
        assert any("1,079" in m for m in re.findall(r"<mark>(.*?)</mark>", evidence, re.S))
        assert _tags(evidence) <= {"div", "section", "h3", "p", "article", "header", "span", "mark", "footer", "button"}
