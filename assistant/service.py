"""The assistant: one question through the answer engine's stages.

analyse (standalone query -> :class:`Query`) -> retrieve -> rerank -> select (answer units) ->
check (constraints, kind, evidence) -> compose (no model) or generate (a language model) ->
verified citations. A question in two parts goes through retrieve..check once per part, and
the answer cites both.

``Assistant.from_settings(settings)`` loads everything once (embedder, store, keyword index);
``ask`` is then cheap and thread-safe for reads. Every face (CLI, HTTP API, UI, evaluation)
calls this one path.
"""

from __future__ import annotations

import queue
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Literal

from assistant.conversation.followups import (
    POINTS_AT_ANSWER,
    Standalone,
    from_rewrite,
    needs_context,
    resolve,
)
from assistant.engine import citations
from assistant.engine.check import Evidence, assess, should_abstain
from assistant.engine.citations import Source
from assistant.engine.compose import choose, compose
from assistant.engine.query import Query, analyse, subjects
from assistant.engine.retrieve import Hit, Retriever
from assistant.engine.select import Candidate, Selector, sentence_units
from assistant.errors import IndexNotBuiltError
from assistant.generators.base import Condenser, Draft, Generator
from assistant.generators.extractive import ExtractiveGenerator
from assistant.generators.llm import could_be_refusal, to_draft
from assistant.generators.prompts import load_prompt
from assistant.generators.verify import Embed, Verification, verify, verify_draft
from assistant.models import Answer, Citation, Message, Timings
from assistant.settings import Settings
from index.catalog import Catalog
from index.text import sentence_spans, terms
from index.units import PassageUnit

RELATED = 3

StreamEvent = tuple[Literal["delta"], str] | tuple[Literal["answer"], Answer]
# set only inside ask_stream's worker thread: where the draft's text goes as it is generated,
# and whether only verified, renumbered sentences may go there
_STREAM_SINK: ContextVar[Callable[[str], None] | None] = ContextVar("stream_sink", default=None)
_STREAM_VERIFIED: ContextVar[bool] = ContextVar("stream_verified", default=False)


@dataclass
class Part:
    """One (sub-)question through retrieve, select and check."""

    query: Query
    hits: list[Hit]
    sources: list[Source]
    ranked: list[Candidate]
    evidence: Evidence
    abstain: bool


@dataclass
class Trace:
    """What happened inside one answer (for the evaluation and debugging)."""

    hits: list[Hit]
    evidence: Evidence
    parts: list[Part]


