"""Open the collection's parts from settings (the one place the ingest's parts are wired)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from assistant.settings import Settings
from index.catalog import Catalog
from index.pipeline import IngestReport, ProgressFn, ingest, ingest_lock


def run_ingest(settings: Settings, paths: Sequence[Path], on_progress: ProgressFn | None = None) -> IngestReport:
    """Ingest ``paths`` into the configured collection (one ingest per data dir at a time)."""
    from index.embed.factory import embedder_name, make_embedder
    from index.store.chroma import open_store

    with ingest_lock(settings.data_dir):
        catalog = Catalog(settings.catalog_path)
        try:
            return ingest(
                paths, settings, catalog, lambda: open_store(settings), lambda: make_embedder(settings), embedder_name(settings), on_progress
            )
        finally:
            catalog.close()
