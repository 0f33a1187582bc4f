"""One lifecycle for polling, webhook and tests: start in PTB's order, stop in reverse, bounded.

Start: initialize (getMe) → post_init (services) → start → polling. While Telegram cannot be
reached at start, each attempt is one log line and a retry after a backoff (1 s doubling to 30 s),
until it answers or `stop` is set (then `StopRequested`); a rejected token raises `TokenRejected`
at once, without the token in any message.

Stop, all within SHUTDOWN_SECONDS of the moment it begins, whatever polling is doing (a long poll,
a backoff, a hung request): stop taking updates (the poll is cancelled) → running updates finish or
are cancelled at the deadline minus a reserve → handled updates are confirmed to Telegram, the
others left for it to deliver again → the application stops → the log is flushed, spooling what the
database does not take by the deadline (`close_services`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, cast

from telegram import Update
from telegram.error import InvalidToken, TelegramError

from bot.core.heartbeat import Heartbeat
from bot.telegram.context import OmtankeApp
from bot.telegram.polling import Poller, TokenRejected, describe, next_backoff
from bot.telegram.updates import ChatOrderedProcessor

log = logging.getLogger(__name__)

RESERVE = 0.25
"""Share of SHUTDOWN_SECONDS (at most `MAX_RESERVE` s) kept after the updates for the final
confirmation, the application's own stop and the log."""
MAX_RESERVE = 5.0
CONFIRM_SECONDS = 2.0


class StopRequested(Exception):
    """SIGTERM or SIGINT came while the bot was still starting."""


async def _until_stopped(work: Awaitable[Any], stop: asyncio.Event | None) -> Any:
    """The result of `work`, or `StopRequested` (with `work` cancelled) once `stop` is set."""
    task = asyncio.ensure_future(work)
    if stop is None:
        return await task
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
    if not task.done():
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        raise StopRequested
    return task.result()


async def with_retries(
    what: str, call: Callable[[], Awaitable[Any]], stop: asyncio.Event | None
) -> Any:
    """`call()` until Telegram answers: one line per failure, backoff; 401/404 → TokenRejected."""
    backoff = 0.0
    while True:
        try:
            return await _until_stopped(call(), stop)
        except InvalidToken:
            raise TokenRejected from None
        except (TelegramError, OSError) as exc:
            backoff = next_backoff(backoff)
            log.warning(
                "%s: Telegram unreachable (%s); retrying in %.0f s", what, describe(exc), backoff
            )
            await _until_stopped(asyncio.sleep(backoff), stop)


class Runner:
    """A started application: wait for a stop or a fatal polling error, then stop bounded."""

    def __init__(self, app: OmtankeApp, shutdown_seconds: float) -> None:
        self.app = app
        self.shutdown_seconds = shutdown_seconds
        self.poller: Poller | None = None
        self.heartbeat: Heartbeat | None = None
        self.poll_task: asyncio.Task[None] | None = None
        self.deadline: float | None = None
        self.token_rejected = False
        self._drained = False

    @property
    def processor(self) -> ChatOrderedProcessor:
        """The application's update processor."""
        return cast(ChatOrderedProcessor, self.app.update_processor)

    def start_polling(self, timeout: int, heartbeat: Heartbeat | None) -> None:
        """Fetch updates in a background task (see `Poller`)."""
        settings = self.app.bot_data.settings
        self.heartbeat = heartbeat
        self.poller = Poller(
            self.app.bot,
            self.app.update_queue,
            self.processor,
            timeout=timeout,
            allowed_updates=Update.ALL_TYPES,
            heartbeat=heartbeat,
            handled_path=settings.handled_path if settings else None,
        )
        self.poll_task = asyncio.create_task(self.poller.run(), name="omtanke:polling")

    async def wait(self, stop: asyncio.Event) -> None:
        """Until `stop` is set; raises `TokenRejected` when Telegram refuses the token."""
        stopper = asyncio.ensure_future(stop.wait())
        waiting: set[asyncio.Future[Any]] = {stopper}
        if self.poll_task is not None:
            waiting.add(self.poll_task)
        try:
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
        if self.poll_task is not None and self.poll_task.done():
            self.token_rejected = isinstance(self.poll_task.exception(), TokenRejected)
            self.poll_task.result()

    def begin_stop(self) -> float:
        """Start the shutdown clock (once); returns the deadline on the loop's clock."""
        if self.deadline is None:
            self.deadline = asyncio.get_running_loop().time() + self.shutdown_seconds
            self.app.bot_data.stop_deadline = self.deadline
        return self.deadline

    @property
    def reserve(self) -> float:
        """Seconds kept after the updates (confirmation, application stop, the log)."""
        return min(MAX_RESERVE, self.shutdown_seconds * RESERVE)

    def remaining(self) -> float:
        """Seconds left before the deadline."""
        return max(0.0, self.begin_stop() - asyncio.get_running_loop().time())

    async def drain(self) -> None:
        """Stop taking updates, finish or cancel the running ones, confirm the handled ones."""
        if self._drained:
            return
        self._drained = True
        deadline = self.begin_stop()
        if self.poll_task is not None:
            self.poll_task.cancel()
            await asyncio.wait({self.poll_task}, timeout=1.0)
        await self.processor.drain(until=deadline - self.reserve)
        if self.poller is not None and not self.token_rejected:
            await self.poller.confirm(timeout=min(CONFIRM_SECONDS, self.remaining() / 2))
        if self.heartbeat is not None and not self.token_rejected:
            self.heartbeat.clear()  # a rejected token leaves it stale, for the doctor

    async def stop(self) -> None:
        """Drain, then stop and shut down the application within the deadline; flush the log."""
        app = self.app
        await self.drain()
        if app.running:
            try:
                # The log needs the last part of the reserve; everything else must be done by then.
                async with asyncio.timeout(max(0.1, self.remaining() - self.reserve / 2)):
                    await app.stop()
            except TimeoutError:
                log.warning("stopping: the application did not stop in time; going on")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(0.1, self.remaining() - self.reserve / 2)):
                await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)


@asynccontextmanager
async def running(
    app: OmtankeApp,
    *,
    polling: bool = True,
    poll_timeout: int = 10,
    stop: asyncio.Event | None = None,
) -> AsyncIterator[Runner]:
    """The application, started (and polling when asked) for the duration of the block."""
    settings = app.bot_data.settings
    runner = Runner(app, settings.shutdown_seconds if settings else 20.0)
    try:
        await with_retries("start", app.initialize, stop)
        if app.post_init:
            await app.post_init(app)
        await app.start()
        if polling:
            await with_retries("start", app.bot.delete_webhook, stop)
            heartbeat = Heartbeat(settings.heartbeat_path) if settings else None
            runner.start_polling(poll_timeout, heartbeat)
        yield runner
    finally:
        await runner.stop()
