"""Splitting: passages are exact spans of the stored text, never cross an article, and fit the
embedder's 256 word pieces (special tokens and the section label included) with the real
tokenizer."""

from __future__ import annotations

import random

import pytest

from index import structure
from index.embed.tokenizer import MAX_TOKENS, load_tokenizer, token_counter
from index.loaders import load_text
from index.split import Passage, split_document
from index.structure import Section, StructuredDocument
from tests.conftest import CORPUS


@pytest.fixture(scope="module")
def count():  # type: ignore[no-untyped-def]
    return token_counter()


@pytest.fixture(scope="module")
def corpus_split(count) -> list[tuple[StructuredDocument, list[Passage]]]:  # type: ignore[no-untyped-def]
    out = []
    for path in sorted(CORPUS.iterdir()):
        doc = structure.parse(load_text(path), path.name)
        out.append((doc, split_document(doc, path.name, path.stem, count)))
    return out


def _model_tokens(text: str) -> int:
    """Word pieces the model sees, [CLS] and [SEP] included."""
    return len(load_tokenizer().encode(text, add_special_tokens=True).ids)


def _article_extents(doc: StructuredDocument) -> list[tuple[int, int]]:
    extents: dict[int, tuple[int, int]] = {}
    for s in doc.sections:
        a, b = extents.get(s.article, (s.start, s.end))
        extents[s.article] = (min(a, s.start), max(b, s.end))
    return sorted(extents.values())


def _check(doc: StructuredDocument, passages: list[Passage], source: str) -> None:
    assert passages
    extents = _article_extents(doc)
    for i, p in enumerate(passages):
        assert p.ord == i and p.source == source
        assert p.text == doc.text[p.start : p.end]  # an exact span: citations point into it
        assert p.text.strip()
        # inside one article (between articles lie the next article's heading lines)
        assert any(a <= p.start and p.end <= b for a, b in extents), (p.section, p.text[:80])
        n = _model_tokens(p.embedding_text())
        assert n <= MAX_TOKENS, (p.id, n)
    assert len({p.id for p in passages}) == len(passages)


def test_corpus_passages_are_exact_spans_within_articles_and_fit_the_model(corpus_split) -> None:  # type: ignore[no-untyped-def]
    total = 0
    for (doc, passages), path in zip(corpus_split, sorted(CORPUS.iterdir()), strict=True):
        _check(doc, passages, path.name)
        total += len(passages)
    assert 300 < total < 800


def test_passages_cover_the_text(corpus_split) -> None:  # type: ignore[no-untyped-def]
    """Every section's text appears in some passage (nothing is silently dropped)."""
    for doc, passages in corpus_split:
        covered = bytearray(len(doc.text))
        for p in passages:
            covered[p.start : p.end] = b"\x01" * (p.end - p.start)
        for s in doc.sections:
            missing = [
                i for i in range(s.start, s.end) if not covered[i] and not doc.text[i].isspace()
            ]
            assert not missing, (s.path, doc.text[missing[0] : missing[0] + 60])


def test_section_label_is_the_path(corpus_split) -> None:  # type: ignore[no-untyped-def]
    doc, passages = corpus_split[1]  # 001
    labels = {p.section for p in passages}
    assert (
        "Horizontal Actions › 6. China Seeks Public Opinions on the Second Amendment to Cybersecurity Law"
        " › 1. Revision of Article 59"
    ) in labels
    p = next(p for p in passages if p.section and p.section.endswith("1. Revision of Article 59"))
    assert p.embedding_text() == f"{p.section}\n{p.text}"
    assert "Article 59" in p.text


def test_ids_are_stable_and_ordered(count) -> None:  # type: ignore[no-untyped-def]
    path = sorted(CORPUS.iterdir())[4]
    doc = structure.parse(load_text(path), path.name)
    a = split_document(doc, path.name, "doc1", count)
    b = split_document(doc, path.name, "doc1", count)
    assert [(p.id, p.start, p.end, p.hash) for p in a] == [
        (p.id, p.start, p.end, p.hash) for p in b
    ]
    assert [p.id for p in a] == [f"doc1:{i:05d}" for i in range(len(a))]


def _words(rng: random.Random, n: int) -> str:
    vocab = [
        "standard", "regulation", "committee", "technical", "national", "certification",
        "cybersecurity", "data", "export", "framework", "implementation", "guidance",
        "interoperability", "conformity", "assessment",
    ]  # fmt: skip
    return " ".join(rng.choice(vocab) for _ in range(n))


def _long_body(rng: random.Random, paragraphs: int) -> str:
    paras = []
    for _ in range(paragraphs):
        paras.append(" ".join(_words(rng, rng.randint(5, 30)).capitalize() + "." for _ in range(8)))
    return "\n\n".join(paras)


