"""Recover a document's structure from cleaned text: title, date, articles and sections.

The output is the document's *stored text* (what citations' ``start``/``end`` point into) and
a list of :class:`Section` spans over it. Headings come from markdown ``#`` lines, headline
lines followed by ``#Tag`` lines (the newsletters' article markers), short title-case lines
standing on their own, and bullet headlines. An *article* is a unit passages never cross.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from index import clean

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_TAG_LINE = re.compile(r"^#[A-Za-z][\w&'’-]*(?:[ \t]+#?\s*[\w&'’-]+)*\s*\d*\.?\s*$")
_SENTENCE_END = re.compile(r"[.!?][\"”’)]*$")
_NUMBER_ONLY = re.compile(r"^\d+[.)]?$")
_LIST_ITEM = re.compile(r"^(?:- |\d{1,2}[.)] |[a-z][.)] |[IVX]+\. )")
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?"
)
_ISSUE = re.compile(rf"\b{_MONTH}(?:\s+\d{{4}})?\s*[-–—/]\s*{_MONTH}\s+\d{{4}}\b")
_DATE = re.compile(
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})\b"
)
_HEADER = re.compile(r"^(?P<title>[A-Za-z][^|]{7,119}?)\s*\|\s*(?P<issue>[^|]{4,60}\d{4})\s*$")
BUILTIN_CATEGORIES = ("takeaways", "index", "contents", "table of contents", "annex")


@dataclass(frozen=True)
class Section:
    """A span of the stored text under one heading path; ``article`` numbers the unit it is in."""

    path: tuple[str, ...]
    start: int
    end: int
    article: int


@dataclass(frozen=True)
class Block:
    """A span of the stored text: a ``heading``, a ``para``graph (a list item is one), a table
    ``row`` or a fenced ``code`` block. Answer units are built from these."""

    kind: str
    start: int
    end: int
    term: bool = False  # a heading that is a defined term (an HTML <dt>: an API entry, a glossary word)


@dataclass
class StructuredDocument:
    text: str
    title: str
    date: str | None
    sections: list[Section] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)


TERM_LEVEL = 6  # the loaders write a defined term (<dt>) as the deepest Markdown heading


@dataclass
class _Block:
    kind: str  # "heading" | "para" | "row" | "code"
    text: str
    tagged: bool = False
    md_level: int = 0


def parse(raw: str, source: str) -> StructuredDocument:
    """Clean ``raw`` and recover its structure. ``source`` is used for the fallback title."""
    text = clean.normalize(raw)
    lines = text.split("\n")
    header = _find_header(lines)
    furniture = clean.furniture_lines(lines)
    if header:
        furniture.add(re.sub(r"\d+", "#", header[0].strip()))
    categories = _toc_categories(raw)
    lines = _drop_noise(lines, furniture)
    vocabulary = {w.lower() for w in re.findall(r"[A-Za-z]+", text)}
    blocks = _blocks(lines, vocabulary)
    title = _title(header, blocks, source)
    date = _date(header, text)
    # a leading heading that just repeats the document title is not a section
    while blocks and blocks[0].kind == "heading" and blocks[0].text.lower() in title.lower():
        blocks.pop(0)
    return _assemble(blocks, categories, title, date)


def _find_header(lines: list[str]) -> tuple[str, str, str] | None:
    """A running header such as ``SESEC IV China Standardisation Newsletter | December 2020 – January 2021``."""
    for line in lines:
        m = _HEADER.match(line.strip())
        if m and (_ISSUE.search(m["issue"]) or _DATE.search(m["issue"])):
            return line, m["title"].strip(), m["issue"].strip()
    return None


def _toc_categories(raw: str) -> set[str]:
    """Bold entries of a table of contents are the newsletter's categories (``<b>Horizontal Actions</b>``)."""
    cats = set()
    for m in re.finditer(r"<b>([^<]{3,80})</b>\s*\t", raw):
        cats.add(m.group(1).strip().lower())
    for m in re.finditer(r"^\*\*(.{3,200}?)\*\*", raw, re.MULTILINE):
        cats.add(re.sub(r"\s*[.\d\s]+$", "", m.group(1)).strip().lower())
    return cats


