"""The generator interface: numbered sources in, answer text with ``[n]`` markers out."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from assistant.engine.citations import Source
from assistant.models import Message


@dataclass(frozen=True)
class Draft:
    """A generator's answer before verification: ``text`` cites sources as ``[n]`` (1-based)."""

    text: str
    abstained: bool = False


class Generator(Protocol):
    """Writes an answer to ``question`` from ``sources`` only."""

    name: str

    def generate(self, question: str, sources: Sequence[Source], history: Sequence[Message]) -> Draft: ...

    def stream(self, question: str, sources: Sequence[Source], history: Sequence[Message]) -> Iterator[str]: ...


@runtime_checkable
class Condenser(Protocol):
    """A generator that can rewrite a follow-up as a standalone question (a language model);
    without one the deterministic rewrite of :mod:`assistant.conversation.followups` is used."""

    def condense(self, question: str, history: Sequence[Message]) -> str: ...
