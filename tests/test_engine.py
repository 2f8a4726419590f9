"""The answer engine's stages on their own: analyse, select, check, compose."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from assistant.engine.check import Evidence, assess, should_abstain
from assistant.engine.citations import Source, to_citation
from assistant.engine.compose import choose, compose, render
from assistant.engine.query import analyse, counts, has_kind, names_role, roles, split_parts
from assistant.engine.retrieve import Hit
from assistant.engine.select import FEATURES, Candidate, Selector
from index.split import Passage
from index.units import PassageUnit

TEXT = (
    "The conference was held in Nanjing in 2025.\n\n"
    "Three achievements were announced at the conference:\n\n"
    "- Two white papers were released.\n\n"
    "- A representative office was unveiled.\n\n"
    "Zhang Wei was elected chair of the committee; Li Na became vice-chair."
)


def source() -> Source:
    p = Passage("d:00000", "doc.txt", 0, TEXT, "Standardization conference", 100, 100 + len(TEXT), "h")
    return Source(p, "Conference report", 0.9, "May 2025")


def unit(kind: str, snippet: str, end_snippet: str | None = None) -> PassageUnit:
    a = TEXT.index(snippet)
    b = TEXT.index(end_snippet) + len(end_snippet) if end_snippet else a + len(snippet)
    return PassageUnit("d:00000", kind, 100 + a, 100 + b, TEXT[a:b], None, None)


UNITS = [
    unit("sentence", "The conference was held in Nanjing in 2025."),
    unit("list", "Three achievements", "unveiled."),
    unit("sentence", "Three achievements were announced at the conference:"),
    unit("sentence", "- Two white papers were released."),
    unit("sentence", "- A representative office was unveiled."),
    unit("sentence", "Zhang Wei was elected chair of the committee; Li Na became vice-chair."),
]


def ranked(question: str):  # type: ignore[no-untyped-def]
    q = analyse(question)
    return q, Selector().candidates(q, [source()], lambda s: UNITS)


def verdict(question: str, text: str, section: str = "Section", documents: tuple[str, ...] = ()) -> Evidence:
    """The check stage's verdict on ``question`` against one passage that is one sentence."""
    p = Passage("v:00000", "v.txt", 0, text, section, 0, len(text), "h")
    src = Source(p, "Newsletter", 0.9)
    q = analyse(question)
    got = Selector().candidates(q, [src], lambda s: [PassageUnit("v:00000", "sentence", 0, len(text), text, None, None)])
    evidence, _ = assess(q, [Hit(p, 1.0, dense=0.7)], got, [src], documents=documents)
    return evidence


def test_a_question_in_two_parts_is_split_and_a_single_one_is_not() -> None:
    assert split_parts("How did the number of CCC categories change, and when was the Negative List published?") == [
        "How did the number of CCC categories change?", "when was the Negative List published?"]
    assert len(split_parts("What is the fine for companies and individuals?")) == 1
    q = analyse("How many categories changed, and when was the Negative List published?")
    assert [p.wants for p in q.parts] == ["number", "date"]
    # a statement before the questions frames each of them
    assert split_parts("The random docs warn against it for security; which module should I use instead, "
                       "and which of its functions gives a hex token?") == [
        "The random docs warn against it for security: which module should I use instead?",
        "The random docs warn against it for security: which of its functions gives a hex token?"]
    # a part may open with a preposition: "At whose request ...", "on what date ...", "Since which version ..."
    assert split_parts("At whose request were green products integrated, and on what date did CNCA issue its notice?") == [
        "At whose request were green products integrated?", "on what date did CNCA issue its notice?"]
    assert split_parts("Since which version can json.load read binary files, and which exception does tomllib.load raise?") == [
        "Since which version can json.load read binary files?", "which exception does tomllib.load raise?"]
    assert len(split_parts("Which products are covered in the plan for industry and services?")) == 1
    # a statement that opens a question goes with each part; "if not," may open the second
    assert split_parts("I want epoch seconds back: what undoes time.gmtime(), and what undoes time.localtime()?") == [
        "I want epoch seconds back: what undoes time.gmtime()?", "I want epoch seconds back: what undoes time.localtime()?"]
    assert split_parts("Does mkdtemp() clean up the directory? If not, which shutil function removes the tree?") == [
        "Does mkdtemp() clean up the directory?", "If not, which shutil function removes the tree?"]
    # an adverb may stand between the "and" and the second question
    assert split_parts("How many standards does the guide index, and roughly how many people attended the week?") == [
        "How many standards does the guide index?", "roughly how many people attended the week?"]


def test_roles_are_told_apart() -> None:
    assert roles("Who is the vice-chair and the secretary general?") == ["vice-chair", "secretary-general"]
    assert names_role("Li Na became vice-chair.", "vice-chair")
    assert not names_role("Li Na became vice-chair.", "chair")
    assert names_role("Zhang Wei was elected chair.", "chair")


def test_a_list_question_gets_the_list_with_its_items_never_the_bare_introduction() -> None:
    q, got = ranked("What achievements were announced at the conference?")
    assert got[0].unit.kind == "list"
    assert all(not c.text.rstrip().endswith(":") for c in got)  # an introduction alone is no candidate
    text = compose(choose(q, got[:1])).text
    assert text == (
        "Three achievements were announced at the conference: [1]\n"
        "- Two white papers were released. [1]\n"
        "- A representative office was unveiled. [1]"
    )


def test_a_near_miss_on_another_role_or_year_is_refused() -> None:
    hits = [Hit(source().passage, 1.0, dense=0.7)]
    for question in ("Who is the secretary-general of the committee?", "Where was the conference held in 2019?"):
        q, got = ranked(question)
        evidence, _ = assess(q, hits, got, [source()])
        assert evidence.missing, question
        assert should_abstain(evidence, 0.2)
    q, got = ranked("Who was elected vice-chair of the committee?")
    evidence, order = assess(q, hits, got, [source()])
    assert not evidence.missing and "vice-chair" in order[0].text


def test_an_identifier_the_chosen_passage_never_names_is_a_near_miss() -> None:
    text = "A symlink attack resistant version of rmtree() is used by default.\n\nThe onerror handler is called with three arguments."
    p = Passage("s:1", "shutil.html", 0, text, "shutil.rmtree(path)", 0, len(text), "h")
    src = Source(p, "shutil", 0.9)
    hits = [Hit(p, 1.0, dense=0.7)]
    other = Passage("s:2", "shutil.html", 1, "copy() accepts follow_symlinks.", "shutil.copy", 500, 530, "h")
    # follow_symlinks is in the documents found, but not in the passage that would answer
    q = analyse("What does shutil.rmtree's follow_symlinks parameter default to?")
    assert "follow_symlinks" in q.names
    evidence, _ = assess(q, hits, Selector().candidates(q, [src]), [src], documents=[other.text])
    assert "follow_symlinks" in evidence.missing
    # "the X parameter" names X even without an underscore
    assert "encoding" in analyse("What does the encoding parameter of tomllib.load default to?").names
    # an acronym names an actor, often once per article: the documents found must have it, the passage need not
    q = analyse("According to CAICT's white paper, when was Release 16 completed?")
    assert q.names == ("CAICT",)
    evidence, _ = assess(q, hits, Selector().candidates(q, [src]), [src], documents=["CAICT white paper"])
    assert "CAICT" not in evidence.missing


