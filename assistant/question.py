"""What a question asks for: its content terms, the kind of answer it wants, and the specific
things it names (years, numbers, standard codes, names) that evidence must mention."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.text import terms

_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_NUMBER_Q = re.compile(
    r"\b(how (many|much|large|big|long|often)|number of|what (percentage|percent|share|proportion|amount|"
    r"total|rate|figure|size)|how far|what is the (total|maximum|minimum|top|highest|lowest)|"
    r"(maximum|minimum|top|highest) (fine|penalty)|by how)\b",
    re.IGNORECASE,
)
_DATE_Q = re.compile(
    r"\b(when|what (date|day|year|month|time)|which (date|day|year|month)|by what date|deadline|"
    r"since when|until when|take effect|come into (force|effect)|effective date)\b",
    re.IGNORECASE,
)
_WHO_Q = re.compile(r"\b(who|whom|whose|which (organi[sz]ation|body|ministry|agency|person|expert|company|companies|authority|authorities))\b", re.IGNORECASE)
_LIST_Q = re.compile(r"\b(what are|which are|list|name the|what were|which were|what (types|kinds|areas|sectors|fields|products|measures))\b", re.IGNORECASE)

QUESTION_WORDS = frozenset({"what", "which", "who", "whom", "whose", "when", "where", "why", "how"})
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_CODE = re.compile(r"\b(?:GB|GB/T|GB/Z|YD/T|ISO|IEC|ISO/IEC|EN|IEEE|ITU-T|JIS|ANSI|DIN|BS|SJ/T|HG/T|QB/T)\s?[\d.]+(?:[-:]\d+)*\b")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*%?(?![\w.])")
_NAME = re.compile(r"\b(?:Mr|Ms|Mrs|Dr|Prof)\.?\s+([A-Z][a-zA-Z'-]+(?:\s+[A-Z][a-zA-Z'-]+)*)")


@dataclass(frozen=True)
class Question:
    text: str
    terms: tuple[str, ...]
    wants: str  # "number" | "date" | "who" | "list" | "fact"
    specifics: tuple[str, ...]
    carried: frozenset[str] = frozenset()  # terms a follow-up inherited from earlier turns

    @property
    def own_terms(self) -> tuple[str, ...]:
        """The terms the user asked with now (all of them for a self-contained question),
        question words left out."""
        return tuple(t for t in self.terms if t not in self.carried and t not in QUESTION_WORDS)


def analyse(text: str, carried: frozenset[str] = frozenset(), asked: str | None = None) -> Question:
    """``text`` is the query; for a follow-up, ``carried`` holds the terms it inherited and
    ``asked`` the user's own words, whose specifics alone the evidence must mention."""
    wants = "fact"
    if _NUMBER_Q.search(text):
        wants = "number"
    elif _DATE_Q.search(text):
        wants = "date"
    elif _WHO_Q.search(text):
        wants = "who"
    elif _LIST_Q.search(text):
        wants = "list"
    return Question(
        text=text,
        terms=tuple(dict.fromkeys(terms(text))),
        wants=wants,
        specifics=tuple(specifics(text if asked is None else asked)),
        carried=carried,
    )


def specifics(text: str) -> list[str]:
    """Things the question names that an answer must be about: years, standard codes, numbers
    and personal names. A passage that mentions none of them cannot be the evidence."""
    out: list[str] = []
    out += [m.group(0) for m in _CODE.finditer(text)]
    codes = " ".join(out)
    out += [y for y in _YEAR.findall(text) if y not in codes]
    for m in _NUMBER.finditer(text):
        n = m.group(0)
        if n not in codes and not _YEAR.fullmatch(n) and len(n.replace(",", "")) >= 2:
            out.append(n)
    out += re.findall(r"\b\d{1,3}(?:st|nd|rd|th)\b", text)  # "the 13th Five-Year Plan"
    out += [m.group(1) for m in _NAME.finditer(text)]
    return list(dict.fromkeys(out))


def mentions(passage_text: str, specific: str) -> bool:
    """Whether a passage mentions a specific thing (numbers compared without separators)."""
    flat = re.sub(r"(?<=\d)[,\s](?=\d{3}\b)", "", passage_text)
    needle = re.sub(r"(?<=\d),(?=\d{3}\b)", "", specific)
    if needle[:1].isdigit():
        return re.search(rf"(?<![\d.]){re.escape(needle)}(?![\d])", flat) is not None
    pattern = re.escape(needle).replace(r"\ ", r"\s*")
    return re.search(pattern, flat, re.IGNORECASE) is not None


_NUMBER_WORDS = r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion)\b"
_KIND = {
    "number": re.compile(rf"\d+(?:[.,]\d+)*%?|{_NUMBER_WORDS}", re.IGNORECASE),
    "date": re.compile(rf"\b(?:\d{{1,2}}\s+)?(?:{_MONTHS})(?:\s+\d{{1,2}}(?!\d))?,?(?:\s+\d{{4}})?|\b(?:19|20)\d\d\b", re.IGNORECASE),
    "who": re.compile(r"\b(?:Mr|Ms|Mrs|Dr|Prof)\.?\s+[A-Z][\w-]+(?:\s+[A-Z][\w-]+)*|\b[A-Z]{2,}\b|(?:\b[A-Z][a-z]+\s){2,}"),
}


def has_kind(sentence: str, wants: str, question: str = "") -> bool:
    """Whether the sentence holds the kind of thing asked for that the question does not
    already contain (the date a question names is not its answer)."""
    if wants == "list":
        return sentence.count(",") >= 2 or sentence.lstrip().startswith("- ")
    pattern = _KIND.get(wants)
    if pattern is None:
        return True
    if wants == "number":  # a date or a year is not a count: "on 4 November 2025" answers no "how many"
        sentence = _KIND["date"].sub(" ", sentence)
        sentence = re.sub(r"\b(?:19|20)\d\d\s*[-–]\s*(?:19|20)?\d\d\b", " ", sentence)
    asked = question.lower()
    return any(m.group(0).strip().lower() not in asked for m in pattern.finditer(sentence))
