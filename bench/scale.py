"""Growth benchmark (``assistant bench --scale``): the default collection at 1x, about 10x and
as large as Debian's ``python3.11-doc`` HTML allows, in embedded Chroma and against a Chroma
server, each ingested cold into a fresh data dir. Numbers, never assertions.

Per size and mode:

- ingest: passages, passages/s of the whole ingest (in-process, imports excluded) and of the
  embedding step alone, peak RSS of the ingesting process;
- the web app (``app.py`` in a subprocess): start-up to ``/healthz`` and to the first answer,
  answer latency p50/p95 over HTTP (sequential), the server's RSS (now and peak);
- embedded mode only: the default collection's evaluation items (``standards``) answered with
  the extra documents beside them, beside the same figures at 1x.

The extra documents are the Python documentation under ``/usr/share/doc/python3.11/html``
(``apt-get install -y python3.11-doc``; the benchmark says so and skips the larger sizes when
it is absent); the generated indexes (``genindex*``, ``py-modindex``, ``search``) are navigation,
not documents, and are left out. 10x takes every fourth page, so it is a subset of the largest.
Figures are merged into ``bench/results.json`` under ``"scale"`` after every step, so a long run
that is stopped keeps what it measured.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from assistant.settings import Settings
from bench.api import _free_port, _pct, start_app, stop
from bench.ingest import COLD_CHILD, _prepare_model, _run
from bench.results import merge_results

ROOT = Path(__file__).resolve().parent.parent
PYDOCS = Path("/usr/share/doc/python3.11/html")
NAVIGATION = ("genindex", "py-modindex", "search")
QUESTIONS = [
    "How many international standards did China lead during the 14th Five-Year Plan?",
    "What is the top fine for companies under the revised Article 59?",
    "When was the first joint webinar by SESEC, EU SME Centre and CICC held?",
    "What frequency band did MIIT reserve for 5G?",
    "How do I read a file line by line?",
    "What does functools.lru_cache do?",
    "What is the recipe for lasagne?",
]
ROUNDS = 8  # each question this many times after a warm-up



def pydocs_pages() -> list[Path]:
    """The documentation pages, in a fixed order (empty when the package is not installed)."""
    if not PYDOCS.is_dir():
        return []
    return sorted(
        p for p in PYDOCS.rglob("*.html")
        if not p.name.startswith(NAVIGATION) and not any(part.startswith("_") for part in p.relative_to(PYDOCS).parts)
    )


def _corpus(base: Path, pages: list[Path], into: Path) -> Path:
    """The default documents plus ``pages`` (under ``pydocs/``) in one folder."""
    shutil.copytree(base, into)
    for page in pages:
        target = into / "pydocs" / page.relative_to(PYDOCS)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(page, target)
    return into


def _proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a running process, in MiB."""
    out: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) // 1024
    except OSError:
        pass
    return out


