"""Open the collection's parts from its configuration (the one place the ingest's parts are wired)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from index.catalog import Catalog
from index.config import IndexConfig
from index.pipeline import IngestReport, ProgressFn, ingest, ingest_lock


def run_ingest(config: IndexConfig, paths: Sequence[Path], on_progress: ProgressFn | None = None) -> IngestReport:
    """Ingest ``paths`` into the configured collection (one ingest per data dir at a time)."""
    from index.embed.factory import embedder_name, make_embedder
    from index.store.chroma import open_store

    with ingest_lock(config.data_dir):
        catalog = Catalog(config.catalog_path)
        try:
            return ingest(
                paths, config, catalog, lambda: open_store(config), lambda: make_embedder(config), embedder_name(config), on_progress
            )
        finally:
            catalog.close()
