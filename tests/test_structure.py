"""Structure recovery and cleaning on the default collection (data/corpus) and on small inputs
written here: titles, dates, articles and sections, and what cleaning removes and mends."""

from __future__ import annotations

import re

import pytest

from index import structure
from index.loaders import load_text
from index.structure import StructuredDocument
from tests.conftest import CORPUS

FILES = {p.name[:3]: p for p in sorted(CORPUS.iterdir())}


@pytest.fixture(scope="module")
def docs() -> dict[str, StructuredDocument]:
    assert sorted(FILES) == ["000", "001", "002", "003", "004"]
    return {key: structure.parse(load_text(path), path.name) for key, path in FILES.items()}


def _lines(doc: StructuredDocument) -> list[str]:
    return doc.text.split("\n")


def _paths(doc: StructuredDocument) -> list[tuple[str, ...]]:
    return [s.path for s in doc.sections]


# --- titles and dates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "title_part", "date"),
    [
        ("000", "National Standardization Administration of China", "4 November 2025"),
        ("001", "China Standardisation Newsletter", "March - April 2025"),
        ("002", "China Standardisation Newsletter", "December 2020 – January 2021"),
        ("003", "China Standardization Newsletter", "April – May 2020"),
        ("004", "Roundtable", "January 16, 2020"),
    ],
)
def test_title_and_date(
    docs: dict[str, StructuredDocument], key: str, title_part: str, date: str
) -> None:
    doc = docs[key]
    assert title_part in doc.title
    assert doc.date == date
    # a title is a line of words, not a paragraph, a file name or markup
    assert 2 <= len(doc.title.split()) <= 16
    assert "\n" not in doc.title and "#" not in doc.title and "_" not in doc.title
    assert doc.title[0].isupper()


def test_title_fallback_without_any_heading() -> None:
    doc = structure.parse("just some lowercase words without an end", "meeting_notes-2024.txt")
    assert doc.title  # never empty
    assert doc.date is None


def test_running_header_gives_title_and_date_and_is_not_body_text(
    docs: dict[str, StructuredDocument],
) -> None:
    # 002 repeats "SESEC IV China Standardisation Newsletter | December 2020 – January 2021" and
    # "<page> Seconded European Standardisation Expert in China (SESEC)" on every page
    raw = load_text(FILES["002"])
    assert raw.count("SESEC IV China Standardisation Newsletter    |    December 2020") >= 5
    assert docs["002"].title == "SESEC IV China Standardisation Newsletter"
    for line in _lines(docs["002"]):
        assert "Newsletter | December 2020" not in line and "Newsletter    |" not in line
        assert not re.fullmatch(
            r"\d+ Seconded European Standardisation Expert in China \(SESEC\)", line
        )


# --- articles and sections -------------------------------------------------------------------


def test_sections_are_ordered_spans_of_the_text(docs: dict[str, StructuredDocument]) -> None:
    for key, doc in docs.items():
        assert doc.sections, key
        prev_end, prev_article = 0, -1
        for s in doc.sections:
            assert prev_end <= s.start < s.end <= len(doc.text), (key, s)
            assert s.article >= prev_article, (key, s)
            assert doc.text[s.start : s.end].strip(), (key, s)
            assert doc.text[s.start : s.end] == doc.text[s.start : s.end].strip(), (key, s)
            prev_end, prev_article = s.end, s.article


def test_newsletter_articles_recovered(docs: dict[str, StructuredDocument]) -> None:
    doc = docs["001"]
    article = "6. China Seeks Public Opinions on the Second Amendment to Cybersecurity Law"
    paths = [p for p in _paths(doc) if article in p]
    assert paths, "article 6 of 001 not found"
    assert all(p[0] == "Horizontal Actions" for p in paths)  # its category from the contents
    assert any(p[-1] == "1. Revision of Article 59" for p in paths)
    assert any(p[-1] == "2. Addition of Article 61" for p in paths)
    # one article number for the whole article, and the heading line precedes its first section
    arts = {s.article for s in doc.sections if article in s.path}
    assert len(arts) == 1
    first = next(s for s in doc.sections if article in s.path)
    assert doc.text[: first.start].rstrip().endswith(article)
    sub = next(s for s in doc.sections if s.path[-1:] == ("1. Revision of Article 59",))
    assert doc.text[sub.start :].startswith("Article 59 stipulated penalties")
    # the newsletter's numbered articles are all there, each its own unit
    numbered = {p[1].split(".")[0] for p in _paths(doc) if len(p) > 1 and re.match(r"\d+\. ", p[1])}
    assert {str(n) for n in range(1, 27)} <= numbered
    per_article: dict[str, set[int]] = {}
    for s in doc.sections:
        if len(s.path) > 1 and re.match(r"\d+\. ", s.path[1]):
            per_article.setdefault(s.path[1], set()).add(s.article)
    assert all(len(a) == 1 for a in per_article.values())
    assert len({min(a) for a in per_article.values()}) == len(per_article)


