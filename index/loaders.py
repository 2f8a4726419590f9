"""Read a file into raw text: one function per file type, one error type for every failure.

Each loader returns the text as the file holds it (markup reduced to plain text or markdown
headings); cleaning and structure recovery happen later.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from pathlib import Path

from index.errors import DocumentError

SUPPORTED = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf")


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED


def load_text(path: Path, source: str | None = None) -> str:
    """Return the text of ``path`` or raise :class:`DocumentError` naming the file and problem."""
    name = source or path.name
    suffix = path.suffix.lower()
    loader = _LOADERS.get(suffix)
    if loader is None:
        raise DocumentError(
            name, f"unsupported file type '{suffix or '(none)'}' (supported: {', '.join(SUPPORTED)})"
        )
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DocumentError(name, "file not found") from None
    except PermissionError:
        raise DocumentError(name, "unreadable: permission denied (check the file's permissions)") from None
    except OSError as exc:
        raise DocumentError(name, f"unreadable: {exc.strerror or exc}") from None
    if not data.strip():
        raise DocumentError(name, "empty file: nothing to ingest")
    text = loader(data, name)
    if not text.strip():
        raise DocumentError(name, "no text could be extracted (is it a scanned image? run OCR first)")
    return text


def decode_text(data: bytes, name: str) -> str:
    """Decode text bytes: UTF-8 (with or without BOM) or BOM-marked UTF-16; anything else is refused."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise DocumentError(name, "undecodable UTF-16 text") from None
    if b"\x00" in data[:8192]:
        raise DocumentError(name, "binary file, not text (expected .txt/.md/.html text or a .pdf)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            name, f"undecodable text: not UTF-8 (byte {exc.start}); re-save the file as UTF-8"
        ) from None


def _load_plain(data: bytes, name: str) -> str:
    return decode_text(data, name)


_LINE_TAGS = ("div", "li", "tr", "br")
_BLOCK_TAGS = ("p", "ul", "ol", "section", "article", "table", "blockquote", "dl")  # end a paragraph
_PARAGRAPH_TAGS = ("dd",)  # a description: apart from what follows
FENCE = "```"
_LANDMARKS_AROUND = ["navigation", "search", "banner", "contentinfo", "complementary",
                     "doc-noteref", "doc-backlink"]  # and footnote marks: "[2]" reads as a citation


def _load_html(data: bytes, name: str) -> str:
    from bs4 import BeautifulSoup  # light, but only needed for HTML

    soup = BeautifulSoup(decode_text(data, name), "html.parser")
    main = soup.find("main") or soup.find(attrs={"role": "main"})
    if main is not None:  # a page that marks its content keeps only that: no menus or sidebars
        soup = BeautifulSoup("", "html.parser")
        soup.append(main)
    for tag in soup(["script", "style", "noscript", "template", "head", "nav", "footer", "aside"]):
        tag.decompose()
    for tag in soup.find_all(attrs={"role": _LANDMARKS_AROUND}):  # menus, search boxes, page footers
        tag.decompose()
    _collapse_spaces(soup)
    for tag in soup.select("a.headerlink"):  # the permalink anchors (a pilcrow) of generated docs
        tag.decompose()
    for pre in soup.find_all("pre"):  # code keeps its lines, fenced as in Markdown
        pre.replace_with(f"\n\n{FENCE}\n{pre.get_text().strip(chr(10))}\n{FENCE}\n\n")
    for item in soup.find_all("li"):
        item.insert(0, "- ")
    for dl in soup.find_all("dl"):  # before the headings become text: it looks them up
        _resume_section_after(dl)
    for level in range(1, 7):
        for h in soup.find_all(f"h{level}"):
            h.replace_with(f"\n\n{'#' * level} {h.get_text(' ', strip=True)}\n\n")
    _terms_as_headings(soup)
    for cell in soup.find_all(["td", "th"]):
        for inner in cell.find_all(["p", "div", "br"]):  # a cell's paragraphs stay on its row's line
            inner.insert_before(" ")
            inner.unwrap()
        cell.append("\t")
    for tag in soup.find_all(_LINE_TAGS):
        tag.append("\n")
    for tag in soup.find_all(_BLOCK_TAGS):
        tag.append("\n\n")
    for tag in soup.find_all(_PARAGRAPH_TAGS):
        tag.insert(0, "\n\n")
        tag.append("\n\n")
    return _strip_lines(soup.get_text())


def _strip_lines(text: str) -> str:
    """Lines without the spaces the markup left at their ends; code keeps its indentation."""
    out, in_code = [], False
    for line in text.split("\n"):
        if line.strip().startswith(FENCE):
            in_code = not in_code
            out.append(line.strip())
        else:
            out.append(line if in_code else line.strip())
    return "\n".join(out)


_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def _collapse_spaces(soup) -> None:  # type: ignore[no-untyped-def]
    """Runs of white space in HTML text are one space (a line break in the source is not one on
    the page); only ``<pre>`` keeps its lines. Line breaks then come from the markup alone."""
    from bs4 import NavigableString
    from bs4.element import Comment

    for node in list(soup.find_all(string=True)):
        if isinstance(node, Comment) or node.find_parent(["pre", "textarea"]) is not None:
            continue
        squeezed = re.sub(r"\s+", " ", str(node))
        if squeezed != node:
            node.replace_with(NavigableString(squeezed))


def _terms_as_headings(soup) -> None:  # type: ignore[no-untyped-def]
    """A defined term heads its description (an API entry, a glossary term), so the description's
    sentences are read under it."""
    for term in soup.find_all("dt"):
        term.replace_with(f"\n\n###### {' '.join(term.get_text().split())}\n\n")


def _resume_section_after(dl) -> None:  # type: ignore[no-untyped-def]
    """Text after a list of definitions belongs to the section around the list again, not to its
    last term: repeat that section's heading where the text resumes."""
    if dl.find_parent("dl") is not None or dl.find("dt") is None:
        return
    head = dl.find_previous(_HEADINGS)
    if head is None:
        return
    for sib in dl.next_siblings:
        if isinstance(sib, str):
            if sib.strip():
                break
            continue
        if sib.name == "dl" or sib.name in _HEADINGS or sib.name == "section" or sib.find(_HEADINGS) is not None:
            return
        if sib.get_text(strip=True):
            break
    else:
        return
    level = int(head.name[1])
    dl.insert_after(f"\n\n{'#' * level} {head.get_text(' ', strip=True)}\n\n")


def _load_pdf(data: bytes, name: str) -> str:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if not data.lstrip().startswith(b"%PDF"):
        raise DocumentError(name, "broken PDF: the file does not start with a PDF header")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DocumentError(name, "encrypted PDF: decrypt it before ingesting")
        pages = [page.extract_text() or "" for page in reader.pages]
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(name, f"broken PDF: {exc}") from None
    # pypdf leaves form feeds and trailing spaces; page breaks become paragraph breaks
    return "\n\n".join(re.sub(r"[ \t]+\n", "\n", p) for p in pages)


_LOADERS: dict[str, Callable[[bytes, str], str]] = {
    ".txt": _load_plain,
    ".md": _load_plain,
    ".markdown": _load_plain,
    ".html": _load_html,
    ".htm": _load_html,
    ".pdf": _load_pdf,
}
