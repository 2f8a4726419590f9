"""Loaders: every supported type loads; every bad input is a DocumentError naming the file and
the problem (never a traceback from pypdf, bs4 or the codec)."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from assistant.errors import DocumentError
from index.loaders import is_supported, load_text


def minimal_pdf(pages: list[list[str]]) -> bytes:
    """A small valid PDF written by hand: one Helvetica text stream per page, a correct xref.

    pypdf cannot lay out text, so the content streams are written directly."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{' '.join(f'{4 + 2 * i} 0 R' for i in range(len(pages)))}] "
        f"/Count {len(pages)} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, lines in enumerate(pages):
        ops = ["BT", "/F1 12 Tf", "14 TL", "72 720 Td"]
        for line in lines:
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({escaped}) Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


PDF_PAGES = [
    ["Standards Report 2025", "", "The committee approved twelve new national standards."],
    ["Second page: cybersecurity review (draft) and data export rules."],
]


def _error(path: Path) -> DocumentError:
    with pytest.raises(DocumentError) as info:
        load_text(path)
    err = info.value
    assert err.source == path.name
    assert str(err).startswith(f"{path.name}: ")  # the one-line message names the file first
    assert "\n" not in str(err)
    return err


# --- bad inputs ---------------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"  \n\n\t \n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    assert "empty file" in _error(path).problem


def test_binary_file_with_nul_bytes(tmp_path: Path) -> None:
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert "binary file" in _error(path).problem


