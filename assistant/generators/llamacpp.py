"""A local GGUF model run in-process by llama.cpp, through LlamaIndex's ``LlamaCPP``.

Optional: ``llama-cpp-python`` compiles from source (about 12 minutes here), so it lives in the
``llamacpp`` extra. The model is read from ``ASSISTANT_LLAMACPP_MODEL_PATH`` only; the path is
checked first because ``LlamaCPP`` given no path *downloads* a default model.

The chat is laid out in ChatML (``<|im_start|>role ... <|im_end|>``), the format of the small
instruction-tuned GGUF models that arrive as packages (SmolLM2, Qwen). A model with another
template is better served by llama.cpp's own server and the ``openai`` backend, which applies
the template stored in the GGUF file. There is no timeout: the model runs on this machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.errors import GeneratorError
from assistant.generators.llm import MAX_ANSWER_TOKENS, ChatGenerator, Failure
from assistant.settings import Settings

INSTALL = "install the llamacpp extra: pip install -e '.[llamacpp]'"
CONTEXT_WINDOW = 4096


def make_llamacpp_generator(settings: Settings) -> ChatGenerator:
    """Load the GGUF model named by the settings (seconds to minutes: call once, at start-up)."""
    path = settings.llamacpp_model_path
    if path is None:
        raise GeneratorError(
            "ASSISTANT_GENERATOR=llamacpp needs ASSISTANT_LLAMACPP_MODEL_PATH=/path/to/model.gguf"
        )
    if not path.is_file():
        raise GeneratorError(
            f"ASSISTANT_LLAMACPP_MODEL_PATH={path} is not a file: point it at a .gguf model"
        )
    try:
        from llama_index.llms.llama_cpp import LlamaCPP
    except ImportError as exc:
        raise GeneratorError(f"the llamacpp generator is not installed: {INSTALL}") from exc
    try:
        llm = LlamaCPP(
            model_path=str(path),
            temperature=0.0,
            max_new_tokens=MAX_ANSWER_TOKENS,
            context_window=CONTEXT_WINDOW,
            messages_to_prompt=chatml,
            completion_to_prompt=lambda prompt: chatml_text([("user", prompt)]),
            generate_kwargs={"stop": ["<|im_end|>"]},
            verbose=False,
        )
    except (ValueError, RuntimeError, OSError) as exc:
        raise GeneratorError(
            f"cannot load the model at ASSISTANT_LLAMACPP_MODEL_PATH={path}: {exc}"
        ) from exc
    return ChatGenerator("llamacpp", llm, explain, retries=0)


def chatml(messages: Sequence[Any]) -> str:
    """LlamaIndex chat messages as one ChatML prompt ending where the assistant speaks."""
    return chatml_text([(m.role.value, m.content or "") for m in messages])


def chatml_text(turns: Sequence[tuple[str, str]]) -> str:
    body = "".join(f"<|im_start|>{role}\n{content}<|im_end|>\n" for role, content in turns)
    return body + "<|im_start|>assistant\n"


def explain(exc: BaseException) -> Failure | None:
    if isinstance(exc, ValueError | RuntimeError):
        # llama.cpp raises ValueError when the prompt exceeds the context window
        return Failure(f"the local model failed: {exc}", retryable=False)
    return None
