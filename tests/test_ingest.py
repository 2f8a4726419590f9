"""Ingest end to end with the real ONNX embedder and Chroma on a tmp dir: the default collection,
the `assistant` CLI faces of it, incremental re-ingest (unchanged / updated / removed / failed)
and crash safety (an ingest killed with SIGKILL at chosen points loses nothing)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.errors import BusyError, StoreError
from assistant.faces.cli import app
from assistant.settings import Settings
from index.catalog import Catalog
from index.embed.onnx import OnnxEmbedder  # light: onnxruntime loads when one is built
from index.keyword import KeywordIndex
from index.pipeline import PENDING, ingest_lock
from index.service import run_ingest
from tests.conftest import CORPUS, ROOT
from tests.test_loaders import minimal_pdf

SOURCES = sorted(p.name for p in CORPUS.iterdir())


def _store(settings: Settings):  # type: ignore[no-untyped-def]
    from index.store.chroma import open_store

    return open_store(settings.index)


def embedder_vectors(n: int):  # type: ignore[no-untyped-def]
    """Unit vectors of the embedder's size (content does not matter for orphans)."""
    import numpy as np

    v = np.zeros((n, 384), dtype=np.float32)
    v[:, 0] = 1.0
    return v


def _catalog_state(settings: Settings) -> tuple[list, set[str]]:  # type: ignore[type-arg]
    catalog = Catalog(settings.catalog_path)
    try:
        return catalog.documents(), catalog.passage_ids()
    finally:
        catalog.close()


@pytest.fixture(scope="module")
def embedder(model_cache: Path) -> OnnxEmbedder:
    return OnnxEmbedder(model_cache)


def _top_source(settings: Settings, embedder: OnnxEmbedder, question: str) -> str:
    """Retrieve through the store, keep only live (catalog) passages, return the best one's source."""
    catalog = Catalog(settings.catalog_path)
    try:
        live = catalog.passage_ids()
        hits = [
            (i, s)
            for i, s in _store(settings).query(embedder.embed([question])[0], 20)
            if i in live
        ]
        assert hits, "no live passage retrieved"
        (best,) = catalog.passages([hits[0][0]])
        return best.source
    finally:
        catalog.close()


def _cli(args: list[str], data_dir: Path, **env: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, args, env={"ASSISTANT_DATA_DIR": str(data_dir), **env})


# --- the default collection (shared, read-only) ----------------------------------------------


@pytest.mark.slow
def test_default_collection_is_consistent(built_index: Settings, embedder: OnnxEmbedder) -> None:
    catalog = Catalog(built_index.catalog_path)
    try:
        docs = catalog.documents()
        assert [d.source for d in docs] == SOURCES
        passages = catalog.passages()
        assert sum(d.passages for d in docs) == len(passages) > 300
        for d in docs:
            text = catalog.document_text(d.source)
            assert text
            for p in (p for p in passages if p.source == d.source):
                assert text[p.start : p.end] == p.text  # citations can point into the stored text
        ids = catalog.passage_ids()
        version = catalog.version()
    finally:
        catalog.close()
    store = _store(built_index)
    assert store.ids() == ids and store.count() == len(ids)
    assert KeywordIndex.load(built_index.keyword_dir, version) is not None
    assert (
        _top_source(
            built_index, embedder, "penalties in the second amendment to the Cybersecurity Law"
        )
        == SOURCES[1]
    )
    assert (
        _top_source(
            built_index,
            embedder,
            "SESEC China-EU Standardization Roundtable and Chinese New Year Reception",
        )
        == SOURCES[4]
    )


@pytest.mark.slow
def test_documents_json_lists_the_collection(built_index: Settings) -> None:
    result = _cli(["documents", "--json"], built_index.data_dir)
    assert result.exit_code == 0, result.output
    docs = json.loads(result.stdout)
    assert [d["source"] for d in docs] == SOURCES
    for d in docs:
        assert set(d) == {"source", "title", "date", "passages"}
        assert isinstance(d["title"], str) and d["title"]
        assert d["date"] is None or isinstance(d["date"], str)
        assert isinstance(d["passages"], int) and d["passages"] > 0
    by_source = {d["source"]: d for d in docs}
    assert "China Standardisation Newsletter" in by_source[SOURCES[1]]["title"]
    assert by_source[SOURCES[1]]["date"] == "March - April 2025"
    assert by_source[SOURCES[2]]["date"] == "December 2020 – January 2021"


