"""The verifier keeps only sentences that a cited source backs, lexically and semantically
(with the real embedder: similarity is the point of the check)."""

from __future__ import annotations

import pytest

from assistant.engine.citations import Source
from assistant.generators.base import Draft
from assistant.generators.verify import verify, verify_draft
from index.split import Passage

STANDARDS = (
    "According to data released by the State Administration for Market Regulation (SAMR), during the "
    "14th Five-Year period, China led the development of 1,079 international standards and promoted "
    "mutual recognition of more than 500 standards with other countries. These figures reflect "
    "China's growing voice and technical leadership in the global standardization system."
)
RAILWAYS = (
    "Chinese standards have been widely applied across international infrastructure projects. For "
    "example, Chinese standards were adopted in eight international railway projects, including the "
    "China-Laos Railway."
)
pytestmark = pytest.mark.slow  # the real embedder

GOOD = "China led the development of 1,079 international standards during the 14th Five-Year period"


def source(text: str, name: str) -> Source:
    return Source(
        Passage(name, f"{name}.txt", 0, text, None, 0, len(text), name), name.title(), 1.0
    )


@pytest.fixture(scope="module")
def embed(assistant_bot):  # type: ignore[no-untyped-def]
    return assistant_bot.retriever.embedder.embed


@pytest.fixture()
def sources() -> list[Source]:
    return [source(STANDARDS, "standards"), source(RAILWAYS, "railways")]


def test_a_supported_sentence_is_kept_with_its_marker(sources, embed) -> None:  # type: ignore[no-untyped-def]
    checked = verify(f"{GOOD} [1].", sources, embed)
    assert checked.text == f"{GOOD}. [1]"
    assert not checked.dropped and not checked.abstained
    assert checked.kept[0].lexical >= 0.6 and checked.kept[0].semantic >= 0.55


def test_sentences_without_a_usable_marker_are_dropped(sources, embed) -> None:  # type: ignore[no-untyped-def]
    checked = verify(
        f"{GOOD} [1]. Standards matter a great deal. Railways were built [9].", sources, embed
    )
    assert checked.text == f"{GOOD}. [1]"
    assert [c.reason for c in checked.dropped] == ["no citation", "marker points at no source"]


@pytest.mark.parametrize(
    "claim",
    [
        "China did not lead any international standards during the 14th Five-Year period",  # negation
        "The Jakarta-Bandung railway was built by Japanese engineers in 1850",  # not in the passage
        "Chinese standards were adopted in eight international railway projects",  # other passage
    ],
)
def test_a_claim_its_source_does_not_support_is_dropped(sources, embed, claim: str) -> None:  # type: ignore[no-untyped-def]
    checked = verify(f"{GOOD} [1]. {claim} [1].", sources, embed)
    assert checked.text == f"{GOOD}. [1]"
    assert len(checked.dropped) == 1
    assert checked.dropped[0].reason == "not supported by its sources"


def test_a_marker_of_a_source_that_does_not_back_the_sentence_is_removed(sources, embed) -> None:  # type: ignore[no-untyped-def]
    checked = verify(f"{GOOD} [1][2].", sources, embed)
    assert checked.kept[0].backing == (1,)
    assert checked.text == f"{GOOD}. [1]"


def test_a_sentence_joining_two_sources_is_backed_by_the_pair(sources, embed) -> None:  # type: ignore[no-untyped-def]
    claim = "China led 1,079 international standards and its standards were used in eight international railway projects"
    checked = verify(f"{claim} [1][2].", sources, embed)
    assert checked.kept and checked.kept[0].backing == (1, 2)


def test_a_draft_with_nothing_supported_becomes_an_abstention(sources, embed) -> None:  # type: ignore[no-untyped-def]
    draft, checked = verify_draft(
        Draft("Bananas are the main export of China [1]. Nothing else."), sources, embed
    )
    assert draft.abstained and draft.text == ""
    assert len(checked.dropped) == 2


def test_an_abstained_draft_passes_through(sources, embed) -> None:  # type: ignore[no-untyped-def]
    draft, checked = verify_draft(Draft("", abstained=True), sources, embed)
    assert draft.abstained and checked.checks == []