def test_latin1_text_is_refused_not_garbled(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes("Le comité a approuvé la norme.\n".encode("latin-1"))
    problem = _error(path).problem
    assert "not UTF-8" in problem and "UTF-8" in problem.split(";")[-1]  # says what to do


def test_utf16_with_bom_loads(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes("Le comité a approuvé la norme.".encode("utf-16"))
    assert load_text(path) == "Le comité a approuvé la norme."


@pytest.mark.parametrize(
    "content",
    [
        b"this is not a PDF at all, just text with the wrong suffix\n" * 20,
        b"%PDF-1.7\n" + random.Random(0).randbytes(2048),
    ],
    ids=["no-header", "garbage-body"],
)
def test_garbage_pdf(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    assert "broken PDF" in _error(path).problem


@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.9])
def test_truncated_pdf(tmp_path: Path, fraction: float) -> None:
    data = minimal_pdf(PDF_PAGES)
    path = tmp_path / "report.pdf"
    path.write_bytes(data[: int(len(data) * fraction)])
    assert "broken PDF" in _error(path).problem


def test_pdf_without_text(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(minimal_pdf([[]]))
    assert "no text could be extracted" in _error(path).problem


def test_unsupported_type(tmp_path: Path) -> None:
    path = tmp_path / "minutes.docx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    problem = _error(path).problem
    assert "unsupported file type '.docx'" in problem
    assert ".pdf" in problem  # lists what is supported
    assert not is_supported(path)


def test_no_suffix_is_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "README"
    path.write_text("hello")
    assert "unsupported file type '(none)'" in _error(path).problem


def test_directory_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "folder.txt"
    path.mkdir()
    assert "unreadable" in _error(path).problem


def test_dangling_symlink(tmp_path: Path) -> None:
    path = tmp_path / "gone.md"
    path.symlink_to(tmp_path / "does-not-exist.md")
    assert "file not found" in _error(path).problem


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read a chmod 000 file")
def test_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("classified")
    path.chmod(0)
    try:
        assert "permission denied" in _error(path).problem
    finally:
        path.chmod(0o644)


def test_html_with_only_script_has_no_text(tmp_path: Path) -> None:
    path = tmp_path / "app.html"
    path.write_text(
        "<html><head><title>x</title></head><body><script>var a = 1;</script></body></html>"
    )
    assert "no text could be extracted" in _error(path).problem


def test_source_name_overrides_file_name(tmp_path: Path) -> None:
    path = tmp_path / "tmp123.txt"
    path.write_bytes(b"")
    with pytest.raises(DocumentError) as info:
        load_text(path, source="reports/q1.txt")
    assert info.value.source == "reports/q1.txt"
    assert str(info.value).startswith("reports/q1.txt: ")


# --- good inputs ---------------------------------------------------------------------------


def test_real_pdf_loads(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(minimal_pdf(PDF_PAGES))
    text = load_text(path)
    assert "Standards Report 2025" in text
    assert "The committee approved twelve new national standards." in text
    assert "cybersecurity review (draft) and data export rules." in text  # escaped parentheses
    # the page break becomes a paragraph break, and page 1 comes before page 2
    assert text.index("twelve") < text.index("\n\n") < text.index("Second page")


def test_html_loads_with_headings_and_without_scripts(tmp_path: Path) -> None:
    path = tmp_path / "news.html"
    path.write_text(
        """<!doctype html><html><head><title>Page title</title>
        <style>body { color: red; }</style></head>
        <body>
          <nav>Home | About</nav>
          <h1>Standards &amp; Regulation News</h1>
          <p>SAC&nbsp;published 12 standards for R&amp;D in &quot;smart&quot; cities &ndash; see below.</p>
          <script>document.write("tracking code"); var secret = 42;</script>
          <h2>Second <em>topic</em></h2>
          <p>First paragraph.</p><p>Second paragraph.</p>
          <table><tr><td>GB/T 1</td><td>Safety</td></tr></table>
          <footer>Copyright footer</footer>
        </body></html>""",
        encoding="utf-8",
    )
    text = load_text(path)
    lines = [ln.strip() for ln in text.splitlines()]
    assert "# Standards & Regulation News" in lines
    assert "## Second topic" in lines
    assert "tracking code" not in text and "secret" not in text  # <script> dropped
    assert (
        "color: red" not in text and "Copyright footer" not in text and "Home | About" not in text
    )
    assert "R&D" in text and '"smart"' in text and "–" in text  # entities decoded
    assert "&amp;" not in text and "&nbsp;" not in text and "<p>" not in text
    assert "First paragraph." in lines and "Second paragraph." in lines  # block tags break lines
    assert "GB/T 1\tSafety" in text  # table cells kept apart


def test_html_documentation_page_keeps_its_content_and_reads_terms_as_headings(tmp_path: Path) -> None:
    path = tmp_path / "api.html"
    path.write_text(
        """<html><body>
        <div role="navigation"><a href="/">Python</a> &raquo; Library</div>
        <div role="main"><section><h1>datetime — dates</h1>
          <p>The module exports the following constants:</p>
          <dl><dt id="datetime.MAXYEAR">datetime.<span>MAXYEAR</span><a class="headerlink" href="#x">¶</a></dt>
          <dd><p>The largest year number allowed in a date object.
          <code>MAXYEAR</code> is 9999.</p></dd></dl>
          <p>Dates are immutable.<a role="doc-noteref" href="#fn">[2]</a></p>
          <pre>def f():
    return 1</pre>
        </section></div>
        <div class="sphinxsidebar" role="navigation"><h3>Table of Contents</h3></div>
        </body></html>""",
        encoding="utf-8",
    )
    text = load_text(path)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert "Python" not in text and "Table of Contents" not in text  # menus and sidebars are not content
    assert "###### datetime.MAXYEAR" in lines  # a defined term heads its description
    assert "The largest year number allowed in a date object. MAXYEAR is 9999." in lines  # one paragraph
    assert "# datetime — dates" in lines[lines.index("The largest year number allowed in a date object. MAXYEAR is 9999.") + 1 :]
    assert "[2]" not in text and "¶" not in text  # a footnote mark would read as a citation
    assert "```\ndef f():\n    return 1\n```" in text  # code keeps its lines and indentation


def test_markdown_loads_verbatim(tmp_path: Path) -> None:
    md = "# Title\n\nSome *emphasis* and a [link](http://example.com).\n\n## Part 2\n\n- item one\n- item two\n"
    path = tmp_path / "notes.md"
    path.write_text(md, encoding="utf-8")
    assert load_text(path) == md


def test_utf8_bom_is_stripped(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffHello wörld".encode())
    assert load_text(path) == "Hello wörld"


@pytest.mark.parametrize("name", ["a.TXT", "b.Md", "c.markdown", "d.HTM", "e.PDF"])
def test_suffixes_are_case_insensitive(name: str) -> None:
    assert is_supported(Path(name))


def test_numbered_table_rows_that_share_their_words_are_not_page_furniture() -> None:
    """Only a page number changes from page to page; rows of a table extracted from a PDF
    ("4 GB/T 25067-2020 Information Technology - Security Techniques -") differ in other
    numbers too and are kept, while a running footer is still dropped."""
    from index.clean import furniture_lines

    rows = [f"{n} GB/T {code}-2020 Information Technology - Security Techniques -" for n, code in
            ((4, 25067), (5, 28454), (7, 34953))]
    footer = [f"{n} Seconded European Standardisation Expert in China" for n in (3, 9, 14)]
    found = furniture_lines(rows + footer)
    assert "# Seconded European Standardisation Expert in China" in found
    assert not any("GB/T" in shape for shape in found)
