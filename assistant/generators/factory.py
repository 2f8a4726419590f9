"""Build the configured generator; optional backends fail with the command that installs them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.errors import GeneratorError
from assistant.generators.base import Generator
from assistant.settings import Settings

if TYPE_CHECKING:
    from assistant.retrieval import Retriever


def make_generator(settings: Settings, retriever: Retriever | None = None) -> Generator:
    if settings.generator == "extractive":
        from assistant.generators.extractive import ExtractiveGenerator
        from assistant.service import retriever_idf

        return ExtractiveGenerator(retriever_idf(retriever) if retriever else None)
    raise GeneratorError(f"generator {settings.generator!r} is not available yet; use ASSISTANT_GENERATOR=extractive")