def test_a_how_many_needs_a_count_of_the_thing_asked_about() -> None:
    q = analyse("How many mobile IoT connections did China's network have by the end of 2019?")
    assert q.counted == ("connect",)
    assert not counts("By the end of 2019, China has established more than 700,000 base stations.", q.counted)
    assert counts("The number of mobile IoT connections in the network has exceeded 1 billion.", q.counted)
    # ... and ranks first among the units that meet the constraints, without refusing when none does
    first = "By the end of 2019, China has established more than 700,000 base stations."
    second = "The number of mobile IoT connections in the network has exceeded 1 billion."
    text = f"{first} {second}"
    p = Passage("m:1", "miit.txt", 0, text, "Mobile IoT", 0, len(text), "h")
    src = Source(p, "MIIT notice", 0.9, "2020")
    a = PassageUnit("m:1", "sentence", 0, len(first), first, None, None)
    b = PassageUnit("m:1", "sentence", len(first) + 1, len(text), second, None, None)
    got = Selector().candidates(q, [src], lambda s: [a, b])
    _, order = assess(q, [Hit(p, 1.0, dense=0.7)], got, [src])
    assert order[0].unit is b
    # a short form of the word counts: "apps" for "applications"
    q = analyse("How many software applications has the platform collected?")
    assert counts("The platform has collected 1,750 industrial apps.", q.counted)


def test_a_digit_inside_a_name_or_an_index_is_no_figure() -> None:
    assert not has_kind("The buffer's length is array.buffer_info()[1] * array.itemsize.", "number")
    assert not has_kind("Encode it as utf8 on x86.", "number")
    assert has_kind("The catalogue covers 117 categories.", "number") and has_kind("It rose by 85%.", "number")


def test_a_standard_number_money_and_a_verb_for_an_office_are_what_they_ask_for() -> None:
    assert analyse("What is the standard number of CBIA's association standard on battery data?").wants == "code"
    assert has_kind("It was published as T/CBIA 012-2025.", "code")
    q = analyse("How much money has been put into the special fund?")
    assert q.wants == "number" and q.measure
    assert not has_kind("The list included 154 products and 331 enterprises.", "number", q.text, measure=True)
    assert has_kind("The fund holds RMB 2 billion.", "number", q.text, measure=True)
    assert roles("Who chairs SAC/TC 20?") == ["chair"] and roles("Who are its founders?") == ["founder"]


def test_an_office_that_only_says_who_took_part_may_be_named_in_the_passage() -> None:
    """"How many documents did Luo Wen sign with the head of the Uzbek agency?": the head is
    named in the sentence before the one with the count; for "who is the head", the unit must
    name the office itself."""
    text = ("Luo Wen met Akmal Jumanazarov, Head of the Uzbek Agency. "
            "Following the meeting, Mr. Luo and Mr. Jumanazarov signed three cooperation documents.")
    p = Passage("v:00000", "v.txt", 0, text, "News", 0, len(text), "h")
    src = Source(p, "Newsletter", 0.9)
    a = text.index("Following")
    units = [PassageUnit("v:00000", "sentence", a, len(text), text[a:], None, None)]

    def missing(question: str) -> tuple[str, ...]:
        q = analyse(question)
        return assess(q, [Hit(p, 1.0, dense=0.7)], Selector().candidates(q, [src], lambda s: units), [src])[0].missing

    assert not missing("How many cooperation documents did Luo sign with the head of the Uzbek Agency?")
    assert "head" in missing("Who is the head of the Uzbek Agency?")


def test_an_office_is_a_role_the_unit_must_name() -> None:
    assert roles("Which country will take over the rotating BRICS presidency in 2026?") == ["presidency"]
    assert names_role("ABNT assumed the 2025 BRICS rotating presidency.", "presidency")
    assert not names_role("The president of ABNT opened the meeting.", "presidency")


def test_one_as_a_pronoun_is_no_count() -> None:
    assert not has_kind("The dictionary may not equal the original one.", "number")
    assert has_kind("Only one standard was issued.", "number") and has_kind("The two bodies signed.", "number")


def test_a_refusal_says_why_in_words() -> None:
    from assistant.engine.check import reasons

    assert reasons(Evidence(dense=0.7, coverage=0.8, missing=()), 0.2) == []
    why = reasons(Evidence(dense=0.2, coverage=0.1, missing=("2019",), kind_missing=True), 0.2)
    assert any("2019" in w for w in why) and any("near in meaning" in w for w in why)
    assert any("kind asked" in w for w in why) and any("evidence score" in w for w in why)


def test_a_time_frame_may_come_from_the_document_date() -> None:
    q, got = ranked("Which achievements were announced at the conference in May 2025?")
    evidence, _ = assess(q, [Hit(source().passage, 1.0, dense=0.7)], got, [source()])
    assert evidence.missing == ()


def test_an_edition_must_be_named_by_the_unit_not_by_the_document_date() -> None:
    text = "The 2020 Version of the Negative List indicates the 123 categories of businesses that are not allowed."
    p = Passage("n:1", "news.txt", 0, text, "Market access", 0, len(text), "h")
    src = Source(p, "Newsletter", 0.9, "December 2020 – January 2021")
    hits = [Hit(p, 1.0, dense=0.8)]
    q = analyse("How many categories of business does the 2021 version of the Negative List prohibit?")
    assert q.editions == ("2021",)
    evidence, _ = assess(q, hits, Selector().candidates(q, [src]), [src])
    assert evidence.missing == ("2021",) and should_abstain(evidence, 0.2)
    # the edition the unit names is met; a plain time frame may still come from the document date
    q = analyse("How many categories of business does the 2020 version of the Negative List prohibit?")
    assert not assess(q, hits, Selector().candidates(q, [src]), [src])[0].missing
    q = analyse("How many categories of business did the Negative List prohibit in 2021?")
    assert q.editions == () and not assess(q, hits, Selector().candidates(q, [src]), [src])[0].missing
    # a year on an event or on the document itself is its time frame, not an edition
    assert analyse("Which products did China's 2020 CCC catalogue adjustment add?").editions == ()
    assert analyse("What does SESEC's 2020 item on cybersecurity products require?").editions == ()


def test_a_row_meets_what_the_question_names_through_its_header_in_the_passage_before() -> None:
    row = "8 | practically ensure equal treatment for foreign enterprises | ensure equal participation"
    p = Passage("g:3", "report.txt", 3, row, "Government work report", 500, 500 + len(row), "h")
    src = Source(p, "Newsletter", 0.9, "March - April 2025")
    unit_ = PassageUnit("g:3", "row", 500, 500 + len(row), row, "No. | 2025 version | 2024 version", None)
    q = analyse("How did the wording on equal treatment for foreign enterprises change between the 2024 and 2025 reports?")
    evidence, _ = assess(q, [Hit(p, 1.0, dense=0.7)], Selector().candidates(q, [src], lambda s: [unit_]), [src])
    assert evidence.missing == ()


def _entries() -> tuple[Source, list[PassageUnit]]:
    """Two API entries sharing one passage, as short entries do."""
    parts = [
        ("@functools.lru_cache(maxsize=128)", "Decorator to wrap a function with a memoizing callable."),
        ("@functools.lru_cache(maxsize=128)", "The cache keeps references to the arguments until they age out of the cache."),
        ("@functools.cache(user_function)", "Simple lightweight unbounded function cache."),
        ("@functools.cache(user_function)", "The cache is threadsafe so that the wrapped function can be used in several threads."),
    ]
    text = " ".join(t for _, t in parts)
    p = Passage("f:1", "functools.html", 1, text, "@functools.lru_cache(maxsize=128)", 0, len(text), "h", opens=True)
    units, pos = [], 0
    for head, t in parts:
        units.append(PassageUnit("f:1", "sentence", pos, pos + len(t), t, head, None))
        pos += len(t) + 1
    return Source(p, "functools", 0.9), units


def test_what_x_does_is_answered_under_x_exactly_and_led_by_its_entry_s_first_sentence() -> None:
    src, units = _entries()
    q = analyse("What does functools.cache do?")
    got = Selector().candidates(q, [src], lambda s: units)
    opens = FEATURES.index("opens")
    # the first sentence under each term opens its entry, even inside a passage
    assert {c.text for c in got if c.features[opens]} == {units[0].text, units[2].text}
    _, order = assess(q, [Hit(src.passage, 1.0, dense=0.7)], got, [src])
    assert order[0].unit.head == "@functools.cache(user_function)"  # not the longer name beside it
    # when the best unit is a later sentence of the entry, the entry's definition comes with it
    later = [c for c in order if c.unit is units[3]] + [c for c in order if c.unit is not units[3]]
    picked = [c.unit for c in choose(q, later)]
    assert units[2] in picked and picked.index(units[2]) < picked.index(units[3])


