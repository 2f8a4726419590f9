"""The evaluation sets: one per collection, items in ``eval/collections/<name>/items/*.jsonl``.

Each item is one question (or a conversation of turns) with its answer, key facts, source
document and a verbatim evidence span. Items are split deterministically into a development
part (for tuning thresholds) and a test part that tuning never looks at. An item written to
tune on says ``"split": "dev"`` and stays out of the test part whatever its hash; no item can
place itself in the test part, which holds only what the hash puts there.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

COLLECTIONS_DIR = Path(__file__).resolve().parent / "collections"
ITEMS_DIR = COLLECTIONS_DIR / "standards" / "items"
DEFAULT_CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus"


@dataclass(frozen=True)
class Collection:
    """An evaluation collection: its items and the documents they were written from (its own
    ``corpus/`` folder, or the default collection the project ships)."""

    name: str
    items_dir: Path
    corpus_dir: Path


def collections(root: Path = COLLECTIONS_DIR) -> list[Collection]:
    """Every collection under ``eval/collections/`` that has items."""
    out = []
    for d in sorted(p for p in root.iterdir() if (p / "items").is_dir()):
        corpus = d / "corpus" if (d / "corpus").is_dir() else DEFAULT_CORPUS
        out.append(Collection(d.name, d / "items", corpus))
    return out
TYPES = ("fact", "number", "date", "list", "multi_doc", "conversation", "unanswerable")
DEV_SHARE = 4  # of 10: about 40 % development, 60 % test


@dataclass(frozen=True)
class Turn:
    """One question to ask, with what a correct answer must show."""

    question: str
    answer: str
    key_facts: tuple[tuple[str, ...], ...]
    sources: tuple[str, ...]
    evidence: tuple[str, ...]
    answerable: bool


@dataclass(frozen=True)
class Item:
    id: str
    type: str
    split: str
    paraphrased: bool
    near_miss: bool
    turns: tuple[Turn, ...] = field(default_factory=tuple)
    tuning: bool = False  # written to tune on (declared dev), not drawn by the hash

    @property
    def source(self) -> str:
        """The document the item is mostly about (first turn's first source), for breakdowns."""
        for t in self.turns:
            if t.sources:
                return t.sources[0]
        return "(none)"


class DatasetError(ValueError):
    pass


def split_of(item_id: str, declared: object = None) -> str:
    """``dev`` or ``test`` by the id's hash; an item declared ``dev`` (written to tune on) is dev."""
    if declared not in (None, "dev"):
        raise DatasetError(f"item {item_id}: split may only be declared 'dev' (the test part is the hash's), got {declared!r}")
    if declared == "dev":
        return "dev"
    bucket = int(hashlib.sha1(item_id.encode()).hexdigest(), 16) % 10
    return "dev" if bucket < DEV_SHARE else "test"


def _as_tuple(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise DatasetError(f"expected a string or list of strings, got {value!r}")


def _facts(value: object, where: str) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list):
        raise DatasetError(f"{where}: key_facts must be a list")
    out = []
    for entry in value:
        alts = _as_tuple(entry)
        if not alts or not all(a.strip() for a in alts):
            raise DatasetError(f"{where}: empty key fact")
        out.append(alts)
    return tuple(out)


def _turn(raw: dict, where: str, answerable: bool) -> Turn:  # type: ignore[type-arg]
    for key in ("question", "answer", "key_facts"):
        if key not in raw:
            raise DatasetError(f"{where}: missing field {key!r}")
    if not str(raw["question"]).strip():
        raise DatasetError(f"{where}: empty question")
    answerable = answerable and not raw.get("unanswerable", False)
    sources = _as_tuple(raw.get("source"))
    evidence = _as_tuple(raw.get("evidence"))
    facts = _facts(raw["key_facts"], where)
    if answerable:
        if not sources or not evidence:
            raise DatasetError(f"{where}: an answerable question needs source and evidence")
        if len(sources) != len(evidence):
            raise DatasetError(f"{where}: source and evidence lists must align")
        if not facts:
            raise DatasetError(f"{where}: an answerable question needs key_facts")
    elif sources or evidence or facts:
        raise DatasetError(f"{where}: an unanswerable question has no source, evidence or key_facts")
    return Turn(str(raw["question"]).strip(), str(raw["answer"]), facts, sources, evidence, answerable)


def parse_item(raw: dict, where: str) -> Item:  # type: ignore[type-arg]
    for key in ("id", "type", "question"):
        if key not in raw:
            raise DatasetError(f"{where}: missing field {key!r}")
    kind = raw["type"]
    if kind not in TYPES:
        raise DatasetError(f"{where}: type {kind!r} is not one of {TYPES}")
    turns = [_turn(raw, where, kind != "unanswerable")]
    if kind == "conversation":
        extra = raw.get("turns")
        if not isinstance(extra, list) or not extra:
            raise DatasetError(f"{where}: a conversation needs a non-empty 'turns' list")
        turns += [_turn(t, f"{where} turn {i + 2}", True) for i, t in enumerate(extra)]
    return Item(
        id=str(raw["id"]),
        type=kind,
        split=split_of(str(raw["id"]), raw.get("split")),
        paraphrased=bool(raw.get("paraphrased", False)),
        near_miss=bool(raw.get("near_miss", False)),
        turns=tuple(turns),
        tuning=raw.get("split") == "dev",
    )


def load_items(directory: Path = ITEMS_DIR) -> list[Item]:
    """Every item of every ``*.jsonl`` file, checked; raises :class:`DatasetError` naming the line."""
    items: list[Item] = []
    seen: set[str] = set()
    for path in sorted(directory.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{path.name}:{n}"
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetError(f"{where}: not JSON ({exc})") from None
            item = parse_item(raw, where)
            if item.id in seen:
                raise DatasetError(f"{where}: duplicate id {item.id!r}")
            seen.add(item.id)
            items.append(item)
    return items


def flatten(text: str) -> str:
    """Lower-case letters and digits only, single-spaced: how evidence is matched against text
    whatever the cleaning did to spaces, line breaks, markup, quotes or table separators."""
    text = re.sub(r"(?<=[a-z])-\s*\n\s*(?=[a-z])", "", text)
    return re.sub(r"[^0-9a-z]+", " ", text.lower()).strip()


def carries(passage_text: str, evidence: str) -> bool:
    """Whether a passage carries an evidence span (or, when the span straddles two passages,
    at least two thirds of it from one end)."""
    p, e = flatten(passage_text), flatten(evidence)
    if not e:
        return False
    if e in p:
        return True
    words = e.split()
    cut = max(4, (2 * len(words)) // 3)
    return len(words) > 6 and (" ".join(words[:cut]) in p or " ".join(words[-cut:]) in p)
