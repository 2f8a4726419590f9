"""The layers point one way: every import in ``index``, ``assistant``, ``eval`` and ``bench``
(at the top of a module or inside a function, where the heavy ones are) goes to the same layer
or a lower one. The map is the one in ``assistant/__init__.py``'s docstring and the README.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

# lowest first; a module's layer is that of the longest prefix of its name listed here
LAYERS: list[tuple[str, ...]] = [
    ("index",),
    ("assistant", "assistant.settings", "assistant.errors", "assistant.models"),
    ("assistant.engine", "assistant.conversation"),
    ("assistant.generators",),
    ("assistant.service", "assistant.documents"),
    ("assistant.runtime",),
    ("assistant.faces", "assistant.__main__"),
    ("eval",),
    ("bench",),  # measures the evaluation's collections too
]
# packages in one layer that must not import each other either
APART = [("assistant.engine", "assistant.conversation")]
# the faces reach the evaluation and the benchmarks through their entry points only
ENTRY_POINTS = {"eval", "bench"}
PACKAGES = ("index", "assistant", "eval", "bench")


def _owner(module: str) -> tuple[int, str] | None:
    """(layer, prefix) of a module of ours, or None for a module from elsewhere."""
    best: tuple[int, str] | None = None
    for rank, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > len(best[1])):
                best = (rank, prefix)
    return best


def _package_of(prefix: str) -> str:
    for pair in APART:
        for name in pair:
            if prefix == name or prefix.startswith(name + "."):
                return name
    return prefix


def imports(source: str, module: str) -> list[tuple[int, str]]:
    """Every module ``source`` imports, with its line (relative imports resolved)."""
    found = []
    package = module if module.endswith("__init__") else module.rsplit(".", 1)[0]
    package = package.removesuffix(".__init__")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            found.append((node.lineno, base))
            # ``from assistant import service`` imports the module assistant.service
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names
                      if _owner(f"{base}.{alias.name}") not in (None, _owner(base))]
    return found


def violations(source: str, module: str) -> list[str]:
    """What in ``source`` (the text of ``module``) imports a higher layer, a sibling kept apart,
    or the evaluation's and benchmarks' insides from a face."""
    mine = _owner(module)
    assert mine is not None, module
    problems = []
    for line, target in imports(source, module):
        theirs = _owner(target)
        if theirs is None or target == module:
            continue
        where = f"{module}:{line} imports {target}"
        if theirs[0] > mine[0]:
            if mine[1].startswith("assistant.faces") and target in ENTRY_POINTS:
                continue
            problems.append(f"{where}: a higher layer ({' '.join(LAYERS[theirs[0]])})")
        elif theirs[0] == mine[0] and any({_package_of(theirs[1]), _package_of(mine[1])} == set(pair) for pair in APART):
            problems.append(f"{where}: {_package_of(mine[1])} and {_package_of(theirs[1])} stay apart")
    return problems


def _modules() -> list[tuple[str, Path]]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found.append((name.removesuffix(".__init__"), path))
    return found


def test_the_map_covers_every_module() -> None:
    modules = _modules()
    assert len(modules) > 80  # the walk found the tree
    assert [name for name, _ in modules if _owner(name) is None] == []


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_points_up(package: str) -> None:
    problems = []
    for name, path in _modules():
        if name == package or name.startswith(package + "."):
            problems += violations(path.read_text(encoding="utf-8"), name)
    assert problems == []


def test_the_check_catches_what_it_forbids() -> None:
    # documents-in reaching up for the settings, lazily inside a function
    assert violations("def f():\n    from assistant.settings import Settings\n", "index.pipeline")
    # the engine reaching the faces or a generator; a face reaching into the evaluation's insides
    assert violations("from assistant.faces import render\n", "assistant.engine.select")
    assert violations("from assistant import service\n", "assistant.generators.llm")
    assert violations("from eval.runner import run_cli\n", "assistant.faces.cli")
    assert violations("from ..conversation.followups import resolve\n", "assistant.engine.query")
    # and lets through what the layering allows
    assert violations("from eval import main\nfrom assistant.runtime import Runtime\n", "assistant.faces.cli") == []
    assert violations("from index.text import terms\nfrom assistant.models import Answer\n", "assistant.engine.citations") == []