def test_a_how_long_needs_a_quantity_with_its_unit_of_measure() -> None:
    q = analyse("How long is the Jakarta–Bandung High-Speed Railway?")
    assert q.wants == "number" and q.measure
    assert not has_kind("Chinese standards were adopted in eight railway projects.", "number", q.text, measure=True)
    assert has_kind("The line is 142.3 km long.", "number", q.text, measure=True)
    assert has_kind("The office completes the review within 45 working days.", "number", q.text, measure=True)
    # how long a sequence can be is a count of its elements
    assert has_kind("A sequence of length 2080 is the largest that fits.", "number", q.text, measure=True)
    assert has_kind("Lines are wrapped at 70 columns.", "number", q.text, measure=True)
    assert not analyse("How many projects adopted Chinese standards?").measure
    for question in ("What is its maximum operating speed?", "What is the maximum length of a key accepted by json.dumps?"):
        q = analyse(question)
        assert q.measure and q.wants == "number", question


def test_a_unit_promoted_for_holding_the_kind_must_be_about_the_question() -> None:
    about = "China's proposal for an international standard on quantum computing vocabulary was approved by ISO/IEC JTC 1."
    nearby = "Separately, a conformance test method was published as ISO/IEC 19823-16:2020 in the same month."
    text = f"{about}\n\n{nearby}"  # two paragraphs: not one answer read across both
    p = Passage("q:1", "news.txt", 0, text, None, 0, len(text), "h")
    src = Source(p, "Newsletter", 0.9, "2020")
    # the units' own vectors: the first is about the question, the second about something else
    a = PassageUnit("q:1", "sentence", 0, len(about), about, None, np.array([1.0, 0.0]))
    b = PassageUnit("q:1", "sentence", len(about) + 2, len(text), nearby, None, np.array([0.0, 1.0]))
    q = analyse("What ISO/IEC standard number was assigned to China's quantum computing vocabulary standard?")
    q = q.with_vector(np.array([1.0, 0.0]))
    assert q.wants == "code"
    common = {"iso": 0.2, "iec": 0.2, "standard": 0.3, "intern": 0.3, "china": 0.2, "quantum": 6.0}  # IDF
    got = Selector(common).candidates(q, [src], lambda s: [a, b])
    assert got[0].unit is a and got[1].unit is b  # the code is in the second unit only
    evidence, order = assess(q, [Hit(p, 1.0, dense=0.7)], got, [src])
    assert order[0].unit is a and evidence.kind_missing  # the neighbouring code is not promoted: no answer


def test_the_citation_highlights_exactly_the_quoted_unit() -> None:
    u = UNITS[5]
    c = to_citation(1, source(), [u])
    (h,) = c.highlights
    assert c.text[h.start : h.end] == u.text


def test_brackets_inside_code_are_no_citation_markers() -> None:
    from assistant.engine.citations import resolve

    text = "Extend the list: [3]\n```\nc.mylist += [1, 2, 3]\n```\n[3] Index it with `x[2]`. [3]"
    got, cited = resolve(text, [source(), source(), source()])
    assert "c.mylist += [1, 2, 3]" in got and "`x[2]`" in got
    assert [c.n for c in cited] == [1] and got.startswith("Extend the list: [1]")


def test_rendering_strips_artefacts_and_keeps_names_and_numbers() -> None:
    row = PassageUnit("d:1", "row", 0, 10, "1 | formulate 1,079 standards | –", "No. | 2025 version | 2024 version", None)
    assert render(row) == "No.: 1; 2025 version: formulate 1,079 standards."
    qa = PassageUnit("d:1", "answer", 0, 10, "**Answer:** GB/T 43697-2024 (hereinafter the Rules) applies.", None, None)
    assert render(qa) == "GB/T 43697-2024 applies."
    code = PassageUnit("d:1", "code", 0, 10, "```\nqueue.put(item)\n```", None, None)
    assert render(code) == "```\nqueue.put(item)\n```"


def test_a_unit_under_a_defined_term_is_led_by_the_term_once() -> None:
    term = "exception dataclasses.FrozenInstanceError"
    a = PassageUnit("d:00000", "sentence", 100, 140, "Raised when a frozen field is assigned.", term, None)
    b = PassageUnit("d:00000", "sentence", 141, 170, "It is a subclass of AttributeError.", term, None)
    q = analyse("Which exception is raised when a frozen field is assigned?")
    got = Selector().candidates(q, [source()], lambda s: [a, b])
    text = compose(sorted(got, key=lambda c: c.unit.start)).text
    assert text.startswith(f"`{term}`: Raised when a frozen field is assigned. [1]")
    assert text.count(term) == 1
    # a long signature is shown by its name
    long = "@dataclasses.dataclass(*, init=True, repr=True, eq=True, order=False, unsafe_hash=False, frozen=False)"
    c = PassageUnit("d:00000", "sentence", 100, 140, "Adds generated special methods.", long, None)
    assert compose(Selector().candidates(q, [source()], lambda s: [c])).text.startswith("`@dataclasses.dataclass(…)`: ")
    # ...unless the question asks about a default or a parameter, which the signature holds
    q = analyse("What does frozen default to in dataclasses.dataclass?")
    assert q.signature and not analyse("What does dataclasses.dataclass add?").signature
    assert compose(Selector().candidates(q, [source()], lambda s: [c]), signatures=True).text.startswith(f"`{long}`: ")


def test_a_list_item_that_continues_its_introduction_is_no_candidate_of_its_own() -> None:
    text = "The function avoids these problems by:\n\n- keeping a memo; and\n\n- letting classes override the copying operation."
    p = Passage("c:1", "copy.html", 0, text, "copy", 0, len(text), "h")
    item = text.index("- letting")
    units = [PassageUnit("c:1", "list", 0, len(text), text, None, None),
             PassageUnit("c:1", "sentence", item, len(text), text[item:], None, None)]
    got = Selector().candidates(analyse("How can classes override the copying operation?"), [Source(p, "copy", 0.9)], lambda s: units)
    assert [c.unit.kind for c in got] == ["list"]
    # nor one that runs on into the next item, capitalised or not
    text = "She said standardization is:\n\n- A core element of opening-up,\n\n- A bridge between markets."
    p = Passage("c:2", "n.txt", 0, text, "News", 0, len(text), "h")
    item = text.index("- A core")
    units = [PassageUnit("c:2", "list", 0, len(text), text, None, None),
             PassageUnit("c:2", "sentence", item, text.index(",") + 1, text[item : text.index(",") + 1], None, None)]
    got = Selector().candidates(analyse("What is a core element of opening-up?"), [Source(p, "n", 0.9)], lambda s: units)
    assert [c.unit.kind for c in got] == ["list"]
    assert render(units[1]) == "A core element of opening-up."  # never ",."


def test_a_sentence_too_short_to_say_what_it_is_about_is_led_by_its_heading() -> None:
    short = PassageUnit("d:00000", "sentence", 100, 119, "New in version 3.9.", None, None)
    q = analyse("When was zoneinfo added?")
    got = Selector().candidates(q, [source()], lambda s: [short])
    assert compose(got, {1: "zoneinfo — IANA time zone support"}).text == "zoneinfo — IANA time zone support: New in version 3.9. [1]"
    assert compose(got).text == "New in version 3.9. [1]"


def test_a_heading_that_names_the_subject_exactly_counts_and_a_longer_name_does_not() -> None:
    q = analyse("What does functools.cache do?")
    assert "functools.cache" in q.subjects
    p1 = Passage("f:1", "functools.html", 0, "Simple lightweight unbounded function cache.", "@functools.cache(user_function)", 0, 44, "h")
    p2 = Passage("f:2", "functools.html", 1, "Decorator to wrap a function with a memoizing callable.", "@functools.lru_cache(maxsize=128)", 50, 105, "h")
    got = Selector().candidates(q, [Source(p2, "functools", 0.9), Source(p1, "functools", 0.8)])
    subject = {c.text: c.features[FEATURES.index("subject")] for c in got}
    assert subject["Simple lightweight unbounded function cache."] == 1.0
    assert subject["Decorator to wrap a function with a memoizing callable."] == 0.0


