"""The conversation store and the feedback store (SQLite under the data dir)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from assistant.conversation.feedback import Feedback, FeedbackStore
from assistant.conversation.sessions import SessionStore
from assistant.models import Answer, Citation, Timings


def _answer(text: str, cited: bool = True) -> Answer:
    cites = [Citation(n=1, source="a.md", title="A", section="Intro", text="Some passage.", start=0, end=13, score=0.5)]
    return Answer(
        answer=text, abstained=not cited, citations=cites if cited else [], query=text,
        timings_ms=Timings(retrieve=1.0, generate=1.0, total=2.0),
    )


def test_a_session_keeps_its_turns_and_answers(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.sqlite")
    sid = store.create()
    store.append(sid, "What is A?", _answer("A is a letter. [1]"))
    store.append(sid, "And B?", _answer("I could not find that.", cited=False))
    session = store.get(sid)
    assert session is not None
    assert session.title == "What is A?"
    assert [t.role for t in session.messages] == ["user", "assistant", "user", "assistant"]
    assert session.messages[1].answer is not None and session.messages[1].answer.citations[0].source == "a.md"
    assert session.messages[3].answer is not None and session.messages[3].answer.abstained
    assert [m.content for m in store.history(sid)] == ["What is A?", "A is a letter. [1]", "And B?", "I could not find that."]


def test_sessions_survive_a_reopen_and_list_most_recent_first(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.sqlite")
    first, second = store.create(), store.create()
    store.append(first, "old question", _answer("x [1]"))
    store.append(second, "new question", _answer("y [1]"))
    store.close()
    again = SessionStore(tmp_path / "s.sqlite")
    listed = again.list()
    assert [s.id for s in listed] == [second, first]
    assert listed[0].turns == 2
    assert again.find(first[:8]) == first
    assert again.get("nope") is None and again.history("nope") == []
    assert not again.exists("nope") and again.exists(first)


def test_concurrent_appends_do_not_lose_turns(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.sqlite")
    sid = store.create()

    def worker(i: int) -> None:
        for j in range(10):
            store.append(sid, f"q{i}-{j}", _answer("a [1]"))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    session = store.get(sid)
    assert session is not None and session.turns == 80


def test_feedback_is_recorded(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite")
    store.add(Feedback(question="q", answer="a [1]", rating="up"))
    store.add(Feedback(question="q2", answer="a2", rating="down", comment="wrong source"))
    assert [(f.rating, f.comment) for f in store.all()] == [("up", None), ("down", "wrong source")]
    with pytest.raises(ValueError):
        Feedback(question="q", answer="a", rating="meh")  # type: ignore[arg-type]


@pytest.mark.slow
def test_cli_chat_saves_lists_and_resumes(built_index, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from assistant.faces.cli import app
    from tests.live import copy_index

    settings = copy_index(built_index, tmp_path)
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(settings.data_dir))
    runner = CliRunner()
    first = runner.invoke(app, ["chat"], input="What is SESEC?\n\n")
    assert first.exit_code == 0, first.output
    assert "saved as" in first.output
    listed = runner.invoke(app, ["chat", "--list"])
    assert listed.exit_code == 0 and "What is SESEC?" in listed.output
    sid = listed.output.split()[0]
    resumed = runner.invoke(app, ["chat", "--resume", sid], input="And who runs it?\n\n")
    assert resumed.exit_code == 0 and "What is SESEC?" in resumed.output  # the old turns are shown
    store = SessionStore(settings.data_dir / "sessions.sqlite")
    session = store.get(store.find(sid) or "")
    assert session is not None and session.turns == 4
    assert runner.invoke(app, ["chat", "--resume", "zzzz"]).exit_code == 2


def test_a_session_can_be_renamed_and_deleted(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.sqlite")
    sid = store.create()
    store.append(sid, "What is A?", _answer("A is a letter. [1]"))
    assert store.rename(sid, "  Letters   of the alphabet ") and store.get(sid).title == "Letters of the alphabet"  # type: ignore[union-attr]
    assert not store.rename("nope", "x")
    assert store.delete(sid) and store.get(sid) is None and store.history(sid) == []
    assert not store.delete(sid)


def test_a_stored_answer_keeps_its_highlights_and_related_passages(tmp_path: Path) -> None:
    from assistant.models import Span

    answer = _answer("A is a letter. [1]")
    answer.citations[0].highlights = [Span(start=0, end=4)]
    answer.related = [answer.citations[0]]
    store = SessionStore(tmp_path / "s.sqlite")
    sid = store.create()
    store.append(sid, "What is A?", answer)
    got = store.get(sid).messages[1].answer  # type: ignore[union-attr]
    assert got is not None and got.citations[0].highlights == [Span(start=0, end=4)]
    assert got.related[0].highlights == [Span(start=0, end=4)]
    assert "highlights" not in got.model_dump_json()  # the answer contract's JSON is unchanged