def _drop_noise(lines: list[str], furniture: set[str]) -> list[str]:
    out: list[str] = []
    toc_run: list[int] = []
    strict: set[int] = set()
    code = clean.code_lines(lines)
    for n, line in enumerate(lines):
        if n in code:
            out.append(line)
            continue
        if clean.is_noise_line(line, furniture):
            continue
        if clean.is_toc_line(line):
            strict.add(len(out))
            toc_run.append(len(out))
        elif re.search(r"\s\d{1,3}\s*$", line) and clean.is_title_like(re.sub(r"[\s.\d]+$", "", line), 200):
            toc_run.append(len(out))  # "Annex 2 - Translation ... 50": a contents entry without leader
        out.append(line)
    # only runs of table-of-contents lines are dropped; a lone match is probably a table row
    drop: set[int] = set()
    run: list[int] = []
    for i in toc_run + [10**9]:
        if run and i - run[-1] > 3:
            if len(strict.intersection(run)) >= 3:
                drop.update(range(run[0], run[-1] + 1))
                # the "Index"/"Contents" heading right above the run goes too
                j = run[0] - 1
                while j >= 0 and not out[j].strip():
                    j -= 1
                if j >= 0 and out[j].strip().lstrip("# ").lower() in ("index", "contents", "table of contents"):
                    drop.add(j)
            run = []
        run.append(i)
    return [ln for k, ln in enumerate(out) if k not in drop]


def _blocks(lines: list[str], vocabulary: set[str]) -> list[_Block]:
    """Turn lines into headings, paragraphs and table rows; mend broken lines and hyphenation."""
    items: list[tuple[str, str, int]] = []  # (kind, text, md_level) with kind line|tag|md|blank|code
    code: list[str] | None = None
    for line in lines:
        s = line.strip()
        if code is not None:  # inside a fenced block: kept line by line, as written
            code.append(line)
            if s.startswith(clean.FENCE):
                items.append(("code", "\n".join(code), 0))
                code = None
            continue
        if s.startswith(clean.FENCE):
            code = [s]
        elif not s:
            items.append(("blank", "", 0))
        elif _TAG_LINE.match(s):
            items.append(("tag", s, 0))
        elif m := _MD_HEADING.match(s):
            inner = m.group(2).strip()
            if inner.startswith("#"):  # "## #Standardization", "### # RoHS"
                items.append(("tag", inner, 0))
            elif inner and _SENTENCE_END.search(inner) and len(inner.split()) >= 4:
                items.append(("line", inner, 0))  # a heading mark on a sentence is a broken export
            elif inner:
                items.append(("md", inner, len(m.group(1))))
        else:
            items.append(("line", s, 0))
    if code is not None:  # an unclosed fence closes at the end
        items.append(("code", "\n".join([*code, clean.FENCE]), 0))
    _mark_plain_titles(items)
    return _merge(items, vocabulary)


def _next_nonblank(items: list[tuple[str, str, int]], i: int) -> int:
    j = i + 1
    while j < len(items) and items[j][0] == "blank":
        j += 1
    return j