def test_a_code_block_inside_a_list_unit_stays_one_block() -> None:
    text = "Queues can share out work:\n\n```\nimport asyncio\n\nasync def worker(q):\n    pass\n```"
    got = render(PassageUnit("d:1", "list", 0, len(text), text, None, None))
    assert got == "Queues can share out work:\n```\nimport asyncio\n\nasync def worker(q):\n    pass\n```"


def test_unit_vectors_count_in_selection() -> None:
    near, far = np.array([1.0, 0.0], dtype=np.float32), np.array([0.0, 1.0], dtype=np.float32)
    units = [PassageUnit("d:0", "sentence", 0, 30, "Alpha beta gamma delta epsilon.", None, far),
             PassageUnit("d:0", "sentence", 31, 60, "Alpha beta gamma delta zeta.", None, near)]
    q = analyse("alpha beta").with_vector(near)
    got = Selector().candidates(q, [source()], lambda s: units)
    assert got[0].text.endswith("zeta.") and got[0].similarity > got[1].similarity


def test_evidence_score_is_what_the_threshold_reads() -> None:
    assert Evidence(dense=1.0, coverage=0.0, missing=()).score == 0.3


def test_what_happens_when_asks_about_a_condition_not_a_date() -> None:
    assert analyse("What happens when you put an item into a full queue?").wants != "date"
    assert analyse("When was the queue added?").wants == "date"
    assert analyse("Do you know when the plan was published?").wants == "date"
    # a "when" clause that sets the scene asks for nothing: the question after it does
    assert analyse("When CNAS signed the memorandum in 2025, who signed for the Chinese side?").wants == "who"
    assert analyse("When graphlib finds a cycle, how do I see its nodes?").wants == "fact"
    assert analyse("When was the memorandum signed, and who signed it?").wants == "date"
    # a deadline is asked for only as one: "what is the deadline", not "can I move its deadline"
    assert analyse("What is the deadline for comments?").wants == "date"
    assert analyse("Can I move its deadline after entering the block?").wants != "date"


def test_a_sentence_and_the_next_one_answer_together_when_only_the_next_holds_the_number() -> None:
    text = "The largest year number allowed in a date object. MAXYEAR is 9999.\n\nDates are immutable."
    p = Passage("m:00000", "dt.html", 0, text, "datetime.MAXYEAR", 0, len(text), "h")
    src = Source(p, "datetime", 0.9, None)
    spans = ["The largest year number allowed in a date object.", "MAXYEAR is 9999.", "Dates are immutable."]
    units = [PassageUnit("m:00000", "sentence", text.index(t), text.index(t) + len(t), t, None, None) for t in spans]
    q = analyse("What is the largest year a date object can represent?")
    best = Selector().candidates(q, [src], lambda s: units)[0]
    assert best.text == "The largest year number allowed in a date object. MAXYEAR is 9999."
    q = analyse("Are dates immutable?")  # no number asked for: sentences stay apart
    assert all(c.text in spans for c in Selector().candidates(q, [src], lambda s: units))


def test_prose_leads_unless_the_question_asks_for_an_example() -> None:
    text = "```\n>>> splitext('bar.txt')\n('bar', '.txt')\n```\n\nSplit the pathname path into a pair (root, ext) such that root + ext == path."
    p = Passage("s:00000", "os.path.html", 0, text, "os.path.splitext(path)", 0, len(text), "h")
    src = Source(p, "os.path", 0.9, None)
    code_end = text.index("```\n\n") + 3
    units = [
        PassageUnit("s:00000", "code", 0, code_end, text[:code_end], None, None),
        PassageUnit("s:00000", "sentence", code_end + 2, len(text), text[code_end + 2 :], None, None),
    ]
    best = Selector().candidates(analyse("What does splitext return for a path?"), [src], lambda s: units)[0]
    assert best.unit.kind == "sentence"
    assert analyse("Show me an example of splitext").example and not analyse("What does splitext return?").example


def test_a_later_part_that_points_at_the_first_part_s_answer_is_asked_with_its_names() -> None:
    from assistant.conversation.followups import POINTS_AT_ANSWER
    from assistant.service import Part, _answered_names

    text = "Changed in version 3.9: The math.gcd() function is now used to normalize the numerator and denominator."
    p = Passage("fr:1", "fractions.html", 2, text, "class fractions.Fraction", 0, len(text), "h")
    src = Source(p, "fractions", 0.9)
    q = analyse("Which math function has Fraction used since 3.9 to normalize its numerator and denominator?")
    ranked = Selector().candidates(q, [src])
    evidence, ranked = assess(q, [Hit(p, 1.0, dense=0.7)], ranked, [src])
    first = Part(q, [], [src], ranked, evidence, abstain=False)
    assert _answered_names(first) == ["math.gcd"]  # "that function": the one name the answer gives
    # the name the unit's own words give comes before the term it is read under
    under = replace(ranked[0], unit=replace(ranked[0].unit, head="class fractions.Fraction(numerator=0, denominator=1)"))
    assert _answered_names(replace(first, ranked=[under])) == ["math.gcd"]
    assert POINTS_AT_ANSWER.search("what does that function return when any argument is nonzero?")
    assert POINTS_AT_ANSWER.search("and when was that standard published?")  # one pattern for parts and turns
    assert not POINTS_AT_ANSWER.search("which exception does tomllib.load raise?")
    assert _answered_names(Part(q, [], [src], ranked, evidence, abstain=True)) == []  # a refused part names nothing


def test_the_last_unit_is_the_one_adding_the_rarest_part_of_the_question() -> None:
    """Two units each add a word the best one lacks; with one slot left, the one adding the
    question's rare word ("topological") is taken, not the one adding a common word ("module")."""

    def cand(text: str, score: float, covered: set[str], source: int, start: int) -> Candidate:
        u = PassageUnit(f"d{source}:00000", "sentence", start, start + len(text), text, None, None)
        return Candidate(u, source, score, 0.5, 0.5, frozenset(covered))

    q = analyse("Which modules were added in 3.9: the time zone module and the topological sorting module?")
    best = cand("The zoneinfo module is new in version 3.9.", 1.0, {"3.9", "time", "zone"}, 1, 0)
    common = cand("The zoneinfo module reads the system's time zone data.", 0.95, {"modul", "time", "zone"}, 1, 100)
    rare = cand("The graphlib module provides topological sorting.", 0.8, {"topolog", "sort"}, 2, 0)
    other = cand("It also falls back to the tzdata package.", 0.9, {"zone", "modul"}, 1, 300)
    idf = {"modul": 0.5, "topolog": 5.0, "sort": 3.0, "time": 1.0, "zone": 1.5, "3.9": 2.0}.get
    picked = choose(q, [best, common, other, rare], lambda t: idf(t) or 1.0)
    assert rare in picked and best in picked and len(picked) == 3
    assert not (common in picked and other in picked)  # the weak additions do not both take the slots