def test_documents_without_an_index_says_what_to_do(tmp_path: Path) -> None:
    result = _cli(["documents", "--json"], tmp_path / "nothing")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: no index at {tmp_path / 'nothing'}: run `assistant ingest` first"
    ]


# --- incremental ingest --------------------------------------------------------------------------


@pytest.mark.slow
def test_ingest_lifecycle(settings: Settings, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)

    # 1. the default collection ingests with no failures
    first = run_ingest(settings.index, [corpus])
    assert first.failed == []
    assert sorted(first.added) == SOURCES and not first.updated and not first.unchanged
    assert first.passages == first.total_passages > 300
    store = _store(settings)
    docs0, ids0 = _catalog_state(settings)
    assert store.ids() == ids0 and len(ids0) == first.total_passages
    assert [d.source for d in docs0] == SOURCES

    # 2. re-ingest with nothing changed is a no-op
    again = run_ingest(settings.index, [corpus])
    assert sorted(again.unchanged) == SOURCES
    assert again.added == again.updated == again.removed == again.failed == []
    assert again.passages == 0 and again.total_passages == first.total_passages
    assert _catalog_state(settings) == (docs0, ids0)
    assert store.count() == len(ids0)

    # 2b. a no-op never starts the vector store...
    import index.store.chroma as chroma_mod

    def no_store(_settings: Settings) -> None:
        raise AssertionError("a no-op re-ingest opened the vector store")

    real_open = chroma_mod.open_store
    chroma_mod.open_store = no_store  # type: ignore[assignment]
    try:
        assert sorted(run_ingest(settings.index, [corpus]).unchanged) == SOURCES
    finally:
        chroma_mod.open_store = real_open
    # ...unless a run was killed between its store writes: then its orphan vectors are collected
    store.add(["orphan:00000"], embedder_vectors(1), [{"source": "x", "ord": 0, "doc_id": "orphan"}])
    catalog = Catalog(settings.catalog_path)
    catalog.set_meta(PENDING, "1")
    catalog.close()
    assert sorted(run_ingest(settings.index, [corpus]).unchanged) == SOURCES
    assert store.ids() == ids0
    catalog = Catalog(settings.catalog_path)
    assert catalog.get_meta(PENDING) is None
    catalog.close()

    # 3. a changed file is re-done alone; its old passages leave both catalog and store
    changed = corpus / SOURCES[4]
    old_ids = {
        i for i in ids0 if i.startswith(next(d.doc_id for d in docs0 if d.source == SOURCES[4]))
    }
    assert old_ids
    changed.write_text(
        changed.read_text(encoding="utf-8")
        + "\n\nA closing note: the roundtable agreed to meet again in Brussels.\n",
        encoding="utf-8",
    )
    upd = run_ingest(settings.index, [corpus])
    assert upd.updated == [SOURCES[4]] and sorted(upd.unchanged) == SOURCES[:4]
    assert upd.failed == [] and upd.added == [] and upd.removed == []
    docs1, ids1 = _catalog_state(settings)
    assert not old_ids & ids1 and not old_ids & store.ids()
    assert store.ids() == ids1
    assert ids0 - old_ids <= ids1  # the other documents kept their passages
    catalog = Catalog(settings.catalog_path)
    try:
        assert "meet again in Brussels" in (catalog.document_text(SOURCES[4]) or "")
        assert KeywordIndex.load(settings.keyword_dir, catalog.version()) is not None
    finally:
        catalog.close()

    # 4. a file deleted from the folder is removed from the collection
    gone = next(d for d in docs1 if d.source == SOURCES[0])
    (corpus / SOURCES[0]).unlink()
    rem = run_ingest(settings.index, [corpus])
    assert rem.removed == [SOURCES[0]] and rem.failed == [] and rem.passages == 0
    docs2, ids2 = _catalog_state(settings)
    assert [d.source for d in docs2] == SOURCES[1:]
    assert not any(i.startswith(gone.doc_id) for i in ids2 | store.ids())
    assert store.ids() == ids2

    # 5. bad files in the folder fail alone, through the CLI, and lose nothing stored
    (corpus / "broken.pdf").write_bytes(minimal_pdf([["Some text"]])[:200])
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "minutes.docx").write_bytes(b"PK\x03\x04 not really a document")
    (corpus / "new.md").write_text(
        "# Meeting Minutes\n\nThe committee adopted the work plan for 2026.\n"
    )
    result = _cli(["ingest", str(corpus)], settings.data_dir)
    assert result.exit_code == 1, result.output
    errors = sorted(result.stderr.strip().splitlines())  # one line per bad file, naming it
    assert len(errors) == 3, errors
    assert errors[0].startswith("error: broken.pdf: broken PDF: ")
    assert errors[1] == "error: empty.txt: empty file: nothing to ingest"
    assert errors[2].startswith("error: minutes.docx: unsupported file type '.docx'")
    assert "1 added" in result.stdout and "3 failed" in result.stdout
    docs3, ids3 = _catalog_state(settings)
    assert [d.source for d in docs3] == sorted(SOURCES[1:] + ["new.md"])
    assert ids2 < ids3 and store.ids() == ids3
    assert {d.source: d.doc_id for d in docs2}.items() <= {
        d.source: d.doc_id for d in docs3
    }.items()

    # and the failures are reported again next time, without touching anything
    result = _cli(["ingest", str(corpus)], settings.data_dir)
    assert result.exit_code == 1 and "0 added" in result.stdout and "3 failed" in result.stdout
    assert _catalog_state(settings) == (docs3, ids3)

    # once fixed, the folder ingests cleanly
    for name in ("broken.pdf", "empty.txt", "minutes.docx"):
        (corpus / name).unlink()
    result = _cli(["ingest", str(corpus)], settings.data_dir)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert "0 failed" in result.stdout