def _mark_plain_titles(items: list[tuple[str, str, int]]) -> None:
    """Headlines in plain text: title lines right above a ``#Tag`` line, and short title-case
    lines between blank lines followed by a sentence."""
    width = _typical_width([t for k, t, _ in items if k == "line"])
    for i, (kind, _text, _lvl) in enumerate(items):
        if kind != "tag":
            continue
        # markdown heading right above a tag is already a heading
        j = i - 1
        while j >= 0 and items[j][0] == "blank":
            j -= 1
        if j < 0 or items[j][0] != "line":
            continue
        picked = [j]
        k = j - 1
        while k >= 0 and len(picked) < 3:
            cand = items[k][1] if items[k][0] == "line" else ""
            if cand.strip().lower().startswith(BUILTIN_CATEGORIES):
                break
            if cand and clean.is_title_like(cand) and not clean.ends_sentence(cand):
                picked.append(k)
                k -= 1
            elif items[k][0] == "blank" and items[picked[-1]][1][:1].islower():
                k -= 1  # a headline wrapped over a blank line continues in lower case
            else:
                break
        if not (clean.is_title_like(items[j][1], 160) or items[j][1][:1].islower() or len(picked) > 1):
            continue
        picked.sort()
        title = " ".join(items[p][1] for p in picked)
        for p in picked[1:]:
            items[p] = ("blank", "", 0)
        items[picked[0]] = ("md", title, 0)
    for i, (kind, text, _lvl) in enumerate(items):
        if kind != "line" or not clean.is_title_like(text, 110) or clean.ends_sentence(text) and not text.endswith(":"):
            continue
        if " | " in text:
            continue  # a table's header row ("Constant | Description"), not a headline
        if clean.ends_dangling(text):
            continue  # "Organizations including 3GPP, IETF, ITU, ETSI, and" runs on: no headline ends so
        prev_blank = i == 0 or items[i - 1][0] == "blank" or (
            text.startswith("- ") and items[i - 1][0] == "line" and clean.ends_sentence(items[i - 1][1])
        )
        j = _next_nonblank(items, i)
        if j >= len(items) or items[j][0] != "line":
            continue
        nxt = items[j][1]
        is_bullet = text.startswith("- ")
        if is_bullet and nxt.startswith("- "):
            continue  # a list of short items, not a headline
        if not nxt[:1].isupper() and not nxt.startswith('"'):
            continue
        if prev_blank and (len(text) < 0.8 * width or is_bullet or text.endswith(":")):
            items[i] = ("md", text[2:] if is_bullet else text, 0)


def _typical_width(lines: list[str]) -> float:
    if not lines:
        return 80.0
    lengths = sorted(len(s) for s in lines)
    return float(lengths[int(0.9 * (len(lengths) - 1))])


def _merge(items: list[tuple[str, str, int]], vocabulary: set[str]) -> list[_Block]:
    width = _typical_width([t for k, t, _ in items if k == "line"])
    blocks: list[_Block] = []
    pending_number = ""
    gap = 0
    for idx, (kind, text, level) in enumerate(items):
        if kind == "blank":
            gap += 1
            continue
        if kind == "code":
            blocks.append(_Block("code", text))
            gap = 0
            continue
        if kind == "tag":
            if blocks and blocks[-1].kind == "heading":
                blocks[-1].tagged = True
            gap = 0
            continue
        if kind == "md":
            if _NUMBER_ONLY.match(text):
                pending_number = text.rstrip(".)") + ". "
                continue
            heading = _Block("heading", pending_number + text, md_level=level)
            pending_number = ""
            j = _next_nonblank(items, idx)
            heading.tagged = j < len(items) and items[j][0] == "tag"
            # a short markdown heading right after a tagged heading is a second tag line
            prev_h = blocks[-1] if blocks and blocks[-1].kind == "heading" else None
            if prev_h and _short_label(text) and gap <= 2 and (len(prev_h.text) > 40 or prev_h.text[:1].isdigit()):
                prev_h.tagged = True
                gap = 0
                continue
            blocks.append(heading)
            gap = 0
            continue
        is_row = " | " in text
        prev = blocks[-1] if blocks else None
        if prev is not None and prev.kind in ("para", "row") and _continues(prev, text, gap, width, is_row):
            if re.search(r"[A-Za-z]-$", prev.text) and text[:1].isalnum():  # "Eco-" + "Environmental"
                prev.text = clean.mend_hyphen(prev.text, text, vocabulary)
            else:
                prev.text = prev.text + " " + text
        else:
            blocks.append(_Block("row" if is_row else "para", text))
        gap = 0
    return blocks


def _short_label(text: str) -> bool:
    return len(text) <= 40 and not re.search(r"\d", text) and len(text.split()) <= 4


def _continues(prev: _Block, text: str, gap: int, width: float, is_row: bool) -> bool:
    if is_row or prev.kind == "row":
        return prev.kind == "row" and is_row is False and gap == 0 and text[:1].islower()
    if _LIST_ITEM.match(text):
        return False
    last = prev.text
    if gap == 0:
        if not clean.ends_sentence(last):
            return True
        # a full-width line ending in a full stop still runs on into the next line
        return len(last.rsplit("\n", 1)[-1]) >= 0.8 * width and text[:1].islower()
    if clean.ends_sentence(last):
        return False
    line = last.rsplit("\n", 1)[-1]
    if len(line) >= 0.8 * width and re.search(r"\b[a-z]{3,}\b.*\b[a-z]{3,}\b", line):
        return True  # a full-width line of prose with no full stop runs on, blank line or not
    return text[:1].islower() or text[:1].isdigit() and clean.ends_dangling(last) or clean.ends_dangling(last)