def test_a_question_about_two_named_things_quotes_each_one_s_own_entry() -> None:
    """After the best unit (date.isoweekday's), the last slot goes to calendar.weekday's entry,
    not to a neighbouring entry that shares more of the question's loose words ("one")."""

    def cand(text: str, head: str, score: float, covered: set[str], source: int, start: int = 0) -> Candidate:
        u = PassageUnit(f"d{source}:00000", "sentence", start, start + len(text), text, head, None)
        return Candidate(u, source, score, 0.5, 0.5, frozenset(covered))

    q = analyse("I mix calendar.weekday() and date.isoweekday() and get off by one. How do the two number the days?")
    best = cand("Return the day of the week as an integer, where Monday is 1 and Sunday is 7.", "date.isoweekday()",
                1.0, {"isoweekday", "day", "monday"}, 1)
    own = cand("Returns the day of the week (0 is Monday).", "calendar.weekday(year, month, day)", 0.85,
               {"calendar", "weekday", "day", "monday"}, 2)
    beside = cand("Return a header containing abbreviated weekday names, n wide for one weekday.", "calendar.weekheader(n)",
                  0.7, {"calendar", "weekday", "one"}, 3)
    example = cand("For example, date(2002, 12, 4).isoweekday() == 3, a Wednesday.", "date.isoweekday()",
                   0.95, {"date", "isoweekday"}, 1, start=200)
    picked = choose(q, [best, example, own, beside], lambda t: 1.0)
    assert own in picked and beside not in picked and len(picked) == 3


def test_a_time_frame_set_by_a_document_s_untitled_lead_holds_for_its_later_paragraphs() -> None:
    from dataclasses import replace as with_

    q = analyse("Which railway elements follow Chinese standards during the 14th Five-Year Plan?")
    text = "From rail gauge to signalling systems, the railway applies Chinese technical standards."
    p = Passage("r:00003", "r.txt", 3, text, "Overseas projects", 500, 500 + len(text), "h")
    u = PassageUnit("r:00003", "sentence", 500, 500 + len(text), text, None, None)
    bare = Source(p, "Briefing", 0.9)
    got = Selector().candidates(q, [bare], lambda s: [u])
    evidence, _ = assess(q, [Hit(p, 1.0, dense=0.7)], got, [bare])
    assert "14th" in evidence.missing  # nothing frames the paragraph
    led = with_(bare, lead="SAC summarised China's achievements during the 14th Five-Year Plan (2020-2025).")
    evidence, _ = assess(q, [Hit(p, 1.0, dense=0.7)], got, [led])
    assert "14th" not in evidence.missing


