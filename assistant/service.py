"""The assistant: standalone query -> hybrid retrieval -> generation -> verified citations.

``Assistant.from_settings(settings)`` loads everything once (embedder, store, keyword index);
``ask`` is then cheap and thread-safe for reads. Every face (CLI, HTTP API, UI, evaluation)
calls this one path.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

from assistant import citations
from assistant.abstain import Evidence, assess, should_abstain
from assistant.citations import Source
from assistant.conversation import Standalone, from_rewrite, needs_context, resolve
from assistant.errors import IndexNotBuiltError
from assistant.generators.base import Condenser, Draft, Generator
from assistant.generators.extractive import Candidate, ExtractiveGenerator
from assistant.generators.llm import could_be_refusal, to_draft
from assistant.generators.verify import Verification, verify_draft
from assistant.models import Answer, Citation, Message, Timings
from assistant.prompts import load_prompt
from assistant.question import Question, analyse
from assistant.retrieval import Hit, Retriever
from assistant.settings import Settings
from index.catalog import Catalog

RELATED = 3

StreamEvent = tuple[Literal["delta"], str] | tuple[Literal["answer"], Answer]
# set only inside ask_stream's worker thread: where the draft's text goes as it is generated
_STREAM_SINK: ContextVar[Callable[[str], None] | None] = ContextVar("stream_sink", default=None)


@dataclass
class Trace:
    """What happened inside one answer (for the evaluation and debugging)."""

    hits: list[Hit]
    evidence: Evidence


class Assistant:
    """Answers questions about one collection."""

    last_verification: Verification | None = None

    def __init__(self, settings: Settings, catalog: Catalog, retriever: Retriever, generator: Generator) -> None:
        self.settings = settings
        self.catalog = catalog
        self.retriever = retriever
        self.generator = generator
        self.titles = {d.source: d.title for d in catalog.documents()}
        self._extractive = generator if isinstance(generator, ExtractiveGenerator) else ExtractiveGenerator(retriever.idf())
        self.refusal = load_prompt("refusal")
        self.last_trace: Trace | None = None

    @classmethod
    def from_settings(cls, settings: Settings, generator: Generator | None = None) -> Assistant:
        """Open the collection and load the models once. Raises :class:`IndexNotBuiltError`."""
        if not settings.catalog_path.exists():
            raise IndexNotBuiltError(f"no index at {settings.data_dir}: run `assistant ingest` first")
        catalog = Catalog(settings.catalog_path)
        if not catalog.documents():
            raise IndexNotBuiltError(f"the index at {settings.data_dir} is empty: run `assistant ingest` first")
        from index.embed.factory import make_embedder
        from index.pipeline import keyword_index
        from index.store.chroma import open_store

        retriever = Retriever(
            catalog, open_store(settings), keyword_index(settings, catalog), make_embedder(settings), settings.candidates
        )
        if settings.rerank:
            from assistant.rerank import Reranker

            retriever.reranker = Reranker(retriever.idf())
        if generator is None:
            from assistant.generators.factory import make_generator

            generator = make_generator(settings, retriever)
        return cls(settings, catalog, retriever, generator)

    def ask(self, question: str, history: Sequence[Message] = (), top_k: int | None = None) -> Answer:
        started = time.perf_counter()
        turn = self.standalone(question, history)
        query = turn.query
        k = top_k or self.settings.top_k
        hits, fused = self.retriever.retrieve_both(query, k)
        retrieved = time.perf_counter()
        sources = [Source(h.passage, self.titles.get(h.passage.source, h.passage.source), h.score) for h in hits]
        q = analyse(query, carried=turn.carried_terms(), asked=question)
        ranked = self._extractive.candidates(q, sources)
        evidence = assess(q, fused, [(c.text, c.coverage) for c in ranked], self._extractive.vocabulary, self._extractive.idf)
        self.last_trace = Trace(hits, evidence)
        text, abstained = "", True
        cited: list[Citation] = []
        if sources and not should_abstain(evidence, self.settings.abstain_threshold):
            draft = self._draft(q, ranked, sources, history)
            if not draft.abstained:
                text, cited = citations.resolve(draft.text, sources)
                abstained = not cited
        related: list[Citation] = []
        if abstained:
            text = self.refusal.render(question=question.strip())
            related = [citations.to_citation(n, s) for n, s in enumerate(sources[:RELATED], 1)]
        done = time.perf_counter()
        return Answer(
            answer=text,
            abstained=abstained,
            citations=cited,
            query=query,
            timings_ms=Timings(
                retrieve=round((retrieved - started) * 1000, 2),
                generate=round((done - retrieved) * 1000, 2),
                total=round((done - started) * 1000, 2),
            ),
            related=related,
        )

    def ask_stream(
        self, question: str, history: Sequence[Message] = (), top_k: int | None = None
    ) -> Iterator[StreamEvent]:
        """:meth:`ask`, streamed for a chat UI or an SSE endpoint: ``("delta", text)`` pieces of
        the generator's draft as they arrive, then one ``("answer", Answer)``.

        The deltas are the *unverified* draft (a refusal token is never sent); the final answer
        is authoritative: verified, markers renumbered, or the refusal with related passages.
        A UI shows the deltas while they come and then replaces them with ``answer.answer``.
        Errors (e.g. :class:`GeneratorError`) are raised from the iterator, as from ``ask``.

        >>> for kind, value in bot.ask_stream("How many standards?"):  # doctest: +SKIP
        ...     print(value if kind == "delta" else value.model_dump_json())
        """
        events: queue.Queue[tuple[str, object]] = queue.Queue()

        def work() -> None:
            # a new thread starts with an empty context: the sink is seen by this ask only
            _STREAM_SINK.set(lambda piece: events.put(("delta", piece)))
            try:
                events.put(("answer", self.ask(question, history, top_k)))
            except BaseException as exc:  # handed to the consumer, raised there
                events.put(("error", exc))

        threading.Thread(target=work, name="ask-stream", daemon=True).start()
        while True:
            kind, value = events.get()
            if kind == "error":
                assert isinstance(value, BaseException)
                raise value
            if kind == "delta":
                assert isinstance(value, str)
                yield ("delta", value)
            else:
                assert isinstance(value, Answer)
                yield ("answer", value)
                return

    def standalone(self, question: str, history: Sequence[Message]) -> Standalone:
        """The question made standalone: by the language model's condense prompt when the
        generator has one and the question leans on the conversation, else deterministically."""
        if not isinstance(self.generator, Condenser) or not history or not needs_context(question):
            return resolve(question, history)
        return from_rewrite(question, self.generator.condense(question, history))

    def _draft(
        self, q: Question, ranked: Sequence[Candidate], sources: Sequence[Source], history: Sequence[Message]
    ) -> Draft:
        """The generator's draft; a language model's is verified against its sources (an
        extractive draft quotes them, from the candidates already ranked for the abstention
        check). Inside :meth:`ask_stream` the text is streamed too."""
        sink = _STREAM_SINK.get()
        if isinstance(self.generator, ExtractiveGenerator):
            draft = self.generator.draft(q, ranked)
            if sink is not None:
                for piece in self.generator.pieces(draft.text):
                    sink(piece)
            return draft
        if sink is None:
            draft = self.generator.generate(q.text, sources, history)
        else:
            draft = to_draft(_relay(self.generator.stream(q.text, sources, history), sink))
        draft, self.last_verification = verify_draft(draft, sources, self.retriever.embedder.embed)
        return draft


def _relay(pieces: Iterator[str], sink: Callable[[str], None]) -> str:
    """Pass streamed pieces on while collecting them; hold back what may be a refusal token."""
    text, sent = "", 0
    for piece in pieces:
        text += piece
        if not could_be_refusal(text):
            sink(text[sent:])
            sent = len(text)
    return text
