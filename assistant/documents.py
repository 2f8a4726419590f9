"""Managing the collection from the web faces: list, add one uploaded file, delete one document.

Uploads are written to ``<data_dir>/uploads/<name>`` and ingested incrementally through
:func:`index.service.run_ingest` (the file's name becomes its source). A deletion drops the
document from the catalog, its vectors and the keyword index; an uploaded file is removed too,
while a file from the corpus folder stays on disk (the next ``assistant ingest`` brings it back).
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from pathlib import Path

from assistant.errors import AssistantError, BusyError, DocumentError, DomainError
from assistant.models import DocumentInfo
from assistant.settings import Settings

_UNSAFE = re.compile(r"[^\w.\- ]+")


class NotFoundError(AssistantError):
    """No document (or session) by that name."""


class ConflictError(AssistantError):
    """The request clashes with the collection's state (a name taken, an ingest running)."""


class TooLargeError(AssistantError):
    """An upload is over ``max_upload_mb``."""


def uploads_dir(settings: Settings) -> Path:
    return settings.data_dir / "uploads"


def supported_types() -> tuple[str, ...]:
    from index.loaders import SUPPORTED

    return SUPPORTED


def safe_name(filename: str) -> str:
    """A plain file name for an upload: no folders, no leading dots, no odd characters.

    >>> safe_name("../../etc/passwd.txt")
    'passwd.txt'
    """
    base = unicodedata.normalize("NFC", filename).replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("_", base).strip(" .")
    if not base or base in {".", ".."}:
        raise DocumentError(filename or "(no name)", "unusable file name")
    return base[:120]


def check_type(name: str) -> None:
    suffix = Path(name).suffix.lower()
    if suffix not in supported_types():
        raise DocumentError(
            name, f"unsupported file type '{suffix or '(none)'}' (supported: {', '.join(supported_types())})"
        )


def list_documents(settings: Settings) -> list[DocumentInfo]:
    if not settings.catalog_path.exists():
        return []
    from index.catalog import Catalog

    catalog = Catalog(settings.catalog_path)
    try:
        return [DocumentInfo(source=d.source, title=d.title, date=d.date, passages=d.passages) for d in catalog.documents()]
    finally:
        catalog.close()


def add_upload(settings: Settings, filename: str, data: bytes) -> tuple[DocumentInfo, bool]:
    """Save and ingest one uploaded file; return its entry and whether it replaced one.

    Raises :class:`DocumentError` (bad name, type or content), :class:`TooLargeError`,
    :class:`ConflictError` (a corpus document already has that name, or an ingest is running).
    """
    from index.catalog import Catalog
    from index.service import run_ingest

    name = safe_name(filename)
    check_type(name)
    if len(data) > settings.max_upload_mb * 1024 * 1024:
        raise TooLargeError(f"{name}: larger than the {settings.max_upload_mb} MB limit (ASSISTANT_MAX_UPLOAD_MB)")
    folder = uploads_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    target = (folder / name).resolve()
    if target.parent != folder.resolve():  # belt and braces: the name cannot leave the folder
        raise DocumentError(filename, "unusable file name")
    existing = _record(settings, name)
    if existing is not None and not _inside(Path(existing.path), folder):
        raise ConflictError(f"{name}: a document of that name is already in the collection; rename the file")
    replaced = existing is not None
    tmp = target.with_name(f".{name}.part")
    try:
        tmp.write_bytes(data)
        backup = target.read_bytes() if target.exists() else None
        tmp.replace(target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        from index.pipeline import write_error

        raise write_error(exc, settings.data_dir) from exc
    try:
        report = run_ingest(settings.index, [target])
    except BaseException as exc:
        _restore(target, backup)
        raise _busy(exc) from exc
    if report.failed:
        _restore(target, backup)
        source, problem = report.failed[0]
        raise DocumentError(name, problem)
    catalog = Catalog(settings.catalog_path)
    try:
        rec = catalog.document(name)
    finally:
        catalog.close()
    assert rec is not None
    return DocumentInfo(source=rec.source, title=rec.title, date=rec.date, passages=rec.passages), replaced


def delete_document(settings: Settings, source: str) -> None:
    """Remove ``source`` from the collection. Raises :class:`NotFoundError`."""
    from index.catalog import Catalog
    from index.pipeline import PENDING, ingest_lock, keyword_index, write_error
    from index.store.chroma import open_store

    if not settings.catalog_path.exists():
        raise NotFoundError(f"no document named {source!r}")
    try:
        lock = ingest_lock(settings.data_dir)
        lock.__enter__()
    except DomainError as exc:
        raise _busy(exc) from exc
    try:
        catalog = Catalog(settings.catalog_path)
        try:
            record = catalog.document(source)
            if record is None:
                raise NotFoundError(f"no document named {source!r}")
            try:
                catalog.set_meta(PENDING, "1")  # a kill before the store delete leaves orphans
                ids = catalog.remove_document(source)
                if ids:
                    open_store(settings.index).delete(ids)
                catalog.delete_meta(PENDING)
                keyword_index(settings.index, catalog, rebuild=True)
            except (sqlite3.OperationalError, OSError) as exc:
                raise write_error(exc, settings.data_dir) from exc
        finally:
            catalog.close()
    finally:
        lock.__exit__(None, None, None)
    path = Path(record.path)
    if _inside(path, uploads_dir(settings)):
        path.unlink(missing_ok=True)


def _busy(exc: BaseException) -> BaseException:
    """Another writer holding the collection past the lock's wait is, to a client, a conflict (409)."""
    return ConflictError(str(exc)) if isinstance(exc, BusyError) else exc


def _record(settings: Settings, source: str):  # type: ignore[no-untyped-def]
    if not settings.catalog_path.exists():
        return None
    from index.catalog import Catalog

    catalog = Catalog(settings.catalog_path)
    try:
        return catalog.document(source)
    finally:
        catalog.close()


def _restore(target: Path, backup: bytes | None) -> None:
    if backup is None:
        target.unlink(missing_ok=True)
    else:
        target.write_bytes(backup)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False
