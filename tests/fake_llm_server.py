"""A real HTTP server on 127.0.0.1 that speaks just enough of two language-model APIs to test
the generators over a socket: OpenAI chat completions (``POST /v1/chat/completions``, plain or
streamed as SSE ``data: {...}`` chunks ending with ``data: [DONE]``) and Ollama's native chat
(``POST /api/chat``, plain or streamed as NDJSON).

Replies come from a queue of :class:`Reply` scripts, one per request; every request body is
recorded. A reply's ``text`` may be a function of the request body, so a test can cite whichever
source number the retriever gave a passage.

>>> with FakeLLMServer() as server:  # doctest: +SKIP
...     server.script(Reply("Paris [1]."), Reply(status=500))
...     server.url  # 'http://127.0.0.1:54321'
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted answer: its text (or a function of the request body), HTTP status, and a
    delay before anything is sent or a stall inside a stream (to outlast a client's timeout)."""

    text: str | Callable[[dict[str, Any]], str] = ""
    status: int = 200
    delay: float = 0.0
    stall: float = 0.0  # a pause after the first streamed piece (a model that hangs mid-answer)...
    stall_after: int = 0  # ...or after this many pieces (a model that thinks between sentences)

    def render(self, body: dict[str, Any]) -> str:
        return self.text(body) if callable(self.text) else self.text


class FakeLLMServer:
    """Threaded server on an ephemeral loopback port; ``requests`` holds ``(path, body)``."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="fake-llm", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeLLMServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self.replies.extend(replies)

    def reset(self) -> None:
        with self._lock:
            self.replies.clear()
            self.requests.clear()

    def next_reply(self, path: str, body: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append((path, body))
            if self.replies:
                return self.replies.popleft()
        return Reply("fake server: no reply scripted for this request", status=500)


def pieces(text: str) -> list[str]:
    """A reply cut the way a model streams it: a word and its trailing space at a time."""
    return re.findall(r"\S+\s*|\s+", text) or [""]


def _handler(server: FakeLLMServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if self.path not in ("/v1/chat/completions", "/api/chat"):
                self._json(404, {"error": {"message": f"no route {self.path}"}})
                return
            reply = server.next_reply(self.path, body)
            if reply.delay:
                time.sleep(reply.delay)
            try:
                if self.path == "/api/chat":
                    self._ollama(reply, body)
                else:
                    self._openai(reply, body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up first (a timeout test)

        def _openai(self, reply: Reply, body: dict[str, Any]) -> None:
            if reply.status != 200:
                self._json(
                    reply.status, {"error": {"message": "scripted failure", "type": "server_error"}}
                )
                return
            text, model = reply.render(body), body.get("model", "fake")
            if not body.get("stream"):
                self._json(
                    200,
                    {
                        "id": "chatcmpl-fake",
                        "object": "chat.completion",
                        "created": 0,
                        "model": model,
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": text},
                                "finish_reason": "stop",
                            }
                        ],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    },
                )
                return
            self._start(200, "text/event-stream")
            for i, piece in enumerate(pieces(text)):
                self._send_event({"content": piece, "role": "assistant"}, model, None)
                if i == reply.stall_after and reply.stall:
                    time.sleep(reply.stall)
            self._send_event({}, model, "stop")
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()

        def _send_event(self, delta: dict[str, Any], model: str, finish: str | None) -> None:
            chunk = {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()

        def _ollama(self, reply: Reply, body: dict[str, Any]) -> None:
            if reply.status != 200:
                self._json(reply.status, {"error": "scripted failure"})
                return
            text, model = reply.render(body), body.get("model", "fake")

            def part(content: str, done: bool) -> dict[str, Any]:
                return {
                    "model": model,
                    "created_at": "2025-01-01T00:00:00Z",
                    "message": {"role": "assistant", "content": content},
                    "done": done,
                    **({"done_reason": "stop"} if done else {}),
                }

            if body.get("stream") is False:
                self._json(200, part(text, True))
                return
            self._start(200, "application/x-ndjson")
            for piece in pieces(text):
                self.wfile.write((json.dumps(part(piece, False)) + "\n").encode())
                self.wfile.flush()
            self.wfile.write((json.dumps(part("", True)) + "\n").encode())
            self.wfile.flush()

        def _start(self, status: int, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Connection", "close")
            self.end_headers()

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)

    return Handler