def test_missing_path_is_reported_not_raised(settings: Settings, tmp_path: Path) -> None:
    report = run_ingest(settings.index, [tmp_path / "nowhere"])
    assert report.failed == [(str(tmp_path / "nowhere"), "no such file or folder")]
    assert report.added == [] and report.total_passages == 0


def test_second_ingest_gives_up_naming_the_one_that_runs(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import index.pipeline

    monkeypatch.setattr(index.pipeline, "LOCK_WAIT_S", 0.5)
    (tmp_path / "a.txt").write_text("Some text about standards.")
    with (
        ingest_lock(settings.data_dir),
        pytest.raises(BusyError, match=rf"another ingest is running on .* \(pid {os.getpid()} since .*\); gave up after 0.5 s"),
    ):
        run_ingest(settings.index, [tmp_path / "a.txt"])
    result = _cli(["ingest", str(tmp_path / "a.txt")], settings.data_dir)
    assert result.exit_code == 0, result.output  # the lock is released again


def test_collection_built_with_another_embedder_is_refused(
    settings: Settings, tmp_path: Path
) -> None:
    catalog = Catalog(settings.catalog_path)
    catalog.set_meta("embedder", "some-other-model")
    catalog.close()
    (tmp_path / "a.txt").write_text("Some text about standards.")
    with pytest.raises(StoreError, match="built with some-other-model"):
        run_ingest(settings.index, [tmp_path / "a.txt"])


# --- crash safety --------------------------------------------------------------------------------

_CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path

    point, corpus = sys.argv[1], Path(sys.argv[2])

    def die_after(cls, name, nth=1):
        original = getattr(cls, name)
        calls = []
        def wrapped(self, *args, **kwargs):
            result = original(self, *args, **kwargs)
            calls.append(1)
            if len(calls) >= nth:
                os.kill(os.getpid(), signal.SIGKILL)
            return result
        setattr(cls, name, wrapped)

    def die_before(cls, name):
        def wrapped(self, *args, **kwargs):
            os.kill(os.getpid(), signal.SIGKILL)
        setattr(cls, name, wrapped)

    if point == "after-store-add":
        from index.store.chroma import ChromaStore
        die_after(ChromaStore, "add")
    elif point == "after-catalog-commit":
        from index.catalog import Catalog
        die_after(Catalog, "replace_document")
    elif point == "before-keyword-save":
        from index.keyword import KeywordIndex
        die_before(KeywordIndex, "save")
    elif point == "after-store-delete":
        from index.store.chroma import ChromaStore
        die_after(ChromaStore, "delete")

    from assistant.settings import Settings
    from index.service import run_ingest

    report = run_ingest(Settings(_env_file=None).index, [corpus])
    print(report.summary())
    sys.exit(1 if report.failed else 0)
    """
)


def _child_ingest(
    data_dir: Path, model_cache: Path, corpus: Path, point: str = "none"
) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    env = {
        **os.environ,
        "ASSISTANT_DATA_DIR": str(data_dir),
        "ASSISTANT_MODEL_CACHE": str(model_cache),
        "ANONYMIZED_TELEMETRY": "False",
    }
    env.pop("ASSISTANT_CHROMA_URL", None)
    return subprocess.run(
        [sys.executable, "-c", _CHILD, point, str(corpus)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture(scope="module")
def base_collection(
    tmp_path_factory: pytest.TempPathFactory, model_cache: Path
) -> tuple[Path, Path]:
    """A small collection (two documents of the corpus) ingested by a child process that exited,
    so copies of its data dir are never open in this process."""
    root = tmp_path_factory.mktemp("crash-base")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in (SOURCES[0], SOURCES[4]):
        shutil.copy(CORPUS / name, corpus / name)
    proc = _child_ingest(root / "storage", model_cache, corpus)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "2 added" in proc.stdout
    return root / "storage", corpus


@pytest.mark.slow
@pytest.mark.parametrize(
    "point",
    ["after-store-add", "after-catalog-commit", "after-store-delete", "before-keyword-save"],
)
def test_ingest_killed_midway_loses_nothing(
    point: str,
    base_collection: tuple[Path, Path],
    model_cache: Path,
    embedder: OnnxEmbedder,
    tmp_path: Path,
) -> None:
    base_dir, base_corpus = base_collection
    data_dir = tmp_path / "storage"
    shutil.copytree(base_dir, data_dir)
    corpus = tmp_path / "corpus"
    shutil.copytree(base_corpus, corpus)
    settings = Settings(_env_file=None, data_dir=data_dir, model_cache=model_cache)  # type: ignore[call-arg]
    docs_before, ids_before = _catalog_state(settings)
    assert len(docs_before) == 2

    # the next ingest has work: one changed document (sorted first) and one new one
    changed = corpus / SOURCES[0]
    changed.write_text(
        changed.read_text(encoding="utf-8") + "\n\nAddendum: twelve more standards were agreed.\n"
    )
    (corpus / "zz_new.md").write_text(
        "# Battery Passport\n\nThe battery passport standard was drafted in 2025.\n"
    )

    proc = _child_ingest(data_dir, model_cache, corpus, point)
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stdout, proc.stderr[-3000:])

    # after the crash: a consistent collection, either the old or the new version of each document
    docs_after, ids_after = _catalog_state(settings)
    store = _store(settings)
    stored = store.ids()
    assert ids_after <= stored, "a live passage lost its vector"
    by_source = {d.source: d for d in docs_after}
    old = {d.source: d for d in docs_before}
    if point == "after-store-add":
        assert (docs_after, ids_after) == (docs_before, ids_before)  # nothing committed yet
        assert stored - ids_after, "expected the new vectors as orphans"
    else:
        assert by_source[SOURCES[0]].doc_id != old[SOURCES[0]].doc_id  # the commit happened
        assert by_source[SOURCES[4]] == old[SOURCES[4]]
    if point == "after-catalog-commit":
        assert ids_before - ids_after <= stored  # the old version's vectors are now orphans
        assert "zz_new.md" not in by_source  # the second document was never committed
    if point == "before-keyword-save":
        assert "zz_new.md" in by_source  # every document committed, only the BM25 copy is stale
        catalog = Catalog(settings.catalog_path)
        assert KeywordIndex.load(settings.keyword_dir, catalog.version()) is None
        catalog.close()
    catalog = Catalog(settings.catalog_path)
    try:
        for d in docs_after:
            text = catalog.document_text(d.source) or ""
            ps = [p for p in catalog.passages() if p.source == d.source]
            assert len(ps) == d.passages and all(text[p.start : p.end] == p.text for p in ps)
    finally:
        catalog.close()
    assert (
        _top_source(
            settings,
            embedder,
            "SESEC China-EU Standardization Roundtable and Chinese New Year Reception",
        )
        == SOURCES[4]
    )

    # the next ingest finishes the work and collects the orphans
    report = run_ingest(settings.index, [corpus])
    assert report.failed == []
    assert set(report.added) | set(report.updated) | set(report.unchanged) == {
        SOURCES[0],
        SOURCES[4],
        "zz_new.md",
    }
    docs_final, ids_final = _catalog_state(settings)
    assert {d.source for d in docs_final} == {SOURCES[0], SOURCES[4], "zz_new.md"}
    assert store.ids() == ids_final
    assert store.count() == len(ids_final)
    catalog = Catalog(settings.catalog_path)
    try:
        assert "twelve more standards" in (catalog.document_text(SOURCES[0]) or "")
        assert KeywordIndex.load(settings.keyword_dir, catalog.version()) is not None
    finally:
        catalog.close()
    assert _top_source(settings, embedder, "battery passport standard drafted") == "zz_new.md"


def test_the_catalog_says_which_passages_open_their_section(built_index) -> None:  # type: ignore[no-untyped-def]
    catalog = Catalog(built_index.catalog_path)
    try:
        every = catalog.passages()
        some = catalog.passages([p.id for p in every[::7]])
    finally:
        catalog.close()
    by_doc: dict[str, list] = {}
    for p in every:
        by_doc.setdefault(p.source, []).append(p)
    for ps in by_doc.values():
        assert ps[0].opens  # a document's first passage opens its first section
        for before, p in zip(ps, ps[1:], strict=False):
            assert p.opens == (p.section != before.section)
    assert any(not p.opens for p in every) and sum(p.opens for p in every) > len(by_doc)
    assert [p.opens for p in some] == [p.opens for p in every[::7]]  # read by id, the same answer


@pytest.mark.slow
def test_the_same_documents_build_the_same_vector_index(built_index: Settings, settings: Settings, embedder: OnnxEmbedder) -> None:
    """Two cold builds of one collection answer nearest-neighbour queries alike, so an evaluation
    rebuilt on a fresh clone scores as its baseline. The passages and their vectors are the same
    bit for bit; Chroma's Rust HNSW builds its graph with several threads whatever the
    ``hnsw:num_threads`` metadata says (its configuration has no such field), so with a wide
    search (ef 200) at most one probe in a hundred may differ in its tenth neighbour."""
    from index.store.chroma import open_store

    shutil.copytree(CORPUS, settings.data_dir / "corpus")
    assert not run_ingest(settings.index, [settings.data_dir / "corpus"]).failed
    catalog = Catalog(built_index.catalog_path)
    try:
        probes = [p.text for p in catalog.passages()]
    finally:
        catalog.close()
    vectors = embedder.embed([f"what does it say about {t[:80]}" for t in probes])
    first, second = open_store(built_index.index), open_store(settings.index)
    assert len(vectors) > 300
    one = [[i for i, _ in first.query(v, 10)] for v in vectors]
    two = [[i for i, _ in second.query(v, 10)] for v in vectors]
    differ = sum(a != b for a, b in zip(one, two, strict=True))
    assert differ <= len(vectors) // 100, f"{differ} of {len(vectors)} probes have other neighbours"
    assert sum(a[:3] != b[:3] for a, b in zip(one, two, strict=True)) == 0  # the best passages never change
