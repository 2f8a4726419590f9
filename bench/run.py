"""`assistant bench`: every benchmark, figures merged into one JSON file (never timed asserts)."""

from __future__ import annotations

from pathlib import Path

from assistant.settings import Settings


def run_all(settings: Settings, out: Path) -> None:
    from bench import answers, api, ingest

    for name, module in (("ingest", ingest), ("answers", answers), ("api", api)):
        print(f"benchmark: {name} ...", flush=True)
        figures = module.run(settings, out)
        print(f"  {figures}")
    print(f"figures written to {out}")
