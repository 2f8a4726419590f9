"""What every language-model generator shares: the messages it sends, how it reads the reply,
and a bounded retry around a LlamaIndex chat model.

The messages are always, in order: the system prompt (``prompts/system.txt``, which says the
sources are data, not instructions), the last few turns of the conversation, then one user
message rendered from ``prompts/answer.txt`` holding the numbered sources (formatted by
:func:`assistant.engine.citations.format_for_prompt`, the one owner of that format) and the question.
A reply containing ``NOT_IN_SOURCES`` is an abstention.

Each backend module (``openai_compat``, ``ollama``, ``llamacpp``) only builds its LlamaIndex
LLM and says how its exceptions read (:class:`Failure`); retrying and error translation live
here, once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.engine import citations
from assistant.engine.citations import Source
from assistant.errors import GeneratorError
from assistant.generators.base import Draft
from assistant.generators.prompts import load_prompt
from assistant.models import Message

NOT_IN_SOURCES = "NOT_IN_SOURCES"
HISTORY_MESSAGES = 6  # the last three exchanges: enough to resolve "it", short enough to fit
MAX_ANSWER_TOKENS = 512  # the prompt asks for 1-3 sentences; this bounds a model that rambles
BACKOFF_SECONDS = 0.5


@dataclass(frozen=True)
class Turn:
    """One chat message as sent to a model (``role`` is system, user or assistant)."""

    role: str
    content: str


@dataclass(frozen=True)
class Failure:
    """How a backend's exception reads: the message for the user and whether to try again."""

    message: str
    retryable: bool


def build_messages(
    question: str, sources: Sequence[Source], history: Sequence[Message] = ()
) -> list[Turn]:
    """System prompt, earlier turns, then the sources and the question (see the module doc).

    Earlier answers lose their ``[n]`` markers: they pointed at an earlier turn's sources and
    would otherwise be read as citations of this turn's sources.
    """
    turns = [Turn("system", load_prompt("system").render())]
    for m in list(history)[-HISTORY_MESSAGES:]:
        content = citations.strip_markers(m.content) if m.role == "assistant" else m.content
        if content.strip():
            turns.append(Turn(m.role, content))
    prompt = load_prompt("answer").render(
        sources=citations.format_for_prompt(sources), question=question.strip()
    )
    turns.append(Turn("user", prompt))
    return turns


def build_condense_messages(question: str, history: Sequence[Message]) -> list[Turn]:
    """One user message asking for the standalone form of a follow-up (no sources: the
    rewrite only resolves what the question refers to)."""
    lines = []
    for m in list(history)[-HISTORY_MESSAGES:]:
        content = citations.strip_markers(m.content) if m.role == "assistant" else m.content
        if content.strip():
            lines.append(f"{'User' if m.role == 'user' else 'Assistant'}: {content.strip()}")
    prompt = load_prompt("condense").render(history="\n".join(lines), question=question.strip())
    return [Turn("user", prompt)]


def to_draft(reply: str) -> Draft:
    """A model's reply as a draft: empty or ``NOT_IN_SOURCES`` means the sources do not answer."""
    text = reply.strip()
    if not text or NOT_IN_SOURCES in text:
        return Draft("", abstained=True)
    return Draft(text)


def could_be_refusal(text: str) -> bool:
    """True while a streamed reply may still turn out to be ``NOT_IN_SOURCES`` (hold it back)."""
    head = text.strip()
    return NOT_IN_SOURCES.startswith(head) or head.startswith(NOT_IN_SOURCES)


class ChatGenerator:
    """A :class:`~assistant.generators.base.Generator` around a LlamaIndex chat LLM.

    ``explain`` reads a backend exception (``None``: not a backend failure, re-raised as is);
    retryable failures are tried again up to ``retries`` times, a stream only while it has not
    yielded anything. Every failure leaves as a :class:`GeneratorError`.
    """

    def __init__(
        self,
        name: str,
        llm: Any,
        explain: Callable[[BaseException], Failure | None],
        retries: int = 0,
        model: str = "",
    ) -> None:
        self.name = name
        self.model = model  # the model's own name, for reports
        self.llm = llm
        self.explain = explain
        self.retries = retries

    def generate(
        self, question: str, sources: Sequence[Source], history: Sequence[Message] = ()
    ) -> Draft:
        return to_draft(self._chat(build_messages(question, sources, history)))

    def condense(self, question: str, history: Sequence[Message]) -> str:
        """The follow-up rewritten as a standalone question (``prompts/condense.txt``)."""
        return self._chat(build_condense_messages(question, history)).strip() or question

    def _chat(self, turns: Sequence[Turn]) -> str:
        """One non-streamed reply, with the bounded retries."""
        messages = _chat_messages(turns)
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self.llm.chat(messages)
            except Exception as exc:  # translated or re-raised below
                self._give_up_or_wait(exc, attempt)
                continue
            return response.message.content or ""

    def stream(
        self, question: str, sources: Sequence[Source], history: Sequence[Message] = ()
    ) -> Iterator[str]:
        messages = _chat_messages(build_messages(question, sources, history))
        attempt = 0
        while True:
            attempt += 1
            started = False
            try:
                for chunk in self.llm.stream_chat(messages):
                    if chunk.delta:
                        started = True
                        yield chunk.delta
                return
            except Exception as exc:
                # once part of the answer is out, starting again would repeat it
                self._give_up_or_wait(exc, attempt, may_retry=not started)

    def _give_up_or_wait(self, exc: Exception, attempt: int, may_retry: bool = True) -> None:
        """Raise a :class:`GeneratorError` unless ``exc`` is retryable and attempts remain."""
        failure = self.explain(exc)
        if failure is None:
            raise exc
        if may_retry and failure.retryable and attempt <= self.retries:
            time.sleep(BACKOFF_SECONDS * attempt)
            return
        tries = f" (tried {attempt} times)" if attempt > 1 else ""
        raise GeneratorError(failure.message + tries) from exc


def _chat_messages(turns: Sequence[Turn]) -> list[Any]:
    from llama_index.core.llms import ChatMessage

    return [ChatMessage(role=t.role, content=t.content) for t in turns]