def test_bullet_headlines_become_sections(docs: dict[str, StructuredDocument]) -> None:
    paths = _paths(docs["000"])
    assert ("Growing Leadership in International Standards Development",) in paths
    assert ("Supporting Standardization Cooperation Through Free Trade Agreements",) in paths
    assert len({s.article for s in docs["000"].sections}) >= 6  # "six key outcomes" and more


def test_plain_text_headlines_become_articles(docs: dict[str, StructuredDocument]) -> None:
    heads = {p[0] for p in _paths(docs["003"]) if p}
    assert "China Improves Its Sector Standardization System" in heads
    assert "SAC Issues 197 National Standards" in heads
    assert "Launch of Development of Standards for 5G Network E2E Slicing" in heads
    assert len({s.article for s in docs["003"].sections}) >= 20


def test_markdown_headings_give_a_section_tree() -> None:
    raw = (
        "# Annual Report\n\n"
        "Intro paragraph about the year.\n\n"
        "## Standards Work\n\n"
        "We published **many** standards this year.\n\n"
        "### Cybersecurity\n\n"
        "Three cybersecurity standards were approved.\n\n"
        "## Outlook\n\n"
        "Next year brings more.\n"
    )
    doc = structure.parse(raw, "report.md")
    assert doc.title == "Annual Report"
    assert "**" not in doc.text and "We published many standards this year." in doc.text
    by_text = {doc.text[s.start : s.end]: s for s in doc.sections}
    cyber = by_text["Three cybersecurity standards were approved."]
    assert cyber.path[-1] == "Cybersecurity"
    outlook = by_text["Next year brings more."]
    assert outlook.path[-1] == "Outlook"
    assert cyber.article != outlook.article


# --- cleaning ---------------------------------------------------------------------------------


def test_markup_and_entities_removed(docs: dict[str, StructuredDocument]) -> None:
    raw = FILES["001"].read_text(encoding="utf-8")
    assert "<b>" in raw and "&amp;" in raw  # the raw file has both
    for key, doc in docs.items():
        for junk in ("<b>", "</b>", "&amp;", "&nbsp;", "&quot;", "**"):
            assert junk not in doc.text, (key, junk)
    assert "Q&A on China" in docs["001"].text


def test_table_of_contents_removed(docs: dict[str, StructuredDocument]) -> None:
    doc = docs["001"]
    raw = FILES["001"].read_text(encoding="utf-8")
    toc = [ln for ln in raw.splitlines()[:60] if re.search(r"\t\d+$", ln)]
    assert len(toc) >= 25
    lines = set(_lines(doc))
    for entry in toc:
        title, page = entry.rsplit("\t", 1)
        title = re.sub(r"</?b>", "", title).strip()
        assert f"{title} | {page}" not in lines
        assert not any(
            ln.startswith(title) and ln.endswith(page) and len(ln) < len(title) + 8 for ln in lines
        )
    assert "....." not in doc.text  # the dot-leader entry of Annex 3
    assert "Index" not in lines
    # the same titles still exist as headings of the articles themselves
    assert "6. China Seeks Public Opinions on the Second Amendment to Cybersecurity Law" in lines


def test_table_of_contents_with_dot_leaders_removed() -> None:
    raw = (
        "Contents\n\n"
        "Introduction ........ 2\n"
        "Market Access Rules ........ 5\n"
        "Testing and Certification ........ 9\n"
        "Annex ........ 12\n\n"
        "Introduction\n\n"
        "This report describes the market access rules. It is short.\n"
    )
    doc = structure.parse(raw, "r.txt")
    assert "........" not in doc.text
    assert "Contents" not in doc.text.split("\n")
    assert "This report describes the market access rules. It is short." in doc.text


@pytest.mark.parametrize(
    ("key", "raw_split", "mended"),
    [
        ("003", "set-\ntop boxes", "set-top boxes"),  # a compound keeps its hyphen
        ("003", "the inter-\ngovernmental dialogue", "the inter-governmental dialogue"),
        ("002", "above-\n\nmentioned fields", "above-mentioned fields"),  # across a blank line
        (
            "002",
            "Revision of Eco-\n\nEnvironmental Standards",
            "Revision of Eco-Environmental Standards",
        ),
        ("002", "the IMT-\n\n2020 (5G) Promotion Group", "the IMT-2020 (5G) Promotion Group"),
    ],
)
def test_hyphenated_line_breaks_mended(
    docs: dict[str, StructuredDocument], key: str, raw_split: str, mended: str
) -> None:
    raw = re.sub(r"[ \t]+\n", "\n", FILES[key].read_text(encoding="utf-8"))
    assert raw_split in raw
    assert mended in docs[key].text


def test_word_split_by_hyphen_is_rejoined() -> None:
    raw = (
        "The committee reviewed the stan-\n"
        "dards for toys and the cross-\n"
        "border rules. All standards were approved by the committee.\n"
    )
    doc = structure.parse(raw, "n.txt")
    assert "reviewed the standards for toys and the cross-border rules." in doc.text


