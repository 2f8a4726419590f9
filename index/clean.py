"""Character- and line-level cleaning of extracted text (PDF, HTML, Markdown).

Cleaning is deliberately conservative: it removes what is certainly noise (markup, entities,
page furniture, tables of contents, bare URLs, page numbers) and mends what PDF extraction
broke (hyphenated words, lines broken mid-sentence). Structure (headings, articles) is
recovered afterwards by :mod:`index.structure`.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter

_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
_BULLET = re.compile(r"^\s*[\u25cf\u2022\u26ab\u25aa\u25a0\u2023\u2043\uf0b7\uf06c\uf0d8\u00b7]\s*")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_TOC_LINE = re.compile(r"(?:\t\s*|\.{3,}\s*|\s{2,}|\s\|\s)\d{1,4}\s*\**\s*$")
_PAGE_NUMBER = re.compile(r"^\s*(?:page\s*)?\d{1,3}\s*[.)]?\s*$", re.IGNORECASE)
_URL_LINE = re.compile(r"^\s*(?:https?://|www\.)\S+\s*$")
# bold is **x** or __x y__; a lone __name__ is an identifier (Python's __copy__), not emphasis,
# and underscores inside a word never open or close it ("__init__() ... object.__setattr__()")
_MD_EMPHASIS = re.compile(r"\*\*(.+?)\*\*|(?<!\w)__(?=\S)([^_\n]*\s[^_\n]*?)(?<=\S)__(?!\w)")
_MD_ITALIC = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")

FENCE = "```"  # a fenced code block (Markdown; the HTML loader writes <pre> this way)
TERMINAL = tuple('.!?;:"”’)…')
FUNCTION_WORDS = frozenset(
    "a an and as at by for from in into of on or the to with its their our his her this that "
    "these those than vs via".split()
)


def normalize(text: str) -> str:
    """Unicode, entity and markup clean-up that never changes the words themselves."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\f", "\n\n").replace("\u00a0", " ").replace("\u3000", " ")
    text = _ZERO_WIDTH.sub("", text)
    text = _TAG.sub("", text)
    text = html.unescape(html.unescape(text))  # some extractions double-escape (&amp;amp;)
    text = _MD_EMPHASIS.sub(lambda m: m.group(1) or m.group(2), text)
    text = text.replace("\u00b6", "")  # pilcrows are permalink furniture, never content
    text = _MD_ITALIC.sub(r"\1", text)
    lines = []
    in_code = False
    for line in text.split("\n"):
        if line.lstrip().startswith(FENCE):
            in_code = not in_code
            lines.append(line.strip())
            continue
        if in_code:  # code keeps its indentation, tabs and symbols
            lines.append(line.rstrip())
            continue
        line = _BULLET.sub("- ", line)
        if "\t" in line:  # flattened table row: keep cells apart, readably
            cells = [c.strip() for c in line.split("\t")]
            line = " | ".join(c if c else "–" for c in cells).strip(" |–")
        lines.append(re.sub(r"[ ]{2,}", " ", line).rstrip())
    return "\n".join(lines)


def code_lines(lines: list[str]) -> set[int]:
    """Indices of the lines inside fenced code blocks, fences included: never cleaned as prose."""
    out: set[int] = set()
    inside = False
    for i, line in enumerate(lines):
        fence = line.lstrip().startswith(FENCE)
        if fence or inside:
            out.add(i)
        if fence:
            inside = not inside
    return out


def is_toc_line(line: str) -> bool:
    """A table-of-contents entry: text followed by a page number after a tab or dot leaders."""
    return bool(_TOC_LINE.search(line)) and len(line.strip()) > 6 and not line.strip()[0].isdigit()


def furniture_lines(lines: list[str]) -> set[str]:
    """Page headers and footers: short lines repeated on many pages (digits ignored) that carry a
    page number or a ``|`` separator, such as ``SESEC IV Newsletter | December 2020`` or
    ``5 Seconded European Standardisation Expert in China``."""
    shaped = [(s, _digitless(s)) for s in (ln.strip() for ln in lines) if s]
    counts = Counter(shape for _, shape in shaped)
    headings = {shape for s, shape in shaped if s.startswith("#")}  # Markdown, not a page number
    # only the page number changes from page to page: numbered table rows that share their words
    # ("4 GB/T 25067-2020 Information Technology - Security Techniques -") differ in other numbers too
    inner: dict[str, set[tuple[str, ...]]] = {}
    for s, shape in shaped:
        if counts[shape] >= 3:
            inner.setdefault(shape, set()).add(tuple(re.findall(r"\d+", s))[1:-1])
    out = set()
    for shape, n in counts.items():
        numbered = shape not in headings and (re.match(r"^#\s", shape) or shape.endswith(" #"))
        if n >= 3 and len(shape) < 140 and ("|" in shape or numbered) and len(inner.get(shape, ())) <= 1:
            out.add(shape)
    return out


