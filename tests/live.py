"""Helpers for the tests of the web faces: a copy of the built collection to change freely, and
the real app served by uvicorn on a free loopback port."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx


def copy_index(settings: Any, into: Path, **changes: Any) -> Any:
    """Settings over a private copy of ``settings``' data dir (the session index stays intact)."""
    target = into / "storage"
    shutil.copytree(settings.data_dir, target, ignore=shutil.ignore_patterns("ingest.lock", "sessions.*", "feedback.*"))
    return settings.model_copy(update={"data_dir": target, **changes})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(settings: Any, assistant: Any = None) -> Iterator[str]:
    """Serve ``create_app(settings)`` with uvicorn in a thread; yields the base URL."""
    import uvicorn

    from assistant.faces.server import create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, assistant), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.started:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
        time.sleep(0.1)
    else:
        server.should_exit = True
        raise RuntimeError("the test server did not start within 60 s")
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=15)