@pytest.mark.parametrize(
    ("key", "sentence"),
    [
        (
            "002",
            "The theme of the webinar was “Chinese standards and compliance for European exporters”, "
            "with the aim to provide",
        ),
        ("003", "However, there is still a gap between the supply and demand of standards"),
        ("002", "of National Standards to meet new requirements under the new Standardisation Law"),
        # a title-case line that ends in "and" is no headline; a full-width prose line runs on
        # over the blank line that double-spaced PDF text puts after every line
        ("002", "Organizations including 3GPP, IETF, ITU, ETSI, and CCSA, have all been working"),
        ("002", "CCSA set up the End-to-End Network Slicing Project Group to plan the overall architecture"),
    ],
)
def test_lines_broken_mid_sentence_rejoined(
    docs: dict[str, StructuredDocument], key: str, sentence: str
) -> None:
    raw = FILES[key].read_text(encoding="utf-8")
    assert sentence not in raw  # broken over lines in the raw file
    assert any(sentence in line for line in _lines(docs[key]))


def test_paragraphs_kept_apart(docs: dict[str, StructuredDocument]) -> None:
    # two paragraphs of 004 stay two paragraphs (a sentence end then a capital is a break)
    text = docs["004"].text
    a = text.index("on January 16, 2020.")
    b = text.index("Following Dr. Betty XU’s opening speech")
    assert "\n\n" in text[a:b]


def test_no_stray_whitespace(docs: dict[str, StructuredDocument]) -> None:
    for key, doc in docs.items():
        assert doc.text == doc.text.strip(), key
        assert "\n\n\n" not in doc.text, key
        assert all(line == line.rstrip() for line in _lines(doc)), key
        assert "\u00a0" not in doc.text and "\f" not in doc.text and "\r" not in doc.text, key


def test_page_numbers_and_bare_urls_dropped() -> None:
    raw = (
        "Market Report | March – April 2024\n\nThe first page talks about standards.\n\n3\n\n"
        "Market Report | March – April 2024\n\nThe second page continues here.\n\nPage 4\n\n"
        "Market Report | March – April 2024\n\nhttps://example.com/some/long/link\n\nThe end of the report.\n"
    )
    doc = structure.parse(raw, "m.txt")
    lines = _lines(doc)
    assert "3" not in lines and "Page 4" not in lines
    assert not any("example.com" in ln for ln in lines)
    assert not any("| March" in ln for ln in lines)
    assert doc.title == "Market Report" and doc.date == "March – April 2024"


def test_a_markdown_heading_repeated_on_a_page_is_its_title_not_page_furniture() -> None:
    # a page whose title recurs (an HTML page's h1, repeated in its breadcrumbs) and ends in a
    # number, as "RFC 4122" does: no page number, no furniture
    text = "# uuid — UUID objects according to RFC 4122\n\nSource code: Lib/uuid.py\n\n" + (
        "This module provides immutable UUID objects.\n\n# uuid — UUID objects according to RFC 4122\n\n" * 3)
    assert structure.parse(text, "uuid.md").title == "uuid — UUID objects according to RFC 4122"


def test_a_line_ending_in_an_abbreviation_runs_on_over_a_blank_line(docs: dict[str, StructuredDocument]) -> None:
    """002 breaks "the Announcement No." / "48 of 2020" over a blank line: one sentence, not two."""
    assert "Announcement No. 48 of 2020, approving 669 sector standards." in " ".join(docs["002"].text.split())
    assert "issued the Announcement No.\n\n48" not in docs["002"].text
    doc = structure.parse("The rule is set out in Art.\n\n5 of the law, which applies to all firms.\n", "a.txt")
    assert "Art. 5 of the law" in " ".join(doc.text.split())


def test_a_sentence_s_opening_phrase_on_a_line_of_its_own_is_no_headline(docs: dict[str, StructuredDocument]) -> None:
    """003 breaks "On April 21, the Certification and Accreditation" / "Administration of China
    released ...": a title-case line, but a sentence's opening, so no section and no cut."""
    assert "On April 21, the Certification and Accreditation Administration of China released" in " ".join(
        docs["003"].text.split())
    assert not any("On April 21" in " ".join(s.path) for s in docs["003"].sections)


def test_figure_captions_are_dropped_and_a_year_on_its_own_line_is_no_page_number(
    docs: dict[str, StructuredDocument],
) -> None:
    """003's lost figures leave "Figure 1 Phase I standards system based on R15" above a headline
    wrapped as "... Intelligent Connected Vehicle in" / "2020": the captions go, the year stays."""
    text = docs["003"].text
    assert "Figure 2 Phase II standards system" not in text
    assert "Key points of standardization for Intelligent Connected Vehicle in 2020\n\nOn April 16" in text
    assert "Table 1 lists the members." in structure.parse("Intro.\n\nTable 1 lists the members.\n", "t.txt").text


def test_a_line_ending_in_a_closing_quote_without_a_stop_runs_on(docs: dict[str, StructuredDocument]) -> None:
    """002: 'Specifically, the first batch of the “top runner”' / 'list in 2020 was published'."""
    assert "the first batch of the “top runner” list in 2020 was published" in " ".join(docs["002"].text.split())
