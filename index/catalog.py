"""The catalog: which documents and passages are live. It is the ingest's commit point.

Every document is replaced in one SQLite transaction, after its vectors are in the store and
before the old ones are deleted; so a crash at any moment leaves either the old or the new
version live, never half of one. Vectors the catalog does not list are orphans from an
interrupted run: retrieval ignores them and the next ingest deletes them.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.split import Passage
from index.units import PassageUnit

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    source TEXT PRIMARY KEY, path TEXT NOT NULL, file_hash TEXT NOT NULL, doc_id TEXT NOT NULL,
    title TEXT NOT NULL, date TEXT, text TEXT NOT NULL, passages INTEGER NOT NULL,
    ingested_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS passages (
    id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, source TEXT NOT NULL, ord INTEGER NOT NULL,
    text TEXT NOT NULL, section TEXT, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_source ON passages(source);
CREATE INDEX IF NOT EXISTS passages_source_ord ON passages(source, ord);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS units (
    passage_id TEXT NOT NULL, kind TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    text TEXT NOT NULL, head TEXT, vector BLOB
);
CREATE INDEX IF NOT EXISTS units_passage ON units(passage_id);
"""


@dataclass(frozen=True)
class DocumentRecord:
    source: str
    path: str
    file_hash: str
    doc_id: str
    title: str
    date: str | None
    passages: int
    ingested_at: float | None = None  # when this version was committed (seconds since the epoch)


