"""Thumbs up/down on answers, with an optional comment: one SQLite file under the data dir."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT, created_at REAL NOT NULL, rating TEXT NOT NULL,
    question TEXT NOT NULL, answer TEXT NOT NULL, comment TEXT, session_id TEXT
);
"""


class Feedback(BaseModel):
    """What a reader thought of one answer (``POST /api/feedback``, the page's thumbs)."""

    question: str = Field(min_length=1, max_length=4000)
    answer: str = Field(max_length=20000)
    rating: Literal["up", "down"]
    comment: str | None = Field(None, max_length=4000)
    session_id: str | None = None


class FeedbackStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)

    def add(self, fb: Feedback) -> int:
        with self._lock, self._db:
            cur = self._db.execute(
                "INSERT INTO feedback (created_at, rating, question, answer, comment, session_id) VALUES (?, ?, ?, ?, ?, ?)",
                (time.time(), fb.rating, fb.question, fb.answer, fb.comment, fb.session_id),
            )
        return int(cur.lastrowid or 0)

    def all(self) -> list[Feedback]:
        with self._lock:
            rows = self._db.execute(
                "SELECT question, answer, rating, comment, session_id FROM feedback ORDER BY id"
            ).fetchall()
        return [Feedback(question=q, answer=a, rating=r, comment=c, session_id=s) for q, a, r, c, s in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()


def open_feedback(data_dir: Path) -> FeedbackStore:
    return FeedbackStore(data_dir / "feedback.sqlite")
