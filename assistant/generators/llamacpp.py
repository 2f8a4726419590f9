"""A local GGUF model run in this process by llama.cpp, through ``xllamacpp``.

``xllamacpp`` is a prebuilt wheel with llama.cpp inside (no compiler, no run-time
dependencies). Its ``Server`` loads the model once and answers OpenAI-shaped chat requests
handed to it as Python dicts (``handle_chat_completions``); the chat template stored in the
GGUF file is applied by llama.cpp, so any instruction-tuned GGUF (SmolLM2, Qwen, Llama,
Mistral) is laid out the way it was trained.

The ``Server`` always opens an HTTP listener too; we never use it, and close it down as far as
the library allows: loopback only, a port of the system's choosing, a random API key that never
leaves this process (every route but ``/health`` needs it), no web page, no allowed
cross-origin (``Access-Control-Allow-Origin`` is sent empty), no slot or metrics endpoints,
offline mode, and no model repository or URL to fetch from.

Loading happens once per process and model file (:func:`load`): the web app's reload after an
ingest builds a new generator but reuses the loaded model. Answering takes no lock of ours:
llama.cpp queues concurrent requests itself. Each generation is bounded by
``ASSISTANT_LLM_TIMEOUT``; past it the request is cancelled inside llama.cpp and the caller gets
a :class:`~assistant.errors.GeneratorError`.
"""

from __future__ import annotations

import os
import queue
import secrets
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import GeneratorError
from assistant.generators.llm import MAX_ANSWER_TOKENS, ChatGenerator, Failure
from assistant.settings import Settings

INSTALL = "install the llamacpp extra: pip install -e '.[llamacpp]'"
CONTEXT_WINDOW = 4096
# Tighter than the remote backends' bound: a CPU writes 7-50 tokens/s here, and the prompt asks
# for one to three sentences (about 100 tokens with their markers).
ANSWER_TOKENS = 256
# Small models loop on the sources' headings without a mild penalty (SmolLM2-135M does).
REPEAT_PENALTY = 1.1


class ModelTimeout(Exception):
    """A generation ran past its time limit (it has been cancelled)."""


class ModelFailure(Exception):
    """llama.cpp refused or failed a request (e.g. a prompt longer than the context window)."""


@dataclass(frozen=True)
class Stats:
    """Figures of one generation, from llama.cpp's own timings."""

    prompt_tokens: int
    prompt_per_s: float
    generated_tokens: int
    generated_per_s: float
    first_token_s: float | None  # from the request to the first piece of text
    total_s: float


class LocalModel:
    """One GGUF model loaded into llama.cpp. ``stream`` is safe to call from many threads."""

    def __init__(self, path: Path, threads: int = 0, context: int = CONTEXT_WINDOW) -> None:
        try:
            import xllamacpp as xlc
        except ImportError as exc:
            raise GeneratorError(f"the llamacpp generator is not installed: {INSTALL}") from exc
        with path.open("rb") as f:
            if f.read(4) != b"GGUF":
                raise GeneratorError(f"{path} is not a GGUF model file (llama.cpp reads .gguf files only)")
        generating, reading = _threads(threads)
        p = xlc.CommonParams()
        p.model.path = str(path)
        p.model.hf_repo = p.model.url = p.model.docker_repo = ""  # never fetch a model
        p.offline = True
        p.models_autoload = False
        p.n_ctx = context
        p.n_parallel = 1
        p.n_predict = MAX_ANSWER_TOKENS
        p.cpuparams.n_threads = generating
        p.cpuparams_batch.n_threads = reading
        p.warmup = True  # one empty run at load: the first answer does not pay for paging in
        p.verbosity = 0
        p.cache_ram_mib = 0  # the prompt cache of the single slot is enough
        # the HTTP listener the Server always opens: loopback, any free port, a secret key,
        # no web page, no cross-origin access, nothing beyond chat
        p.hostnames = ["127.0.0.1"]
        p.port = 0
        p.api_keys = [secrets.token_urlsafe(32)]
        p.cors_origins = ""
        p.cors_origins_explicit = True
        p.cors_credentials = False
        p.ui = False
        p.endpoint_slots = p.endpoint_metrics = p.endpoint_props = False
        p.n_threads_http = 1
        try:
            self.server = xlc.Server(p)
        except (RuntimeError, ValueError) as exc:
            raise GeneratorError(f"llama.cpp could not load {path}: {exc}") from exc
        self.path = path
        self.name = path.name
        self.threads = (generating, reading)
        self.last: Stats | None = None  # the latest generation's figures (for bench and eval)

    def stream(
        self, messages: Sequence[dict[str, str]], timeout: float, max_tokens: int = ANSWER_TOKENS
    ) -> Iterator[str]:
        """The reply to OpenAI-style ``messages`` in pieces as llama.cpp writes them.

        Raises :class:`ModelTimeout` once ``timeout`` seconds have passed since the call (the
        request is then cancelled in llama.cpp at its next token) and :class:`ModelFailure`
        when llama.cpp rejects the request.
        """
        request = {
            "messages": list(messages), "max_tokens": max_tokens, "temperature": 0.0,
            "repeat_penalty": REPEAT_PENALTY, "stream": True, "stream_options": {"include_usage": True}, "cache_prompt": True,
        }
        out: queue.Queue[tuple[str, Any]] = queue.Queue()
        stop = threading.Event()

        def on_chunk(chunk: Any) -> bool:
            out.put(("chunk", chunk))
            return stop.is_set()  # True cancels the request inside llama.cpp

        def work() -> None:
            try:
                self.server.handle_chat_completions(request, on_chunk)
            except BaseException as exc:  # handed to the consumer
                out.put(("error", exc))
            finally:
                out.put(("end", None))

        started = time.perf_counter()
        deadline = time.monotonic() + timeout
        first: float | None = None
        threading.Thread(target=work, name="llamacpp-generate", daemon=True).start()
        try:
            while True:
                try:
                    kind, value = out.get(timeout=max(deadline - time.monotonic(), 0.0))
                except queue.Empty:
                    raise ModelTimeout(f"no complete answer within {timeout:g} s") from None
                if kind == "end":
                    return
                if kind == "error":
                    raise ModelFailure(str(value))
                problem = _error_of(value)
                if problem:
                    raise ModelFailure(problem)
                for choice in value.get("choices") or []:
                    piece = (choice.get("delta") or {}).get("content")
                    if piece:
                        if first is None:
                            first = time.perf_counter() - started
                        yield piece
                if "timings" in value:
                    t = value["timings"]
                    self.last = Stats(
                        int(t.get("prompt_n", 0)), float(t.get("prompt_per_second", 0.0)),
                        int(t.get("predicted_n", 0)), float(t.get("predicted_per_second", 0.0)),
                        first, time.perf_counter() - started,
                    )
        finally:
            stop.set()


