"""Test set-up: the network is blocked for every test (an offline product must prove it),
except loopback, where the tests run their own servers."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "corpus"


def pytest_runtest_setup(item: pytest.Item) -> None:
    from pytest_socket import socket_allow_hosts

    socket_allow_hosts(["127.0.0.1", "localhost", "::1"], allow_unix_socket=True)


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One exported ONNX embedder for the whole run (exporting takes a few seconds)."""
    path = tmp_path_factory.mktemp("models")
    os.environ["ASSISTANT_MODEL_CACHE"] = str(path)
    return path


@pytest.fixture()
def settings(tmp_path: Path, model_cache: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Settings on an empty temporary data dir."""
    from assistant.settings import Settings

    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "storage"))
    monkeypatch.setenv("ASSISTANT_MODEL_CACHE", str(model_cache))
    monkeypatch.delenv("ASSISTANT_CHROMA_URL", raising=False)
    return Settings(_env_file=None)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def built_index(tmp_path_factory: pytest.TempPathFactory, model_cache: Path):  # type: ignore[no-untyped-def]
    """The default collection ingested once for the whole run (read-only for tests)."""
    from assistant.settings import Settings
    from index.service import run_ingest

    data = tmp_path_factory.mktemp("built")
    corpus = data / "corpus"
    shutil.copytree(CORPUS, corpus)
    s = Settings(_env_file=None, data_dir=data / "storage", model_cache=model_cache, corpus_dir=corpus)  # type: ignore[call-arg]
    report = run_ingest(s.index, [corpus])
    assert not report.failed
    return s


@pytest.fixture(scope="session")
def assistant_bot(built_index):  # type: ignore[no-untyped-def]
    from assistant.service import Assistant

    return Assistant.from_settings(built_index)
