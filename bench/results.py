"""The one writer of ``bench/results.json``: each benchmark's figures under its own key, the
others' left as they are, written atomically so an interrupted run never leaves half a file."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def merge_results(path: Path, key: str, figures: dict[str, Any]) -> None:
    """Put ``figures`` under ``key`` in the JSON file at ``path`` (created if missing; an
    unreadable one is started afresh)."""
    results: dict[str, Any] = {}
    if path.exists():
        try:
            results = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            results = {}
    results[key] = figures
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
