"""Split a structured document into passages sized in the embedder's own word pieces.

Passages never cross an article; small neighbouring sections of one article are merged so a
passage is not a lone heading's worth of text. LlamaIndex's ``SentenceSplitter`` does the
sentence-aware cutting, measuring length with the embedder's tokenizer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from index.structure import Section, StructuredDocument

MAX_MODEL_TOKENS = 256  # all-MiniLM-L6-v2 cuts its input here
SEPARATOR = " › "


@dataclass(frozen=True)
class Passage:
    """One retrievable unit: an exact span ``text == doc.text[start:end]`` with its place."""

    id: str
    source: str
    ord: int
    text: str
    section: str | None
    start: int
    end: int
    hash: str
    opens: bool = False  # the first passage of its section (a definition or a lead is here)

    def embedding_text(self, title: str | None = None) -> str:
        """What the embedder sees: the section path gives a passage its topic; a passage under
        no heading takes its document's ``title`` instead, when given."""
        label = self.section or title
        return f"{label}\n{self.text}" if label else self.text


def split_sentences(text: str) -> list[str]:
    """Sentences for the splitter, whitespace kept so they join back into ``text``.

    Our own abbreviation-aware splitter instead of LlamaIndex's default (NLTK punkt): importing
    NLTK pulls in SciPy and cost 1.8 s of a 13 s cold ingest here.
    """
    from index.text import sentence_spans

    cuts = [a for a, _ in sentence_spans(text)][1:]
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


def section_label(path: tuple[str, ...]) -> str | None:
    return SEPARATOR.join(path) if path else None


def split_document(
    doc: StructuredDocument,
    source: str,
    doc_id: str,
    count_tokens: Callable[[str], int],
    chunk_tokens: int = 200,
    overlap: int = 32,
) -> list[Passage]:
    """Cut ``doc`` into passages of at most ``chunk_tokens`` word pieces (header included
    within the model's 256)."""
    from llama_index.core import Document
    from llama_index.core.node_parser import SentenceSplitter

    groups = _group_sections(doc, count_tokens, chunk_tokens)
    passages: list[Passage] = []
    splitters: dict[int, SentenceSplitter] = {}
    for path, start, end in groups:
        label = section_label(path)
        header = count_tokens(label) if label else 0  # all of it: the label is embedded too
        size = max(48, min(chunk_tokens, MAX_MODEL_TOKENS - 2 - header))
        if size not in splitters:
            splitters[size] = SentenceSplitter(
                chunk_size=size,
                chunk_overlap=min(overlap, size // 4),
                tokenizer=lambda s: [0] * count_tokens(s),
                paragraph_separator="\n\n",
                chunking_tokenizer_fn=split_sentences,
                include_metadata=False,
                include_prev_next_rel=False,
            )
        body = doc.text[start:end]
        if not body.strip():
            continue
        nodes = splitters[size].get_nodes_from_documents([Document(text=body)])
        for node in nodes:
            s, e = getattr(node, "start_char_idx", None), getattr(node, "end_char_idx", None)
            if s is None or e is None:  # the splitter could not locate the chunk: find it
                s = body.find(node.get_content()[:40])
                e = s + len(node.get_content()) if s >= 0 else -1
            if s < 0:
                continue
            a, b = start + s, start + e
            text = doc.text[a:b]
            if not text.strip():
                continue
            ordn = len(passages)
            passages.append(
                Passage(
                    id=f"{doc_id}:{ordn:05d}",
                    source=source,
                    ord=ordn,
                    text=text,
                    section=label,
                    start=a,
                    end=b,
                    hash=hashlib.sha1(text.encode()).hexdigest()[:16],
                    opens=not passages or passages[-1].section != label,
                )
            )
    return passages


def _group_sections(
    doc: StructuredDocument, count_tokens: Callable[[str], int], chunk_tokens: int
) -> list[tuple[tuple[str, ...], int, int]]:
    """Merge a short section into the next one of the same article (the span then includes the
    next section's heading line, which is part of the stored text)."""
    sections: list[Section] = doc.sections or [Section((), 0, len(doc.text), 0)]
    groups: list[tuple[tuple[str, ...], int, int]] = []
    current: list[Section] = []
    for sec in sections:
        if current and (
            current[-1].article != sec.article
            or count_tokens(doc.text[current[0].start : current[-1].end]) >= chunk_tokens // 2
        ):
            groups.append((current[0].path, current[0].start, current[-1].end))
            current = []
        current.append(sec)
    if current:
        groups.append((current[0].path, current[0].start, current[-1].end))
    return groups
