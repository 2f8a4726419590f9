"""Prompt templates load at start-up or fail loudly: declared and used variables must match."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import ConfigError
from assistant.generators.prompts import PROMPTS_DIR, REQUIRED, check_all, load_prompt, parse_prompt


def test_every_prompt_file_loads() -> None:
    prompts = check_all()
    assert set(prompts) == set(REQUIRED)
    for name, prompt in prompts.items():
        assert prompt.variables == REQUIRED[name]
        assert prompt.template.strip()
    assert {p.stem for p in PROMPTS_DIR.glob("*.txt")} == set(REQUIRED)


def test_the_answer_prompt_renders_sources_and_question() -> None:
    text = load_prompt("answer").render(sources="[1] A\nalpha {braces} stay", question="Why?")
    assert "[1] A\nalpha {braces} stay" in text and "Question: Why?" in text
    assert "NOT_IN_SOURCES" in text


def test_a_placeholder_that_is_not_declared_is_refused() -> None:
    with pytest.raises(ConfigError, match="declares"):
        parse_prompt("custom", "variables: question\n---\n{question} {sources}")


def test_a_declared_variable_that_is_never_used_is_refused() -> None:
    with pytest.raises(ConfigError, match="declares"):
        parse_prompt("custom", "variables: question, sources\n---\n{question}")


def test_a_required_prompt_with_other_variables_is_refused() -> None:
    with pytest.raises(ConfigError, match="must use exactly"):
        parse_prompt("answer", "variables: question\n---\n{question}")


def test_a_prompt_without_its_header_is_refused() -> None:
    with pytest.raises(ConfigError, match="variables"):
        parse_prompt("custom", "Answer {question}")


def test_rendering_without_a_variable_is_refused() -> None:
    with pytest.raises(ConfigError, match="needs sources"):
        load_prompt("answer").render(question="Why?")


def test_a_missing_prompt_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="missing"):
        load_prompt("system", tmp_path)
