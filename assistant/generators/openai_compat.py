"""Any OpenAI-compatible chat-completions endpoint (vLLM, llama.cpp's server, LM Studio, Ollama's
``/v1``, a hosted API) through LlamaIndex's ``OpenAILike``.

``OpenAILike`` works offline here: it never asks tiktoken for a model's encoding (its tokenizer
is ``None`` unless given), and it talks only to ``ASSISTANT_LLM_BASE_URL``. Its retries are
switched off (``max_retries=0``) because they compound: the OpenAI SDK retries each call
``max_retries`` times *inside* a tenacity loop of ``max_retries`` attempts with waits of up to
20 s. :class:`~assistant.generators.llm.ChatGenerator` retries instead, ``settings.llm_retries``
times, so the worst case is ``(llm_retries + 1) * llm_timeout`` plus a second of back-off.
"""

from __future__ import annotations

from assistant.errors import GeneratorError
from assistant.generators.llm import MAX_ANSWER_TOKENS, ChatGenerator, Failure
from assistant.settings import Settings


def make_openai_generator(settings: Settings) -> ChatGenerator:
    """The ``openai`` backend for ``settings`` (nothing is contacted until the first answer)."""
    try:
        from llama_index.llms.openai_like import OpenAILike
    except ImportError as exc:  # a core dependency: only a broken install gets here
        raise GeneratorError(
            f"the OpenAI-compatible backend cannot be loaded ({exc}); reinstall: pip install -e ."
        ) from exc
    url = settings.llm_base_url.rstrip("/")
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"
    llm = OpenAILike(
        model=settings.llm_model,
        api_base=url,
        api_key=key,
        is_chat_model=True,
        is_function_calling_model=False,
        temperature=0.0,
        max_tokens=MAX_ANSWER_TOKENS,
        timeout=settings.llm_timeout,
        max_retries=0,
        reuse_client=True,
    )
    return ChatGenerator("openai", llm, lambda exc: explain(exc, settings), settings.llm_retries, model=settings.llm_model)


def explain(exc: BaseException, settings: Settings) -> Failure | None:
    """How an OpenAI SDK exception reads, naming the endpoint and what to do."""
    import httpx
    import openai

    url = settings.llm_base_url.rstrip("/")
    # a stream that stalls or breaks after its first chunk raises httpx's own errors
    if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
        return Failure(
            f"the language model at {url} did not answer within {settings.llm_timeout:g} s: "
            "raise ASSISTANT_LLM_TIMEOUT or use a smaller model",
            retryable=True,
        )
    if isinstance(exc, openai.APIConnectionError | httpx.TransportError):
        return Failure(
            f"cannot reach the language model at {url}: start the server or set ASSISTANT_LLM_BASE_URL",
            retryable=True,
        )
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        detail = _short(exc.message)
        if status >= 500 or status == 429:
            return Failure(
                f"the language model at {url} failed with HTTP {status} ({detail}): check the server's log",
                retryable=True,
            )
        hint = {
            401: "check ASSISTANT_LLM_API_KEY",
            403: "check ASSISTANT_LLM_API_KEY",
            404: f"check ASSISTANT_LLM_BASE_URL (usually ends in /v1) and ASSISTANT_LLM_MODEL={settings.llm_model!r}",
        }.get(status, f"check ASSISTANT_LLM_MODEL={settings.llm_model!r} and the server's log")
        return Failure(
            f"the language model at {url} refused the request with HTTP {status} ({detail}): {hint}",
            False,
        )
    if isinstance(exc, openai.OpenAIError):
        return Failure(
            f"the language model at {url} sent a reply that could not be read ({_short(str(exc))})",
            False,
        )
    return None


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
