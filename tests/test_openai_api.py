"""The OpenAI-compatible face: in-process for shapes and errors, then over a real socket with
the ``openai`` SDK (streamed and not)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.live import copy_index, live_server

QUESTION = "What did China achieve in international standardization during the 14th Five-Year Plan?"


@pytest.fixture(scope="module")
def client(built_index: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from assistant.faces.server import create_app

    with TestClient(create_app(copy_index(built_index, tmp_path_factory.mktemp("v1")))) as c:
        yield c


def _events(text: str) -> list[Any]:
    out = []
    for line in text.splitlines():
        if line.startswith("data: "):
            data = line[len("data: "):]
            out.append(data if data == "[DONE]" else json.loads(data))
    return out


def test_models(client: TestClient) -> None:
    body = client.get("/v1/models").json()
    assert body["object"] == "list" and body["data"][0]["id"] == "offline-assistant"


def test_completion_has_answer_with_markers_and_citations(client: TestClient) -> None:
    r = client.post("/v1/chat/completions", json={
        "model": "offline-assistant", "temperature": 0.2,
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": QUESTION}],
    })
    assert r.status_code == 200
    body = r.json()
    content = body["choices"][0]["message"]["content"]
    assert body["object"] == "chat.completion" and body["choices"][0]["finish_reason"] == "stop"
    assert "[1]" in content and body["citations"][0]["n"] == 1
    same = client.post("/api/ask", json={"question": QUESTION}).json()
    assert content == same["answer"] and body["citations"] == same["citations"]


def test_history_is_the_earlier_messages(client: TestClient) -> None:
    r = client.post("/v1/chat/completions", json={"messages": [
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": "Many things [1]."},
        {"role": "user", "content": [{"type": "text", "text": "Which regions in particular?"}]},
    ]})
    assert r.status_code == 200
    same = client.post("/api/ask", json={"question": "Which regions in particular?", "history": [
        {"role": "user", "content": QUESTION}, {"role": "assistant", "content": "Many things [1]."},
    ]}).json()
    assert r.json()["choices"][0]["message"]["content"] == same["answer"]


def test_streaming_sends_deltas_then_citations(client: TestClient) -> None:
    r = client.post("/v1/chat/completions", json={"stream": True, "messages": [{"role": "user", "content": QUESTION}]})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = _events(r.text)
    assert events[-1] == "[DONE]"
    chunks = events[:-1]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert len(chunks) > 3  # really in pieces
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and chunks[-1]["citations"]
    assert text == client.post("/api/ask", json={"question": QUESTION}).json()["answer"]


@pytest.mark.parametrize("messages", [
    [{"role": "assistant", "content": "hi"}],
    [{"role": "user", "content": "   "}],
    [],
])
def test_bad_requests_are_400_in_openai_shape(client: TestClient, messages: list[Any]) -> None:
    r = client.post("/v1/chat/completions", json={"messages": messages})
    assert r.status_code == 400
    assert r.json()["error"]["type"] == "invalid_request" and r.json()["error"]["message"]


def test_no_index_is_503(settings: Any) -> None:
    from assistant.faces.server import create_app

    with TestClient(create_app(settings)) as c:
        for stream in (False, True):
            r = c.post("/v1/chat/completions", json={"stream": stream, "messages": [{"role": "user", "content": QUESTION}]})
            assert r.status_code == 503 and "assistant ingest" in r.json()["error"]["message"]


@pytest.mark.slow
def test_openai_sdk_over_a_real_server(built_index: Any, tmp_path: Any) -> None:
    import openai

    with live_server(copy_index(built_index, tmp_path)) as url:
        sdk = openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0, timeout=60)
        assert [m.id for m in sdk.models.list()] == ["offline-assistant"]
        reply = sdk.chat.completions.create(model="offline-assistant", messages=[{"role": "user", "content": QUESTION}])
        content = reply.choices[0].message.content or ""
        assert "[1]" in content
        citations = (reply.model_extra or {})["citations"]
        assert citations[0]["n"] == 1 and citations[0]["source"]

        pieces, final = [], None
        for chunk in sdk.chat.completions.create(
            model="offline-assistant", messages=[{"role": "user", "content": QUESTION}], stream=True
        ):
            if chunk.choices and chunk.choices[0].delta.content:
                pieces.append(chunk.choices[0].delta.content)
            if chunk.choices and chunk.choices[0].finish_reason == "stop":
                final = chunk
        assert "".join(pieces) == content and len(pieces) > 3
        assert final is not None and (final.model_extra or {})["citations"] == citations

        with pytest.raises(openai.BadRequestError):
            sdk.chat.completions.create(model="offline-assistant", messages=[{"role": "assistant", "content": "hi"}])
