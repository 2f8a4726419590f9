"""Prompt templates as files in ``prompts/``: a header declaring the variables, ``---``, then
the text with ``{variable}`` placeholders. A template whose placeholders differ from what it
declares is refused when it is loaded (at start-up), not at answer time."""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.errors import ConfigError

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
REQUIRED = {
    "system": frozenset(),
    "answer": frozenset({"question", "sources"}),
    "condense": frozenset({"history", "question"}),
    "refusal": frozenset({"question"}),
    "part_not_found": frozenset({"question"}),
}


@dataclass(frozen=True)
class Prompt:
    name: str
    variables: frozenset[str]
    template: str

    def render(self, **values: str) -> str:
        missing = self.variables - values.keys()
        if missing:
            raise ConfigError(f"prompt {self.name!r} needs {', '.join(sorted(missing))}")
        return self.template.format(**{k: values[k] for k in self.variables})


def parse_prompt(name: str, text: str) -> Prompt:
    header, sep, body = text.partition("\n---\n")
    if not sep or not header.startswith("variables:"):
        raise ConfigError(f"prompt {name!r}: start with 'variables: a, b' then a line '---'")
    declared = frozenset(v.strip() for v in header[len("variables:") :].split(",") if v.strip())
    used = {f for _, f, _, _ in string.Formatter().parse(body) if f}
    if used != declared:
        raise ConfigError(
            f"prompt {name!r}: declares {sorted(declared)} but uses {sorted(used)}; make them match"
        )
    expected = REQUIRED.get(name)
    if expected is not None and declared != expected:
        raise ConfigError(f"prompt {name!r} must use exactly {sorted(expected)}")
    return Prompt(name, declared, body.strip())


@lru_cache(maxsize=16)
def load_prompt(name: str, directory: Path = PROMPTS_DIR) -> Prompt:
    path = directory / f"{name}.txt"
    if not path.exists():
        raise ConfigError(f"prompt file {path} is missing")
    return parse_prompt(name, path.read_text(encoding="utf-8"))


def check_all(directory: Path = PROMPTS_DIR) -> dict[str, Prompt]:
    """Load and check every required prompt (called at start-up)."""
    return {name: load_prompt(name, directory) for name in REQUIRED}
