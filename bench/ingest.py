"""Ingest benchmark: how long documents take to get in, and how much memory that needs.

Each figure comes from a fresh process, so imports and model loading count as a user sees them:

- ``cold``: the default collection into an empty data dir (the ONNX model already exported):
  wall seconds of the whole process, passages, and passages/s of the embedding step alone;
- ``reingest_unchanged``: wall seconds of the ``assistant ingest`` command when nothing changed;
- peak resident memory of each process (``ru_maxrss`` of the reaped child).

Run it with ``python -m bench.ingest [OUT.json]`` (default ``bench/results.json``); the figures
are merged into that file under the key ``"ingest"``. Numbers, never assertions.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.settings import Settings
from bench.results import merge_results

# Run in a child: ingest with the embedding step timed (it is the part that scales with text);
# the growth benchmark (bench/scale.py) runs the same script
COLD_CHILD = """
import json, sys, time
from pathlib import Path

import index.pipeline as pipeline

spent = [0.0]
_embed = pipeline.embed_passages

def timed(*args, **kwargs):
    t = time.perf_counter()
    try:
        return _embed(*args, **kwargs)
    finally:
        spent[0] += time.perf_counter() - t

pipeline.embed_passages = timed

from assistant.settings import Settings
from index.service import run_ingest

report = run_ingest(Settings(_env_file=None).index, [Path(sys.argv[1])])
print(json.dumps({
    "passages": report.passages,
    "documents": len(report.added),
    "failed": report.failed,
    "ingest_seconds": report.seconds,
    "embed_seconds": spent[0],
}))
"""


def _run(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, int, str, str]:
    """Run ``cmd``; return (wall seconds, peak RSS in MiB, stdout, stderr) of that one child."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage, not all children's
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} exited {proc.returncode}: {stderr[-2000:]}")
    return wall, usage.ru_maxrss // 1024, stdout, stderr  # ru_maxrss is in KiB on Linux


def _prepare_model(settings: Settings) -> Path:
    """Export the ONNX embedder once (not timed): the benchmark measures ingest, not export."""
    from index.embed.export import ONNX_FILE

    model_dir = settings.model_dir.resolve()
    if not (model_dir / ONNX_FILE).exists():
        from index.embed.export import export_onnx

        export_onnx(model_dir)
    return model_dir


def run(settings: Settings, out_path: Path) -> dict[str, Any]:
    """Measure the ingest of ``settings.corpus_dir`` and merge the figures into ``out_path``."""
    model_dir = _prepare_model(settings)
    load_before = os.getloadavg()[0]  # the figures are only comparable on an idle machine
    corpus = settings.corpus_dir.resolve()
    root = Path(__file__).resolve().parent.parent
    exe = Path(sys.executable)
    cli = exe.parent / "assistant"
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        env = {
            **os.environ,
            "ASSISTANT_DATA_DIR": str(work / "storage"),
            "ASSISTANT_MODEL_CACHE": str(model_dir),
            "ASSISTANT_CORPUS_DIR": str(corpus),
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "ANONYMIZED_TELEMETRY": "False",
        }
        env.pop("ASSISTANT_CHROMA_URL", None)  # embedded Chroma: measure our path, not a server's

        cold_wall, cold_rss, stdout, _ = _run([str(exe), "-c", COLD_CHILD, str(corpus)], env, root)
        cold = json.loads(stdout.strip().splitlines()[-1])
        if cold["failed"]:
            raise RuntimeError(f"cold ingest had failures: {cold['failed']}")

        cmd = [str(cli), "ingest"] if cli.exists() else [str(exe), "-m", "assistant", "ingest"]
        re_wall, re_rss, stdout, _ = _run(cmd, env, root)
        if " 0 added, 0 updated, 0 removed" not in f" {stdout}":
            raise RuntimeError(f"re-ingest was not a no-op: {stdout.strip()}")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    figures: dict[str, Any] = {
        "corpus": str(settings.corpus_dir),
        "documents": cold["documents"],
        "passages": cold["passages"],
        "cold_ingest_wall_s": round(cold_wall, 2),
        "cold_ingest_in_process_s": round(cold["ingest_seconds"], 2),
        "embed_s": round(cold["embed_seconds"], 2),
        "embed_passages_per_s": round(cold["passages"] / cold["embed_seconds"], 1)
        if cold["embed_seconds"]
        else None,
        "cold_ingest_peak_rss_mib": cold_rss,
        "reingest_unchanged_wall_s": round(re_wall, 2),
        "reingest_unchanged_peak_rss_mib": re_rss,
        "peak_rss_mib": max(cold_rss, re_rss),
        "embedder": settings.embedder,
        "embed_batch_size": settings.embed_batch_size,
        "chunk_tokens": settings.chunk_tokens,
        "cpus": os.cpu_count(),
        "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],  # before, after
        "python": platform.python_version(),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    merge_results(out_path, "ingest", figures)
    return figures


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("bench/results.json")
    print(json.dumps(run(Settings(), target), indent=2))  # type: ignore[call-arg]
