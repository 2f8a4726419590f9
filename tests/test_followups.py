"""Follow-up questions without a language model.

The deterministic rewrite on its own (fast), then whole conversations of two and three turns
over the default collection through ``Assistant.ask`` with the history a client would send:
ellipsis ("And for individuals?"), pronouns ("How many articles does it contain?"), one-word
questions ("Where?"), topic switches, and follow-ups that must still abstain (a near-miss, an
off-topic question) however many answered turns came before.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from assistant.conversation.followups import needs_context, resolve
from assistant.models import Message
from assistant.service import Assistant


def user(text: str) -> Message:
    return Message(role="user", content=text)


def bot(text: str) -> Message:
    return Message(role="assistant", content=text)


# --- the rewrite alone ---------------------------------------------------------------------------


def test_a_self_contained_question_is_left_alone() -> None:
    history = [user("What is the top fine for companies under the revised Article 59?"), bot("10 million yuan. [1]")]
    question = "When did the CAC publish the facial recognition measures?"
    turn = resolve(question, history)
    assert turn.query == question and not turn.is_follow_up


def test_a_follow_up_carries_the_subject_of_the_previous_question() -> None:
    history = [user("What is the top fine for companies under the revised Article 59?"), bot("10 million yuan. [1]")]
    turn = resolve("And for individuals?", history)
    assert turn.query.startswith("And for individuals? (")
    assert {"fine", "Article", "59"} <= set(turn.carried)
    assert "individuals" not in turn.carried  # the user's own word is not "carried"
    assert "individu" not in turn.carried_terms()


def test_a_follow_up_of_a_follow_up_keeps_the_first_subject() -> None:
    history = [
        user("At what volume of stored facial information must a company file with the cyberspace authorities?"),
        bot("100,000. [1]"),
        user("Within how long?"),
        bot("30 working days. [1]"),
    ]
    turn = resolve("And what fine does a company face if it does not?", history)
    assert {"facial", "cyberspace"} <= set(turn.carried)


def test_a_self_contained_question_on_something_else_starts_a_new_subject() -> None:
    history = [
        user("How many participants attended TC260's first Standards Week of 2025?"),
        bot("Over 800. [1]"),
        user("Which international standard on the carbon footprint of photovoltaic modules is China leading?"),
        bot("IEC 63667-1. [1]"),
    ]
    turn = resolve("Who proposed it?", history)
    assert "photovoltaic" in turn.carried
    assert "TC260" not in turn.carried and "Standards" not in turn.carried


@pytest.mark.parametrize(
    ("question", "leans"),
    [
        ("And for individuals?", True),
        ("Where?", True),
        ("Who chaired it?", True),
        ("How many articles does it contain?", True),
        ("What is the minimum fine-particle CADR it requires?", True),
        ("How many enterprises were included in the first 2020 top runner list?", False),
        ("Which company led the association standard on high-efficiency air purifiers?", False),
    ],
)
def test_needs_context(question: str, leans: bool) -> None:
    assert needs_context(question) is leans


# --- whole conversations over the default collection ---------------------------------------------


@dataclass(frozen=True)
class Turn:
    question: str
    facts: tuple[str, ...] = ()  # each must be in the answer (case-insensitive); () = must abstain
    follow_up: bool = True  # whether the query must be rewritten (False: left exactly as asked)


CONVERSATIONS = {
    "fines-ellipsis": [
        Turn("What is the maximum fine for companies under the revised Article 59 of the Cybersecurity Law?", ("10 million",), False),
        Turn("And for individuals?", ("1 million",)),
    ],
    "zambia-three-turns-then-near-miss": [
        Turn("How large is the agricultural standardization demonstration zone that China supported in Zambia?", ("66,670",), False),
        Turn("And by how much did Zambian farmers raise their marigold oil extraction rates there?", ("15%",), False),
        Turn("In what year was that zone established?"),  # the documents do not say
    ],
    "facial-recognition-short": [
        Turn("Under China's measures on facial recognition, at what volume of stored facial information must a company file with the cyberspace authorities?", ("100,000",), False),
        Turn("Within how long?", ("30 working days",)),
    ],
    "rohs-ellipsis": [
        Turn("What transition period is proposed after the official release of China's new mandatory RoHS standard?", ("two-year",), False),
        Turn("And for stock products?", ("one-year",)),
    ],
    "tc260-where": [
        Turn("How many participants attended the first Standards Week of 2025 organized by TC260?", ("800",), False),
        Turn("Where?", ("Suzhou",)),
    ],
    "top-runner-ellipsis": [
        Turn('How many enterprises were included in the first batch of the 2020 enterprise standard "top runner" list?', ("331",), False),
        Turn("And how many products or services?", ("154",)),
    ],
    "catalogue-pronoun": [
        Turn("When did China's Catalogue of Industries for Encouraged Foreign Investment (2020 Edition) start to be formally implemented?", ("27 January 2021",), False),
        Turn("How many articles does it contain?", ("1235",)),
    ],
    "manufacturing-then-topic-switch": [
        Turn("When SAMR and MIIT reconstituted the national intelligent manufacturing standardization groups in May 2020, how did the number of technical committees change?", ("13 to 20",), False),
        Turn("And enterprises?", ("32",)),
        Turn("Which international standard on carbon footprint rules for photovoltaic products is China leading?", ("IEC 63667-1",), False),
    ],
    "uhd-then-off-topic": [
        Turn("According to the UHD Video Standards System Construction Guide, how big is China's UHD video industry expected to be by 2022?", ("4 trillion",), False),
        Turn("And what's the weather going to be like in Paris tomorrow?"),
    ],
    "air-purifier-pronoun": [
        Turn("Which company led the CAS/CHEARI association standard on the performance of high-efficiency air purifiers?", ("Jingdong",), False),
        Turn("What minimum fine-particle aerosol CADR does it require?", ("100 m3/h",)),
    ],
    "three-answers-then-off-topic": [
        Turn("How many international standards did China lead during the 14th Five-Year Plan?", ("1,079",), False),
        Turn("How many participants attended the first Standards Week of 2025 organized by TC260?", ("800",), False),
        Turn("Where?", ("Suzhou",)),
        Turn("And who won the football World Cup that year?"),
    ],
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CONVERSATIONS))
def test_conversation(name: str, assistant_bot: Assistant) -> None:
    history: list[Message] = []
    for turn in CONVERSATIONS[name]:
        answer = assistant_bot.ask(turn.question, history=history)
        where = f"{name}: {turn.question!r} -> {answer.answer!r} (query {answer.query!r})"
        if turn.follow_up:
            assert answer.query.startswith(turn.question.rstrip()) and answer.query != turn.question, where
        else:
            assert answer.query == turn.question, where
        if turn.facts:
            assert not answer.abstained, where
            for fact in turn.facts:
                assert fact.lower() in answer.answer.lower(), where
            assert answer.citations, where
        else:
            assert answer.abstained and not answer.citations, where
        history += [user(turn.question), bot(answer.answer)]


def test_that_flag_is_the_name_the_last_answer_gave() -> None:
    from assistant.conversation.followups import resolve
    from assistant.models import Message

    history = [Message(role="user", content="With shutil.copytree, what happens if the destination folder already exists?"),
               Message(role="assistant", content="`shutil.copytree(…)`: If dirs_exist_ok is false (the default) and dst "
                                                 "already exists, a FileExistsError is raised. [1]")]
    turn = resolve("since which version has that flag been around?", history)
    assert "dirs_exist_ok" in turn.question and "dirs_exist_ok" not in turn.carried  # asked now, weighed in full
    assert "copytree" in turn.carried  # the subject still comes along
    assert "shutil.copytree" in resolve("And what does that function return?", history).question
    assert resolve("What does the chapter on flags say?", history).question == "What does the chapter on flags say?"


def test_it_after_a_question_for_a_function_is_the_function_the_answer_gave() -> None:
    from assistant.conversation.followups import resolve
    from assistant.models import Message

    answer = Message(role="assistant", content="`tempfile.mkstemp(suffix=None)`: Creates a temporary file. [1]")
    asked = Message(role="user", content="Which tempfile function keeps the file after it is closed?")
    assert "tempfile.mkstemp" in resolve("What does it give back?", [asked, answer]).question
    # after a question about something else, "it" is the subject the conversation carries
    other = Message(role="user", content="How secure are temporary files on Unix?")
    assert "mkstemp" not in resolve("What does it give back?", [other, answer]).question
