"""Ingest: load -> clean/structure -> split -> embed -> store, incrementally and crash-safely.

Per document: its new vectors go into the store under new ids, then the catalog switches to
the new version in one transaction, then the old vectors are deleted. Unchanged files (same
bytes, same pipeline settings) are skipped; files gone from an ingested folder are removed.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import logging
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np

from index import loaders, structure
from index.catalog import Catalog, DocumentRecord
from index.config import IndexConfig
from index.embed.base import Embedder, SpanEmbedder, embed_batched, embed_spans_batched
from index.errors import BusyError, DocumentError, StoreError
from index.keyword import KeywordIndex
from index.split import Passage, split_document
from index.store.base import VectorStore
from index.units import PassageUnit, Unit, answer_units, units_in

PIPELINE_VERSION = "19"  # bump when cleaning/splitting changes, so every document is redone
PENDING = "pending_store_writes"  # catalog meta key: set while a run may leave orphan vectors

ProgressFn = Callable[[int, int], None]
LOCK_WAIT_S = 60.0  # how long a second writer waits for the first before it gives up
_log = logging.getLogger("index.ingest")


@dataclass
class IngestReport:
    """What one ingest run did; ``failed`` holds ``(source, problem)`` pairs."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    passages: int = 0
    total_passages: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{len(self.unchanged)} unchanged, {len(self.failed)} failed; "
            f"{self.passages} passages embedded ({self.total_passages} in the collection) "
            f"in {self.seconds:.1f} s"
        )


@dataclass
class _Work:
    source: str
    path: Path
    file_hash: str
    doc_id: str
    previous: DocumentRecord | None


def discover(paths: Sequence[Path]) -> tuple[list[tuple[str, Path]], list[Path], list[tuple[str, str]]]:
    """Files to ingest as ``(source name, path)``, the folders walked, and paths that failed."""
    files: list[tuple[str, Path]] = []
    folders: list[Path] = []
    failed: list[tuple[str, str]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            folders.append(path.resolve())
            for f in sorted(path.rglob("*")):
                rel = f.relative_to(path)
                if f.is_file() and not any(part.startswith(".") for part in rel.parts):
                    files.append((rel.as_posix(), f))
        elif path.is_file():
            files.append((path.name, path))
        else:
            failed.append((str(path), "no such file or folder"))
    return files, folders, failed


def signature(config: IndexConfig, embedder_name: str) -> str:
    return f"{PIPELINE_VERSION}|{config.chunk_tokens}|{config.chunk_overlap}|{embedder_name}"


@contextmanager
def ingest_lock(data_dir: Path, wait: float | None = None) -> Iterator[None]:
    """One writer at a time per data dir (an ingest, an upload, a deletion, in any process).

    A second writer waits up to ``wait`` seconds (default :data:`LOCK_WAIT_S`), saying once on
    stderr whom it waits for, then gives up with :class:`BusyError` naming the holder. The lock
    is the kernel's (``flock``): a writer that is killed releases it.
    """
    wait = LOCK_WAIT_S if wait is None else wait
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        fh = open(data_dir / "ingest.lock", "a+")  # noqa: SIM115 - closed below; "a+": never truncate the holder's note
    except OSError as exc:
        raise write_error(exc, data_dir) from exc
    with fh:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(fh)
                if time.monotonic() >= deadline:
                    raise BusyError(
                        f"another ingest is running on {data_dir} ({holder}); gave up after {wait:g} s: "
                        "wait for it to finish and run this again"
                    ) from None
                if not told:
                    _log.warning("waiting for another ingest on %s (%s) to finish (at most %g s) ...", data_dir, holder, wait)
                    told = True
                time.sleep(min(0.2, max(deadline - time.monotonic(), 0.01)))
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()} since {time.strftime('%H:%M:%S')}\n")
            fh.flush()
        except OSError:
            pass  # the note is for messages only; the lock itself is held
        yield


def _holder(fh: IO[str]) -> str:
    try:
        fh.seek(0)
        return fh.read().strip() or "pid unknown"
    except OSError:
        return "pid unknown"


SPACE_MARGIN = 16 * 1024 * 1024  # bytes left over after an ingest: the stores' logs and journals
BYTES_PER_PASSAGE = 8 * 1024  # its vector in Chroma and its index, its units' vectors, its rows


def _check_space(data_dir: Path, passages: int, text_chars: int) -> None:
    """Refuse an ingest the data dir's disk cannot hold before anything is written: a store
    that meets a full disk mid-write may not say so (Chroma's can block), and the previous
    collection must stay as it was."""
    need = passages * BYTES_PER_PASSAGE + 4 * text_chars + SPACE_MARGIN
    try:
        free = shutil.disk_usage(data_dir).free
    except OSError:
        return
    if free < need:
        raise write_error(
            OSError(errno.ENOSPC, f"{free // 1024} KiB free, about {need // 1024} KiB needed for {passages} passages"),
            data_dir,
        )


