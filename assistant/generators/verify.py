"""Check a language model's draft against the sources it cites, sentence by sentence.

A sentence is kept only if a source it cites backs it on two counts:

* lexically: most of its content terms occur in the passage (:func:`assistant.engine.citations.support`,
  the same measure the evaluation's citation precision uses), and
* semantically: the embedder finds a passage sentence (or two adjacent ones) that says nearly
  the same thing (cosine >= :data:`SEMANTIC`). Terms alone miss a negation or swapped roles;
  similarity alone misses a wrong number.

A sentence whose facts come from two passages is backed by the pair when no single one backs
it. Markers of sources that do not back a sentence are removed from it; a sentence with no
marker, or with markers that point at nothing, is dropped, as is an unsupported one. A draft
left with no sentence becomes an abstention. Extractive answers are never passed through here:
they quote their sources, so they are supported by construction.

>>> checked = verify("Paris is in France [1]. Mars is red.", sources, embedder.embed)  # doctest: +SKIP
>>> checked.text, [c.reason for c in checked.dropped]                                # doctest: +SKIP
('Paris is in France. [1]', ['no citation'])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.engine import citations
from assistant.engine.citations import Source
from assistant.generators.base import Draft
from index.text import sentences

SEMANTIC = 0.55

Embed = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class Check:
    """The verdict on one sentence of a draft (source numbers as the draft used them)."""

    sentence: str
    cited: tuple[int, ...]
    backing: tuple[int, ...]
    lexical: float
    semantic: float
    reason: str | None = None  # why it was dropped; None when kept

    @property
    def kept(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class Verification:
    """A verified draft: ``text`` holds the kept sentences, each with the markers that back it."""

    text: str
    checks: list[Check] = field(default_factory=list)

    @property
    def kept(self) -> list[Check]:
        return [c for c in self.checks if c.kept]

    @property
    def dropped(self) -> list[Check]:
        return [c for c in self.checks if not c.kept]

    @property
    def abstained(self) -> bool:
        return not self.kept


def verify(text: str, sources: Sequence[Source], embed: Embed) -> Verification:
    """Check every sentence of ``text`` against the sources its ``[n]`` markers cite."""
    parts = citations.cited_sentences(text)
    wanted = sorted({n for _, nums in parts for n in nums if 1 <= n <= len(sources)})
    windows = {n: _windows(sources[n - 1].passage.text) for n in wanted}
    claims = [s for s, nums in parts if any(1 <= n <= len(sources) for n in nums)]
    vectors = _embed_all(embed, claims, windows)
    checks = []
    for sentence, nums in parts:
        cited = tuple(dict.fromkeys(n for n in nums if 1 <= n <= len(sources)))
        if not cited:
            reason = "marker points at no source" if nums else "no citation"
            checks.append(Check(sentence, (), (), 0.0, 0.0, reason))
            continue
        checks.append(_check(sentence, cited, sources, windows, vectors))
    kept = [
        f"{_end(c.sentence)} {''.join(citations.marker(n) for n in c.backing)}"
        for c in checks
        if c.kept
    ]
    return Verification(" ".join(kept), checks)


def verify_draft(
    draft: Draft, sources: Sequence[Source], embed: Embed
) -> tuple[Draft, Verification]:
    """The draft with its unsupported sentences removed (an abstention when none is left)."""
    if draft.abstained:
        return draft, Verification("")
    checked = verify(draft.text, sources, embed)
    if checked.abstained:
        return Draft("", abstained=True), checked
    return Draft(checked.text), checked


def _check(
    sentence: str,
    cited: tuple[int, ...],
    sources: Sequence[Source],
    windows: dict[int, list[str]],
    vectors: dict[str, np.ndarray],
) -> Check:
    lexical = {n: citations.support(sentence, sources[n - 1].passage.text) for n in cited}
    semantic = {n: _similarity(vectors, sentence, windows[n]) for n in cited}
    backing = tuple(
        n for n in cited if lexical[n] >= citations.SUPPORTED and semantic[n] >= SEMANTIC
    )
    best_lex, best_sem = max(lexical.values()), max(semantic.values())
    if not backing and len(cited) > 1:
        together = " ".join(sources[n - 1].passage.text for n in cited)
        best_lex = citations.support(sentence, together)
        if best_lex >= citations.SUPPORTED and best_sem >= SEMANTIC:
            backing = tuple(n for n in cited if lexical[n] > 0)
    if not backing:
        return Check(
            sentence,
            cited,
            (),
            round(best_lex, 3),
            round(best_sem, 3),
            "not supported by its sources",
        )
    return Check(sentence, cited, backing, round(best_lex, 3), round(best_sem, 3))


def _windows(passage: str) -> list[str]:
    """The passage's sentences and each pair of neighbours (a claim may join two)."""
    parts = sentences(passage) or [passage]
    return parts + [f"{a} {b}" for a, b in zip(parts, parts[1:], strict=False)]


def _embed_all(
    embed: Embed, claims: Sequence[str], windows: dict[int, list[str]]
) -> dict[str, np.ndarray]:
    """One embedder call for every claim and every window (keyed by text)."""
    texts = list(dict.fromkeys([*claims, *(w for ws in windows.values() for w in ws)]))
    if not texts:
        return {}
    matrix = np.asarray(embed(texts), dtype=np.float32)
    return {t: matrix[i] for i, t in enumerate(texts)}


def _similarity(vectors: dict[str, np.ndarray], sentence: str, windows: Sequence[str]) -> float:
    """The best cosine between the sentence and any window of the passage."""
    claim = vectors[sentence]
    best = 0.0
    for w in windows:
        v = vectors[w]
        cos = float(claim @ v / ((np.linalg.norm(claim) * np.linalg.norm(v)) or 1.0))
        best = max(best, cos)
    return best


def _end(sentence: str) -> str:
    return sentence if sentence.endswith((".", "!", "?", '"', "”", ")")) else sentence + "."