@pytest.mark.parametrize("chunk_tokens", [64, 200, 250])
def test_long_section_labels_still_fit_the_model(count, chunk_tokens: int) -> None:  # type: ignore[no-untyped-def]
    """A deep path of long headings is embedded with every passage: the passage must shrink."""
    rng = random.Random(chunk_tokens)
    body = _long_body(rng, 6)
    path = (
        "Horizontal Actions and Cross-Cutting Regulatory Developments",
        "7. China Reconfirmed International Standards as ISO/IEC/ITU Standards Under the Administrative "
        "Measures for the Adoption of International Standards (Revised Edition)",
        "Wang Huowang, Deputy Director-General, Department of Policies and Regulations, State "
        "Administration for Market Regulation",
    )
    doc = StructuredDocument(body, "t", None, [Section(path, 0, len(body), 1)])
    passages = split_document(doc, "x.txt", "x", count, chunk_tokens=chunk_tokens, overlap=16)
    assert count(passages[0].section) > 50
    assert len(passages) > 1
    _check(doc, passages, "x.txt")


def test_articles_never_share_a_passage(count) -> None:  # type: ignore[no-untyped-def]
    """Many tiny articles: each gets its own passages, though together they would fit one."""
    parts: list[str] = []
    sections: list[Section] = []
    pos = 0
    for i in range(12):
        heading = f"Article {i} Heading"
        body = f"Short body number {i} about standards."
        if parts:
            parts.append("\n\n")
            pos += 2
        parts.append(heading + "\n\n")
        pos += len(heading) + 2
        sections.append(Section((heading,), pos, pos + len(body), i))
        parts.append(body)
        pos += len(body)
    doc = StructuredDocument("".join(parts), "t", None, sections)
    passages = split_document(doc, "a.txt", "a", count)
    assert [p.text for p in passages] == [
        f"Short body number {i} about standards." for i in range(12)
    ]
    _check(doc, passages, "a.txt")


def test_small_sections_of_one_article_are_merged(count) -> None:  # type: ignore[no-untyped-def]
    text = "Topic One\n\nIntro.\n\nPart A\n\nAlpha text here.\n\nPart B\n\nBeta text here.\n\nOther\n\nGamma."
    span = {
        t: (text.index(t), text.index(t) + len(t))
        for t in ("Intro.", "Alpha text here.", "Beta text here.", "Gamma.")
    }
    sections = [
        Section(("Topic One",), *span["Intro."], 0),
        Section(("Topic One", "Part A"), *span["Alpha text here."], 0),
        Section(("Topic One", "Part B"), *span["Beta text here."], 0),
        Section(("Other",), *span["Gamma."], 1),
    ]
    doc = StructuredDocument(text, "t", None, sections)
    passages = split_document(doc, "r.md", "r", count)
    assert [p.text for p in passages] == [
        text[span["Intro."][0] : span["Beta text here."][1]],
        "Gamma.",
    ]
    assert passages[0].section == "Topic One"  # the merged span carries its first section's path
    _check(doc, passages, "r.md")


def test_overlap_between_neighbouring_passages(count) -> None:  # type: ignore[no-untyped-def]
    body = _long_body(random.Random(7), 10)
    doc = StructuredDocument(body, "t", None, [Section(("Topic",), 0, len(body), 0)])
    passages = split_document(doc, "o.txt", "o", count, chunk_tokens=100, overlap=25)
    assert len(passages) >= 4
    _check(doc, passages, "o.txt")
    for a, b in zip(passages, passages[1:], strict=False):
        assert not doc.text[a.end : b.start].strip()  # no text falls between passages
        assert b.start > a.start
    assert any(b.start < a.end for a, b in zip(passages, passages[1:], strict=False))
    for p in passages:
        assert count(p.text) <= 100


def test_document_without_sections_is_one_unit(count) -> None:  # type: ignore[no-untyped-def]
    doc = StructuredDocument("Just one short paragraph.", "t", None, [])
    passages = split_document(doc, "s.txt", "s", count)
    assert [(p.text, p.start, p.end, p.section) for p in passages] == [
        ("Just one short paragraph.", 0, 25, None)
    ]


def test_a_passage_knows_whether_it_opens_its_section(count) -> None:  # type: ignore[no-untyped-def]
    body = _long_body(random.Random(3), 8)
    text = body + "\n\nShort other section."
    doc = StructuredDocument(
        text, "t", None,
        [Section(("Topic",), 0, len(body), 0), Section(("Other",), len(body) + 2, len(text), 0)],
    )
    passages = split_document(doc, "s.txt", "s", count, chunk_tokens=100, overlap=0)
    assert len(passages) >= 3
    # the first chunk of each section opens it (a definition, a lead); the later chunks do not
    assert [p.opens for p in passages] == [True] + [False] * (len(passages) - 2) + [True]
