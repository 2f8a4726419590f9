"""Small text utilities shared by splitting, retrieval, answering and evaluation: terms and sentences."""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’&-]*[A-Za-z0-9]|[A-Za-z]|\d+(?:[.,]\d+)*(?:%|st|nd|rd|th)?")
_ABBREV = (
    "mr", "ms", "mrs", "dr", "prof", "no", "nos", "vs", "etc", "e.g", "i.e", "art", "fig", "st",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "inc",
    "ltd", "co", "corp", "dept", "approx", "para", "vol", "u.s", "u.k", "e.u",
)
_SENT_END = re.compile(r"(?<=[.!?。])[\"”’)]*\s+(?=[\"“(‘`]?[A-Z0-9])|(?<=\d\])\s+(?=[\"“(‘`]?[A-Za-z@_])|\n{2,}|\n(?=- )|\n(?=\d{1,2}\. )")

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just
    me more most my myself no nor not now of off on once only or other our ours ourselves out over own
    same she should so some such than that the their theirs them themselves then there these they this
    those through to too under until up very was we were what when where which while who whom why will
    with would you your yours yourself yourselves also did does may might must shall per via
    within without according tell please give list many much""".split()
)


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def terms(text: str) -> list[str]:
    """Content terms: lower-cased, stemmed, stopwords removed; numbers kept as written
    without thousands separators ("1,079" -> "1079")."""
    out = []
    for w in words(text):
        low = w.lower().strip("'’")
        if low in STOPWORDS or not low:
            continue
        if low[0].isdigit():
            out.append(low.replace(",", ""))
        else:
            out.append(low)
    stems = _stemmer().stemWords([t for t in out if not t[0].isdigit()])
    it = iter(stems)
    return [t if t[0].isdigit() else next(it) for t in out]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence boundaries as ``(start, end)`` offsets, aware of common abbreviations."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENT_END.finditer(text):
        cut = m.start()
        before = text[start:cut].rstrip()
        last = before.rsplit(None, 1)[-1].lower().rstrip(".").lstrip("([\"“‘") if before.split() else ""
        if m.group(0).strip() == "" and last in _ABBREV and not m.group(0).startswith("\n"):
            continue
        if len(before) < 2:
            continue
        spans.append((start, cut))
        start = m.end()
    if start < len(text) and text[start:].strip():
        spans.append((start, len(text)))
    return [(a + (len(text[a:b]) - len(text[a:b].lstrip())), b) for a, b in spans if text[a:b].strip()]


def sentences(text: str) -> list[str]:
    return [text[a:b].strip() for a, b in sentence_spans(text)]


def normalize_space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
