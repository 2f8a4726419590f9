"""Schemathesis hooks for tests/test_contract.py: a ``text/plain`` upload part is a short text
document (words and punctuation), as the upload's schema says; random bytes are not text."""

from __future__ import annotations

import schemathesis
from hypothesis import strategies as st

_WORDS = st.lists(st.sampled_from("quartz reactor standard cooling crystal weekly report Vellmar".split()), min_size=3, max_size=30)

schemathesis.openapi.media_type("text/plain", _WORDS.map(lambda w: (" ".join(w) + ".\n").encode()))
