"""Ollama's native chat API (``/api/chat``) through LlamaIndex's ``Ollama`` LLM.

``ASSISTANT_LLM_BASE_URL`` is shared with the ``openai`` backend, whose default is Ollama's
OpenAI-compatible ``http://127.0.0.1:11434/v1``; a trailing ``/v1`` is dropped here so the same
setting serves both. The context window is given explicitly: left unset, the integration asks
the server (``/api/show``) on every answer. The ``ollama`` client never retries;
:class:`~assistant.generators.llm.ChatGenerator` does, ``settings.llm_retries`` times.
"""

from __future__ import annotations

import re

from assistant.errors import GeneratorError
from assistant.generators.llm import MAX_ANSWER_TOKENS, ChatGenerator, Failure
from assistant.settings import Settings

CONTEXT_WINDOW = 8192


def native_url(base_url: str) -> str:
    """``http://host:11434/v1`` -> ``http://host:11434`` (the native API's root)."""
    return re.sub(r"/v1/?$", "", base_url.rstrip("/"))


def make_ollama_generator(settings: Settings) -> ChatGenerator:
    """The ``ollama`` backend for ``settings`` (nothing is contacted until the first answer)."""
    try:
        from llama_index.llms.ollama import Ollama
    except ImportError as exc:
        raise GeneratorError(
            f"the Ollama backend cannot be loaded ({exc}); install it: pip install llama-index-llms-ollama"
        ) from exc
    url = native_url(settings.llm_base_url)
    llm = Ollama(
        model=settings.llm_model,
        base_url=url,
        request_timeout=settings.llm_timeout,
        context_window=CONTEXT_WINDOW,
        temperature=0.0,
        additional_kwargs={"num_predict": MAX_ANSWER_TOKENS},
    )
    return ChatGenerator("ollama", llm, lambda exc: explain(exc, settings), settings.llm_retries, model=settings.llm_model)


def explain(exc: BaseException, settings: Settings) -> Failure | None:
    """How an ``ollama``/``httpx`` exception reads, naming the server and what to do."""
    import httpx
    import ollama

    url = native_url(settings.llm_base_url)
    if isinstance(exc, httpx.TimeoutException):
        return Failure(
            f"Ollama at {url} did not answer within {settings.llm_timeout:g} s: "
            "raise ASSISTANT_LLM_TIMEOUT or use a smaller model",
            retryable=True,
        )
    if isinstance(exc, ConnectionError | httpx.TransportError):
        return Failure(
            f"cannot reach Ollama at {url}: start it (`ollama serve`) or set ASSISTANT_LLM_BASE_URL",
            retryable=True,
        )
    if isinstance(exc, ollama.ResponseError):
        status = exc.status_code
        if status >= 500:
            return Failure(
                f"Ollama at {url} failed with HTTP {status} ({exc.error[:200]}): check its log",
                True,
            )
        if status == 404:
            return Failure(
                f"Ollama at {url} has no model {settings.llm_model!r} ({exc.error[:200]}): "
                f"run `ollama pull {settings.llm_model}` or set ASSISTANT_LLM_MODEL",
                False,
            )
        return Failure(
            f"Ollama at {url} refused the request with HTTP {status} ({exc.error[:200]})", False
        )
    return None
