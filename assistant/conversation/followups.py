"""Follow-up questions: turn a question that leans on earlier turns into a standalone query.

Without a language model the rewrite is deterministic. The conversation is replayed turn by
turn, keeping a *subject*: the content words of the last self-contained question, extended by
the follow-ups that stayed on it. A question that stands alone is left as it is (rewriting
everything degrades answers) and, when it shares nothing with the subject, starts a new one
(a topic switch). A question that leans on the conversation (pronouns, "and for ...", very
short) gets the subject carried into its query: ``"And for individuals? (fine companies revised
Article 59)"``.

The carried words are kept apart from the user's own (:attr:`Standalone.carried`): the answer
must be about what the user asked now, so the answerer and the abstention check weigh the
question's own words first (an off-topic follow-up is not rescued by the subject it inherits).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.models import Message
from index.text import STOPWORDS, terms, words

_LEANING = re.compile(
    r"^\s*(and|what about|how about|also|but|so|then|or)\b|\b(it|its|they|them|their|this|that|these|those|he|she|him|her|his|there|the same|such|former|latter)\b",
    re.IGNORECASE,
)
_GENERIC = STOPWORDS | {"what", "which", "who", "when", "where", "how", "many", "much", "did", "does", "about", "and"}
SUBJECT_WORDS = 14  # enough to name a topic; more would drown the question's own words


@dataclass(frozen=True)
class Standalone:
    """The query for one turn: ``query`` is what retrieval sees (and the answer's ``query``
    field); ``carried`` holds the words taken from earlier turns (empty: self-contained)."""

    question: str
    query: str
    carried: tuple[str, ...] = ()

    @property
    def is_follow_up(self) -> bool:
        return bool(self.carried)

    def carried_terms(self) -> frozenset[str]:
        """Terms that came from the conversation only, not from the question itself."""
        return frozenset(terms(" ".join(self.carried))) - frozenset(terms(self.question))


def needs_context(question: str) -> bool:
    """A question that cannot be understood alone."""
    content = content_words(question)
    if len(content) <= 2:
        return True
    return bool(_LEANING.search(question)) and len(content) <= 6


def content_words(text: str) -> list[str]:
    """Words of a question that name its subject (no question words or stopwords)."""
    return [w for w in words(text) if w.lower() not in _GENERIC and len(w) > 1]


def resolve(question: str, history: Sequence[Message]) -> Standalone:
    """The standalone form of ``question`` given the conversation so far; a question that
    points at what the last answer named ("since which version has that flag been around?")
    asks about that name (``dirs_exist_ok``) in its own words (:attr:`Standalone.question`)."""
    subject: list[str] = []
    asked = [m.content for m in history if m.role == "user"]
    for previous in asked:
        subject = _next_subject(_step(previous, subject), subject)
    answers = [m.content for m in history if m.role == "assistant"]
    leaning = needs_context(question)
    if answers:
        question = _with_answer_name(question, answers[-1], asked[-1] if asked else "")
    return _step(question, subject, leaning)


# "that flag", "this function", "the same standard": something an earlier answer named (the last
# turn's, or the first part's of a question in two parts)
POINTS_AT_ANSWER = re.compile(
    r"\b(?:that|this|the same|the said)\s+(?:[\w-]+\s+)?(?:(?P<param>flag|parameter|argument|option|keyword|setting)|"
    r"function|method|class|module|decorator|constant|attribute|exception|error|"
    r"standard|body|organi[sz]ation|agency|document|regulation|law|list)\b", re.IGNORECASE)
# a question after a thing in the code by what it does ("which tempfile function keeps the file?")
_ASKED_FOR_CODE = re.compile(r"\b(?:which|what)\s+(?:[\w.-]+\s+){0,2}?(?:function|method|class|decorator|helper|call|exception)s?\b",
                             re.IGNORECASE)
_IT = re.compile(r"\b(?:it|its)\b", re.IGNORECASE)
_PARAM_NAME = re.compile(r"(?<![\w.])([a-z][a-z0-9]*_[a-z0-9_]+)(?![\w(])")  # snake_case: dirs_exist_ok
_CODE_NAME = re.compile(r"(?<![\w.])((?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*)\(")  # a call: shutil.copytree(


def _with_answer_name(question: str, answer: str, previous: str = "") -> str:
    """``question`` with the name the last answer gave that it points at and does not say
    itself, after the words that point ("that flag dirs_exist_ok"): for "that flag", the first
    parameter-like name; for "that function", the first called one; for "it" after a question
    that asked which function (or class, method ...) to use, the first called one too. The
    name is then what the user asks about now, in their own words."""
    m = POINTS_AT_ANSWER.search(question)
    if not m and _ASKED_FOR_CODE.search(previous):
        m = _IT.search(question)
    if not m:
        return question
    said = set(words(question))
    name = next((n for n in (_PARAM_NAME if m.groupdict().get("param") else _CODE_NAME).findall(answer) if n not in said), None)
    return question if name is None else f"{question[: m.end()]} {name}{question[m.end():]}"


def condense(question: str, history: Sequence[Message]) -> str:
    """The standalone query for retrieval (``question`` itself when it stands alone)."""
    return resolve(question, history).query


def from_rewrite(question: str, rewritten: str) -> Standalone:
    """A language model's rewrite as a :class:`Standalone` (its added words are the carried ones)."""
    rewritten = rewritten.strip().strip('"').strip() or question
    own = set(terms(question))
    carried = tuple(w for w in content_words(rewritten) if not set(terms(w)) <= own)
    return Standalone(question, rewritten, carried)


def _step(question: str, subject: Sequence[str], leaning: bool | None = None) -> Standalone:
    if not subject or not (needs_context(question) if leaning is None else leaning):
        return Standalone(question, question)
    have = set(terms(question))
    extra = [w for w in subject if not set(terms(w)) <= have]
    if not extra:
        return Standalone(question, question)
    return Standalone(question, f"{question.rstrip()} ({' '.join(extra)})", tuple(extra))


def _next_subject(turn: Standalone, subject: Sequence[str]) -> list[str]:
    """The subject after ``turn``: its own words first, then the earlier subject's when the
    turn followed up on it or stayed on its topic; a self-contained turn on something else
    starts afresh."""
    own = content_words(turn.question)
    keep = turn.is_follow_up or _related(own, subject)
    merged = own + (list(subject) if keep else [])
    out: list[str] = []
    seen: set[str] = set()
    for w in merged:
        key = " ".join(terms(w)) or w.lower()
        if key not in seen:
            seen.add(key)
            out.append(w)
    return out[:SUBJECT_WORDS]


def _related(own: Sequence[str], subject: Sequence[str]) -> bool:
    """Whether a question stays on the subject: two shared content terms, or one shared name
    (capitalised words compared on a long stem: "Zambia"/"Zambian")."""
    a = {t for w in own for t in terms(w)}
    b = {t for w in subject for t in terms(w)}
    if len(a & b) >= 2:
        return True
    names_a = {w.lower()[:5] for w in own if w[:1].isupper() and len(w) >= 4}
    return any(w.lower()[:5] in names_a for w in subject if w[:1].isupper() and len(w) >= 4)
