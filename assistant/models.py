"""Request and response models shared by the CLI (``--json``), the HTTP API and the UI."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Message(BaseModel):
    """One turn of a conversation."""

    role: Literal["user", "assistant"]
    content: str


class Span(BaseModel):
    """Character offsets ``[start, end)`` into a citation's ``text``."""

    start: int
    end: int


class Citation(BaseModel):
    """A numbered source: ``text`` is the cited passage, ``start``/``end`` locate it in the
    document's stored text; ``highlights`` are the parts of ``text`` the answer used."""

    n: int
    source: str
    title: str
    section: str | None
    text: str
    start: int
    end: int
    score: float
    # the UI reads them in-process; kept out of the JSON so the answer contract stays as it is
    highlights: list[Span] = Field(default_factory=list, exclude=True)


class Timings(BaseModel):
    retrieve: float
    generate: float
    total: float


class Answer(BaseModel):
    """The answer contract (``assistant ask --json``, ``POST /api/ask``)."""

    answer: str
    abstained: bool
    citations: list[Citation]
    query: str
    timings_ms: Timings
    related: list[Citation] = Field(default_factory=list, exclude=True)


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=4000)
    history: list[Message] = Field(default_factory=list)
    top_k: int | None = Field(None, ge=1, le=50)


class DocumentInfo(BaseModel):
    source: str
    title: str
    date: str | None
    passages: int


class FieldProblem(BaseModel):
    """One field a request got wrong: where (``["body", "question"]``), what, and its kind."""

    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    """Every error of the REST API and the page's endpoints: a short code a client can branch on
    (``not_found``, ``index_not_built``...) and a message that says what went wrong and what to do."""

    error: str
    detail: str


class ValidationErrorBody(ErrorBody):
    """A request that does not match the schema (422): ``detail`` in one line, ``errors`` per field."""

    errors: list[FieldProblem]


class OpenAIErrorDetail(BaseModel):
    message: str
    type: str
    code: int


class OpenAIErrorBody(BaseModel):
    """Errors under ``/v1`` keep the shape OpenAI clients parse (``error.message``)."""

    error: OpenAIErrorDetail
