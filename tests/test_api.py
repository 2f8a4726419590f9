"""The REST API in-process (FastAPI's TestClient): every endpoint and every error status."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.errors import GeneratorError
from assistant.models import Answer
from tests.live import copy_index

QUESTION = "What did China achieve in international standardization during the 14th Five-Year Plan?"
UNIQUE = (
    "# Zorblax maintenance guide\n\n"
    "The zorblax reactor is cooled by purple quartz crystals mined in Vellmar. "
    "Technicians replace the quartz crystals every eleven weeks.\n"
)


def _client(settings: Any, assistant: Any = None) -> Iterator[TestClient]:
    from assistant.faces.server import create_app

    with TestClient(create_app(settings, assistant)) as client:
        yield client


@pytest.fixture(scope="module")
def client(built_index: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app over a private copy of the built collection (its own sessions and feedback)."""
    yield from _client(copy_index(built_index, tmp_path_factory.mktemp("api")))


@pytest.fixture()
def writable(built_index: Any, tmp_path: Path) -> Iterator[TestClient]:
    yield from _client(copy_index(built_index, tmp_path, max_upload_mb=1))


@pytest.fixture()
def empty(settings: Any) -> Iterator[TestClient]:
    yield from _client(settings)


def test_health_docs_and_page(client: TestClient) -> None:
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["index"] is True and health["documents"] == 5
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/ask", "/api/chat", "/api/documents", "/api/feedback", "/v1/chat/completions"} <= set(paths)
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]


def test_ask_returns_exactly_the_answer_contract(client: TestClient, assistant_bot: Any) -> None:
    r = client.post("/api/ask", json={"question": QUESTION, "history": [], "top_k": 4})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == set(Answer.model_json_schema()["properties"]) - {"related"}
    answer = Answer.model_validate(body)
    assert not answer.abstained and answer.citations and "[1]" in answer.answer
    same = assistant_bot.ask(QUESTION, [], 4)  # the CLI's `ask --json` path
    assert answer.answer == same.answer
    assert [c.model_dump() for c in answer.citations] == [c.model_dump() for c in same.citations]


def test_ask_takes_history(client: TestClient) -> None:
    history = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": "Many things [1]."}]
    r = client.post("/api/ask", json={"question": "Which regions in particular?", "history": history})
    assert r.status_code == 200
    assert r.json()["query"] != "Which regions in particular?"  # condensed with the history


@pytest.mark.parametrize(
    "body",
    [{"question": ""}, {}, {"question": "x", "top_k": 0}, {"question": "x", "history": [{"role": "system", "content": "x"}]}],
)
def test_ask_rejects_bad_requests(client: TestClient, body: dict[str, Any]) -> None:
    r = client.post("/api/ask", json=body)
    assert r.status_code == 422
    assert r.json()["error"] == "invalid_request" and r.json()["detail"]


def test_chat_keeps_the_conversation_on_the_server(client: TestClient) -> None:
    first = client.post("/api/chat", json={"question": QUESTION})
    assert first.status_code == 200
    sid = first.json()["session_id"]
    second = client.post("/api/chat", json={"question": "Which regions in particular?", "session_id": sid})
    assert second.status_code == 200 and second.json()["session_id"] == sid
    assert second.json()["answer"]["query"] != "Which regions in particular?"
    session = client.get(f"/api/sessions/{sid}").json()
    assert [m["role"] for m in session["messages"]] == ["user", "assistant", "user", "assistant"]
    assert session["messages"][1]["answer"]["citations"] == first.json()["answer"]["citations"]
    assert any(s["id"] == sid for s in client.get("/api/sessions").json())


def test_unknown_session_is_404(client: TestClient) -> None:
    assert client.get("/api/sessions/nope").status_code == 404
    r = client.post("/api/chat", json={"question": QUESTION, "session_id": "nope"})
    assert r.status_code == 404 and r.json()["error"] == "not_found"


def test_documents_are_listed(client: TestClient, assistant_bot: Any) -> None:
    docs = client.get("/api/documents").json()
    assert [d["source"] for d in docs] == sorted(d.source for d in assistant_bot.catalog.documents())
    assert {"source", "title", "date", "passages"} == set(docs[0])


def test_feedback_is_recorded(client: TestClient) -> None:
    r = client.post("/api/feedback", json={"question": QUESTION, "answer": "x [1]", "rating": "down", "comment": "wrong"})
    assert r.status_code == 201 and r.json()["id"] >= 1
    rt = client.app.state.runtime  # type: ignore[attr-defined]
    assert rt.feedback.all()[-1].comment == "wrong"
    assert client.post("/api/feedback", json={"question": "q", "answer": "a", "rating": "meh"}).status_code == 422


@pytest.mark.slow
def test_upload_makes_a_document_searchable_and_delete_removes_it(writable: TestClient) -> None:
    r = writable.post("/api/documents", files={"file": ("zorblax.md", UNIQUE.encode(), "text/markdown")})
    assert r.status_code == 201, r.text
    assert r.json()["document"]["source"] == "zorblax.md" and r.json()["replaced"] is False
    assert "zorblax.md" in [d["source"] for d in writable.get("/api/documents").json()]
    answer = writable.post("/api/ask", json={"question": "What cools the zorblax reactor?"}).json()
    assert not answer["abstained"]
    assert answer["citations"][0]["source"] == "zorblax.md" and "quartz" in answer["answer"]
    again = writable.post("/api/documents", files={"file": ("zorblax.md", UNIQUE.encode() + b"More.\n", "text/markdown")})
    assert again.status_code == 201 and again.json()["replaced"] is True

    assert writable.delete("/api/documents/zorblax.md").status_code == 204
    assert "zorblax.md" not in [d["source"] for d in writable.get("/api/documents").json()]
    after = writable.post("/api/ask", json={"question": "What cools the zorblax reactor?"}).json()
    assert all(c["source"] != "zorblax.md" for c in after["citations"])
    settings = writable.app.state.runtime.settings  # type: ignore[attr-defined]
    assert not (settings.data_dir / "uploads" / "zorblax.md").exists()
    r = writable.delete("/api/documents/zorblax.md")
    assert r.status_code == 404 and r.json()["error"] == "not_found"