def _chroma_server(path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A real ``chroma run`` on a free loopback port (the chromadb package ships it)."""
    port = _free_port()
    chroma = Path(sys.executable).parent / "chroma"
    log = open(path.with_suffix(".log"), "wb")  # noqa: SIM115 - the child owns it until stopped
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"chroma run exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop(proc)
    raise RuntimeError("chroma run did not answer within 60 s")


def _serve(env: dict[str, str]) -> dict[str, Any]:
    """Start the web app, time its start-up, measure answers over HTTP and its memory."""
    proc, url, healthy, first = start_app(env, QUESTIONS[0], timeout=300)
    try:
        with httpx.Client(base_url=url, timeout=120) as http:
            after_start = _proc_status(proc.pid)
            for q in QUESTIONS:
                http.post("/api/ask", json={"question": q})  # warm-up
            times: list[float] = []
            errors = 0
            for _ in range(ROUNDS):
                for q in QUESTIONS:
                    t = time.perf_counter()
                    ok = http.post("/api/ask", json={"question": q}).status_code == 200
                    times.append((time.perf_counter() - t) * 1000)
                    errors += not ok
        memory = _proc_status(proc.pid)
    finally:
        stop(proc)
    return {
        "server_start_to_healthz_s": round(healthy, 2),
        "server_start_to_first_answer_s": round(first, 2),
        "answer_p50_ms": round(_pct(times, 0.5), 2),
        "answer_p95_ms": round(_pct(times, 0.95), 2),
        "answers": len(times),
        "answer_errors": errors,
        "server_rss_after_start_mib": after_start.get("VmRSS"),
        "server_rss_mib": memory.get("VmRSS"),
        "server_peak_rss_mib": memory.get("VmHWM"),
    }


def _evaluate(settings: Settings) -> dict[str, Any]:
    """The default collection's evaluation items answered from this (larger) collection."""
    from assistant.service import Assistant
    from eval.dataset import collections, load_items
    from eval.metrics import summarize
    from eval.runner import DEFAULT_COLLECTION, run_items

    coll = next(c for c in collections() if c.name == DEFAULT_COLLECTION)
    items = load_items(coll.items_dir)
    bot = Assistant.from_settings(settings)
    results = run_items(bot, items, collection=coll.name)
    keep = ("hit@5", "mrr", "key_fact_accuracy", "citation_precision", "abstention_recall", "false_refusal_rate")
    out: dict[str, Any] = {}
    for split in ("dev", "test"):
        got = summarize([r for r in results if r.split == split])
        out[split] = {k: round(got[k], 3) for k in keep if k in got}
    return out


def _kept_runs(out_path: Path, sizes: list[tuple[str, list[Path]]], modes: tuple[str, ...],
               only: tuple[str, ...]) -> dict[str, Any]:
    """The runs of an earlier measurement that this one does not redo (a run of some sizes or
    modes adds to the figures instead of wiping the others); each carries its ``measured_at``."""
    try:
        earlier = json.loads(out_path.read_text(encoding="utf-8")).get("scale", {}).get("runs", {})
    except (OSError, json.JSONDecodeError, AttributeError):
        return {}
    redone = {f"{name}/{mode}" for name, _ in sizes if not only or name in only for mode in modes}
    kept = {k: v for k, v in earlier.items() if "(" not in k}
    kept.update({k.split(" (")[0]: v for k, v in earlier.items() if "(" in k})  # a rerun replaces its run
    return {k: v for k, v in kept.items() if k not in redone}


def run(settings: Settings, out_path: Path, say: Callable[[str], None] = print,
        modes: tuple[str, ...] = ("embedded", "server"), only: tuple[str, ...] = ()) -> dict[str, Any]:
    """Build and measure every size (or the ``only`` ones: ``1x``, ``10x``, ``max``) in every
    mode; merge the figures into ``out_path``."""
    from eval.dataset import collections
    from eval.runner import DEFAULT_COLLECTION

    model_dir = _prepare_model(settings)
    base = next(c for c in collections() if c.name == DEFAULT_COLLECTION).corpus_dir
    pages = pydocs_pages()
    sizes: list[tuple[str, list[Path]]] = [("1x", [])]
    if pages:
        sizes += [("10x", pages[::4]), ("max", pages)]
    else:
        say(f"python3.11-doc is not installed ({PYDOCS} is missing): only 1x is measured; "
            "install it with `apt-get install -y python3.11-doc`")
    figures: dict[str, Any] = {
        "extra_documents": str(PYDOCS) if pages else None,
        "cpus": os.cpu_count(),
        "load_average_1m_at_start": round(os.getloadavg()[0], 2),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "targets_at_max": {"ingest_passages_per_s": "within 20% of 1x", "server_start_to_healthz_s": 10,
                           "answer_p95_ms": 150, "server_rss_mib": 2048, "evaluation": "unchanged from 1x"},
        "runs": _kept_runs(out_path, sizes, modes, only),
    }
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    try:
        for name, extra in sizes:
            if only and name not in only:
                continue
            corpus = _corpus(base, extra, work / f"corpus-{name}")
            for mode in modes:
                key = f"{name}/{mode}"
                say(f"scale {key}: {len(extra)} extra pages ...")
                data_dir = work / f"storage-{name}-{mode}"
                env = {
                    **os.environ, "ASSISTANT_DATA_DIR": str(data_dir), "ASSISTANT_MODEL_CACHE": str(model_dir),
                    "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
                }
                env.pop("ASSISTANT_CHROMA_URL", None)
                chroma = None
                if mode == "server":
                    chroma, env["ASSISTANT_CHROMA_URL"] = _chroma_server(work / f"chroma-{name}")
                load_before = os.getloadavg()[0]  # comparable only on an idle machine: recorded
                try:
                    wall, rss, stdout, _ = _run([sys.executable, "-c", COLD_CHILD, str(corpus)], env, ROOT)
                    got = json.loads(stdout.strip().splitlines()[-1])
                    run_fig: dict[str, Any] = {
                        "documents": got["documents"], "extra_pages": len(extra), "failed": len(got["failed"]),
                        "passages": got["passages"],
                        "ingest_s": round(got["ingest_seconds"], 1), "ingest_wall_s": round(wall, 1),
                        "ingest_passages_per_s": round(got["passages"] / got["ingest_seconds"], 1),
                        "embed_passages_per_s": round(got["passages"] / got["embed_seconds"], 1) if got["embed_seconds"] else None,
                        "ingest_peak_rss_mib": rss,
                    }
                    run_fig.update(_serve(env))
                    if chroma is not None:
                        run_fig["chroma_server_rss_mib"] = _proc_status(chroma.pid).get("VmRSS")
                    if mode == "embedded":
                        s = settings.model_copy(update={"data_dir": data_dir, "model_cache": model_dir, "chroma_url": None})
                        run_fig["evaluation_standards"] = _evaluate(s)
                finally:
                    if chroma is not None:
                        stop(chroma)
                run_fig["load_average_1m"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]  # before, after
                run_fig["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
                figures["runs"][key] = run_fig
                say(f"  {json.dumps(run_fig)}")
                merge_results(out_path, "scale", figures)
                shutil.rmtree(data_dir, ignore_errors=True)
            shutil.rmtree(corpus, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for key, fig in figures["runs"].items():
        base_rate = figures["runs"].get(f"1x/{key.split('/')[1]}", {}).get("ingest_passages_per_s")
        if base_rate and fig.get("ingest_passages_per_s"):
            fig["ingest_rate_vs_1x"] = round(fig["ingest_passages_per_s"] / base_rate, 2)
        base_embed = figures["runs"].get(f"1x/{key.split('/')[1]}", {}).get("embed_passages_per_s")
        if base_embed and fig.get("embed_passages_per_s"):  # model compute alone: shows contention
            fig["embed_rate_vs_1x"] = round(fig["embed_passages_per_s"] / base_embed, 2)
    merge_results(out_path, "scale", figures)
    return figures


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("bench/results.json")
    run(Settings(), target)  # type: ignore[call-arg]
