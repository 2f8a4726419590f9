"""The evaluation: question/answer items with their evidence over several collections, run through
the real answer path, scored, reported and gated against ``eval/baseline.json``.

Entry point for the ``assistant eval`` command: :func:`main` (nothing is imported until it runs).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.settings import Settings


def main(settings: Settings, *, check: bool = False, update_baseline: bool = False, out: Path = Path("eval/reports"),
         baselines: bool = True, generator: str | None = None, limit: int | None = None) -> int:
    """Evaluate, write the reports to ``out`` and return the exit status (1 on a regression)."""
    from eval.runner import run_cli

    return run_cli(settings, check=check, update_baseline=update_baseline, out=out, baselines=baselines,
                   generator=generator, limit=limit)
