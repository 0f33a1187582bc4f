"""The long-lived services of a running bot or terminal chat, built once per process.

Guarantees: answers never wait for the database (questions go to the write-behind log; a
language lookup waits at most half a second); user actions that need the database run in one
`unit_of_work`, bounded by `DB_TIMEOUT`, and a database outage is reported as
`DatabaseUnavailable` with its cause logged once, never as a traceback to the user.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.core.advisor import Advisor, Answer
from bot.core.knowledge import KnowledgeHolder
from bot.core.offload import Offload
from bot.core.screenshot import ScreenshotReader
from bot.core.settings import Settings
from db import repo
from db.engine import make_engine, make_sessionmaker
from db.pseudonym import pseudonymise, resolve_secret
from db.writer import LogWriter, QuestionLog, UserSeen

log = logging.getLogger(__name__)

DB_TIMEOUT = 3.0
"""Seconds a user action waits for the database (answers themselves never wait)."""

DB_ERRORS: tuple[type[BaseException], ...] = (SQLAlchemyError, OSError, TimeoutError)
"""What an unreachable, slow or refusing database raises through SQLAlchemy and its drivers."""


class DatabaseUnavailable(Exception):
    """The database could not serve a user action right now (the cause is logged)."""


def database_unavailable(what: str, exc: BaseException) -> DatabaseUnavailable:
    """Log why `what` failed (one line with the cause) and return the error to raise."""
    log.warning("%s: database unavailable (%s: %s)", what, type(exc).__name__, str(exc)[:200])
    return DatabaseUnavailable(what)


Gate = Literal["ok", "notice", "drop"]


class FloodGate:
    """Per-user sliding window: `limit` messages per `window` seconds; one notice, then silence."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._noticed: set[str] = set()

    def check(self, user_key: str, now: float | None = None) -> Gate:
        """'ok', 'notice' (first message over the limit) or 'drop'."""
        now = time.monotonic() if now is None else now
        hits = self._hits.setdefault(user_key, deque())
        while hits and now - hits[0] > self.window:
            hits.popleft()
        if len(hits) < self.limit:
            hits.append(now)
            if len(hits) < self.limit // 2 + 1:
                self._noticed.discard(user_key)
            return "ok"
        if user_key in self._noticed:
            return "drop"
        self._noticed.add(user_key)
        return "notice"

    def prune(self, now: float | None = None) -> None:
        """Forget users who have been quiet for a whole window (bounded memory)."""
        now = time.monotonic() if now is None else now
        for key in [k for k, h in self._hits.items() if not h or now - h[-1] > self.window]:
            self._hits.pop(key, None)
            self._noticed.discard(key)


class RecentAnswers:
    """The last few thousand answers on this replica (candidates for "not what I meant")."""

    def __init__(self, size: int = 5000) -> None:
        self.size = size
        self._items: OrderedDict[str, list[str]] = OrderedDict()

    def put(self, question_id: str, candidate_ids: list[str]) -> None:
        """Remember a question's candidates, forgetting the oldest past `size`."""
        self._items[question_id] = candidate_ids
        self._items.move_to_end(question_id)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def get(self, question_id: str) -> list[str] | None:
        """The candidates of a recent question, or None if it is not (or no longer) here."""
        return self._items.get(question_id)


