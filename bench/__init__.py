"""Speed and memory benchmarks; figures go to a JSON file, never into timed assertions.

Entry point for the ``assistant bench`` command: :func:`main` (nothing is imported until it runs).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.settings import Settings


def main(settings: Settings, out: Path, only: str | None = None, scale: bool = False) -> None:
    """Run every benchmark (or ``only`` one, or the growth benchmark) and merge figures into ``out``."""
    if scale:
        from bench.scale import run

        run(settings, out)
        print(f"figures written to {out}")
        return
    from bench.run import run_all

    run_all(settings, out, only)
