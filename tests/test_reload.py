"""A running server sees every change to its collection, whoever made it (issue 13): a document
ingested by the CLI in another process is answerable on the next request, without a restart."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx

from tests.live import copy_index, live_server

NEW_DOC = (
    "# Zorblax maintenance guide\n\n"
    "The zorblax reactor is cooled by purple quartz crystals mined in Vellmar. "
    "Technicians replace the quartz crystals every eleven weeks.\n"
)
QUESTION = "What cools the zorblax reactor?"


def _ingest_in_another_process(settings: Any, folder: Path) -> None:
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(settings.data_dir), "ASSISTANT_MODEL_CACHE": str(settings.model_dir)}
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "ingest", str(folder)], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr


def test_a_cli_ingest_is_answered_by_the_running_server_without_a_restart(built_index: Any, tmp_path: Path) -> None:
    settings = copy_index(built_index, tmp_path)
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "zorblax.md").write_text(NEW_DOC, encoding="utf-8")
    with live_server(settings) as url:
        before = httpx.post(f"{url}/api/ask", json={"question": QUESTION}, timeout=60).json()
        assert before["abstained"] or all(c["source"] != "zorblax.md" for c in before["citations"])

        errors: list[int] = []
        stop = threading.Event()

        def load() -> None:  # questions keep arriving while the other process writes
            while not stop.is_set():
                r = httpx.post(f"{url}/api/ask", json={"question": "How many international standards did China lead?"}, timeout=60)
                if r.status_code >= 500:
                    errors.append(r.status_code)

        asker = threading.Thread(target=load)
        asker.start()
        try:
            _ingest_in_another_process(settings, folder)
        finally:
            stop.set()
            asker.join(timeout=60)
        assert errors == [], "no request failed while the collection changed"

        assert "zorblax.md" in [d["source"] for d in httpx.get(f"{url}/api/documents", timeout=30).json()]
        after = httpx.post(f"{url}/api/ask", json={"question": QUESTION}, timeout=60).json()
        assert not after["abstained"], after["answer"]
        assert "quartz" in after["answer"] and after["citations"][0]["source"] == "zorblax.md"
        # the documents that were there before are still answered
        old = httpx.post(f"{url}/api/ask", json={"question": "How many international standards did China lead during the 14th Five-Year Plan?"}, timeout=60).json()
        assert not old["abstained"] and "1,079" in old["answer"]
