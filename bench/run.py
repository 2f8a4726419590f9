"""`assistant bench`: every benchmark, figures merged into one JSON file (never timed asserts)."""

from __future__ import annotations

from pathlib import Path

from assistant.settings import Settings


def run_all(settings: Settings, out: Path, only: str | None = None) -> None:
    from bench import answers, api, ingest, llm

    for name, module in (("ingest", ingest), ("answers", answers), ("api", api), ("llm", llm)):
        if only and name != only:
            continue
        print(f"benchmark: {name} ...", flush=True)
        figures = module.run(settings, out)
        print(f"  {figures}")
    print(f"figures written to {out}")
