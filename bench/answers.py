"""Answer speed: warm latency of Assistant.ask (p50/p95) and a cold `assistant ask` process."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.results import merge_results

QUESTIONS = [
    "How many international standards did China lead during the 14th Five-Year Plan?",
    "What is the top fine for companies under the revised Article 59?",
    "When was the first joint webinar by SESEC, EU SME Centre and CICC held?",
    "What frequency band did MIIT reserve for 5G?",
    "How many certification agencies are there in China?",
    "What is the recipe for lasagne?",
]


def run(settings, out_path: Path) -> dict:  # type: ignore[no-untyped-def]
    from assistant.service import Assistant
    from eval.runner import build_assistant, eval_settings

    es = eval_settings(settings)
    build_assistant(es)
    bot = Assistant.from_settings(es)
    for q in QUESTIONS:
        bot.ask(q)  # warm-up
    times = []
    for _ in range(10):
        for q in QUESTIONS:
            t = time.perf_counter()
            bot.ask(q)
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    env = dict(os.environ, ASSISTANT_DATA_DIR=str(es.data_dir), ASSISTANT_MODEL_CACHE=str(es.model_dir))
    cold = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "assistant", "ask", QUESTIONS[0], "--json"], env=env, check=True, capture_output=True)
        cold.append(time.perf_counter() - t)
    figures = {
        "warm_p50_ms": round(statistics.median(times), 2),
        "warm_p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
        "cold_ask_s": round(min(cold), 2),
        "cold_ask_runs_s": [round(c, 2) for c in cold],
    }
    merge_results(out_path, "answers", figures)
    return figures


