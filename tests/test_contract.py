"""The HTTP contract is what the server does (issue 13): every error status a route returns is
declared with the one error body, an undeclared method is 405, and schemathesis, run against a
real uvicorn server on 127.0.0.1, finds nothing, with and without ``ASSISTANT_API_KEY``."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from tests.live import copy_index, live_server

ST = Path(sys.executable).parent / "st"
HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def client(built_index: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from assistant.faces.server import create_app

    with TestClient(create_app(copy_index(built_index, tmp_path_factory.mktemp("contract")))) as c:
        yield c


def _statuses(schema: dict[str, Any], path: str, method: str) -> set[str]:
    return set(schema["paths"][path][method]["responses"])


def test_every_error_status_is_declared_with_the_one_error_body(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert _statuses(schema, "/api/ask", "post") == {"200", "400", "422", "503"}
    assert _statuses(schema, "/api/chat", "post") == {"200", "400", "404", "422", "503"}
    assert _statuses(schema, "/api/sessions/{session_id}", "get") == {"200", "404"}
    # no key configured: the changing routes need none, so the schema promises no 401/403
    assert _statuses(schema, "/api/documents", "post") == {"201", "400", "409", "413", "422", "503"}
    assert _statuses(schema, "/api/documents/{source}", "delete") == {"204", "404", "409", "503"}
    assert _statuses(schema, "/v1/chat/completions", "post") == {"200", "400", "503"}
    assert "securitySchemes" not in schema["components"]
    names = set(schema["components"]["schemas"])
    assert {"ErrorBody", "ValidationErrorBody", "OpenAIErrorBody"} <= names
    assert not names & {"HTTPValidationError", "ValidationError"}  # FastAPI's, never sent
    ref = schema["paths"]["/api/ask"]["post"]["responses"]["422"]["content"]["application/json"]["schema"]
    assert ref["$ref"].endswith("/ValidationErrorBody")


def test_the_key_is_in_the_schema_only_when_set(built_index: Any, tmp_path: Path) -> None:
    from assistant.faces.server import create_app

    settings = copy_index(built_index, tmp_path, api_key=SecretStr("k"))
    with TestClient(create_app(settings)) as c:
        schema = c.get("/openapi.json").json()
    assert {"401", "403"} <= _statuses(schema, "/api/documents", "post")
    assert schema["paths"]["/api/documents/{source}"]["delete"]["security"]
    assert "securitySchemes" in schema["components"]


def test_a_validation_error_names_each_field(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "", "top_k": 0})
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "invalid_request" and "question" in body["detail"]
    assert {tuple(e["loc"]) for e in body["errors"]} == {("body", "question"), ("body", "top_k")}
    assert all(e["msg"] and e["type"] for e in body["errors"])


def test_a_malformed_body_is_400_in_the_error_body(client: TestClient) -> None:
    r = client.post("/api/chat", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 422) and r.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [("put", "/api/ask", "POST"), ("get", "/api/feedback", "POST"), ("patch", "/healthz", "GET"),
     ("post", "/api/documents/a.txt", "DELETE"), ("delete", "/api/documents", "GET, POST")],
)
def test_an_undeclared_method_is_405_with_allow(client: TestClient, method: str, path: str, allow: str) -> None:
    r = client.request(method, path)
    assert r.status_code == 405 and r.headers["allow"] == allow
    assert r.json()["error"] == "method_not_allowed"


def test_the_openai_face_keeps_its_error_shape_for_405(client: TestClient) -> None:
    r = client.get("/v1/chat/completions")
    assert r.status_code == 405 and r.json()["error"]["type"] == "method_not_allowed"


def test_the_question_is_the_last_user_message(client: TestClient) -> None:
    """Any schema-valid request is answered: turns after the question are left out."""
    r = client.post("/v1/chat/completions", json={"messages": [
        {"role": "user", "content": "How many international standards did China lead during the 14th Five-Year Plan?"},
        {"role": "assistant", "content": "Let me look."},
    ]})
    assert r.status_code == 200 and "1,079" in r.json()["choices"][0]["message"]["content"]
    assert client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "x"}], "stream": "yes"}).status_code == 400


@pytest.mark.slow
@pytest.mark.parametrize("key", [None, "contract-test-key"])
def test_schemathesis_finds_nothing(built_index: Any, tmp_path: Path, key: str | None) -> None:
    """Coverage, fuzzing and stateful phases, every check, 25 examples per operation, a fixed
    seed; the server is the real app under uvicorn on a private copy of the collection."""
    if not ST.exists():
        pytest.skip(f"schemathesis is not installed ({ST}): pip install -e '.[dev]'")
    settings = copy_index(built_index, tmp_path, api_key=SecretStr(key) if key else None)
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(SCHEMATHESIS_HOOKS="tests.schemathesis_hooks", PYTHONPATH=str(HERE.parent))
    command = [
        str(ST), "--config-file", str(HERE / "schemathesis.toml"), "run", "--checks", "all",
        "--max-examples", "25", "--seed", "13", "--workers", "1", "--request-timeout", "30",
        "--report", "junit", "--report-dir", str(tmp_path / "report"),
    ]
    if key:
        command += ["--header", f"Authorization: Bearer {key}"]
    with live_server(settings) as url:
        done = subprocess.run(
            [*command, f"{url}/openapi.json"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=480
        )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "No issues found" in done.stdout
