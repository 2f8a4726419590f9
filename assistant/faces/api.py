"""The REST API under ``/api``: ask, chat with server-side sessions, documents, feedback.

Every handler calls :class:`assistant.runtime.Runtime`; domain errors become JSON with a proper
status in :mod:`assistant.faces.server` (never an error inside a 200).
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, UploadFile, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from assistant.conversation.feedback import Feedback
from assistant.conversation.sessions import Session, SessionSummary
from assistant.documents import NotFoundError, TooLargeError
from assistant.models import Answer, AskRequest, DocumentInfo, ErrorBody, ValidationErrorBody
from assistant.runtime import Runtime


class ChatRequest(BaseModel):
    """A question in a conversation the server keeps; omit ``session_id`` to start one."""

    question: str = Field(min_length=1, max_length=4000)
    session_id: str | None = Field(None, max_length=64)
    top_k: int | None = Field(None, ge=1, le=50)


class ChatResponse(BaseModel):
    session_id: str
    answer: Answer


class UploadResponse(BaseModel):
    document: DocumentInfo
    replaced: bool


class FeedbackResponse(BaseModel):
    id: int


class ApiKeyError(Exception):
    """Missing (401) or wrong (403) API key."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code


_bearer = HTTPBearer(auto_error=False)


def runtime(request: Request) -> Runtime:
    return request.app.state.runtime  # type: ignore[no-any-return]


RuntimeDep = Annotated[Runtime, Depends(runtime)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def require_key(request: Request, credentials: Credentials) -> None:
    """When ``ASSISTANT_API_KEY`` is set, changing the collection needs ``Authorization: Bearer``."""
    key = runtime(request).settings.api_key
    if key is None or not key.get_secret_value():
        return
    if credentials is None or not credentials.credentials:
        raise ApiKeyError(status.HTTP_401_UNAUTHORIZED, "this endpoint needs `Authorization: Bearer <ASSISTANT_API_KEY>`")
    if not secrets.compare_digest(credentials.credentials.encode(), key.get_secret_value().encode()):
        raise ApiKeyError(status.HTTP_403_FORBIDDEN, "wrong API key")


#: what each error status means, as the OpenAPI schema tells a client
WHY = {
    400: "The body is not well-formed (JSON, multipart), or the document cannot be used",
    401: "`ASSISTANT_API_KEY` is set and no `Authorization: Bearer` key was sent",
    403: "The bearer key is not `ASSISTANT_API_KEY`",
    404: "No such document or session",
    409: "A corpus document already has that name, or another ingest holds the collection",
    413: "The upload is larger than `ASSISTANT_MAX_UPLOAD_MB`",
    422: "The request does not match the schema (`errors` says which fields)",
    503: "No index yet, or the vector store, embedder or language model is unavailable (`detail` says what to do)",
}


def errors(*codes: int, model: type = ErrorBody) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entries for the error statuses a route can return."""
    return {c: {"model": ValidationErrorBody if c == 422 else model, "description": WHY[c]} for c in codes}


#: what an upload's file part must be: a named text, Markdown, HTML or PDF document (the name's
#: suffix says which; a nameless, empty or binary part is refused with 400)
UPLOAD_PART = {
    "contentType": "text/plain, text/markdown, text/html, application/pdf",
    "headers": {
        "Content-Disposition": {
            "description": "the file's name, with a suffix the loader knows (.txt .md .markdown .html .htm .pdf)",
            "schema": {"type": "string"},
            "example": 'form-data; name="file"; filename="notes.txt"',
        }
    },
}

router = APIRouter(prefix="/api", tags=["assistant"])


@router.post("/ask", response_model=Answer, responses=errors(400, 422, 503))
async def ask(body: AskRequest, rt: RuntimeDep) -> Answer:
    """Answer one question with cited sources (the same JSON as `assistant ask --json`)."""
    return await run_in_threadpool(rt.ask, body.question, body.history, body.top_k)


@router.post("/chat", response_model=ChatResponse, responses=errors(400, 404, 422, 503))
async def chat(body: ChatRequest, rt: RuntimeDep) -> ChatResponse:
    """Answer within a conversation kept on the server (created when ``session_id`` is absent)."""
    store = rt.sessions
    assert store is not None
    rt.require()  # 503 before a session is created for nothing
    if body.session_id is None:
        sid = store.create()
    elif store.exists(body.session_id):
        sid = body.session_id
    else:
        raise NotFoundError(f"no session {body.session_id!r}; omit session_id to start one")
    history = store.history(sid)
    answer = await run_in_threadpool(rt.ask, body.question, history, body.top_k)
    store.append(sid, body.question, answer)
    return ChatResponse(session_id=sid, answer=answer)


@router.get("/sessions", response_model=list[SessionSummary], responses=errors(422))
def list_sessions(rt: RuntimeDep, limit: int = 50) -> list[SessionSummary]:
    """Recent conversations, most recent first."""
    assert rt.sessions is not None
    return rt.sessions.list(max(1, min(limit, 500)))


@router.get("/sessions/{session_id}", response_model=Session, responses=errors(404))
def get_session(session_id: str, rt: RuntimeDep) -> Session:
    """One conversation with every answer and its citations."""
    assert rt.sessions is not None
    session = rt.sessions.get(session_id)
    if session is None:
        raise NotFoundError(f"no session {session_id!r}")
    return session


@router.get("/documents", response_model=list[DocumentInfo])
def list_documents(rt: RuntimeDep) -> list[DocumentInfo]:
    """The documents in the collection."""
    return rt.documents()


@router.post(
    "/documents", response_model=UploadResponse, status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(require_key)], responses=errors(400, 401, 403, 409, 413, 422, 503),
    openapi_extra={"requestBody": {"content": {"multipart/form-data": {"encoding": {"file": UPLOAD_PART}}}}},
)
async def upload_document(file: Annotated[UploadFile, File()], rt: RuntimeDep) -> UploadResponse:
    """Add (or replace) one document; it is searchable as soon as this returns."""
    limit = rt.settings.max_upload_mb * 1024 * 1024
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise TooLargeError(f"{file.filename}: larger than the {rt.settings.max_upload_mb} MB limit (ASSISTANT_MAX_UPLOAD_MB)")
    info, replaced = await run_in_threadpool(rt.upload, file.filename or "", data)
    return UploadResponse(document=info, replaced=replaced)


@router.delete(
    "/documents/{source:path}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[Depends(require_key)],
    responses=errors(401, 403, 404, 409, 503),
)
async def delete_document(source: str, rt: RuntimeDep) -> None:
    """Remove a document from the collection (an uploaded file is deleted from disk too)."""
    await run_in_threadpool(rt.delete, source)


@router.post("/feedback", response_model=FeedbackResponse, status_code=status.HTTP_201_CREATED, responses=errors(400, 422))
def feedback(body: Feedback, rt: RuntimeDep) -> FeedbackResponse:
    """Record a thumbs up or down (with an optional comment) on an answer."""
    assert rt.feedback is not None
    return FeedbackResponse(id=rt.feedback.add(body))