class Catalog:
    """SQLite file under the data dir (WAL mode, so readers never block the ingest)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    # --- reading -----------------------------------------------------------------------
    def documents(self) -> list[DocumentRecord]:
        rows = self._db.execute(
            "SELECT source, path, file_hash, doc_id, title, date, passages, ingested_at FROM documents ORDER BY source"
        ).fetchall()
        return [DocumentRecord(*r) for r in rows]

    def document(self, source: str) -> DocumentRecord | None:
        row = self._db.execute(
            "SELECT source, path, file_hash, doc_id, title, date, passages, ingested_at FROM documents WHERE source=?",
            (source,),
        ).fetchone()
        return DocumentRecord(*row) if row else None

    def document_text(self, source: str) -> str | None:
        row = self._db.execute("SELECT text FROM documents WHERE source=?", (source,)).fetchone()
        return row[0] if row else None

    def lead(self, source: str) -> str | None:
        """The opening paragraph of a document that starts without a heading (a press release, a
        one-article page): it sets the frame ("during the 14th Five-Year Plan") of all that
        follows. ``None`` when the document opens under a heading, as a newsletter's articles do."""
        row = self._db.execute("SELECT text, section FROM passages WHERE source=? AND ord=0", (source,)).fetchone()
        if not row or row[1] is not None:
            return None
        return row[0].strip().split("\n\n", 1)[0][:1000] or None

    def passages(self, ids: Sequence[str] | None = None) -> list[Passage]:
        # a passage opens its section when the one before it in its document has another section
        cols = ('id, source, ord, text, section, start, "end", hash, NOT EXISTS (SELECT 1 FROM passages q '
                "WHERE q.source = p.source AND q.ord = p.ord - 1 AND q.section IS p.section)")
        if ids is None:
            rows = self._db.execute(f"SELECT {cols} FROM passages p ORDER BY source, ord").fetchall()
            return [_passage(r) for r in rows]
        found: dict[str, Passage] = {}
        ids = list(ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            q = f"SELECT {cols} FROM passages p WHERE id IN ({','.join('?' * len(chunk))})"
            for r in self._db.execute(q, chunk):
                found[r[0]] = _passage(r)
        return [found[i] for i in ids if i in found]

    def units(self, passage_ids: Sequence[str]) -> dict[str, list[PassageUnit]]:
        """The answer units each passage carries, in document order."""
        out: dict[str, list[PassageUnit]] = {pid: [] for pid in passage_ids}
        ids = list(passage_ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            q = (f'SELECT passage_id, kind, start, "end", text, head, vector FROM units '
                 f"WHERE passage_id IN ({','.join('?' * len(chunk))}) ORDER BY start, \"end\" DESC")
            for pid, kind, start, end, text, head, blob in self._db.execute(q, chunk):
                vector = np.frombuffer(blob, dtype=np.float32) if blob else None
                out[pid].append(PassageUnit(pid, kind, start, end, text, head, vector))
        return out

    def headings(self) -> dict[str, list[str]]:
        """Every heading a passage is read under (its section, and the defined terms its units
        are read under) with the passages under it, in document order."""
        out: dict[str, list[str]] = {}
        rows = self._db.execute(
            "SELECT section, id FROM passages WHERE section IS NOT NULL "
            "UNION SELECT u.head, u.passage_id FROM units u WHERE u.head IS NOT NULL AND u.kind != 'row' "
            "ORDER BY 1").fetchall()
        order = {pid: (src, o) for pid, src, o in self._db.execute("SELECT id, source, ord FROM passages")}
        for heading, pid in rows:
            if pid in order:
                out.setdefault(heading, []).append(pid)
        for ids in out.values():
            ids.sort(key=lambda i: order[i])
        return out

    def passage_ids(self) -> set[str]:
        return {r[0] for r in self._db.execute("SELECT id FROM passages")}

    def version(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key='version'").fetchone()
        return int(row[0]) if row else 0

    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    # --- writing (each method is one transaction) ----------------------------------------
    def set_meta(self, key: str, value: str) -> None:
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def delete_meta(self, key: str) -> None:
        with self._db:
            self._db.execute("DELETE FROM meta WHERE key=?", (key,))

    def replace_document(
        self, record: DocumentRecord, text: str, passages: Iterable[Passage], units: Iterable[PassageUnit] = ()
    ) -> list[str]:
        """Make ``record`` live with its passages and their answer units; return the ids of the
        version it replaced."""
        with self._db:
            old = [r[0] for r in self._db.execute("SELECT id FROM passages WHERE source=?", (record.source,))]
            self._delete_units(record.source)
            self._db.execute("DELETE FROM passages WHERE source=?", (record.source,))
            self._db.execute(
                "INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (record.source, record.path, record.file_hash, record.doc_id, record.title,
                 record.date, text, record.passages, time.time()),
            )
            self._db.executemany(
                "INSERT INTO passages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(p.id, record.doc_id, p.source, p.ord, p.text, p.section, p.start, p.end, p.hash)
                 for p in passages],
            )
            self._db.executemany(
                'INSERT INTO units VALUES (?, ?, ?, ?, ?, ?, ?)',
                [(u.passage_id, u.kind, u.start, u.end, u.text, u.head,
                  None if u.vector is None else np.asarray(u.vector, dtype=np.float32).tobytes())
                 for u in units],
            )
            self._bump()
        new_ids = {p for p in self._db.execute("SELECT id FROM passages WHERE source=?", (record.source,))}
        return [i for i in old if (i,) not in new_ids]

    def remove_document(self, source: str) -> list[str]:
        """Drop a document; return its passage ids (to delete from the store afterwards)."""
        with self._db:
            old = [r[0] for r in self._db.execute("SELECT id FROM passages WHERE source=?", (source,))]
            self._delete_units(source)
            self._db.execute("DELETE FROM passages WHERE source=?", (source,))
            self._db.execute("DELETE FROM documents WHERE source=?", (source,))
            self._bump()
        return old

    def _delete_units(self, source: str) -> None:
        self._db.execute("DELETE FROM units WHERE passage_id IN (SELECT id FROM passages WHERE source=?)", (source,))

    def _bump(self) -> None:
        self._db.execute(
            "INSERT INTO meta VALUES ('version', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )


def _passage(row: Sequence[Any]) -> Passage:
    pid, source, ordn, text, section, start, end, digest, opens = row
    return Passage(pid, source, ordn, text, section, start, end, digest, opens=bool(opens))