def test_only_a_document_that_opens_without_a_heading_has_a_lead(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from index.catalog import Catalog, DocumentRecord

    cat = Catalog(tmp_path / "c.sqlite")
    a = "During the 14th Five-Year Plan, China led 1,079 standards.\n\nMore follows."
    for name, section in (("a.txt", None), ("b.txt", "March 2025")):
        record = DocumentRecord(name, name, name, name[0], name, None, 1)
        cat.replace_document(record, a, [Passage(f"{name[0]}:00000", name, 0, a, section, 0, len(a), "x")])
    assert cat.lead("a.txt") == "During the 14th Five-Year Plan, China led 1,079 standards."
    assert cat.lead("b.txt") is None and cat.lead("missing.txt") is None


def test_an_office_holder_of_another_body_is_a_near_miss() -> None:
    from assistant.engine.query import role_of

    assert role_of("Who is the Director-General of CEN-CENELEC?") == ["CEN-CENELEC"]
    assert role_of("Who was re-elected as Chair of APEC's Expert Group?") == ["APEC Expert Group"]
    assert role_of("Who chairs the committee?") == []
    text = "Mr. Xiao Han, Director-General of the Department of Standards Innovation of SAMR, spoke."
    for question, refused in (("Who is the Director-General of CEN-CENELEC?", True),
                              ("Who is the Director-General of the Department of Standards Innovation?", False)):
        evidence = verdict(question, text)
        assert bool(evidence.missing) is refused, (question, evidence.missing)


def test_a_parameter_of_another_function_is_a_near_miss() -> None:
    from assistant.engine.query import param_of

    assert param_of("What does the dir_fd argument of glob.escape do?") == [("dir_fd", "glob.escape")]
    assert param_of("What is the key parameter for?") == []
    text = "This function can support paths relative to directory descriptors with the dir_fd parameter."
    for question, refused in (("What does the dir_fd argument of glob.escape do?", True),
                              ("What does the dir_fd argument of glob.glob do?", False)):
        evidence = verdict(question, text, section="glob.glob(pathname, *, root_dir=None, dir_fd=None)")
        assert bool(evidence.missing) is refused, (question, evidence.missing)


def test_a_later_sentence_of_the_same_entry_is_judged_by_its_own_words() -> None:
    """Every sentence under ``html.escape(s, quote=True)`` shares the heading's terms; the one that
    adds what the question asks ("quote is true") is quoted, the one that adds nothing is not."""
    head = "html.escape(s, quote=True)"
    texts = ["Convert the characters &, < and > in string s to HTML-safe sequences.",
             "Use this if you need to display such text on a web page.",
             "If the optional flag quote is true, the characters (\") and (') are also translated."]
    q = analyse("What does html.escape convert when quote is true?")
    shared = frozenset({"html", "escap", "quot", "true"})
    cands, pos = [], 0
    for text, score in zip(texts, (1.0, 0.85, 0.8), strict=True):
        u = PassageUnit("h:00000", "sentence", pos, pos + len(text), text, head, None)
        cands.append(Candidate(u, 1, score, 0.6, 0.6, shared | {"convert"} if pos == 0 else shared))
        pos += len(text) + 40  # not adjacent
    picked = choose(q, cands)
    assert cands[2] in picked and cands[1] not in picked


def test_a_unit_nearly_as_good_as_the_best_is_quoted_though_it_adds_no_word() -> None:
    """Two units that cover the same words and score within a hair of each other: which one
    answers is not known, so both are quoted; one well behind that adds nothing is not."""
    from assistant.engine.compose import TIE

    q = analyse("What does the application scope of GB/T 39498-2020 take in?")
    same = frozenset({"applic", "scope", "39498"})
    texts = ["GB/T 39498-2020 was officially released on 19 November 2020 as the application scope guide.",
             "GB/T 39498-2020 applies to consumer products, including components and packaging.",
             "GB/T 39498-2020 is based on the EU REACH regulation and its application scope."]
    cands, pos = [], 0
    for text, score in zip(texts, (1.0, TIE + 0.02, TIE - 0.1), strict=True):
        u = PassageUnit("d:00000", "sentence", pos, pos + len(text), text, None, None)
        cands.append(Candidate(u, 1, score, 0.6, 0.6, same))
        pos += len(text) + 40
    picked = choose(q, cands)
    assert cands[1] in picked and cands[2] not in picked


def test_a_unit_holding_the_best_one_and_more_of_the_question_is_quoted_instead() -> None:
    from assistant.engine.compose import TIE

    q = analyse("Why does random.sample fail on a set since 3.11?")
    note = "Changed in version 3.11: The population must be a sequence. Automatic conversion of sets to lists is no longer supported."
    first = note[: note.index(" Automatic")]
    short = Candidate(PassageUnit("r:00000", "sentence", 0, len(first), first, None, None), 1, 1.0, 0.3, 0.6, frozenset({"3.11"}))
    whole = Candidate(PassageUnit("r:00000", "sentence", 0, len(note), note, None, None), 1, TIE + 0.05, 0.4, 0.6,
                      frozenset({"3.11", "set"}))
    assert [c.text for c in choose(q, [short, whole])] == [note]
    behind = replace(whole, score=TIE - 0.1)
    assert [c.text for c in choose(q, [short, behind])] == [first]  # well behind: the best stays


def test_asked_for_a_list_the_list_holding_the_best_item_is_quoted() -> None:
    """One item ("- The directory named by the TEMP environment variable.") scores best, but the
    question asks which ones: the list that holds it is the answer; a list too long for an
    answer is not, and a question after one fact keeps the item."""
    intro = "Python searches a standard list of directories. The list is:"
    items = ["- The directory named by the TMPDIR environment variable.", "- The directory named by the TEMP environment variable.",
             "- The directory named by the TMP environment variable."]
    whole = "\n".join([intro, *items])
    start = whole.index(items[1])
    item = Candidate(PassageUnit("t:00000", "sentence", start, start + len(items[1]), items[1], None, None), 1, 1.2, 0.6, 0.7,
                     frozenset({"environ", "variabl"}))
    listed = Candidate(PassageUnit("t:00000", "list", 0, len(whole), whole, None, None), 1, 1.1, 0.4, 0.7, frozenset({"tempfil"}))
    q = analyse("Which environment variables does tempfile look at?")
    assert q.wants == "list"
    assert [c.unit.kind for c in choose(q, [item, listed])] == ["list"]
    long = replace(listed, unit=replace(listed.unit, text=whole + " x" * 500, end=len(whole) + 1000))
    assert item in choose(q, [item, long])
    assert item in choose(analyse("What does tempfile read from the TEMP environment variable?"), [item, listed])


def test_a_question_after_people_prefers_the_unit_that_names_them() -> None:
    from assistant.engine.query import names_person

    assert analyse("Which individuals put their names to the memorandum?").person
    assert not analyse("Which body signed the memorandum?").person
    assert names_person("The MoU was signed by Zhang Zhaohua, Director of CNAS, and Zakirov.")
    assert not names_person("Hosted by China National Institute of Standardization (CNIS), it was held in Beijing.")
    # a body is named with its acronym in brackets; a person is not
    assert not names_person("During the visit to the State Administration for Market Regulation (SAMR) of China, a MoU was signed.")
    assert names_person("Zhang Wei (Chair) opened the meeting.")
    bodies = "A memorandum was signed between the China National Accreditation Service (CNAS) and the Uzbekistan Accreditation Center."
    people = "The memorandum was signed by Zhang Zhaohua, Director of CNAS, and Zakirov, Director of the Center."
    text = bodies + " " + people
    p = Passage("m:00000", "m.txt", 0, text, "Accreditation", 0, len(text), "h")
    src = Source(p, "Newsletter", 0.9)
    units = [PassageUnit("m:00000", "sentence", 0, len(bodies), bodies, None, None),
             PassageUnit("m:00000", "sentence", len(bodies) + 1, len(text), people, None, None)]
    q = analyse("Which individuals signed the memorandum between CNAS and the Uzbekistan Accreditation Center?")
    got = sorted(Selector().candidates(q, [src], lambda s: units), key=lambda c: c.unit.start)  # bodies first
    _, order = assess(q, [Hit(p, 1.0, dense=0.7)], got, [src])
    assert order[0].unit is not units[0] and "Zhang Zhaohua" in order[0].text


def test_a_why_needs_a_cause_or_a_purpose_in_the_chosen_unit() -> None:
    assert analyse("Why were fuses newly added to the self-declaration list?").wants == "reason"
    assert analyse("What reasons did CNCA give for the growth?").wants == "reason"
    assert analyse("How many products were added?").wants == "number"
    assert has_kind("Save a reference to the task, to avoid it disappearing mid-execution.", "reason")
    assert has_kind("The list was shortened because several categories were merged.", "reason")
    assert not has_kind("Fuses and low-voltage components are newly added to the list.", "reason")
    text = "Fuses and low-voltage components are newly added to the list of products adopting self-declaration."
    evidence = verdict("Why were fuses and low-voltage components newly added to the self-declaration list?", text)
    assert evidence.kind_missing and should_abstain(evidence, 0.2)


def test_an_ordinal_word_names_an_edition_the_passage_must_have() -> None:
    from assistant.engine.query import mentions, specifics

    assert specifics("Which standards were added in the third batch of the List?") == ["third"]
    assert specifics("What did the first batch include?") == ["first"]
    assert specifics("Who was the first country to sign?") == []  # "first" as "earliest"
    assert mentions("the 3rd batch was released", "third") and mentions("List (First Batch)", "first")
    assert not mentions("the first and second batches", "third")
    # a Roman numeral after a name counts too ("the Phase II system" is its second phase); a
    # bare "I" or an Arabic figure ("Article 2") does not
    assert mentions("the Phase II 5G standards system", "second") and not mentions("Phase I was done", "second")
    assert not mentions("Article 2 of the law", "second")


def test_a_one_digit_version_is_a_specific_met_in_a_run_of_versions() -> None:
    from assistant.engine.query import mentions

    assert "version 7" in analyse("How do I generate a version 7 UUID?").specifics
    listed = "uuid1(), uuid3(), uuid4() and uuid5() generate version 1, 3, 4, and 5 UUIDs"
    assert mentions(listed, "version 4") and not mentions(listed, "version 7")
    assert mentions("random.seed(a=None, version=2)", "version 2")


def test_when_something_takes_effect_is_not_when_it_was_approved() -> None:
    q = analyse("On what date will the new mandatory RoHS standard come into force?")
    assert q.wants == "date" and q.effect
    assert verdict(q.text, "On December 28, 2023, SAC issued the project approval for the new mandatory RoHS standard.").kind_missing
    assert not verdict(q.text, "The new mandatory RoHS standard will take effect on January 1, 2026.").kind_missing
    # "apply" asks the same, also with "when" last; "for the implementation of" dates nothing
    q = analyse("GB/T 39498-2020, the guideline that supports China REACH, becomes applicable when?")
    assert q.wants == "date" and q.effect
    assert analyse("From what date does GB/T 39498-2020 apply?").effect
    assert verdict(q.text, "As a support for the implementation of China REACH, GB/T 39498-2020 was released on 19 November 2020.").kind_missing


def test_the_sentence_saying_when_it_takes_effect_is_read_with_the_one_naming_it() -> None:
    """Both sentences hold a date, but only the second says when the standard takes effect: read
    together they answer "when does GB/T 39498-2020 apply", which neither does alone."""
    text = ("As a support for the implementation of China REACH, GB/T 39498-2020 was released on 19 November 2020. "
            "The standard will come into force on 1 June 2021.")
    p = Passage("g:00000", "g.txt", 0, text, "Main content", 0, len(text), "h")
    src = Source(p, "Newsletter", 0.9, None)
    spans = [text[: text.index(" The standard")], "The standard will come into force on 1 June 2021."]
    units = [PassageUnit("g:00000", "sentence", text.index(t), text.index(t) + len(t), t, None, None) for t in spans]
    got = Selector().candidates(analyse("From what date does GB/T 39498-2020 apply?"), [src], lambda s: units)
    assert text in [c.text for c in got]
    got = Selector().candidates(analyse("When was GB/T 39498-2020 released?"), [src], lambda s: units)
    assert text not in [c.text for c in got]  # a release date: both sentences hold a date, they stay apart


def test_who_represented_a_body_needs_a_person_s_name() -> None:
    from assistant.engine.query import names_person

    q = analyse("Who represented the German Embassy at the roundtable?")
    assert q.wants == "who" and q.person and analyse("Who wrote the Theory section?").person
    assert not names_person("Invitees include the EU delegation, EUCCC, German Embassy, French Embassy, GIZ and BSI.")
    text = "Invitees include the EU delegation, EUCCC, German Embassy, French Embassy, GIZ and BSI."
    assert verdict(q.text, text).kind_missing
    # a name after an office is a person's; the first words of a body's name are not
    assert names_person("Director GAN Xiaobin's speech put forward three suggestions.")
    assert not names_person("Experts came from the Energy Conservation and Comprehensive Utilization Department.")
    assert not names_person("It was sent to the Director General Office.")


def test_a_proper_word_the_documents_never_use_is_a_near_miss() -> None:
    from assistant.engine.query import proper_words

    assert proper_words("How many American companies joined the group?") == ["American"]
    assert proper_words("Is an item 2 bytes on Windows and 4 on Linux?") == ["Windows", "Linux"]
    assert proper_words("What did the group agree in March?") == []  # months and the opening word are no names
    assert proper_words("What did SAMR sign with Thailand's ministry?") == ["Thailand"]  # an owner is a name too
    text = "There are 3 European companies among the members, which shows openness."
    for question, refused in (("How many American companies are among the members?", True),
                              ("How many companies from Europe are among the members?", False)):
        evidence = verdict(question, text, documents=(text,))
        assert bool(evidence.missing) is refused, (question, evidence.missing)


def test_a_name_called_with_arguments_is_a_name_the_documents_must_use() -> None:
    from assistant.engine.query import names

    assert names("What happens when I call asyncio.Queue.shutdown(immediate=True)?") == ["immediate", "shutdown"]
    assert names("What does uuid1() return?") == ["uuid1"]
    # a keyword passed in a call is a parameter the documents must have (onexc is 3.12's)
    assert names("shutil.rmtree(path, onexc=handler): what does the handler get?") == ["onexc", "rmtree"]
    assert names("Which version added the e format (IEEE half precision)?") == ["IEEE"]  # no call: a space
    # a name with its number is a name (a module the pages may not have), met in its spellings
    from assistant.engine.query import mentions
    assert names("How do I make sqlite3 cursors return dicts?") == ["sqlite3"]
    assert names("Since when does base64 offer z85encode?") == ["base64", "z85encode"]
    assert mentions("text encoded as UTF-8", "utf8") and not mentions("the sqlite module", "sqlite3")
    # "the encoding argument" names a parameter; "a single argument" says what kind of one
    assert names("What is the encoding argument for?") == ["encoding"]
    assert names("How do I quote text as a single argument in a shell command?") == []


def test_which_exception_needs_an_exception_s_name() -> None:
    q = analyse("If code assigns to a frozen field, which exception is thrown?")
    assert q.wants == "exception" and analyse("What error message is shown?").wants != "exception"
    assert not has_kind("This emulates read-only frozen instances.", q.wants, q.text)
    for said in ("These methods will raise a FrozenInstanceError when invoked.", "If no free slot is available, raise QueueFull.",
                 "The exception raised is struct.error.", "SameFileError is raised if src and dst are the same file."):
        assert has_kind(said, q.wants, q.text), said


def test_what_value_needs_a_literal_value() -> None:
    assert analyse("What value does csv.field_size_limit() return by default?").wants == "value"
    assert analyse("what's the default max field size the csv parser allows?").wants == "value"
    assert analyse("What does the sep argument default to?").wants == "value"
    assert analyse("What is the default behaviour of glob?").wants != "value"
    assert not has_kind("Returns the current maximum field size allowed by the parser.", "value")
    assert has_kind("Return True if the flag is set.", "value") and has_kind("The default is 131072.", "value")


def test_a_name_the_question_asks_about_finds_its_own_entry(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The heading list of the retrieve stage: the passages under a heading (a section or a
    unit's defined term) that names ``functools.cache`` exactly, not those of the longer names
    beside it, nearest heading first, a few per name; an acronym names no entry."""
    from assistant.engine.retrieve import NAMED, Retriever
    from index.catalog import Catalog, DocumentRecord

    sections = ["@functools.cached_property(func)", "@functools.cache(user_function)", "@functools.lru_cache(maxsize=128)",
                "@functools.cache(user_function)", "@functools.cache(user_function)", "@functools.cache(user_function)"]
    passages = [Passage(f"f:{i:05d}", "functools.html", i, f"text {i}", s, i * 10, i * 10 + 6, "h") for i, s in enumerate(sections)]
    term = PassageUnit("f:00000", "sentence", 0, 6, "text 0", "functools.cache_info", None)  # a defined term inside a passage
    catalog = Catalog(tmp_path / "catalog.sqlite")
    try:
        catalog.replace_document(DocumentRecord("functools.html", "functools.html", "x", "f", "functools", None, len(passages)),
                                 "".join(p.text for p in passages), passages, [term])
        retriever = Retriever(catalog, None, None, None)  # type: ignore[arg-type]  # named() reads the catalog only
        got = retriever.named(["functools.cache"])
        assert got == ["f:00001", "f:00003", "f:00004", "f:00005"][:NAMED]
        assert retriever.named(["functools.cache_info"]) == ["f:00000"]
        assert retriever.named(["cached_property"]) == ["f:00000"]
        assert retriever.named(["functools.wraps"]) == [] and retriever.named([]) == []
    finally:
        catalog.close()


def test_a_question_about_two_things_by_name_gets_the_entry_of_each() -> None:
    """A named thing none of the hits is an entry of takes the place of the last hit that no
    other named thing needs, so "secrets.randbelow(n), and random.randint(a, b)" sees both."""
    from assistant.engine.retrieve import Hit, _each_entry

    def hit(pid: str) -> Hit:
        return Hit(Passage(pid, "d.html", 0, pid, None, 0, 1, "h"), 0.0)

    hits = [hit("randint"), hit("uniform"), hit("randrange")]
    entries = [["randint"], ["randbelow"]]
    got = _each_entry(hits, entries, {"randbelow": hit("randbelow")}.get)
    assert [h.passage.id for h in got] == ["randint", "uniform", "randbelow"]
    assert _each_entry(got, entries, {}.get) == got  # both there already: nothing moves


def test_a_passage_about_one_of_two_named_things_meets_the_names() -> None:
    from assistant.engine.check import _names_unmet

    two = analyse("Is the upper bound included in secrets.randbelow(n), and in random.randint(a, b)?")
    assert _names_unmet(two, "random.randint(a, b) Return a random integer N such that a <= N <= b.") == ()
    assert _names_unmet(two, "random.uniform(a, b) Return a random float.") == ("randbelow", "randint")
    one = analyse("What does the foo_bar argument of glob.glob() do?")  # a parameter is not a second thing
    assert "foo_bar" in _names_unmet(one, "glob.glob(pathname) Return a list of path names.")


def test_an_example_and_its_code_block_count_as_code() -> None:
    from assistant.engine.select import is_code

    example = PassageUnit("p", "list", 0, 40, "For example:\n\n```\n>>> wraps(f)\n```", None, None)
    listing = PassageUnit("p", "list", 0, 60, "It accepts:\n\n- a string\n\n- a number\n\n```\n>>> f(1)\n```", None, None)
    assert is_code(example) and is_code(PassageUnit("p", "code", 0, 9, "```\nx\n```", None, None))
    assert not is_code(listing) and not is_code(PassageUnit("p", "sentence", 0, 9, "It works.", None, None))


def test_a_target_does_not_answer_a_question_after_what_was_attained() -> None:
    target = "By the end of 2020, the number of mobile IoT connections will reach 1.2 billion."
    reached = "By the end of 2020, the number of mobile IoT connections reached 1.2 billion."
    asked = "How many mobile IoT connections did China actually reach by the end of 2020?"
    assert analyse(asked).outcome
    assert any("outcome" in m for m in verdict(asked, target).missing)
    assert not verdict(asked, reached).missing
    # a question that asks after the target itself is answered by it
    assert not analyse("How many connections did the plan aim to reach by 2020?").outcome


def test_a_year_named_last_before_a_sentence_sets_its_time_frame() -> None:
    """"By the end of 2019, ... The number has exceeded 1 billion": that sentence is about 2019,
    though its passage (a 2020 newsletter) names 2020 elsewhere; a year that names an item
    ("SESEC's 2020 item") is no time frame."""
    text = ("By the end of 2020, the network will cover all cities.\n\n"
            "By the end of 2019, China had 700,000 base stations. The number of connections has exceeded 1 billion.")
    p = Passage("v:00000", "v.txt", 0, text, "IoT", 0, len(text), "h")
    src = Source(p, "Newsletter", 0.9)
    a = text.index("The number")

    def missing(question: str) -> tuple[str, ...]:
        q = analyse(question)
        units = [PassageUnit("v:00000", "sentence", a, len(text), text[a:], None, None)]
        return assess(q, [Hit(p, 1.0, dense=0.7)], Selector().candidates(q, [src], lambda s: units), [src])[0].missing

    assert "2020" in missing("How many connections were there by the end of 2020?")
    assert not missing("How many connections were there by the end of 2019?")
    assert analyse("What does SESEC's 2020 item on connections say?").frames == ()


def test_a_unit_promoted_for_meeting_the_constraints_must_be_about_the_question() -> None:
    """The best unit is a near miss (a target, not a result); a unit further down meets the
    constraints only by saying little of the question: it is not promoted, the turn is refused."""
    from assistant.engine.check import FIT_COVERAGE

    q = analyse("How many mobile IoT connections did China actually reach by the end of 2020?")
    src = source()
    best = Candidate(UNITS[0], 1, 1.0, 0.8, 0.6, frozenset({"mobil", "iot", "connect"}))
    best = replace(best, unit=replace(UNITS[0], text="By the end of 2020, mobile IoT connections will reach 1.2 billion."))
    weak = Candidate(replace(UNITS[0], text="In 2020, 2G IoT connections still account for a large share."), 1, 0.9,
                     0.8 * FIT_COVERAGE - 0.1, 0.6, frozenset({"connect"}))
    evidence, order = assess(q, [Hit(src.passage, 1.0, dense=0.7)], [best, weak], [src])
    assert evidence.missing and order[0] is best
    strong = replace(weak, coverage=0.8 * FIT_COVERAGE + 0.1)
    evidence, order = assess(q, [Hit(src.passage, 1.0, dense=0.7)], [best, strong], [src])
    assert order[0] is strong


def test_a_unit_two_parts_both_chose_is_quoted_once() -> None:
    from assistant.service import _once

    a = Candidate(UNITS[0], 1, 1.0, 0.5, 0.5, frozenset())
    b = Candidate(UNITS[1], 1, 0.9, 0.5, 0.5, frozenset())
    elsewhere = replace(a, source=2)  # the same span of another source is another quote
    assert _once([a, b, replace(a, score=0.7), elsewhere]) == [a, b, elsewhere]


def test_a_qualified_name_the_documents_never_use_is_not_answered() -> None:
    page = "math.fsum(iterable) Return an accurate floating point sum of values in the iterable."
    assert "math.sumprod" in verdict("In which version was math.sumprod added?", page, "math.fsum(iterable)", (page,)).missing
    assert not verdict("What does math.fsum return?", page, "math.fsum(iterable)", (page,)).missing


def test_a_who_after_an_office_holder_needs_a_name_the_question_does_not_give() -> None:
    from assistant.engine.query import names_person

    held = "From April 8 to April 11, the 64th EGEEC meeting was held in Hong Kong, China, during which the election was conducted."
    assert names_person(held) and not names_person(held, ("Hong", "Kong"))
    q = "Who was elected Vice-Chair of the Expert Group at its 64th meeting in Hong Kong?"
    assert verdict(q, held).kind_missing
    assert not verdict(q, "At the 64th meeting in Hong Kong, Wang Lei, of CNIS, was elected Vice-Chair.").kind_missing


def test_a_question_about_a_thing_the_passages_name_is_on_their_subject() -> None:
    def off(question: str, text: str) -> bool:
        p = Passage("v:00000", "time.html", 0, text, "time.mktime(t)", 0, len(text), "h")
        src = Source(p, "time", 0.9)
        q = analyse(question)
        got = Selector().candidates(q, [src], lambda s: [PassageUnit("v:00000", "sentence", 0, len(text), text, None, None)])
        known = {"time", "localtim", "function", "invers"}  # the collection's words: never "undo"
        return assess(q, [Hit(p, 1.0, dense=0.7)], got, [src], known, lambda t: 3.0 if t == "undo" else 1.0)[0].off_subject

    assert off("which one undoes the clock?", "This is the inverse function of localtime().")
    assert not off("which one undoes time.localtime()?", "This is the inverse function of time.localtime().")
    # one word the collection never uses weighs like the others, not like the rarest word
    assert not off("which time function undoes localtime?", "This is the inverse function of localtime().")


def test_a_day_in_a_question_is_a_date_met_in_either_order() -> None:
    from assistant.engine.query import is_time_frame, mentions, specifics

    got = specifics("What part did Dr. Betty XU play at SESEC's roundtable of 16 January 2020?")
    assert "16 January" in got and "16" not in got and is_time_frame("16 January")
    assert specifics("Who chaired the March 24, 2025 meeting?")[:2] == ["2025", "24 March"]
    assert mentions("On March 24th, 2025, the meeting was held", "24 March")
    assert mentions("On 24 March 2025", "24 March") and not mentions("On 25 March 2025, 24 experts met", "24 March")


def test_a_question_about_two_things_is_answered_by_a_unit_for_each_when_no_one_unit_is() -> None:
    """"the 2019 guide's count and the 2025 attendance": no unit names both years, a unit of
    each passage names one, so the two answer together and both are quoted; a year neither
    names, or a question about one thing, is still refused."""
    a_text, b_text = "The 2019 guide indexes 268 national standards.", "In 2025 over 800 people attended the standards week."
    pa = Passage("a:00000", "a.txt", 0, a_text, "Guide", 0, len(a_text), "h")
    pb = Passage("b:00000", "b.txt", 0, b_text, "Standards week", 0, len(b_text), "h")
    srcs = [Source(pa, "Guide", 0.9), Source(pb, "Week", 0.8)]
    hits = [Hit(pa, 1.0, dense=0.7), Hit(pb, 0.9, dense=0.6)]
    units = {"a:00000": PassageUnit("a:00000", "sentence", 0, len(a_text), a_text, None, None),
             "b:00000": PassageUnit("b:00000", "sentence", 0, len(b_text), b_text, None, None)}

    def judged(question: str):  # type: ignore[no-untyped-def]
        q = analyse(question)
        assert len(q.parts) == 0, "one question, not two parts"
        got = Selector().candidates(q, srcs, lambda s: [units[s.passage.id]])
        return q, assess(q, hits, got, srcs)

    q, (evidence, order) = judged("What were the number of standards in the 2019 guide and the number of people at the week in 2025?")
    assert not evidence.missing and evidence.together == 2
    assert {c.unit.passage_id for c in choose(q, order, lead=evidence.together)} == {"a:00000", "b:00000"}
    _, (evidence, _) = judged("What were the number of standards in the 2019 guide and the number of people at the week in 2021?")
    assert "2021" in evidence.missing
    _, (evidence, _) = judged("How many people did the 2019 guide count at the week in 2025")
    assert evidence.missing and evidence.together == 1


def test_a_version_under_another_entry_does_not_date_the_thing_asked_about() -> None:
    """"Since when has heapq.nlargest had key?": heapq.merge's "Changed in version 3.5" is a
    neighbouring fact; the same note under nlargest's own entry, or under no entry, answers."""
    text = "Changed in version 3.5: Added the optional key parameter."
    p = Passage("v:00000", "heapq.html", 0, text, "Functions", 0, len(text), "h")
    src = Source(p, "heapq", 0.9)
    q = analyse("In which Python version did heapq.nlargest gain its key argument?")

    def kind_missing(head: str | None) -> bool:
        units = [PassageUnit("v:00000", "sentence", 0, len(text), text, head, None)]
        got = Selector().candidates(q, [src], lambda s: units)
        return assess(q, [Hit(p, 1.0, dense=0.7)], got, [src])[0].kind_missing

    assert kind_missing("heapq.merge(*iterables, key=None, reverse=False)")
    assert not kind_missing("heapq.nlargest(n, iterable, key=None)")
    assert not kind_missing(None)


def test_what_a_described_situation_mentions_in_passing_need_not_be_in_the_answer() -> None:
    """"When my CLI output is piped ..., get_terminal_size() returns a fixed size. What does it
    fall back to?": the CLI, Linux or "the 10th digit" of the situation are no constraints;
    the code it names and its years still are, and so is everything in the question itself."""
    q = analyse("When my CLI output is piped on Linux, shutil.get_terminal_size() returns a fixed size. "
                "What columns does it fall back to?")
    assert q.names == ("get_terminal_size",) and q.proper == ()
    q = analyse("math.isclose(a, b) says my floats differ in the 10th digit. What tolerance does it use?")
    assert q.specifics == () and q.names == ("isclose",)
    assert analyse("In 2020 MIIT issued a plan. What did it set?").specifics == ("2020",)
    assert analyse("Which CLI tool did MIIT release for Linux in 2020?").names == ("CLI", "MIIT")