def _digitless(line: str) -> str:
    return re.sub(r"\d+", "#", line.strip())


# the caption of a figure whose picture extraction lost ("Figure 2 Phase II standards system
# based on R16"): a label, not a sentence; prose that starts so ("Table 1 lists ...") ends in a stop
_CAPTION = re.compile(r"^(?:Figure|Fig\.|Chart|Image|Picture|Photo)\s+\d+[.:]?\s+\S.{0,100}$")


def is_noise_line(line: str, furniture: set[str]) -> bool:
    s = line.strip()
    if not s:
        return False
    if _CAPTION.match(s) and not s.endswith(TERMINAL) and len(s.split()) <= 14:
        return True
    return bool(_PAGE_NUMBER.match(s) or _URL_LINE.match(s) or _digitless(s) in furniture)


def words(line: str) -> list[str]:
    return re.findall(r"[A-Za-z][\w'’&/-]*", line)


# a sentence's opening phrase set off by a comma ("On April 21, ...", "In 2020, ..."): no headline
_OPENING_PHRASE = re.compile(r"^(?:On|In|At|By|From|During|Since|After|Before|Until|Under|As of)\s+[^,]{1,40},\s+\w")


def is_title_like(line: str, max_len: int = 130) -> bool:
    """A line that reads like a headline: short, mostly capitalised words, no sentence end."""
    s = line.strip().lstrip("-# ").strip()
    if not s or len(s) > max_len or s.endswith((".", ",", ";")) or s.startswith("|"):
        return False
    if _OPENING_PHRASE.match(s):
        return False  # "On April 21, the Certification and Accreditation" opens a sentence
    ws = words(s)
    if not ws:
        return False
    content = [w for w in ws if w.lower() not in FUNCTION_WORDS]
    if not content:
        return False
    caps = sum(1 for w in content if w[0].isupper())
    return caps / len(content) >= 0.75 and (len(ws) >= 2 or s.endswith(":") or len(s) > 3)


def mend_hyphen(prev: str, cur: str, vocabulary: set[str]) -> str:
    """Join a word hyphenated across lines: drop the hyphen when the joined word is a real word
    elsewhere in the document ("stan-" + "dards" -> "standards"), keep it otherwise
    ("cross-" + "border" -> "cross-border")."""
    head = re.search(r"([A-Za-z]+)-$", prev)
    tail = re.match(r"([a-z]+)", cur)
    if head and tail and (head.group(1) + tail.group(1)).lower() in vocabulary:
        return prev[:-1] + cur
    return prev + cur


# an abbreviation that stands before what it names ("Announcement No." / "48 of 2020"): a line
# ending in one has not ended its sentence
_LEADING_ABBREV = re.compile(r"(?:^|\s)(?:No|Nos|Art|Arts|Fig|Figs|Mr|Ms|Mrs|Dr|Prof|Vol|para|vs|e\.g|i\.e)\.$")


def ends_sentence(line: str) -> bool:
    s = line.rstrip()
    # a closing quote or bracket ends a sentence only after a stop: 'of the “top runner”' runs on
    bare = s.rstrip('"”’)')
    if bare != s and not bare.endswith(tuple(".!?;:…")):
        return False
    return s.endswith(TERMINAL) and not _LEADING_ABBREV.search(s)


def ends_dangling(line: str) -> bool:
    """A line that certainly continues: ends in a comma, a dash, a function word or an
    abbreviation that stands before what it names ("No.")."""
    s = line.rstrip()
    if s.endswith((",", "–", "—", "(", "&")) or re.search(r"[A-Za-z]-$", s) or _LEADING_ABBREV.search(s):
        return True  # a word hyphenated at the line end ("Eco-" / "Environmental") continues
    last = s.rsplit(" ", 1)[-1].lower()
    return last in FUNCTION_WORDS
