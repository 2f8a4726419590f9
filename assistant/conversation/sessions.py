"""Conversations kept server-side: one SQLite file under the data dir.

A session is an ordered list of turns; each assistant turn keeps its full :class:`Answer` (as
JSON) so a resumed conversation shows its sources again. Used by ``POST /api/chat``, the chat
page and ``assistant chat --resume``.

    store = SessionStore(settings.data_dir / "sessions.sqlite")
    sid = store.create()
    store.append(sid, "What is X?", answer)
    store.history(sid)  # -> [Message(user), Message(assistant)]
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from assistant.models import Answer, Citation, Message

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE, ord INTEGER NOT NULL,
    role TEXT NOT NULL, content TEXT NOT NULL, answer TEXT, created_at REAL NOT NULL,
    PRIMARY KEY (session_id, ord)
);
"""

TITLE_CHARS = 80


class Turn(BaseModel):
    """One message of a stored conversation; assistant turns carry their answer."""

    role: str
    content: str
    answer: Answer | None = None


class SessionSummary(BaseModel):
    id: str
    title: str
    created_at: float
    updated_at: float
    turns: int


class Session(SessionSummary):
    messages: list[Turn]


class SessionStore:
    """Thread-safe store of conversations (one connection, serialised by a lock)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def create(self, title: str = "") -> str:
        sid = uuid.uuid4().hex
        now = time.time()
        with self._lock, self._db:
            self._db.execute("INSERT INTO sessions VALUES (?, ?, ?, ?)", (sid, title[:TITLE_CHARS], now, now))
        return sid

    def exists(self, session_id: str) -> bool:
        with self._lock:
            row = self._db.execute("SELECT 1 FROM sessions WHERE id=?", (session_id,)).fetchone()
        return row is not None

    def append(self, session_id: str, question: str, answer: Answer) -> None:
        """Add a question and its answer to the session (its title is the first question)."""
        now = time.time()
        with self._lock, self._db:
            row = self._db.execute(
                "SELECT COALESCE(MAX(ord), -1) FROM turns WHERE session_id=?", (session_id,)
            ).fetchone()
            n = int(row[0]) + 1
            self._db.execute(
                "INSERT INTO turns VALUES (?, ?, 'user', ?, NULL, ?)", (session_id, n, question, now)
            )
            self._db.execute(
                "INSERT INTO turns VALUES (?, ?, 'assistant', ?, ?, ?)",
                (session_id, n + 1, answer.answer, stored_answer(answer), now),
            )
            self._db.execute(
                "UPDATE sessions SET updated_at=?, title=CASE WHEN title='' THEN ? ELSE title END WHERE id=?",
                (now, " ".join(question.split())[:TITLE_CHARS], session_id),
            )

    def rename(self, session_id: str, title: str) -> bool:
        """Give a conversation a title of its reader's choosing; ``False`` if there is no such session."""
        title = " ".join(title.split())[:TITLE_CHARS]
        with self._lock, self._db:
            cur = self._db.execute("UPDATE sessions SET title=? WHERE id=?", (title, session_id))
        return cur.rowcount == 1

    def delete(self, session_id: str) -> bool:
        """Remove a conversation and its turns; ``False`` if there was no such session."""
        with self._lock, self._db:
            self._db.execute("DELETE FROM turns WHERE session_id=?", (session_id,))
            cur = self._db.execute("DELETE FROM sessions WHERE id=?", (session_id,))
        return cur.rowcount == 1

    def get(self, session_id: str) -> Session | None:
        with self._lock:
            head = self._db.execute(
                "SELECT id, title, created_at, updated_at FROM sessions WHERE id=?", (session_id,)
            ).fetchone()
            if head is None:
                return None
            rows = self._db.execute(
                "SELECT role, content, answer FROM turns WHERE session_id=? ORDER BY ord", (session_id,)
            ).fetchall()
        turns = [
            Turn(role=r, content=c, answer=Answer.model_validate_json(a) if a else None) for r, c, a in rows
        ]
        return Session(id=head[0], title=head[1], created_at=head[2], updated_at=head[3], turns=len(turns), messages=turns)

    def history(self, session_id: str) -> list[Message]:
        """The conversation as the answer path takes it (``role``/``content`` only)."""
        session = self.get(session_id)
        if session is None:
            return []
        return [Message(role=t.role, content=t.content) for t in session.messages]  # type: ignore[arg-type]

    def list(self, limit: int = 50) -> list[SessionSummary]:
        """Most recently used sessions first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT s.id, s.title, s.created_at, s.updated_at, COUNT(t.ord) FROM sessions s "
                "LEFT JOIN turns t ON t.session_id = s.id GROUP BY s.id ORDER BY s.updated_at DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [SessionSummary(id=r[0], title=r[1], created_at=r[2], updated_at=r[3], turns=r[4]) for r in rows]

    def find(self, prefix: str) -> str | None:
        """The one session whose id starts with ``prefix`` (as printed by ``chat --list``)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id FROM sessions WHERE id LIKE ? LIMIT 2", (prefix.replace("%", "").replace("_", "") + "%",)
            ).fetchall()
        return rows[0][0] if len(rows) == 1 else None


def stored_answer(answer: Answer) -> str:
    """The answer as stored JSON, *with* what the answer contract leaves out of its JSON (each
    citation's highlights, the related passages of a refusal), so a reopened conversation shows
    its evidence exactly as it was first shown."""
    data = answer.model_dump(mode="json")
    data["citations"] = [_with_highlights(c) for c in answer.citations]
    data["related"] = [_with_highlights(c) for c in answer.related]
    return json.dumps(data, ensure_ascii=False)


def _with_highlights(c: Citation) -> dict[str, Any]:
    return {**c.model_dump(mode="json"), "highlights": [h.model_dump() for h in c.highlights]}


def open_sessions(data_dir: Path) -> SessionStore:
    return SessionStore(data_dir / "sessions.sqlite")
