"""Domain errors raised inside the assistant and translated at the edges (CLI, HTTP, UI).

Documents-in raises its own (:mod:`index.errors`, re-exported here); a face catches both
families with ``except DomainError``.
"""

from __future__ import annotations

from index.errors import BusyError, CollectionError, DocumentError, EmbedderError, StoreError

__all__ = [
    "AssistantError", "BusyError", "CollectionError", "ConfigError", "DocumentError", "DomainError",
    "EmbedderError", "GeneratorError", "IndexNotBuiltError", "StoreError",
]


class AssistantError(Exception):
    """Base class of the answering side's errors: the message says what went wrong and what to do."""


class IndexNotBuiltError(AssistantError):
    """No collection has been ingested yet."""


class GeneratorError(AssistantError):
    """A language model backend failed (missing package, unreachable endpoint, timeout)."""


class ConfigError(AssistantError):
    """A setting or prompt template is invalid."""


DomainError = (AssistantError, CollectionError)
"""Every error with a message meant for the user; what the faces catch."""
