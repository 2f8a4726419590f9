"""Every evaluation collection is well formed and every evidence span is really in its document
(as the loader reads it: HTML pages are compared by their text, not their markup)."""

from __future__ import annotations

import collections
import functools
import json
from pathlib import Path

import pytest

from eval.dataset import DatasetError, Item, flatten, load_items, parse_item
from eval.dataset import collections as eval_collections
from index.loaders import load_text

COLLECTIONS = {c.name: c for c in eval_collections()}
ITEMS = [(name, item) for name, c in COLLECTIONS.items() for item in load_items(c.items_dir)]
MINIMUM = {"standards": 150, "pydocs": 80}  # items each collection must hold


@functools.cache
def _text(path: Path) -> str:
    return flatten(load_text(path))


def test_both_collections_are_there() -> None:
    assert {"standards", "pydocs"} <= set(COLLECTIONS)


@pytest.mark.parametrize("name", sorted(COLLECTIONS))
def test_each_set_is_large_and_covers_every_type_and_document(name: str) -> None:
    items = [i for n, i in ITEMS if n == name]
    assert len(items) >= MINIMUM.get(name, 80)
    types = collections.Counter(i.type for i in items)
    assert set(types) == {"fact", "number", "date", "list", "multi_doc", "conversation", "unanswerable"}
    # the items the hash splits keep their balance; items written to tune on (declared dev)
    # may be mostly near misses, the kind of question tuning needs most
    drawn = [i for i in items if not i.tuning]
    unanswerable = sum(i.type == "unanswerable" for i in drawn) / len(drawn)
    assert 0.08 <= unanswerable <= 0.25
    assert sum(i.near_miss for i in items) >= 15
    docs = {s for i in items for t in i.turns for s in t.sources}
    assert docs <= {p.name for p in COLLECTIONS[name].corpus_dir.iterdir()}
    if name == "standards":  # five documents, every one asked about
        assert docs == {p.name for p in COLLECTIONS[name].corpus_dir.iterdir()}
    splits = collections.Counter(i.split for i in drawn)
    assert splits["dev"] >= len(drawn) // 4 and splits["test"] >= len(drawn) // 2


@pytest.mark.parametrize("name,item", ITEMS, ids=lambda v: v.id if isinstance(v, Item) else v)
def test_evidence_is_verbatim_in_its_document(name: str, item: Item) -> None:
    corpus = COLLECTIONS[name].corpus_dir
    for turn in item.turns:
        for source, span in zip(turn.sources, turn.evidence, strict=True):
            assert flatten(span) in _text(corpus / source), f"{item.id}: evidence not in {source}"
            assert 3 <= len(span.split()) <= 60


@pytest.mark.parametrize("name,item", ITEMS, ids=lambda v: v.id if isinstance(v, Item) else v)
def test_key_facts_appear_in_the_reference_answer(name: str, item: Item) -> None:
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


def test_an_item_may_declare_itself_dev_but_never_test() -> None:
    from eval.dataset import DatasetError, parse_item

    raw = {"id": "x-1", "type": "unanswerable", "question": "Is there a 5th batch?", "answer": "", "key_facts": [],
           "source": None, "evidence": None, "near_miss": True}
    hashed = parse_item(raw, "x.jsonl:1").split
    declared = parse_item({**raw, "split": "dev"}, "x.jsonl:1")
    assert declared.split == "dev" and declared.tuning
    assert parse_item(raw, "x.jsonl:1").split == hashed  # undeclared: the hash decides
    assert not parse_item(raw, "x.jsonl:1").tuning
    with pytest.raises(DatasetError, match="x-1.*only be declared 'dev'"):
        parse_item({**raw, "split": "test"}, "x.jsonl:1")
