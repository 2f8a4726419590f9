"""Chroma in client/server mode: a real `chroma run` server on a loopback port, ingested into
and queried through ChromaStore; and an unreachable server is a clear StoreError, fast."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from assistant.errors import StoreError
from assistant.faces.cli import app
from assistant.settings import Settings
from bench.api import stop as stop_process
from index.catalog import Catalog
from index.service import run_ingest
from index.store.chroma import ChromaStore
from tests.conftest import CORPUS

CHROMA = Path(sys.executable).parent / "chroma"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def chroma_server(tmp_path: Path) -> Iterator[str]:
    """A Chroma server on a free loopback port, stopped (and reaped) whatever the test does."""
    if not CHROMA.exists():
        pytest.skip(f"no chroma CLI at {CHROMA}")
    port = _free_port()
    log = open(tmp_path / "chroma.log", "wb")  # noqa: SIM115 - closed in the finally below
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    proc = subprocess.Popen(
        [
            str(CHROMA),
            "run",
            "--path",
            str(tmp_path / "server-data"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"chroma server exited with {proc.returncode}: {(tmp_path / 'chroma.log').read_text()[-2000:]}"
                )
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("chroma server did not answer its heartbeat within 60 s")
            time.sleep(0.2)
        yield url
    finally:
        stop_process(proc)
        log.close()


@pytest.mark.slow
def test_ingest_and_query_through_a_chroma_server(
    chroma_server: str, tmp_path: Path, model_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from index.embed.onnx import OnnxEmbedder

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    names = sorted(p.name for p in CORPUS.iterdir())
    for name in (names[0], names[4]):
        shutil.copy(CORPUS / name, corpus / name)
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "storage"))
    monkeypatch.setenv("ASSISTANT_MODEL_CACHE", str(model_cache))
    monkeypatch.setenv("ASSISTANT_CHROMA_URL", chroma_server)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.chroma_url == chroma_server

    report = run_ingest(settings.index, [corpus])
    assert report.failed == [] and sorted(report.added) == [names[0], names[4]]
    assert not settings.chroma_dir.exists()  # nothing went to an embedded store

    catalog = Catalog(settings.catalog_path)
    try:
        ids = catalog.passage_ids()
        store = ChromaStore(settings.collection, url=chroma_server)
        assert store.count() == len(ids) == report.total_passages > 0
        assert store.ids() == ids
        embedder = OnnxEmbedder(model_cache)
        hits = store.query(
            embedder.embed(
                ["SESEC China-EU Standardization Roundtable and Chinese New Year Reception"]
            )[0],
            3,
        )
        assert len(hits) == 3 and hits[0][1] >= hits[1][1] >= hits[2][1]
        assert all(-1.0 <= score <= 1.0 for _, score in hits)
        (best,) = catalog.passages([hits[0][0]])
        assert best.source == names[4]
    finally:
        catalog.close()

    # a client in a fresh process sees the same collection (it lives in the server)
    code = (
        "from index.store.chroma import ChromaStore; import sys; "
        f"print(ChromaStore({settings.collection!r}, url={chroma_server!r}).count())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    assert int(out.stdout.strip()) == len(ids)

    again = run_ingest(settings.index, [corpus])
    assert sorted(again.unchanged) == [names[0], names[4]] and again.passages == 0
    assert ChromaStore(settings.collection, url=chroma_server).count() == len(ids)


def test_unreachable_server_is_a_clear_store_error() -> None:
    url = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    started = time.monotonic()
    with pytest.raises(StoreError) as info:
        ChromaStore("passages", url=url)
    assert time.monotonic() - started < 20  # fails, does not hang
    message = str(info.value)
    assert url in message and "'passages'" in message
    assert "\n" not in message


def test_malformed_url_is_a_clear_store_error() -> None:
    with pytest.raises(StoreError, match="is not a URL like http://127.0.0.1:8000"):
        ChromaStore("passages", url="chroma-server-without-scheme")


def test_cli_ingest_with_unreachable_server_exits_2(tmp_path: Path, model_cache: Path) -> None:
    (tmp_path / "a.txt").write_text("Some text about standards.")
    url = f"http://127.0.0.1:{_free_port()}"
    result = CliRunner().invoke(
        app,
        ["ingest", str(tmp_path / "a.txt")],
        env={
            "ASSISTANT_DATA_DIR": str(tmp_path / "storage"),
            "ASSISTANT_MODEL_CACHE": str(model_cache),
            "ASSISTANT_CHROMA_URL": url,
        },
    )
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert (
        len(lines) == 1
        and lines[0].startswith("error: cannot open the Chroma collection")
        and url in lines[0]
    )


class ChromaProcess:
    """A `chroma run` that a test can stop and start again on the same port and data."""

    def __init__(self, path: Path, port: int) -> None:
        self.path, self.port = path, port
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = open(self.path.with_suffix(".log"), "ab")  # noqa: SIM115 - the child holds it
        self.proc = subprocess.Popen(
            [str(CHROMA), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.path.with_suffix(".log").read_text()[-2000:]
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        pytest.fail("chroma server did not answer its heartbeat within 60 s")

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None


def _until(check: Any, seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        got = check()
        if got or time.monotonic() > deadline:
            return got
        time.sleep(0.3)


@pytest.mark.slow
def test_the_app_says_when_chroma_is_away_and_recovers_by_itself(tmp_path: Path, model_cache: Path) -> None:
    """Chroma down at start: the app starts, /healthz says so, answers are 503 naming the URL
    and what to do; Chroma started: answers come back without a restart. The same mid-run."""
    from tests.live import live_server

    if not CHROMA.exists():
        pytest.skip(f"no chroma CLI at {CHROMA}")
    chroma = ChromaProcess(tmp_path / "server-data", _free_port())
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(sorted(CORPUS.iterdir())[0], corpus)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=tmp_path / "storage", model_cache=model_cache, chroma_url=chroma.url
    )
    question = {"question": "How many international standards did China lead during the 14th Five-Year Plan?"}
    try:
        chroma.start()
        assert run_ingest(settings.index, [corpus]).failed == []
        chroma.stop()

        with live_server(settings) as url:
            health = httpx.get(f"{url}/healthz", timeout=30).json()
            assert health["status"] == "degraded" and health["store"] == "unavailable"
            assert chroma.url in health["problem"]
            r = httpx.post(f"{url}/api/ask", json=question, timeout=30)
            assert r.status_code == 503 and r.json()["error"] == "store_unavailable"
            assert chroma.url in r.json()["detail"] and "chroma run" in r.json()["detail"]

            chroma.start()
            back = _until(lambda: httpx.post(f"{url}/api/ask", json=question, timeout=60).status_code == 200)
            assert back, "the app did not reconnect to Chroma by itself"
            assert httpx.get(f"{url}/healthz", timeout=30).json()["status"] == "ok"

            chroma.stop()  # mid-run
            r = httpx.post(f"{url}/api/ask", json=question, timeout=30)
            assert r.status_code == 503 and chroma.url in r.json()["detail"]
            assert httpx.get(f"{url}/healthz", timeout=30).json()["store"] == "unavailable"
            openai = httpx.post(f"{url}/v1/chat/completions", json={"messages": [{"role": "user", "content": question["question"]}]}, timeout=30)
            assert openai.status_code == 503 and chroma.url in openai.json()["error"]["message"]

            chroma.start()
            r = _until(lambda: httpx.post(f"{url}/api/ask", json=question, timeout=60))
            assert r.status_code == 200 and "1,079" in r.json()["answer"]
            assert httpx.get(f"{url}/healthz", timeout=30).json()["status"] == "ok"
    finally:
        chroma.stop()


@pytest.mark.slow
def test_two_servers_on_a_chroma_server_see_each_others_changes(tmp_path: Path, model_cache: Path) -> None:
    """Chroma server mode: what one app server uploads or deletes, the other answers from on
    its next request (the shared data dir's catalog is the commit point, Chroma holds vectors)."""
    from tests.live import live_server

    if not CHROMA.exists():
        pytest.skip(f"no chroma CLI at {CHROMA}")
    chroma = ChromaProcess(tmp_path / "server-data", _free_port())
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(sorted(CORPUS.iterdir())[0], corpus)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=tmp_path / "storage", model_cache=model_cache, chroma_url=chroma.url
    )
    doc = (b"# Zorblax maintenance guide\n\nThe zorblax reactor is cooled by purple quartz crystals "
           b"mined in Vellmar. Technicians replace the quartz crystals every eleven weeks.\n")
    question = {"question": "What cools the zorblax reactor?"}
    try:
        chroma.start()
        assert run_ingest(settings.index, [corpus]).failed == []
        with live_server(settings) as one, live_server(settings) as two:
            assert httpx.post(f"{two}/api/ask", json=question, timeout=60).json()["abstained"]
            r = httpx.post(f"{one}/api/documents", files={"file": ("zorblax.md", doc, "text/markdown")}, timeout=120)
            assert r.status_code == 201, r.text
            a = httpx.post(f"{two}/api/ask", json=question, timeout=60).json()
            assert not a["abstained"] and "Vellmar" in a["answer"] and a["citations"][0]["source"] == "zorblax.md"
            assert httpx.delete(f"{two}/api/documents/zorblax.md", timeout=120).status_code == 204
            a = httpx.post(f"{one}/api/ask", json=question, timeout=60).json()
            assert all(c["source"] != "zorblax.md" for c in a["citations"])
    finally:
        chroma.stop()