def write_error(exc: BaseException, data_dir: Path) -> StoreError:
    """A failed write under the data dir as a :class:`StoreError` that says what to do: a full
    disk, a read-only or unwritable data dir; anything else is passed on with its own text."""
    text = " ".join(str(exc).split())
    code = getattr(exc, "errno", None)
    low = text.lower()
    if code == errno.ENOSPC or "disk is full" in low or "no space left" in low:
        return StoreError(
            f"no space left on the disk holding {data_dir} ({text}): free some space and run the ingest again; "
            "every document is as it was before this run or fully replaced, never half-written"
        )
    if code in (errno.EROFS, errno.EACCES, errno.EPERM) or "readonly" in low or "read-only" in low or "permission denied" in low:
        return StoreError(
            f"the data dir {data_dir} is not writable ({text}): make it writable or point ASSISTANT_DATA_DIR "
            "at a folder that is; the collection in it is unchanged"
        )
    return StoreError(f"writing the collection in {data_dir} failed: {text}")


def ingest(
    paths: Sequence[Path],
    config: IndexConfig,
    catalog: Catalog,
    store_factory: Callable[[], VectorStore],
    embedder_factory: Callable[[], Embedder],
    embedder_name: str,
    on_progress: ProgressFn | None = None,
    count_tokens: Callable[[str], int] | None = None,
) -> IngestReport:
    """Bring the collection in line with ``paths`` (see :func:`_ingest`). A write that fails (a
    full disk, a read-only data dir) raises :class:`StoreError` saying so; every document is
    then in its previous or its new version (the catalog's transactions), the vectors of an
    unfinished one are orphans the next run deletes."""
    try:
        return _ingest(paths, config, catalog, store_factory, embedder_factory, embedder_name, on_progress, count_tokens)
    except (sqlite3.OperationalError, OSError) as exc:
        raise write_error(exc, config.data_dir) from exc
    except StoreError as exc:
        named = write_error(exc, config.data_dir)
        if str(named).startswith(("no space", "the data dir")):
            raise named from exc
        raise


def _ingest(
    paths: Sequence[Path],
    config: IndexConfig,
    catalog: Catalog,
    store_factory: Callable[[], VectorStore],
    embedder_factory: Callable[[], Embedder],
    embedder_name: str,
    on_progress: ProgressFn | None = None,
    count_tokens: Callable[[str], int] | None = None,
) -> IngestReport:
    """Bring the collection in line with ``paths``. Never raises for one bad document: it is
    reported in ``failed`` and everything else is still ingested.

    The vector store is opened only when there is something to write or a previous run was cut
    short (the catalog's ``pending`` mark), so a no-op re-ingest costs no Chroma start-up.
    """
    started = time.perf_counter()
    report = IngestReport()
    built_with = catalog.get_meta("embedder")
    if built_with and built_with != embedder_name:
        raise StoreError(
            f"the collection in {config.data_dir} was built with {built_with}, not {embedder_name}; "
            "set ASSISTANT_EMBEDDER back or ingest into a new ASSISTANT_DATA_DIR"
        )
    opened: list[VectorStore] = []

    def store() -> VectorStore:
        if not opened:
            opened.append(store_factory())
            _collect_orphans(catalog, opened[0])
        return opened[0]

    if catalog.get_meta(PENDING):  # a run was killed between its store writes: clean up
        store()
    files, folders, report.failed = discover(paths)
    sig = signature(config, embedder_name)
    work: list[_Work] = []
    seen: set[str] = set()
    for source, path in files:
        seen.add(source)
        try:
            data = path.read_bytes()
        except OSError as exc:
            report.failed.append((source, f"unreadable: {exc.strerror or exc}"))
            continue
        file_hash = hashlib.sha256(data).hexdigest()
        doc_id = hashlib.sha256(f"{sig}|{source}|{file_hash}".encode()).hexdigest()[:16]
        previous = catalog.document(source)
        if previous and previous.doc_id == doc_id:
            report.unchanged.append(source)
        else:
            work.append(_Work(source, path, file_hash, doc_id, previous))

    if work:
        if count_tokens is None:
            from index.embed.tokenizer import token_counter

            count_tokens = token_counter()
        prepared: list[tuple[_Work, structure.StructuredDocument, list[Passage], list[Unit]]] = []
        for item in work:
            try:
                raw = loaders.load_text(item.path, item.source)
                doc = structure.parse(raw, item.source)
                passages = split_document(
                    doc, item.source, item.doc_id, count_tokens, config.chunk_tokens, config.chunk_overlap
                )
                if not passages:
                    raise DocumentError(item.source, "no text left after cleaning")
            except DocumentError as exc:
                report.failed.append((exc.source, exc.problem))
                continue
            prepared.append((item, doc, passages, answer_units(doc)))
        total = sum(len(p) for _, _, p, _ in prepared)
        done = 0
        embedder = embedder_factory() if prepared else None
        if embedder is not None and not built_with:
            catalog.set_meta("embedder", embedder_name)
        if prepared:
            _check_space(config.data_dir, total, sum(len(d.text) for _, d, _, _ in prepared))
            store()
            catalog.set_meta(PENDING, "1")  # committed before the first vector is written
        for item, doc, passages, units in prepared:
            assert embedder is not None

            def tick(n: int, _base: int = done) -> None:
                nonlocal done
                done += n
                if on_progress:
                    on_progress(done, total)

            vectors, carried = embed_passages(embedder, doc.text, passages, units, config.embed_batch_size, tick, doc.title)
            metas: list[dict[str, str | int]] = [{"source": p.source, "ord": p.ord, "doc_id": item.doc_id} for p in passages]
            store().add([p.id for p in passages], vectors, metas)
            record = DocumentRecord(
                item.source, str(item.path.resolve()), item.file_hash, item.doc_id, doc.title, doc.date, len(passages)
            )
            stale = catalog.replace_document(record, doc.text, passages, carried)  # the commit point
            if stale:
                store().delete(stale)
            (report.updated if item.previous else report.added).append(item.source)
            report.passages += len(passages)

    for record in catalog.documents():
        path = Path(record.path)
        if record.source not in seen and any(_inside(path, f) for f in folders) and not path.exists():
            catalog.set_meta(PENDING, "1")
            stale = catalog.remove_document(record.source)
            store().delete(stale)
            report.removed.append(record.source)

    if opened:
        catalog.delete_meta(PENDING)  # every store write of this run is done
    changed = report.added or report.updated or report.removed
    ensure_keyword_index(config, catalog, rebuild=bool(changed))
    report.total_passages = len(catalog.passage_ids())
    report.seconds = time.perf_counter() - started
    return report


