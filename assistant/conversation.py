"""Follow-up questions: turn a question that leans on earlier turns into a standalone query.

Without a language model the rewrite is deterministic: a question that is self-contained is
left alone; one that leans on the conversation (pronouns, "and for ...", very short) gets the
subject of the previous user question carried over.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.models import Message
from assistant.text import STOPWORDS, terms, words

_LEANING = re.compile(
    r"^\s*(and|what about|how about|also|but|so|then|or)\b|\b(it|its|they|them|their|this|that|these|those|he|she|him|her|his|there|the same|such|former|latter)\b",
    re.IGNORECASE,
)
_GENERIC = STOPWORDS | {"what", "which", "who", "when", "how", "many", "much", "did", "does", "about", "and"}


def needs_context(question: str) -> bool:
    """A question that cannot be understood alone."""
    content = [w for w in words(question) if w.lower() not in _GENERIC]
    if len(content) <= 2:
        return True
    return bool(_LEANING.search(question)) and len(content) <= 6


def condense(question: str, history: Sequence[Message]) -> str:
    """The standalone query for retrieval (``question`` itself when it stands alone)."""
    previous = [m.content for m in history if m.role == "user"]
    if not previous or not needs_context(question):
        return question
    subject = _subject(previous[-1])
    if not subject:
        return question
    have = set(terms(question))
    extra = [w for w in subject if not set(terms(w)) <= have]
    return f"{question.rstrip()} ({' '.join(extra)})" if extra else question


def _subject(question: str) -> list[str]:
    """Content words of a previous question, in order, without question words."""
    return [w for w in words(question) if w.lower() not in _GENERIC and len(w) > 1]
