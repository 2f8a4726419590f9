"""Domain errors raised inside the assistant and translated at the edges (CLI, HTTP, UI)."""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: the message says what went wrong and what to do."""


class DocumentError(AssistantError):
    """A document could not be read or is unusable; names the file and the problem."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


class IndexNotBuiltError(AssistantError):
    """No collection has been ingested yet."""


class StoreError(AssistantError):
    """The vector store cannot be reached or is inconsistent."""


class EmbedderError(AssistantError):
    """The embedding model cannot be loaded."""


class GeneratorError(AssistantError):
    """A language model backend failed (missing package, unreachable endpoint, timeout)."""


class ConfigError(AssistantError):
    """A setting or prompt template is invalid."""


class BusyError(AssistantError):
    """Another writer (an ingest, an upload, a deletion) holds the collection; names it."""