def embed_passages(
    embedder: Embedder,
    doc_text: str,
    passages: Sequence[Passage],
    units: Sequence[Unit],
    batch_size: int,
    on_progress: Callable[[int], None] | None = None,
    title: str | None = None,
) -> tuple[np.ndarray, list[PassageUnit]]:
    """The passages' vectors and the answer units each carries; a unit's vector is pooled from
    its passage's forward pass when the embedder can (late chunking: no extra encoder run). A
    passage under no heading is embedded under the document's ``title`` (a plain-text page's
    title line is its title, not its first paragraph)."""
    texts = [p.embedding_text(title) for p in passages]
    carried = [units_in(p.start, p.end, units) for p in passages]
    spans: list[list[tuple[int, int]]] = []
    for p, text, held in zip(passages, texts, carried, strict=True):
        shift = len(text) - len(p.text) - p.start  # the section label stands before the passage
        spans.append([(a + shift, b + shift) for _, a, b in held])
    pooled: Sequence[np.ndarray | None]
    if isinstance(embedder, SpanEmbedder):
        vectors, pooled = embed_spans_batched(embedder, embedder.dim, texts, spans, batch_size, on_progress)
    else:
        vectors, pooled = embed_batched(embedder, texts, batch_size, on_progress), [None] * len(texts)
    out: list[PassageUnit] = []
    for p, held, got in zip(passages, carried, pooled, strict=True):
        for k, (u, _, _) in enumerate(held):
            v = None if got is None or not got[k].any() else got[k]
            out.append(PassageUnit(p.id, u.kind, u.start, u.end, doc_text[u.start : u.end], u.head, v))
    return vectors, out


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder)
        return True
    except ValueError:
        return False


def _collect_orphans(catalog: Catalog, store: VectorStore) -> None:
    """Vectors left by an interrupted ingest (in the store, not in the catalog) are deleted."""
    orphans = store.ids() - catalog.passage_ids()
    if orphans:
        store.delete(sorted(orphans))


def ensure_keyword_index(config: IndexConfig, catalog: Catalog, rebuild: bool = False) -> None:
    """Make the BM25 copy on disk match the catalog, without loading it when it already does."""
    if rebuild or not KeywordIndex.is_current(config.keyword_dir, catalog.version()):
        keyword_index(config, catalog, rebuild=True)


def keyword_index(config: IndexConfig, catalog: Catalog, rebuild: bool = False) -> KeywordIndex:
    """The BM25 index for the catalog's current version, loaded or (re)built and saved.

    ``rebuild``: a writer (holding :func:`ingest_lock`) rebuilds and saves. A reader (a server
    loading the collection) that finds the saved copy stale, because a writer is between its
    catalog commit and its save, builds one in memory and saves it only if no writer holds the
    lock, so two processes never write the folder at once.
    """
    version = catalog.version()
    if not rebuild:
        loaded = KeywordIndex.load(config.keyword_dir, version)
        if loaded is not None:
            return loaded
    passages = catalog.passages()
    index = KeywordIndex.build(
        [p.id for p in passages], [p.embedding_text() for p in passages], (p.text for p in passages)
    )
    if rebuild:
        index.save(config.keyword_dir, version)
        return index
    try:
        with ingest_lock(config.data_dir, wait=0):
            index.save(config.keyword_dir, version)
    except (BusyError, StoreError, OSError):
        pass  # the writer saves its own; this copy serves from memory meanwhile
    return index