@dataclass
class Services:
    """Everything the core needs at run time, built once per process."""

    settings: Settings
    holder: KnowledgeHolder
    advisor: Advisor
    key: bytes
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    writer: LogWriter
    flood: FloodGate
    recent: RecentAnswers = field(default_factory=RecentAnswers)
    cpu: Offload = field(default_factory=Offload)
    """Admins' CPU work (worklist grouping, charts): one thread, a few waiting at most."""
    languages: dict[str, tuple[str | None, float]] = field(default_factory=dict)
    background: set[asyncio.Task[Any]] = field(default_factory=set)
    screenshots: ScreenshotReader = field(default_factory=ScreenshotReader)
    """Reads product screenshots with OCR, two at a time, off the event loop."""

    def user_key(self, user_id: int) -> str:
        """The pseudonymous key of a user (HMAC-SHA256); raw ids are never stored."""
        return pseudonymise(self.key, user_id)

    async def language_of(self, user_key: str) -> str | None:
        """The user's chosen language: cached a minute; a slow database means "unknown"."""
        cached = self.languages.get(user_key)
        if cached and time.monotonic() - cached[1] < 60:
            return cached[0]
        try:
            async with asyncio.timeout(0.5), self.sessionmaker() as session:
                lang = await repo.get_user_language(session, user_key=user_key)
        except DB_ERRORS as exc:  # the answer must not wait for, or fail with, the database
            database_unavailable("language lookup", exc)
            # Remember the failure for a minute too: an outage costs one short wait, not one per message.
            fallback = cached[0] if cached else None
            self.languages[user_key] = (fallback, time.monotonic())
            return fallback
        self.languages[user_key] = (lang, time.monotonic())
        return lang

    def remember_language(self, user_key: str, lang: str | None) -> None:
        """Update the language cache after the user chose one."""
        self.languages[user_key] = (lang, time.monotonic())

    @asynccontextmanager
    async def unit_of_work(self, what: str) -> AsyncIterator[AsyncSession]:
        """One session for one user action, bounded by DB_TIMEOUT; commits when the block succeeds.

        Database failures become `DatabaseUnavailable` (logged with their cause as `what`).
        """
        try:
            async with asyncio.timeout(DB_TIMEOUT), self.sessionmaker() as session:
                yield session
                await session.commit()
        except DB_ERRORS as exc:
            raise database_unavailable(what, exc) from exc

    def log_answer(self, answer: Answer, *, user_key: str, chat_type: str) -> None:
        """Hand the question to the write-behind logger (never waits for the database)."""
        now = dt.datetime.now(dt.UTC)
        self.writer.submit(UserSeen(user_key=user_key, language=answer.lang, seen_at=now))
        self.writer.submit(
            QuestionLog(
                id=answer.question_id,
                user_key=user_key,
                chat_type=chat_type,
                text=answer.query,
                language=answer.lang,
                kind=answer.kind,
                entry_id=answer.result.entry_id,
                score=round(answer.result.score, 1),
                candidates=[
                    {"id": c.id, "score": round(c.score, 1)} for c in answer.result.candidates
                ],
                kb_version=answer.kb.version,
                latency_ms=round(answer.latency_ms),
                created_at=now,
            )
        )
        self.recent.put(answer.question_id, [c.id for c in answer.result.candidates])

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run a coroutine in the background, keeping a reference until it finishes."""
        task = asyncio.ensure_future(coro)
        self.background.add(task)
        task.add_done_callback(self.background.discard)


async def open_services(settings: Settings, holder: KnowledgeHolder | None = None) -> Services:
    """Connect the database, start the writer and load the knowledge base."""
    key, notice = resolve_secret(settings.database_url, settings.secret)
    if notice:
        log.warning(notice)
    if holder is None:
        holder = KnowledgeHolder(
            settings.knowledge_root, settings.thresholds, settings.knowledge_cache_dir
        )
    engine = make_engine(settings.database_url)
    sessionmaker = make_sessionmaker(engine)
    writer = LogWriter(sessionmaker, spool_path=settings.spool_path)
    await writer.start()
    return Services(
        settings=settings,
        holder=holder,
        advisor=Advisor(holder),
        key=key,
        engine=engine,
        sessionmaker=sessionmaker,
        writer=writer,
        flood=FloodGate(settings.flood_limit, settings.flood_window_seconds),
    )


async def close_services(services: Services, *, deadline: float | None = None) -> None:
    """Flush the log (spooling what cannot be written) and close the database, by `deadline`.

    `deadline` is an instant on the event loop's clock; without one the writer takes its own
    default (10 s). Closing the database's connections is cut off at the deadline.
    """
    for task in list(services.background):
        task.cancel()
    await services.writer.stop(deadline=deadline)
    loop = asyncio.get_running_loop()
    left = 5.0 if deadline is None else max(0.2, deadline - loop.time())
    try:
        async with asyncio.timeout(left):
            await services.engine.dispose()
    except (TimeoutError, SQLAlchemyError, OSError) as exc:
        log.warning("closing the database: %s", type(exc).__name__)
    await asyncio.to_thread(services.screenshots.close)
    services.cpu.shutdown()
