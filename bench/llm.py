"""Local language model speed: prompt and generation tokens/s of the ``llamacpp`` generator on
the real answer prompt (llama.cpp's own timings), time to the first piece, and load time.

Uses ``ASSISTANT_LLAMACPP_MODEL_PATH`` or the model of ``assistant prepare --llm``; without
either the figures say why they are missing.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from bench.answers import QUESTIONS
from bench.results import merge_results

RUNS = 3


def run(settings, out_path: Path) -> dict:  # type: ignore[no-untyped-def]
    from assistant.engine.citations import Source
    from assistant.errors import DomainError
    from assistant.generators.llamacpp import load
    from assistant.generators.llm import build_messages
    from assistant.generators.packaged_llm import model_path
    from assistant.service import Assistant
    from eval.runner import build_assistant, eval_settings

    try:
        path = model_path(settings)
    except DomainError as exc:
        figures: dict = {"skipped": str(exc)}  # type: ignore[type-arg]
        merge_results(out_path, "llm", figures)
        return figures
    es = eval_settings(settings)
    build_assistant(es)
    bot = Assistant.from_settings(es)
    load_before = os.getloadavg()[0]  # tokens/s are only comparable on an idle machine
    started = time.perf_counter()
    model = load(path, settings.llamacpp_threads, settings.llamacpp_context)
    loaded = time.perf_counter() - started
    stats = []
    for question in QUESTIONS[:RUNS]:
        hits = bot.retriever.retrieve(question, settings.top_k)
        sources = [Source(h.passage, h.passage.source, h.score) for h in hits]
        turns = [{"role": t.role, "content": t.content} for t in build_messages(question, sources)]
        "".join(model.stream(turns, timeout=600))
        assert model.last is not None
        stats.append(model.last)
    figures = {
        "model": path.name,
        "threads_generating_reading": list(model.threads),
        "load_s": round(loaded, 2),
        "prompt_tokens": [s.prompt_tokens for s in stats],
        "generated_tokens": [s.generated_tokens for s in stats],
        "prompt_tokens_per_s": round(statistics.median(s.prompt_per_s for s in stats), 1),
        "generation_tokens_per_s": round(statistics.median(s.generated_per_s for s in stats), 1),
        "first_token_s_p50": round(statistics.median(s.first_token_s or s.total_s for s in stats), 2),
        "answer_s_p50": round(statistics.median(s.total_s for s in stats), 2),
        "cpus": os.cpu_count(),
        "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],  # before, after
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    merge_results(out_path, "llm", figures)
    return figures