def _threads(asked: int) -> tuple[int, int]:
    """Threads for generating and for reading the prompt: ``asked`` for both when set, else
    one per core (at most 8) for the prompt and one fewer for generating.

    Generating a token is many small steps, each ending at a barrier where every thread waits
    for the slowest; when another process takes a core, one thread is descheduled and the rest
    spin until it returns. On this 2-core machine beside one busy process, two generating
    threads fell to 1-15 tokens/s where one kept 14-63; reading the prompt is coarse work that
    still gains from every core (about 425 against 230 tokens/s when idle).
    """
    if asked:
        return asked, asked
    cores = min(os.cpu_count() or 1, 8)
    return max(cores - 1, 1), cores


def _error_of(chunk: Any) -> str | None:
    """The message of an error chunk (``{"error": {...}}`` or ``{"code": …, "message": …}``)."""
    if not isinstance(chunk, dict):
        return f"unreadable reply from llama.cpp: {str(chunk)[:200]}"
    err = chunk.get("error")
    if isinstance(err, dict):
        return str(err.get("message") or err)
    if err:
        return str(err)
    if "code" in chunk and "choices" not in chunk:
        return str(chunk.get("message") or chunk)
    return None


_LOADED: dict[tuple[str, int, int], LocalModel] = {}
_LOADING = threading.Lock()  # held while a model loads, never while one answers


def load(path: Path, threads: int = 0, context: int = CONTEXT_WINDOW) -> LocalModel:
    """The model at ``path``, loaded on first use and shared by every generator after."""
    key = (str(path.resolve()), threads, context)
    with _LOADING:
        if key not in _LOADED:
            _LOADED[key] = LocalModel(path, threads, context)
        return _LOADED[key]


class LocalChat:
    """The two methods :class:`ChatGenerator` calls on a LlamaIndex LLM (``chat`` and
    ``stream_chat``), served by a :class:`LocalModel` within ``timeout`` seconds each."""

    def __init__(self, model: LocalModel, timeout: float) -> None:
        self.model = model
        self.timeout = timeout

    def chat(self, messages: Sequence[Any]) -> Any:
        from llama_index.core.llms import ChatMessage, ChatResponse

        text = "".join(self.model.stream(_plain(messages), self.timeout))
        return ChatResponse(message=ChatMessage(role="assistant", content=text))

    def stream_chat(self, messages: Sequence[Any]) -> Iterator[Any]:
        from llama_index.core.llms import ChatMessage, ChatResponse

        text = ""
        for piece in self.model.stream(_plain(messages), self.timeout):
            text += piece
            yield ChatResponse(message=ChatMessage(role="assistant", content=text), delta=piece)


def _plain(messages: Sequence[Any]) -> list[dict[str, str]]:
    return [{"role": getattr(m.role, "value", str(m.role)), "content": m.content or ""} for m in messages]


def make_llamacpp_generator(settings: Settings) -> ChatGenerator:
    """The ``llamacpp`` backend: the GGUF model of ``ASSISTANT_LLAMACPP_MODEL_PATH``, or the one
    ``assistant prepare --llm`` put in the model dir, loaded once (seconds)."""
    from assistant.generators.packaged_llm import model_path

    path = model_path(settings)
    model = load(path, settings.llamacpp_threads, settings.llamacpp_context)
    chat = LocalChat(model, settings.llm_timeout)
    return ChatGenerator(
        "llamacpp", chat, lambda exc: explain(exc, settings), retries=0, model=model.name
    )


def explain(exc: BaseException, settings: Settings) -> Failure | None:
    if isinstance(exc, ModelTimeout):
        return Failure(
            f"the local model did not finish within ASSISTANT_LLM_TIMEOUT={settings.llm_timeout:g} s "
            "and was stopped: raise the timeout or use a smaller model",
            retryable=False,
        )
    if isinstance(exc, ModelFailure):
        return Failure(f"the local model failed: {exc}", retryable=False)
    return None
