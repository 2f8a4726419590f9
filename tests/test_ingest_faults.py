"""Ingest faults with a clear face (issue 13): a full disk and a read-only data dir (a real
tmpfs, mounted small or read-only: needs root, skipped otherwise) end an ingest with one
clear error and leave the previous collection answering; two writers at once are serialised
by the lock, and the one that waits is told so."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.errors import StoreError
from index.catalog import Catalog
from index.pipeline import ingest_lock
from index.service import run_ingest
from tests.live import copy_index

QUESTION = "How many international standards did China lead during the 14th Five-Year Plan?"


def _mount(target: Path, options: str) -> bool:
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)], capture_output=True)
    return done.returncode == 0


def _remount(target: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(target)], check=True, capture_output=True)


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs of its own (sized by the test with :func:`_remount`), unmounted afterwards."""
    target = tmp_path / "disk"
    target.mkdir()
    if os.geteuid() != 0 or not _mount(target, "size=64m"):
        pytest.skip("mounting a tmpfs needs root (the full-disk and read-only tests use one)")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], capture_output=True)


def _used(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _documents(settings: Any) -> list[tuple[str, int]]:
    catalog = Catalog(settings.catalog_path)
    try:
        return [(d.source, d.passages) for d in catalog.documents()]
    finally:
        catalog.close()


def _answers(settings: Any) -> str:
    from assistant.service import Assistant

    bot = Assistant.from_settings(settings)
    try:
        return bot.ask(QUESTION).answer
    finally:
        bot.catalog.close()


def _big_document(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / "big.md"
    lines = [f"# Section {i}\n\nThe gauge number {i} measures flow rate {i * 7} in plant {i % 13}. "
             f"Operators log reading {i * 3} every shift and report deviations above {i % 17} percent.\n"
             for i in range(1500)]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.mark.slow
def test_a_full_disk_is_a_clear_error_and_the_collection_stays(built_index: Any, small_disk: Path, tmp_path: Path) -> None:
    settings = copy_index(built_index, small_disk)
    before = _documents(settings)
    big = _big_document(tmp_path / "more")
    _remount(small_disk, f"size={_used(small_disk) + 256 * 1024}")  # a quarter MiB to spare

    with pytest.raises(StoreError) as info:
        run_ingest(settings.index, [big])
    message = str(info.value)
    assert message.startswith("no space left on the disk holding"), message
    assert str(settings.data_dir) in message and "\n" not in message

    _remount(small_disk, "size=256m")  # space freed
    assert _documents(settings) == before
    assert "1,079" in _answers(settings)
    report = run_ingest(settings.index, [big])  # and the next run goes through
    assert report.failed == [] and report.added == ["big.md"]


@pytest.mark.slow
def test_a_read_only_data_dir_is_a_clear_error_and_the_collection_stays(
    built_index: Any, small_disk: Path, tmp_path: Path
) -> None:
    settings = copy_index(built_index, small_disk)
    before = _documents(settings)
    big = _big_document(tmp_path / "more")
    _remount(small_disk, "ro")
    try:
        with pytest.raises(StoreError) as info:
            run_ingest(settings.index, [big])
    finally:
        _remount(small_disk, "rw")
    message = str(info.value)
    assert message.startswith(f"the data dir {settings.data_dir} is not writable"), message
    assert "ASSISTANT_DATA_DIR" in message
    assert _documents(settings) == before
    assert "1,079" in _answers(settings)


def _ingest_process(settings: Any, path: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(settings.data_dir), "ASSISTANT_MODEL_CACHE": str(settings.model_dir)}
    env.pop("ASSISTANT_CHROMA_URL", None)
    return subprocess.Popen([sys.executable, "-m", "assistant", "ingest", str(path)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_a_second_writer_waits_for_the_first_and_says_so(built_index: Any, tmp_path: Path) -> None:
    settings = copy_index(built_index, tmp_path)
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "pumps.md").write_text("# Pumps\n\nThe pump in hall seven is serviced every ninth week.\n")
    with ingest_lock(settings.data_dir):  # a first writer holds the collection for a while
        second = _ingest_process(settings, folder)
        time.sleep(8)
        assert second.poll() is None, "the second writer did not wait"
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert "waiting for another ingest on" in err and f"pid {os.getpid()}" in err
    assert "1 added" in out
    assert ("pumps.md", 1) in _documents(settings)


@pytest.mark.slow
def test_two_ingests_at_once_both_land(built_index: Any, tmp_path: Path) -> None:
    settings = copy_index(built_index, tmp_path)
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "valves.md").write_text("# Valves\n\nValve nine is replaced after four thousand cycles.\n")
    (b / "fans.md").write_text("# Fans\n\nThe cooling fans in hall two spin at nine hundred rpm.\n")
    first, second = _ingest_process(settings, a), _ingest_process(settings, b)
    results = [p.communicate(timeout=180) for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, results
    sources = {s for s, _ in _documents(settings)}
    assert {"valves.md", "fans.md"} <= sources
    assert len(sources) == len(_documents(built_index)) + 2
    shutil.rmtree(settings.data_dir, ignore_errors=True)
