"""HTTP API benchmark: cold start of ``python app.py`` to the first answer, then 8 concurrent
clients on ``POST /api/ask`` for about 15 s. Figures go under the key ``"api"`` of a JSON file.

    from bench.api import run
    run(Settings(), Path("bench/results.json"))
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from assistant.settings import Settings
from bench.results import merge_results

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 8
SECONDS = 15.0
MAX_REQUESTS = 2000
QUESTIONS = [
    "What did China achieve in international standardization during the 14th Five-Year Plan?",
    "Which regions saw growing cooperation on standards?",
    "What is SESEC?",
    "What happened at the SESEC China roundtable?",
    "How many international standards were proposed by China?",
    "What does the newsletter say about cybersecurity standards?",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0.0


def start_app(env: dict[str, str], question: str, timeout: float) -> tuple[subprocess.Popen[str], str, float, float]:
    """Start ``app.py`` on a free loopback port with ``env`` and wait until ``/healthz`` reports
    an index and ``question`` gets an answer. Returns the process, its URL, and the seconds from
    the start to each; the server's last words when it exits or never answers."""
    port = _free_port()
    env = {**env, "ASSISTANT_PORT": str(port), "ASSISTANT_HOST": "127.0.0.1", "GRADIO_ANALYTICS_ENABLED": "False"}
    url = f"http://127.0.0.1:{port}"
    # the server's stderr goes to a file, not a pipe nobody reads (a full pipe stalls the server);
    # the child keeps its own handle on it after this one is closed
    with tempfile.TemporaryFile(mode="w+") as log:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=log, text=True)
        healthy: float | None = None
        with httpx.Client(base_url=url, timeout=120) as http:
            while time.perf_counter() - started < timeout and proc.poll() is None:
                try:
                    if healthy is None and http.get("/healthz", timeout=2).json().get("index"):
                        healthy = time.perf_counter() - started
                    if healthy is not None and http.post("/api/ask", json={"question": question}).status_code == 200:
                        return proc, url, healthy, time.perf_counter() - started
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
        exited = proc.poll()
        stop(proc)
        log.seek(0)
        said = log.read()[-2000:]
    raise RuntimeError(f"the server exited with {exited}: {said}" if exited is not None
                       else f"no answer from the server within {timeout:.0f} s: {said}")


def stop(proc: subprocess.Popen[Any]) -> None:
    """Stop a server started for a benchmark, killing it when it does not stop in 30 s."""
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run(settings: Settings, out_path: Path) -> dict[str, Any]:
    """Start the app in a subprocess on a free port, measure, stop it, merge the figures.
    It serves the evaluation's copy of the default collection (built here if missing), so the
    figures never depend on what the user has ingested."""
    from eval.runner import build_assistant, eval_settings

    settings = eval_settings(settings)
    build_assistant(settings)
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(settings.data_dir)}
    if settings.model_cache:
        env["ASSISTANT_MODEL_CACHE"] = str(settings.model_cache)
    proc, url, _, first = start_app(env, QUESTIONS[0], timeout=180)
    try:
        latencies: list[float] = []
        errors = 0
        lock = threading.Lock()
        issued = 0
        deadline = time.perf_counter() + SECONDS

        def client(i: int) -> None:
            nonlocal errors, issued
            with httpx.Client(base_url=url, timeout=60) as http:
                n = i
                while time.perf_counter() < deadline:
                    with lock:
                        if issued >= MAX_REQUESTS:
                            return
                        issued += 1
                    t = time.perf_counter()
                    try:
                        ok = http.post("/api/ask", json={"question": QUESTIONS[n % len(QUESTIONS)]}).status_code == 200
                    except httpx.HTTPError:
                        ok = False
                    with lock:
                        if ok:
                            latencies.append(time.perf_counter() - t)
                        else:
                            errors += 1
                    n += CLIENTS

        load_started = time.perf_counter()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - load_started
    finally:
        stop(proc)
    figures = {
        "cold_start_to_first_answer_s": round(first, 2),
        "clients": CLIENTS,
        "duration_s": round(elapsed, 2),
        "requests": len(latencies) + errors,
        "answers": len(latencies),
        "errors": errors,
        "answers_per_s": round(len(latencies) / elapsed, 2) if elapsed else 0.0,
        "latency_p50_ms": round(_pct(latencies, 0.5) * 1000, 1),
        "latency_p95_ms": round(_pct(latencies, 0.95) * 1000, 1),
        "latency_mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else 0.0,
        "cpus": os.cpu_count(),
    }
    merge_results(out_path, "api", figures)
    return figures


if __name__ == "__main__":
    print(json.dumps(run(Settings(), Path(sys.argv[1] if len(sys.argv) > 1 else "bench/results.json")), indent=2))
