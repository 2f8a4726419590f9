"""An OpenAI-compatible face under ``/v1`` so existing clients (the ``openai`` SDK, chat UIs)
can talk to the assistant. The last user message is the question, earlier turns its history;
the reply's content is the answer with its ``[n]`` markers and a ``citations`` array beside
it (top level of the response, and on the final chunk when streaming).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from assistant.errors import AssistantError, DomainError
from assistant.faces.api import RuntimeDep, errors
from assistant.models import Answer, Message, OpenAIErrorBody

MODEL_ID = "offline-assistant"


class BadRequest(AssistantError):
    """A request the OpenAI face cannot answer (400)."""


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):  # content parts: keep the text ones
            return "".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


#: the schema's promise that the server keeps: somewhere in ``messages`` is a user message with
#: text (the question); a request without one is a 400, so the schema says so
_HAS_QUESTION: dict[str, Any] = {
    "contains": {
        "type": "object",
        "required": ["role", "content"],
        "properties": {"role": {"const": "user"}, "content": {"type": "string", "pattern": r"\S"}},
    }
}


class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")  # temperature, max_tokens...: accepted, not used

    model: str = MODEL_ID
    messages: list[ChatMessage] = Field(min_length=1, json_schema_extra=_HAS_QUESTION)
    stream: StrictBool = False  # "yes" or 1 is a client's mistake, not a wish to stream
    top_k: int | None = Field(None, ge=1, le=50)


def split_messages(messages: list[ChatMessage]) -> tuple[str, list[Message]]:
    """The question (the last user message with text) and the user/assistant history before it;
    turns after the question (an assistant's or tool's) have nothing to answer and are left out."""
    last = next((i for i in range(len(messages) - 1, -1, -1)
                 if messages[i].role == "user" and messages[i].text().strip()), None)
    if last is None:
        raise BadRequest("the messages hold no question: send a user message with text")
    history = [
        Message(role=m.role, content=m.text())  # type: ignore[arg-type]
        for m in messages[:last]
        if m.role in ("user", "assistant") and m.text().strip()
    ]
    return messages[last].text().strip(), history


router = APIRouter(prefix="/v1", tags=["openai"])


#: each server-sent event: ``data`` is a ``chat.completion.chunk`` as JSON, or ``[DONE]``
_STREAM = {"text/event-stream": {"schema": {
    "type": "object", "required": ["data"],
    "properties": {"data": {"type": "string"}, "event": {"type": "string"}, "id": {"type": "string"}},
}}}


@router.get("/models")
def models() -> dict[str, Any]:
    """The one model this server offers."""
    return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "local"}]}


@router.post(
    "/chat/completions", response_model=None,
    responses={
        200: {"description": "A chat completion, or server-sent chunks when `stream` is true", "content": _STREAM},
        **errors(400, 503, model=OpenAIErrorBody),
    },
)
async def chat_completions(body: ChatCompletionRequest, rt: RuntimeDep) -> dict[str, Any] | StreamingResponse:
    """Chat completion over the collection (``stream: true`` for server-sent events)."""
    question, history = split_messages(body.messages)
    rt.require()
    cid = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    if not body.stream:
        answer = await run_in_threadpool(rt.ask, question, history, body.top_k)
        return {
            "id": cid, "object": "chat.completion", "created": created, "model": body.model,
            "choices": [{
                "index": 0, "message": {"role": "assistant", "content": answer.answer},
                "finish_reason": "stop", "logprobs": None,
            }],
            "usage": _usage(question, history, answer),
            "citations": _citations(answer),
            "abstained": answer.abstained,
        }
    # only what the final answer keeps, each sentence as soon as it is written and verified: an
    # OpenAI client cannot take back deltas it has already shown
    events = rt.stream(question, history, body.top_k, verified=True)
    # the stream opens at once with the role chunk (a language model takes seconds before the
    # verified text exists); a failure after that is sent in-band, as OpenAI's own streams do
    return StreamingResponse(
        _sse(cid, created, body.model, None, events), media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _sse(cid: str, created: int, model: str, first: Any, events: Iterator[Any]) -> Iterator[str]:
    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        body = {
            "id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
            **extra,
        }
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    sent = ""
    answer: Answer | None = None
    stream = [first] if first is not None else []
    try:
        for kind, value in _chain(stream, events):
            if kind == "delta":
                sent += value
                yield chunk({"content": value})
            elif kind == "answer":
                answer = value
    except DomainError as exc:  # mid-stream: the status is sent already, so say it in-band
        yield f"data: {json.dumps({'error': {'message': str(exc), 'type': type(exc).__name__}})}\n\n"
        return
    if answer is not None:
        if answer.answer.startswith(sent) and len(answer.answer) > len(sent):
            yield chunk({"content": answer.answer[len(sent):]})
        yield chunk({}, "stop", citations=_citations(answer), abstained=answer.abstained)
    yield "data: [DONE]\n\n"


def _chain(head: list[Any], rest: Iterator[Any]) -> Iterator[Any]:
    yield from head
    yield from rest


def _citations(answer: Answer) -> list[dict[str, Any]]:
    return [c.model_dump() for c in answer.citations]


def _usage(question: str, history: list[Message], answer: Answer) -> dict[str, int]:
    # word counts: the extractive generator has no tokenizer of its own; clients only need a shape
    prompt = len(question.split()) + sum(len(m.content.split()) for m in history)
    completion = len(answer.answer.split())
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
