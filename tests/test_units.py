"""Answer units recovered from a document's structure, and vectors pooled for their spans."""

from __future__ import annotations

import numpy as np

from index import loaders, structure
from index.embed.base import pool_spans
from index.units import answer_units, strip_label, units_in

DOC = """# Conference

Three achievements were announced at the conference:

- A white paper on smart hydropower was released.
- A representative office was unveiled.
- A carbon footprint platform was showcased.

The meeting closed in the evening.

No. | 2025 version | 2024 version
1 | formulate safety standards | –
2 | improve housing norms | improve norms

### Question 1: What is a negative list?

Answer: A negative list names the data that needs a security assessment.

```
for item in queue:
    # handle it
    print(item)
```
"""


def units_of(text: str):  # type: ignore[no-untyped-def]
    doc = structure.parse(text, "doc.md")
    return doc, answer_units(doc)


def test_a_list_is_one_unit_with_its_introduction_and_every_item() -> None:
    doc, units = units_of(DOC)
    lists = [doc.text[u.start : u.end] for u in units if u.kind == "list"]
    assert len(lists) == 1
    assert lists[0].startswith("Three achievements were announced at the conference:")
    assert "showcased" in lists[0] and "closed" not in lists[0]


def test_a_table_row_carries_its_header() -> None:
    doc, units = units_of(DOC)
    rows = [u for u in units if u.kind == "row"]
    assert [doc.text[u.start : u.end].split(" | ")[0] for u in rows] == ["1", "2"]
    assert all(u.head == "No. | 2025 version | 2024 version" for u in rows)


def test_an_answer_paragraph_knows_its_question_and_loses_its_label_when_quoted() -> None:
    doc, units = units_of(DOC)
    (answer,) = [u for u in units if u.kind == "answer"]
    assert answer.head and answer.head.endswith("What is a negative list?")
    assert strip_label(doc.text[answer.start : answer.end]).startswith("A negative list names")


def test_a_code_block_is_whole_and_keeps_its_lines_and_comments() -> None:
    doc, units = units_of(DOC)
    (code,) = [doc.text[u.start : u.end] for u in units if u.kind == "code"]
    assert "    # handle it\n    print(item)" in code
    assert not any("handle it" in s.path[-1] for s in doc.sections if s.path)  # a comment is no heading


def test_units_offsets_point_into_the_stored_text() -> None:
    doc, units = units_of(DOC)
    sentences = [doc.text[u.start : u.end] for u in units if u.kind == "sentence"]
    assert "The meeting closed in the evening." in sentences
    for u in units:
        assert 0 <= u.start < u.end <= len(doc.text)


def test_a_passage_carries_the_units_it_mostly_holds() -> None:
    doc, units = units_of(DOC)
    lst = next(u for u in units if u.kind == "list")
    held = units_in(lst.start, lst.start + 80, units)
    assert lst in [u for u, _, _ in held]  # 80 characters of a long list: enough to carry it
    assert all(a >= lst.start and b <= lst.start + 80 for _, a, b in held)
    # a passage that ends after the list's introduction carries the list it begins
    intro_end = doc.text.index("conference:") + len("conference:")
    assert lst in [u for u, _, _ in units_in(lst.start - 10, intro_end, units)]
    # one that holds only a few characters of a list it does not begin does not
    assert lst not in [u for u, _, _ in units_in(lst.end - 20, lst.end + 200, units)]


