"""What the web app holds while it runs: the loaded :class:`Assistant` (or why there is none),
the session and feedback stores, and the document operations that reload the assistant.

Built by the app's lifespan, once; the HTTP API, the OpenAI-compatible API and the page all
call it, so they answer the same way.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator, Sequence

from assistant import documents
from assistant.conversation.feedback import FeedbackStore, open_feedback
from assistant.conversation.sessions import SessionStore, open_sessions
from assistant.errors import IndexNotBuiltError, StoreError
from assistant.models import Answer, DocumentInfo, Message
from assistant.service import Assistant
from assistant.settings import Settings

Event = tuple[str, "str | Answer"]
_PIECE = re.compile(r"\S+\s*|\s+")
STORE_RETRY_S = 2.0  # how soon after a failed attempt the store is tried again


class Runtime:
    """The app's long-lived state. ``assistant`` is ``None`` until an index exists."""

    def __init__(self, settings: Settings, assistant: Assistant | None = None) -> None:
        self.settings = settings
        self.assistant = assistant
        self.problem: str | None = None
        self.sessions: SessionStore | None = None
        self.feedback: FeedbackStore | None = None
        self._reload = threading.Lock()
        self._next_try = 0.0  # set when the store failed to open: no new attempt before then
        self.store_down = False  # the last load failed because the vector store did not answer

    def start(self) -> None:
        """Open the stores and load the models (blocking: call it from a worker thread)."""
        self.sessions = open_sessions(self.settings.data_dir)
        self.feedback = open_feedback(self.settings.data_dir)
        if self.assistant is None:
            self.reload()

    def close(self) -> None:
        for store in (self.sessions, self.feedback):
            if store is not None:
                store.close()

    def reload(self) -> None:
        """(Re)open the collection so new or deleted documents are seen; an empty or missing
        index leaves the app up without an assistant. The new state is built beside the old one
        and swapped in whole, so a request never sees half of each."""
        with self._reload:
            self._load()

    def _load(self) -> None:
        try:
            bot = Assistant.from_settings(self.settings, like=self.assistant)
        except IndexNotBuiltError as exc:
            self.assistant, self.problem, self.store_down = None, str(exc), False
            return
        except StoreError as exc:
            # the Chroma server is away: keep what was loaded (its answers say the store is
            # unavailable until it is back) and try again a little later, not on every request
            self.problem, self.store_down = str(exc), True
            self._next_try = time.monotonic() + STORE_RETRY_S
            return
        self.assistant, self.problem, self.store_down = bot, None, False

    def _committed(self) -> int | None:
        """The collection's commit counter now (any writer bumps it: this app, a CLI ingest,
        another server on the same data dir), or ``None`` when there is no index yet."""
        bot = self.assistant
        if bot is not None:
            return bot.catalog.version()
        return 0 if self.settings.catalog_path.exists() else None

    def current(self) -> Assistant | None:
        """The assistant for the collection as last committed. A change another process
        committed is loaded on the next request; while one request reloads, the others go on
        answering from the previous state instead of waiting."""
        bot = self.assistant
        now = self._committed()
        if now is None or (bot is not None and now == bot.version and self.problem is None):
            return bot
        if time.monotonic() < self._next_try:  # the store failed to open a moment ago
            return bot
        if self._reload.acquire(blocking=bot is None):
            try:
                if self.assistant is bot:  # nobody reloaded meanwhile
                    self._load()
            finally:
                self._reload.release()
        return self.assistant

    def require(self) -> Assistant:
        bot = self.current()
        if bot is None:
            if self.store_down:
                raise StoreError(self.problem or "the vector store is unavailable")
            raise IndexNotBuiltError(self.problem or f"no index at {self.settings.data_dir}: run `assistant ingest` first")
        return bot

    def health(self) -> dict[str, object]:
        """What ``/healthz`` reports: whether an index is loaded and whether its store answers
        now (a Chroma server is asked for a heartbeat), with the problem and what to do."""
        bot = self.current()
        problem, down = self.problem, self.store_down
        if bot is not None and not down:
            check = getattr(bot.retriever.store, "check", None)
            try:
                if check is not None:
                    check()
            except StoreError as exc:
                problem, down = str(exc), True
        return {
            "status": "degraded" if down else "ok",
            "index": bot is not None,
            "documents": len(bot.titles) if bot is not None else 0,
            "generator": getattr(bot.generator, "name", None) if bot is not None else None,
            "store": "unavailable" if down else ("ok" if bot is not None else None),
            "problem": problem,
        }

    # --- answering -------------------------------------------------------------------------
    def ask(self, question: str, history: Sequence[Message] = (), top_k: int | None = None) -> Answer:
        return self.require().ask(question, history, top_k)

    def stream(
        self, question: str, history: Sequence[Message] = (), top_k: int | None = None, live: bool = True,
        verified: bool = False,
    ) -> Iterator[Event]:
        """``("delta", text)`` pieces, then ``("answer", Answer)``.

        ``live``: pass on the generator's draft as it is written (the assistant's ``ask_stream``,
        when it has one). The draft is unverified: markers may be renumbered or the answer
        replaced by a refusal at the end, so a live consumer must show the final answer in its
        place (the page does). ``live=False`` hands out the final answer's own text in pieces,
        for clients that simply concatenate the deltas. ``verified``: live, but only what the
        final answer keeps, sentence by sentence as the model completes each (the
        OpenAI-compatible stream: its deltas add up to the answer).
        """
        bot = self.require()
        own = getattr(bot, "ask_stream", None)
        if verified and own is not None:
            yield from own(question, history, top_k, verified=True)
            return
        if live and own is not None:
            yield from own(question, history, top_k)
            return
        answer = bot.ask(question, history, top_k)
        for piece in _PIECE.findall(answer.answer):
            yield "delta", piece
        yield "answer", answer

    def document_date(self, source: str) -> str | None:
        bot = self.current()
        if bot is None:
            return None
        record = bot.catalog.document(source)
        return record.date if record else None

    # --- the collection --------------------------------------------------------------------
    def documents(self) -> list[DocumentInfo]:
        return documents.list_documents(self.settings)

    def upload(self, filename: str, data: bytes) -> tuple[DocumentInfo, bool]:
        info = documents.add_upload(self.settings, filename, data)
        self.reload()
        return info

    def delete(self, source: str) -> None:
        documents.delete_document(self.settings, source)
        self.reload()
