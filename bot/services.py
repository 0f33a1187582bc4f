"""Long-lived services of a running bot, created in post_init and reached via bot_data."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.core import Advisor, Answer, KnowledgeHolder
from bot.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from db.writer import LogWriter

log = logging.getLogger(__name__)

DB_TIMEOUT = 3.0
"""Seconds a handler waits for the database on user actions that need it (never for answers)."""


class FloodGate:
    """Per-user sliding window: `limit` messages per `window` seconds; one notice, then silence."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._noticed: set[str] = set()

    def check(self, user_key: str, now: float | None = None) -> str:
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
        self._items[question_id] = candidate_ids
        self._items.move_to_end(question_id)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def get(self, question_id: str) -> list[str] | None:
        return self._items.get(question_id)


@dataclass
class Services:
    """Everything handlers need, built once per process."""

    settings: Settings
    holder: KnowledgeHolder
    advisor: Advisor
    key: bytes
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    writer: LogWriter
    flood: FloodGate
    recent: RecentAnswers = field(default_factory=RecentAnswers)
    languages: dict[str, tuple[str | None, float]] = field(default_factory=dict)
    background: set[asyncio.Task[Any]] = field(default_factory=set)

    def user_key(self, telegram_id: int) -> str:
        """The pseudonymous key of a Telegram user (HMAC-SHA256); raw ids are never stored."""
        from db.pseudonym import pseudonymise

        return pseudonymise(self.key, telegram_id)

    async def language_of(self, user_key: str) -> str | None:
        """The user's chosen language: cached a minute; a slow database means "unknown"."""
        cached = self.languages.get(user_key)
        if cached and time.monotonic() - cached[1] < 60:
            return cached[0]
        from db import repo

        try:
            async with asyncio.timeout(0.5), self.sessionmaker() as session:
                lang = await repo.get_user_language(session, user_key=user_key)
        except Exception:  # the answer must not wait for, or fail with, the database
            log.warning("language lookup failed; answering without a stored preference")
            # Remember the failure for a minute too, so an outage costs one short wait, not one per message.
            fallback = cached[0] if cached else None
            self.languages[user_key] = (fallback, time.monotonic())
            return fallback
        self.languages[user_key] = (lang, time.monotonic())
        return lang

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """One session for one user action, bounded by DB_TIMEOUT; commits when the block succeeds."""
        async with asyncio.timeout(DB_TIMEOUT), self.sessionmaker() as session:
            yield session
            await session.commit()

    def remember_language(self, user_key: str, lang: str | None) -> None:
        self.languages[user_key] = (lang, time.monotonic())

    def log_answer(self, answer: Answer, *, user_key: str, chat_type: str) -> None:
        """Hand the question to the write-behind logger (never waits for the database)."""
        from db.writer import QuestionLog, UserSeen

        now = dt.datetime.now(dt.UTC)
        self.writer.submit(UserSeen(user_key=user_key, language=answer.lang, seen_at=now))
        self.writer.submit(
            QuestionLog(
                id=answer.question_id,
                user_key=user_key,
                chat_type=chat_type,
                text=answer.query,
                language=answer.lang,
                kind=answer.result.kind,
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

    def spawn(self, coro: Any) -> None:
        """Run a coroutine in the background, keeping a reference until it finishes."""
        task = asyncio.ensure_future(coro)
        self.background.add(task)
        task.add_done_callback(self.background.discard)


async def open_services(settings: Settings, holder: KnowledgeHolder | None = None) -> Services:
    """Connect the database, start the writer and load the knowledge base."""
    from bot.cli import knowledge_dir
    from db.engine import make_engine, make_sessionmaker
    from db.pseudonym import resolve_secret
    from db.writer import LogWriter
    from knowledge.matcher import Thresholds

    secret = settings.omtanke_secret.get_secret_value() if settings.omtanke_secret else None
    key, notice = resolve_secret(settings.database_url, secret)
    if notice:
        log.warning(notice)
    if holder is None:
        holder = KnowledgeHolder(
            knowledge_dir(settings),
            Thresholds(
                answer=settings.match_answer_threshold,
                suggest=settings.match_suggest_threshold,
            ),
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


async def close_services(services: Services) -> None:
    """Flush the log (spooling what cannot be written) and close the database."""
    for task in list(services.background):
        task.cancel()
    await services.writer.stop()
    await services.engine.dispose()