def _assemble(blocks: list[_Block], toc_categories: set[str], title: str, date: str | None) -> StructuredDocument:
    parts: list[str] = []
    pos = 0
    sections: list[Section] = []
    spans: list[Block] = []
    category: str | None = None
    article_title: str | None = None
    article_tagged = False
    sub: str | None = None
    article = 0
    body_start: int | None = None
    current_path: tuple[str, ...] = ()

    def close(end: int) -> None:
        if body_start is not None and end > body_start:
            sections.append(Section(current_path, body_start, end, article))

    for i, block in enumerate(blocks):
        if block.kind == "heading":
            close(pos)
            name = block.text.strip().rstrip(":").strip() or block.text.strip()
            low = name.lower()
            nxt = blocks[i + 1] if i + 1 < len(blocks) else None
            is_category = (
                low in toc_categories
                or low.startswith(BUILTIN_CATEGORIES)
                or (not block.tagged and nxt is not None and nxt.kind == "heading" and nxt.tagged and _short_label(name))
            )
            if is_category:
                category, article_title, article_tagged, sub = name, None, False, None
                article += 1
            elif block.tagged or article_title is None or not article_tagged:
                article_title, article_tagged, sub = name, block.tagged, None
                article += 1
            else:
                sub = name
            current_path = tuple(p for p in (category, article_title, sub) if p)
            heading_text = block.text.strip()
            if parts:
                parts.append("\n\n")
                pos += 2
            parts.append(heading_text)
            spans.append(Block("heading", pos, pos + len(heading_text), term=block.md_level == TERM_LEVEL))
            pos += len(heading_text)
            body_start = None
            continue
        sep = "\n" if block.kind == "row" and parts and not parts[-1].endswith("\n") and _last_kind(blocks, i) == "row" else "\n\n"
        if parts:
            parts.append(sep)
            pos += len(sep)
        if body_start is None:
            body_start = pos
        parts.append(block.text)
        spans.append(Block(block.kind, pos, pos + len(block.text)))
        pos += len(block.text)
    close(pos)
    return StructuredDocument(text="".join(parts), title=title, date=date, sections=sections, blocks=spans)


def _last_kind(blocks: list[_Block], i: int) -> str:
    return blocks[i - 1].kind if i > 0 else ""


def _title(header: tuple[str, str, str] | None, blocks: list[_Block], source: str) -> str:
    if header:
        return header[1]
    lead = []
    for b in blocks:
        if b.kind != "heading" or b.tagged:
            break
        if b.text.lower() in BUILTIN_CATEGORIES:
            break
        if not (_ISSUE.fullmatch(b.text.strip()) or _DATE.fullmatch(b.text.strip())):
            lead.append(b.text)
    if lead and len(lead) <= 3:
        return " ".join(lead)
    for b in blocks:
        if b.kind == "heading":
            return b.text
        break
    first = next((b.text for b in blocks if b.kind == "para"), "")
    sentence = re.split(r"(?<=[.!?])\s", first, maxsplit=1)[0]
    sentence = re.sub(rf"^(?:On|In|At)\s+(?:{_DATE.pattern}|{_MONTH}\s+\d{{4}}|\d{{4}}),?\s+", "", sentence)
    sentence = sentence[:1].upper() + sentence[1:]
    ws = sentence.split()
    if not ws:
        return re.sub(r"[_-]+", " ", source.rsplit(".", 1)[0])
    return " ".join(ws[:14]) + ("…" if len(ws) > 14 else "")


def _date(header: tuple[str, str, str] | None, text: str) -> str | None:
    if header:
        m = _ISSUE.search(header[2]) or _DATE.search(header[2])
        if m:
            return m.group(0)
    head = text[:2000]
    m = _ISSUE.search(head) or _DATE.search(head)
    return m.group(0) if m else None