class Assistant:
    """Answers questions about one collection."""

    last_verification: Verification | None = None

    def __init__(self, settings: Settings, catalog: Catalog, retriever: Retriever, generator: Generator) -> None:
        self.settings = settings
        self.catalog = catalog
        self.retriever = retriever
        self.generator = generator
        self.documents = {d.source: d for d in catalog.documents()}
        self.titles = {d.source: d.title for d in self.documents.values()}
        self._leads: dict[str, str | None] = {}  # each document's framing lead paragraph, read once
        self._texts: dict[str, str] = {}  # whole document texts, where a question's names are looked up
        self.selector = generator.selector if isinstance(generator, ExtractiveGenerator) else Selector(retriever.idf())
        self.refusal = load_prompt("refusal")
        self.not_found = load_prompt("part_not_found")
        self.last_trace: Trace | None = None
        self.version = 0  # the catalog's commit counter when this state was loaded

    @classmethod
    def from_settings(cls, settings: Settings, generator: Generator | None = None, like: Assistant | None = None) -> Assistant:
        """Open the collection and load the models once. Raises :class:`IndexNotBuiltError`.
        ``like``: an assistant on an older state of the collection whose embedder (and language
        model, which does not depend on the collection) are taken over instead of loaded again."""
        if not settings.catalog_path.exists():
            raise IndexNotBuiltError(f"no index at {settings.data_dir}: run `assistant ingest` first")
        catalog = Catalog(settings.catalog_path)
        version = catalog.version()  # read first: a change committed while loading is seen next time
        if not catalog.documents():
            raise IndexNotBuiltError(f"the index at {settings.data_dir} is empty: run `assistant ingest` first")
        from index.embed.factory import make_embedder
        from index.pipeline import keyword_index
        from index.store.chroma import open_store

        store = open_store(settings.index)  # first: an unreachable Chroma server fails before a model loads
        embedder = like.retriever.embedder if like is not None else make_embedder(settings.index)
        retriever = Retriever(catalog, store, keyword_index(settings.index, catalog), embedder, settings.candidates)
        if settings.rerank:
            from assistant.engine.rerank import Reranker

            retriever.reranker = Reranker(retriever.idf())
        if generator is None and like is not None and like.generator.name != "extractive":
            generator = like.generator  # a language model knows nothing of the collection
        if generator is None:
            from assistant.generators.factory import make_generator

            generator = make_generator(settings, retriever)
        bot = cls(settings, catalog, retriever, generator)
        bot.version = version
        return bot

    def analyse(self, question: str, history: Sequence[Message] = ()) -> Query:
        """Stage 0: the question, made standalone, analysed once, with its vector (a question in
        parts gets one vector per part, in :meth:`_parts`, as each part is asked)."""
        turn = self.standalone(question, history)
        q = analyse(turn.query, carried=turn.carried_terms(), asked=turn.question)
        return q if q.parts else q.with_vector(self.retriever.embed_query(q.text))

    def ask(self, question: str, history: Sequence[Message] = (), top_k: int | None = None) -> Answer:
        started = time.perf_counter()
        q = self.analyse(question, history)
        k = top_k or self.settings.top_k
        parts = self._parts(q, k)
        retrieved = time.perf_counter()
        self.last_trace = Trace(parts[0].hits, parts[0].evidence, parts)
        sources, offsets = _merge_sources(parts)
        if not isinstance(self.generator, ExtractiveGenerator):
            # a model reads the selected evidence first, and is shown which units of each
            # passage the select stage chose
            sources = _with_evidence(parts, _by_best_unit(parts, sources), self.selector.idf)
        text, abstained = "", True
        cited: list[Citation] = []
        if any(not p.abstain for p in parts):
            draft, used = self._draft(q, parts, sources, offsets, history)
            if not draft.abstained:
                text, cited = citations.resolve(draft.text, sources, used)
                abstained = not cited
        related: list[Citation] = []
        if abstained:
            text = self.refusal.render(question=question.strip())
            related = [citations.to_citation(n, s) for n, s in enumerate(parts[0].sources[:RELATED], 1)]
        done = time.perf_counter()
        return Answer(
            answer=text,
            abstained=abstained,
            citations=cited,
            query=q.text,
            timings_ms=Timings(
                retrieve=round((retrieved - started) * 1000, 2),
                generate=round((done - retrieved) * 1000, 2),
                total=round((done - started) * 1000, 2),
            ),
            related=related,
        )

    def _source(self, hit: Hit) -> Source:
        doc = self.documents.get(hit.passage.source)
        src = hit.passage.source
        if src not in self._leads:
            self._leads[src] = self.catalog.lead(src)
        return Source(hit.passage, doc.title if doc else src, hit.score, doc.date if doc else None, lead=self._leads[src])

    def _document_text(self, source: str) -> str:
        """A document's whole text, read once per loaded state of the collection (a changed
        collection is served by a new :class:`Assistant`)."""
        if source not in self._texts:
            self._texts[source] = self.catalog.document_text(source) or ""
        return self._texts[source]

    def _parts(self, q: Query, k: int) -> list[Part]:
        """Stages 1-4 for the question, or for each of its parts in turn: a later part that
        points at what the first one answered ("..., and what does that function return?")
        is asked with the names that answer gave (``math.gcd()``); one that speaks of the first
        part's subject by a pronoun is not answered when that subject is missing."""
        if not q.parts:
            return [self._part(q, k)]
        parts = [self._part(q.parts[0].with_vector(self.retriever.embed_query(q.parts[0].text)), k)]
        for p in q.parts[1:]:
            given = _answered_names(parts[0]) if POINTS_AT_ANSWER.search(p.asked) else []
            if given:
                p = analyse(f"{p.text} ({' '.join(given)})", carried=p.carried | frozenset(terms(" ".join(given))), asked=p.asked)
            part = self._part(p.with_vector(self.retriever.embed_query(p.text)), k)
            if parts[0].evidence.missing and _REFERS_BACK.search(p.asked) and not subjects(p.asked):
                # "How do I use base64.z85encode(), and which alphabet does it use?": what "it"
                # is the documents do not have, so nothing they say about an "it" answers
                evidence = replace(part.evidence, missing=part.evidence.missing + parts[0].evidence.missing)
                part = replace(part, evidence=evidence, abstain=True)
            parts.append(part)
        return parts

    def _part(self, q: Query, k: int) -> Part:
        """Stages 1-4 for one (sub-)question: retrieve and rerank, select units, check them."""
        hits, fused = self.retriever.retrieve_both(q, k)
        sources = [self._source(h) for h in hits]
        stored = self.catalog.units([s.passage.id for s in sources])

        def units_of(src: Source) -> Sequence[PassageUnit]:
            return stored.get(src.passage.id) or sentence_units(src)

        ranked = self.selector.candidates(q, sources, units_of)
        named = [self._document_text(d) for d in dict.fromkeys(h.passage.source for h in fused)] if q.names or q.proper or q.subjects else []
        evidence, ranked = assess(q, fused, ranked, sources, self.selector.vocabulary, self.selector.idf, named)
        abstain = not sources or should_abstain(evidence, self.settings.abstain_threshold)
        return Part(q, hits, sources, ranked, evidence, abstain)

    def ask_stream(
        self, question: str, history: Sequence[Message] = (), top_k: int | None = None, verified: bool = False
    ) -> Iterator[StreamEvent]:
        """:meth:`ask`, streamed for a chat UI or an SSE endpoint: ``("delta", text)`` pieces of
        the generator's draft as they arrive, then one ``("answer", Answer)``.

        The deltas are the *unverified* draft (a refusal token is never sent); the final answer
        is authoritative: verified, markers renumbered, or the refusal with related passages.
        A UI shows the deltas while they come and then replaces them with ``answer.answer``.
        ``verified``: send only what the final answer keeps, each sentence once it is complete,
        checked against its sources and renumbered, so the deltas add up to ``answer.answer``
        (for a client that cannot take back what it has shown, such as an OpenAI SDK stream).
        Errors (e.g. :class:`GeneratorError`) are raised from the iterator, as from ``ask``.

        >>> for kind, value in bot.ask_stream("How many standards?"):  # doctest: +SKIP
        ...     print(value if kind == "delta" else value.model_dump_json())
        """
        events: queue.Queue[tuple[str, object]] = queue.Queue()

        def work() -> None:
            # a new thread starts with an empty context: the sink is seen by this ask only
            _STREAM_SINK.set(lambda piece: events.put(("delta", piece)))
            _STREAM_VERIFIED.set(verified)
            try:
                events.put(("answer", self.ask(question, history, top_k)))
            except BaseException as exc:  # handed to the consumer, raised there
                events.put(("error", exc))

        threading.Thread(target=work, name="ask-stream", daemon=True).start()
        sent = ""
        while True:
            kind, value = events.get()
            if kind == "error":
                assert isinstance(value, BaseException)
                raise value
            if kind == "delta":
                assert isinstance(value, str)
                sent += value
                yield ("delta", value)
            else:
                assert isinstance(value, Answer)
                # what the verified stream has not sent yet: all of an extractive answer or of
                # a refusal, nothing of a model's answer whose sentences all went out
                if verified and value.answer.startswith(sent.strip()) and value.answer != sent.strip():
                    rest = value.answer[len(sent.strip()):]
                    for piece in re.findall(r"\S+\s*|\s+", rest if sent else rest.lstrip()):
                        yield ("delta", piece)
                yield ("answer", value)
                return

    def standalone(self, question: str, history: Sequence[Message]) -> Standalone:
        """The question made standalone: by the language model's condense prompt when the
        generator has one and the question leans on the conversation, else deterministically."""
        if not isinstance(self.generator, Condenser) or not history or not needs_context(question):
            return resolve(question, history)
        return from_rewrite(question, self.generator.condense(question, history))

    def _draft(
        self, q: Query, parts: Sequence[Part], sources: Sequence[Source], offsets: Sequence[dict[int, int]],
        history: Sequence[Message],
    ) -> tuple[Draft, dict[int, list[PassageUnit]]]:
        """Stage 5: the answer draft and the units each source contributed. Without a model it is
        composed from the checked units of each answerable part (a part the documents do not
        answer is said to be missing); a language model's draft is verified against its
        sources. Inside :meth:`ask_stream` the text is streamed too."""
        sink = _STREAM_SINK.get()
        if isinstance(self.generator, ExtractiveGenerator):
            chosen: list[Candidate] = []
            missing: list[str] = []
            for part, remap in zip(parts, offsets, strict=True):
                if part.abstain:
                    missing.append(part.query.asked)
                    continue
                chosen += [_renumbered(c, remap[c.source]) for c in choose(part.query, part.ranked, self.selector.idf, part.evidence.together)]
            chosen = _once(chosen)
            composed = compose(chosen, {n: s.passage.section or s.title for n, s in enumerate(sources, 1)},
                               signatures=any(p.query.signature for p in parts))
            text = composed.text
            if missing and len(parts) > 1:
                text += "\n\n" + " ".join(self.not_found.render(question=m) for m in missing)
            draft = Draft(text)
            if sink is not None and not _STREAM_VERIFIED.get():  # a verified stream sends the final text
                for piece in self.generator.pieces(draft.text):
                    sink(piece)
            return draft, composed.used
        if sink is None:
            draft = self.generator.generate(q.text, sources, history)
        elif _STREAM_VERIFIED.get():
            relay = _VerifiedRelay(sources, self.retriever.embedder.embed, sink)
            draft = to_draft(relay.run(self.generator.stream(q.text, sources, history)))
        else:
            draft = to_draft(_relay(self.generator.stream(q.text, sources, history), sink))
        draft, self.last_verification = verify_draft(draft, sources, self.retriever.embedder.embed)
        return draft, {}