def test_html_keeps_dunder_names_code_and_list_items_and_drops_pilcrows(tmp_path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "copy.html"
    page.write_text(
        "<html><body><h1>copy<a class='headerlink' href='#x'>\u00b6</a></h1>"
        "<p>Classes can define <code>__copy__()</code> and <code>__deepcopy__()</code>.</p>"
        "<dl><dt>datetime.MAXYEAR<a class='headerlink'>\u00b6</a></dt><dd><p>The largest year. MAXYEAR is 9999.</p></dd></dl>"
        "<p>The module provides:</p><ul><li>copy</li><li>deepcopy</li></ul>"
        "<pre># a comment\nx = copy.copy(y)\n</pre></body></html>"
    )
    doc = structure.parse(loaders.load_text(page), "copy.html")
    assert "__copy__()" in doc.text and "__deepcopy__()" in doc.text
    assert "\u00b6" not in doc.text
    assert "datetime.MAXYEAR\n\nThe largest year." in doc.text  # the term apart from its description
    units = answer_units(doc)
    assert any(u.kind == "list" and doc.text[u.start : u.end].endswith("- deepcopy") for u in units)
    assert any(u.kind == "code" and "# a comment\nx = copy.copy(y)" in doc.text[u.start : u.end] for u in units)


def test_units_under_a_defined_term_are_read_with_the_term(tmp_path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "dataclasses.html"
    page.write_text(
        "<html><body><h1>dataclasses</h1><p>The module provides a decorator.</p>"
        "<dl><dt>exception dataclasses.FrozenInstanceError</dt>"
        "<dd><p>Raised when a frozen field is assigned to.</p></dd></dl>"
        "<h2>Frozen instances</h2><p>Frozen instances emulate read-only objects.</p></body></html>"
    )
    doc = structure.parse(loaders.load_text(page), "dataclasses.html")
    units = {doc.text[u.start : u.end]: u for u in answer_units(doc)}
    assert units["Raised when a frozen field is assigned to."].head == "exception dataclasses.FrozenInstanceError"
    # an ordinary heading is a section, not a term: its sentences have no head
    assert units["Frozen instances emulate read-only objects."].head is None
    assert units["The module provides a decorator."].head is None


def test_span_vectors_pool_only_the_tokens_inside_each_span() -> None:
    states = np.array([[9.0, 9.0], [1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [9.0, 9.0]], dtype=np.float32)
    offsets = [(0, 0), (0, 3), (4, 8), (9, 12), (0, 0)]  # [CLS] one two six [SEP]
    pooled = pool_spans(states, offsets, [1, 1, 1, 1, 1], [(0, 3), (0, 8), (20, 30)])
    assert np.allclose(pooled[0], [1.0, 0.0])
    assert np.allclose(pooled[1], np.array([0.5, 0.5]) / np.linalg.norm([0.5, 0.5]))
    assert not pooled[2].any()  # a span past the input limit gets no vector


def test_an_html_table_is_rows_with_a_header_and_a_list_when_a_sentence_introduces_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from assistant.engine.compose import render
    from index.units import PassageUnit

    page = tmp_path / "asyncio-task.html"
    page.write_text(
        "<html><body><h1>asyncio.wait</h1>"
        "<p>return_when indicates when this function should return. It must be one of the following constants:</p>"
        "<table><thead><tr><th><p>Constant</p></th><th><p>Description</p></th></tr></thead><tbody>"
        "<tr><td><p>FIRST_COMPLETED</p></td><td><p>The function will return when any future finishes.</p></td></tr>"
        "<tr><td><p>ALL_COMPLETED</p></td><td><p>The function will return when all futures finish.</p>"
        "<p>Or are cancelled.</p></td></tr></tbody></table>"
        "<p>Unlike wait_for(), wait() does not cancel the futures.</p></body></html>"
    )
    doc = structure.parse(loaders.load_text(page), page.name)
    units = answer_units(doc)
    # a cell's paragraphs stay on their row's line; the header row is the rows' head, no headline
    rows = [u for u in units if u.kind == "row"]
    assert [doc.text[u.start : u.end] for u in rows] == [
        "FIRST_COMPLETED | The function will return when any future finishes.",
        "ALL_COMPLETED | The function will return when all futures finish. Or are cancelled.",
    ]
    assert all(u.head == "Constant | Description" for u in rows)
    assert not any("Constant" in s.path[-1] for s in doc.sections if s.path)
    # the introduction with the table is a list, read with the sentence its "It" refers back to
    (listed,) = [u for u in units if u.kind == "list"]
    text = doc.text[listed.start : listed.end]
    assert text.startswith("return_when indicates") and text.endswith("Or are cancelled.")
    assert render(PassageUnit("p", "list", listed.start, listed.end, text, None, None)).splitlines()[1:] == [
        "- FIRST_COMPLETED: The function will return when any future finishes.",
        "- ALL_COMPLETED: The function will return when all futures finish. Or are cancelled.",
    ]


def test_a_sentence_that_introduces_entries_is_a_list_of_them_when_they_are_short(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Sphinx writes "defines the following constants:" and then one entry (<dl>) per constant:
    the introduction with the entries is a list unit, rendered as one item per term; entries
    too long to be items (a class with its methods) make no list, so no half list is quoted."""
    from assistant.engine.compose import render
    from index.units import PassageUnit

    entries = "".join(f"<dl><dt>csv.{name}</dt><dd><p>{says}</p></dd></dl>" for name, says in [
        ("QUOTE_ALL", "Instructs writer objects to quote all fields."),
        ("QUOTE_NONE", "Instructs writer objects to never quote fields."),
    ])
    long = "".join(f"<dl><dt>class asyncio.{name}</dt><dd>" + "<p>It does a great many things.</p>" * 4 + "</dd></dl>"
                   for name in ("Queue", "LifoQueue"))
    page = tmp_path / "csv.html"
    page.write_text(
        "<html><body><h1>csv</h1><section><h2>Module Contents</h2>"
        f"<p>The csv module defines the following constants for use with the writer objects of this module.</p>{entries}"
        f"<p>The module provides these queue classes:</p>{long}<p>It ends here.</p></section></body></html>"
    )
    doc = structure.parse(loaders.load_text(page), page.name)
    lists = [u for u in answer_units(doc) if u.kind == "list"]
    assert len(lists) == 1
    text = doc.text[lists[0].start : lists[0].end]
    assert text.startswith("The csv module defines") and text.endswith("never quote fields.")
    assert render(PassageUnit("p", "list", lists[0].start, lists[0].end, text, None, None)).splitlines()[1:] == [
        "- `csv.QUOTE_ALL`: Instructs writer objects to quote all fields.",
        "- `csv.QUOTE_NONE`: Instructs writer objects to never quote fields.",
    ]


def test_dunder_names_in_one_sentence_are_not_read_as_bold() -> None:
    from index.clean import normalize

    sentence = "__init__() cannot use simple assignment, and must use object.__setattr__()."
    assert normalize(sentence) == sentence
    assert normalize("a __bold phrase__ here") == "a bold phrase here"


def test_a_version_note_is_one_unit_beside_its_sentences() -> None:
    doc, units = units_of("# random\n\nChanged in version 3.11: The population must be a sequence. "
                          "Automatic conversion of sets to lists is no longer supported.\n\nIt is fast. It is small.\n")
    spans = [doc.text[u.start : u.end] for u in units if u.kind == "sentence"]
    assert ("Changed in version 3.11: The population must be a sequence. Automatic conversion of sets to lists "
            "is no longer supported.") in spans
    assert "The population" not in " ".join(s for s in spans if s.startswith("Automatic"))
    assert "It is fast. It is small." not in spans  # only a version note is one claim
