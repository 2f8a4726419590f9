"""The evaluation set is well formed and every evidence span is really in its document."""

from __future__ import annotations

import collections
import json

import pytest

from eval.dataset import DatasetError, flatten, load_items, parse_item
from tests.conftest import CORPUS

ITEMS = load_items()


def test_the_set_is_large_and_covers_every_type_and_document() -> None:
    assert len(ITEMS) >= 150
    types = collections.Counter(i.type for i in ITEMS)
    assert set(types) == {"fact", "number", "date", "list", "multi_doc", "conversation", "unanswerable"}
    unanswerable = types["unanswerable"] / len(ITEMS)
    assert 0.08 <= unanswerable <= 0.2
    docs = {s for i in ITEMS for t in i.turns for s in t.sources}
    assert docs == {p.name for p in CORPUS.iterdir()}


def test_dev_and_test_splits_are_both_substantial() -> None:
    splits = collections.Counter(i.split for i in ITEMS)
    assert splits["dev"] >= 40 and splits["test"] >= 80


@pytest.mark.parametrize("item", ITEMS, ids=lambda i: i.id)
def test_evidence_is_verbatim_in_its_document(item) -> None:  # type: ignore[no-untyped-def]
    for turn in item.turns:
        for source, span in zip(turn.sources, turn.evidence, strict=True):
            raw = (CORPUS / source).read_text(encoding="utf-8")
            assert span in raw or flatten(span) in flatten(raw), f"{item.id}: evidence not in {source}"
            assert 3 <= len(span.split()) <= 60


@pytest.mark.parametrize("item", ITEMS, ids=lambda i: i.id)
def test_key_facts_appear_in_the_reference_answer(item) -> None:  # type: ignore[no-untyped-def]
    for turn in item.turns:
        for alternatives in turn.key_facts:
            assert any(flatten(a) in flatten(turn.answer) for a in alternatives), (item.id, alternatives)


def test_malformed_items_are_refused_with_their_location() -> None:
    with pytest.raises(DatasetError, match="x.jsonl:3"):
        parse_item({"id": "a", "type": "fact", "question": "q?", "answer": "a", "key_facts": [["a"]]}, "x.jsonl:3")
    with pytest.raises(DatasetError, match="type"):
        parse_item(json.loads('{"id": "b", "type": "poem", "question": "q?"}'), "x.jsonl:4")
    with pytest.raises(DatasetError, match="unanswerable"):
        parse_item({"id": "c", "type": "unanswerable", "question": "q?", "answer": "", "key_facts": [["x"]],
                    "source": None, "evidence": None}, "x.jsonl:5")