# a later part that speaks of the first part's subject by a pronoun
_REFERS_BACK = re.compile(r"\b(?:it|its|they|their|them|he|she|his|her|him)\b", re.IGNORECASE)


def _answered_names(part: Part) -> list[str]:
    """The name the first part's chosen unit gives that its question did not (``math.gcd``)."""
    if part.abstain or not part.ranked:
        return []
    asked = set(subjects(part.query.asked))
    best = part.ranked[0].unit
    # what the unit says before what it is read under: under "class fractions.Fraction", "The
    # math.gcd() function is now used ..." gives math.gcd as "that function"
    said = subjects(best.text) + (subjects(best.head) if best.head else [])
    return [n for n in dict.fromkeys(said) if n not in asked][:1]  # "that function": one


def _merge_sources(parts: Sequence[Part]) -> tuple[list[Source], list[dict[int, int]]]:
    """The sources of every answerable part in one numbering (a passage once), and for each
    part how its own source numbers map into it."""
    merged: list[Source] = []
    index: dict[str, int] = {}
    offsets: list[dict[int, int]] = []
    for part in parts:
        remap: dict[int, int] = {}
        if not part.abstain or len(parts) == 1:
            for n, src in enumerate(part.sources, 1):
                if src.passage.id not in index:
                    merged.append(src)
                    index[src.passage.id] = len(merged)
                remap[n] = index[src.passage.id]
        offsets.append(remap)
    return merged, offsets


