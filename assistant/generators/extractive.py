"""The default generator: no language model. It answers with the answer units of the sources
that best answer the question (a sentence, a list with its items, a table row with its header,
a code block), each followed by its citation marker; see :mod:`assistant.engine`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence

from assistant.engine.citations import Source
from assistant.engine.compose import choose, compose
from assistant.engine.query import analyse
from assistant.engine.select import Selector
from assistant.generators.base import Draft
from assistant.models import Message


class ExtractiveGenerator:
    """Composes answers from source units; deterministic and fast (a few ms). The service runs
    the engine's stages itself and only asks this generator to stream; ``generate`` serves a
    caller that has nothing but sources (their sentences are the units)."""

    name = "extractive"

    def __init__(self, idf: Mapping[str, float] | None = None) -> None:
        self.selector = Selector(idf)

    def generate(self, question: str, sources: Sequence[Source], history: Sequence[Message] = ()) -> Draft:
        q = analyse(question)
        chosen = choose(q, self.selector.candidates(q, sources))
        return Draft(compose(chosen).text) if chosen else Draft("", abstained=True)

    def stream(self, question: str, sources: Sequence[Source], history: Sequence[Message] = ()) -> Iterator[str]:
        yield from self.pieces(self.generate(question, sources, history).text)

    @staticmethod
    def pieces(text: str) -> Iterator[str]:
        """An answer in streamable pieces: one cited unit each."""
        for piece in re.split(r"(?<=\])\s", text):
            if piece:
                yield piece + " "