@pytest.mark.slow
def test_upload_errors(writable: TestClient) -> None:
    bad_type = writable.post("/api/documents", files={"file": ("tool.exe", b"MZ\x00\x01", "application/octet-stream")})
    assert bad_type.status_code == 400 and "unsupported file type" in bad_type.json()["detail"]
    empty = writable.post("/api/documents", files={"file": ("empty.txt", b"   ", "text/plain")})
    assert empty.status_code == 400 and "empty" in empty.json()["detail"]
    big = writable.post("/api/documents", files={"file": ("big.txt", b"word " * 300_000, "text/plain")})
    assert big.status_code == 413 and big.json()["error"] == "too_large"
    taken = writable.post("/api/documents", files={"file": ("000_aad753d63f711629.txt", b"hello there", "text/plain")})
    assert taken.status_code == 409
    settings = writable.app.state.runtime.settings  # type: ignore[attr-defined]
    sneaky = writable.post("/api/documents", files={"file": ("../../escape.md", UNIQUE.encode(), "text/markdown")})
    assert sneaky.status_code == 201 and sneaky.json()["document"]["source"] == "escape.md"
    assert (settings.data_dir / "uploads" / "escape.md").exists()
    assert not (settings.data_dir.parent / "escape.md").exists() and not (settings.data_dir / "escape.md").exists()
    # nothing broken was left behind
    assert sorted(p.name for p in (settings.data_dir / "uploads").iterdir()) == ["escape.md"]


@pytest.mark.slow
def test_api_key_guards_upload_and_delete(built_index: Any, tmp_path: Path) -> None:
    from pydantic import SecretStr

    settings = copy_index(built_index, tmp_path, api_key=SecretStr("s3cret"))
    for client in _client(settings):
        files = {"file": ("zorblax.md", UNIQUE.encode(), "text/markdown")}
        missing = client.post("/api/documents", files=files)
        assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
        assert client.post("/api/documents", files=files, headers={"Authorization": "Bearer nope"}).status_code == 403
        assert client.delete("/api/documents/zorblax.md").status_code == 401
        assert client.delete("/api/documents/zorblax.md", headers={"Authorization": "Bearer nope"}).status_code == 403
        good = {"Authorization": "Bearer s3cret"}
        assert client.post("/api/documents", files=files, headers=good).status_code == 201
        assert client.get("/api/documents").status_code == 200  # reading needs no key
        assert client.post("/api/ask", json={"question": QUESTION}).status_code == 200
        assert client.delete("/api/documents/zorblax.md", headers=good).status_code == 204


def test_no_index_means_503_with_what_to_run(empty: TestClient) -> None:
    assert empty.get("/healthz").json()["index"] is False
    for path, body in [("/api/ask", {"question": QUESTION}), ("/api/chat", {"question": QUESTION})]:
        r = empty.post(path, json=body)
        assert r.status_code == 503
        assert r.json()["error"] == "index_not_built" and "assistant ingest" in r.json()["detail"]
    assert empty.get("/api/documents").json() == []
    assert empty.delete("/api/documents/x.md").status_code == 404
    assert empty.get("/").status_code == 200


@pytest.mark.slow
def test_first_upload_into_an_empty_data_dir_brings_the_assistant_up(empty: TestClient) -> None:
    r = empty.post("/api/documents", files={"file": ("zorblax.md", UNIQUE.encode(), "text/markdown")})
    assert r.status_code == 201, r.text
    assert empty.get("/healthz").json()["index"] is True
    answer = empty.post("/api/ask", json={"question": "What cools the zorblax reactor?"})
    assert answer.status_code == 200 and answer.json()["citations"][0]["source"] == "zorblax.md"


class DownGenerator:
    """A generator whose model endpoint is unreachable."""

    name = "down"

    def generate(self, question: str, sources: Sequence[Any], history: Sequence[Any]) -> Any:
        raise GeneratorError("the model endpoint http://127.0.0.1:9/v1 is unreachable: start it or set ASSISTANT_LLM_BASE_URL")

    def stream(self, question: str, sources: Sequence[Any], history: Sequence[Any]) -> Iterator[str]:
        raise GeneratorError("unreachable")


def test_model_endpoint_down_is_503(built_index: Any, assistant_bot: Any, tmp_path: Path) -> None:
    from assistant.service import Assistant

    settings = copy_index(built_index, tmp_path)
    bot = Assistant(settings, assistant_bot.catalog, assistant_bot.retriever, DownGenerator())
    for client in _client(settings, bot):
        r = client.post("/api/ask", json={"question": QUESTION})
        assert r.status_code == 503
        assert r.json()["error"] == "generator_unavailable" and "unreachable" in r.json()["detail"]
        v1 = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": QUESTION}]})
        assert v1.status_code == 503 and "unreachable" in v1.json()["error"]["message"]
