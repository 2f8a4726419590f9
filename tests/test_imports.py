"""Nothing heavy at import time: importing any module of ``assistant`` or ``index`` must not
import torch, sentence-transformers, chromadb, gradio or LlamaIndex (checked in a fresh
interpreter, so nothing imported by other tests can hide a culprit)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from tests.conftest import ROOT

HEAVY = ("sentence_transformers", "torch", "chromadb", "gradio", "llama_index")
PACKAGES = ("assistant", "index")

_PROBE = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys

    HEAVY = {heavy!r}
    def loaded():
        return sorted({{m.split(".")[0] for m in sys.modules}} & set(HEAVY))

    result = {{"modules": [], "skipped": {{}}, "culprits": {{}}, "errors": {{}}}}
    names = []
    for pkg_name in {packages!r}:
        pkg = importlib.import_module(pkg_name)
        names.append(pkg_name)
        names += [m.name for m in pkgutil.walk_packages(pkg.__path__, pkg_name + ".", onerror=lambda n: None)]
    for name in names:
        before = set(loaded())
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # an optional backend whose package is not installed (e.g. llama_cpp)
            if exc.name and exc.name.split(".")[0] not in {packages!r}:
                result["skipped"][name] = exc.name
                continue
            result["errors"][name] = repr(exc)
            continue
        except Exception as exc:
            result["errors"][name] = repr(exc)
            continue
        result["modules"].append(name)
        new = sorted(set(loaded()) - before)
        if new:
            result["culprits"][name] = new
    result["loaded"] = loaded()
    print(json.dumps(result))
    """
)


def test_no_heavy_imports_at_import_time() -> None:
    code = _PROBE.format(heavy=HEAVY, packages=PACKAGES)
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    # the walk really covered both packages, including the pipeline and the CLI
    for name in (
        "index.pipeline",
        "index.service",
        "index.store.chroma",
        "index.embed.onnx",
        "assistant.faces.cli",
    ):
        assert name in result["modules"], (name, result["errors"], result["skipped"])
    assert not result["errors"], result["errors"]
    assert not result["culprits"], f"heavy packages imported at import time: {result['culprits']}"
    assert result["loaded"] == []
