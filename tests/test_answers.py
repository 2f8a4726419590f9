"""The answer path without a language model: right facts, resolvable citations, abstention,
the JSON contract and the CLI's errors."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from assistant.faces.cli import app
from assistant.models import Answer

pytestmark = pytest.mark.slow

# (question, a fact the answer must hold, the document it must cite)
FACTS = [
    ("How many international standards did China lead during the 14th Five-Year Plan?", "1,079", "000"),
    ("How many secretariats in international standardization bodies did China newly assume?", "26", "000"),
    ("What is the top fine for companies under the revised Article 59 of the Cybersecurity Law?", "10 million", "001"),
    ("When was the 2025 Government Work Report delivered?", "March 5, 2025", "001"),
    ("How many times did the term standards appear in the 2025 Government Work Report?", "eight", "001"),
    ("How many legislative items does SAMR's 2025 legislative work plan outline?", "27", "001"),
    ("When was the first joint webinar by SESEC, EU SME Centre and CICC held?", "28 January 2021", "002"),
    ("How many participants attended the SESEC training on the Vienna and Frankfurt Agreement?", "150", "002"),
    ("What frequency band did MIIT reserve for 5G?", "700MHz", "003"),
    ("Which frequency range, formerly used for TV and radio broadcasting, was allocated to 5G?", "702-798MHz", "003"),
    ("How many social groups had registered on the Nationwide Association Standards Information Platform by the end of 2019?", "3,042", "004"),
    ("How many certification agencies are there in China according to CNCA?", "596", "004"),
]

UNANSWERABLE = [
    "What is the recipe for a chocolate cake?",
    "Who won the 2022 football World Cup?",
    "How many international standards did China lead during the 13th Five-Year Plan?",  # near-miss: plan
    "What did GB/T 99999-2030 change for toy safety?",  # near-miss: a standard that is not there
]


@pytest.mark.parametrize(("question", "fact", "doc"), FACTS)
def test_answers_hold_the_fact_and_cite_its_document(assistant_bot, question: str, fact: str, doc: str) -> None:
    answer = assistant_bot.ask(question)
    assert not answer.abstained, answer.answer
    assert fact.lower() in answer.answer.lower()
    assert any(c.source.startswith(doc) for c in answer.citations)


@pytest.mark.parametrize("question", [q for q, _, _ in FACTS[:6]])
def test_every_marker_resolves_to_a_citation_whose_text_is_in_the_document(assistant_bot, question: str) -> None:
    from assistant.engine.citations import cited_sentences, markers_in

    answer = assistant_bot.ask(question)
    numbers = {c.n for c in answer.citations}
    assert set(markers_in(answer.answer)) == numbers
    assert sorted(numbers) == list(range(1, len(numbers) + 1))
    for sentence, marks in cited_sentences(answer.answer):
        assert marks, f"uncited sentence: {sentence}"
    for c in answer.citations:
        stored = assistant_bot.catalog.document_text(c.source)
        assert stored[c.start : c.end] == c.text


@pytest.mark.parametrize("question", UNANSWERABLE)
def test_abstains_when_the_documents_do_not_hold_the_answer(assistant_bot, question: str) -> None:
    answer = assistant_bot.ask(question)
    assert answer.abstained
    assert answer.citations == []
    assert "could not find" in answer.answer
    assert answer.related, "nearest passages are offered as related reading"


def test_a_list_question_is_answered_with_the_items_not_just_their_introduction(assistant_bot) -> None:  # type: ignore[no-untyped-def]
    answer = assistant_bot.ask("What achievements were announced at the 2025 International Standardization Conference?")
    assert not answer.abstained
    items = [line for line in answer.answer.splitlines() if line.startswith("- ")]
    assert len(items) >= 3, answer.answer
    assert any("VDE DKE" in line for line in items) and any("Carbon Footprint" in line for line in items)
    assert ":." not in answer.answer and not answer.answer.rstrip().endswith(":")
    for line in filter(str.strip, answer.answer.splitlines()):
        assert re.search(r"\[\d+\]", line), f"uncited line: {line}"
    quoted = [c.text[h.start : h.end] for c in answer.citations for h in c.highlights]
    assert any("VDE DKE Representative Office" in q for q in quoted), "the highlight is the list that was quoted"


def test_a_question_in_two_parts_cites_both_documents(assistant_bot) -> None:  # type: ignore[no-untyped-def]
    answer = assistant_bot.ask(
        "How did the number of CCC product categories change, and when was the Negative List published?"
    )
    assert not answer.abstained
    assert len({c.source for c in answer.citations}) >= 2
    assert "Negative List" in answer.answer


def test_a_later_part_about_a_missing_first_subject_is_not_answered(assistant_bot) -> None:  # type: ignore[no-untyped-def]
    answer = assistant_bot.ask("What did GB/T 99999-2030 change for toy safety, and when does it take effect?")
    assert answer.abstained, answer.answer  # "it" is the standard the documents do not have


def test_an_office_nobody_holds_in_the_documents_is_refused(assistant_bot) -> None:  # type: ignore[no-untyped-def]
    answer = assistant_bot.ask("Who is the secretary-general of the BRICS standardization cooperation mechanism?")
    assert answer.abstained


ANSWER_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["answer", "abstained", "citations", "query", "timings_ms"],
    "properties": {
        "answer": {"type": "string"},
        "abstained": {"type": "boolean"},
        "query": {"type": "string"},
        "citations": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["n", "source", "title", "section", "text", "start", "end", "score"],
                "properties": {
                    "n": {"type": "integer"}, "source": {"type": "string"}, "title": {"type": "string"},
                    "section": {"type": ["string", "null"]}, "text": {"type": "string"},
                    "start": {"type": "integer"}, "end": {"type": "integer"}, "score": {"type": "number"},
                },
            },
        },
        "timings_ms": {
            "type": "object",
            "additionalProperties": False,
            "required": ["retrieve", "generate", "total"],
            "properties": {k: {"type": "number"} for k in ("retrieve", "generate", "total")},
        },
    },
}


def _env(settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"ASSISTANT_DATA_DIR": str(settings.data_dir), "ASSISTANT_MODEL_CACHE": str(settings.model_dir)}


def test_ask_json_matches_the_contract(built_index, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import jsonschema

    history = tmp_path / "history.json"
    history.write_text(json.dumps([
        {"role": "user", "content": "What is the top fine for companies under the revised Article 59?"},
        {"role": "assistant", "content": "It rises from 1 million to 10 million yuan. [1]"},
    ]))
    result = CliRunner().invoke(app, ["ask", "And for individuals?", "--json", "--history", str(history)], env=_env(built_index))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    jsonschema.validate(data, ANSWER_SCHEMA)
    Answer.model_validate(data)
    assert data["query"] != "And for individuals?"  # the follow-up was made standalone


def test_ask_without_an_index_says_to_ingest_and_exits_2(settings) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(app, ["ask", "anything?"], env=_env(settings))
    assert result.exit_code == 2
    assert "assistant ingest" in result.stderr


def test_ask_with_a_malformed_history_names_the_file(built_index, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "h.json"
    bad.write_text('[{"role": "robot", "content": 1}]')
    result = CliRunner().invoke(app, ["ask", "hi?", "--history", str(bad)], env=_env(built_index))
    assert result.exit_code == 2
    assert "h.json" in result.stderr