def _by_best_unit(parts: Sequence[Part], sources: Sequence[Source]) -> list[Source]:
    """Sources ordered by the score of the best answer unit the select stage found in them
    (numbered as they will be cited), those with none after, in retrieval order."""
    best: dict[str, float] = {}
    for part in parts:
        for c in part.ranked:
            pid = part.sources[c.source - 1].passage.id
            best[pid] = max(best.get(pid, float("-inf")), c.score)
    order = sorted(range(len(sources)), key=lambda i: (-best.get(sources[i].passage.id, float("-inf")), i))
    return [sources[i] for i in order]


def _with_evidence(parts: Sequence[Part], sources: Sequence[Source], weigh: Callable[[str], float]) -> list[Source]:
    """Each source with the units :func:`choose` picked from it for any answerable part."""
    picked: dict[str, list[str]] = {}
    for part in parts:
        if part.abstain:
            continue
        for c in choose(part.query, part.ranked, weigh, part.evidence.together):
            texts = picked.setdefault(part.sources[c.source - 1].passage.id, [])
            if c.text not in texts:
                texts.append(c.text)
    return [replace(s, evidence=tuple(picked.get(s.passage.id, ()))) for s in sources]


class _VerifiedRelay:
    """A model's streamed draft passed on sentence by sentence, each once it is complete and
    only as the final answer will hold it: checked against the sources it cites (the verifier
    judges every sentence on its own) and renumbered in order of first use."""

    def __init__(self, sources: Sequence[Source], embed: Embed, sink: Callable[[str], None]) -> None:
        self.sources, self.embed, self.sink = sources, embed, sink
        self.kept: list[str] = []
        self.sent = ""

    def run(self, pieces: Iterator[str]) -> str:
        text, done = "", 0
        for piece in pieces:
            text += piece
            spans = sentence_spans(text)
            for a, b in spans[:-1]:  # the last sentence may still be growing
                if a >= done:
                    self._take(text[a:b])
                    done = b
        for a, b in sentence_spans(text):
            if a >= done:
                self._take(text[a:b])
        return text

    def _take(self, sentence: str) -> None:
        checked = verify(sentence, self.sources, self.embed)
        if checked.abstained:
            return
        self.kept.append(checked.text)
        rewritten, _ = citations.resolve(" ".join(self.kept), self.sources)
        if rewritten.startswith(self.sent):
            piece, self.sent = rewritten[len(self.sent):], rewritten
            if piece.strip():
                self.sink(piece)


def _once(chosen: Sequence[Candidate]) -> list[Candidate]:
    """The units of every part, a unit two parts both chose quoted once (where first chosen)."""
    seen: set[tuple[int, int, int]] = set()
    out = []
    for c in chosen:
        key = (c.source, c.unit.start, c.unit.end)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def _renumbered(c: Candidate, source: int) -> Candidate:
    return replace(c, source=source)


def _relay(pieces: Iterator[str], sink: Callable[[str], None]) -> str:
    """Pass streamed pieces on while collecting them; hold back what may be a refusal token."""
    text, sent = "", 0
    for piece in pieces:
        text += piece
        if not could_be_refusal(text):
            sink(text[sent:])
            sent = len(text)
    return text
