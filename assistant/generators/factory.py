"""Build the configured generator; optional backends fail with the command that installs them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.errors import GeneratorError
from assistant.generators.base import Generator
from assistant.settings import Settings

if TYPE_CHECKING:
    from assistant.engine.retrieve import Retriever


def make_generator(settings: Settings, retriever: Retriever | None = None) -> Generator:
    """The generator ``ASSISTANT_GENERATOR`` names. Language-model backends contact nothing
    here; ``llamacpp`` loads its model file here (once, at start-up)."""
    if settings.generator == "extractive":
        from assistant.generators.extractive import ExtractiveGenerator

        return ExtractiveGenerator(retriever.idf() if retriever else None)
    if settings.generator == "openai":
        from assistant.generators.openai_compat import make_openai_generator

        return make_openai_generator(settings)
    if settings.generator == "ollama":
        from assistant.generators.ollama import make_ollama_generator

        return make_ollama_generator(settings)
    if settings.generator == "llamacpp":
        from assistant.generators.llamacpp import make_llamacpp_generator

        return make_llamacpp_generator(settings)
    raise GeneratorError(
        f"unknown generator {settings.generator!r}: set ASSISTANT_GENERATOR to extractive, openai, ollama or llamacpp"
    )
