"""The errors documents-in raises. Each message names the file, folder or service and says what
to do. The assistant re-exports them (``assistant.errors``) and its faces translate them."""

from __future__ import annotations


class CollectionError(Exception):
    """Base class of documents-in's errors: the message says what went wrong and what to do."""


class DocumentError(CollectionError):
    """A document could not be read or is unusable; names the file and the problem."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


class StoreError(CollectionError):
    """The vector store cannot be reached, cannot be written, or is inconsistent."""


class EmbedderError(CollectionError):
    """The embedding model cannot be loaded."""


class BusyError(CollectionError):
    """Another writer (an ingest, an upload, a deletion) holds the collection; names it."""
