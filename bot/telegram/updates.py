"""Updates run side by side across chats and in order within a chat; a stop is bounded.

Guarantees:

* Two updates of one chat (without a chat: of one sender) are handled one after the other, in the
  order received; updates of different chats run side by side, at most `MAX_RUNNING` at once. So
  one chat's slow Telegram call or long message never holds another chat's answer. Telegram's
  own limits stay where they are (PTB's `AIORateLimiter` on every request).
* Every update ends *handled* (its handlers ran, into the error handler if they failed: a poison
  update is not delivered again) or *skipped* (the process was stopping before it started, or it
  was still running at the deadline and was cancelled). `watch` tells the poller which, so only
  handled updates are confirmed to Telegram; `outcome` lets the webhook answer 503 for a skipped
  one. Either way Telegram delivers a skipped update again.
* `drain(until)`: nothing starts any more; what runs may finish until `until`, then it is
  cancelled. It returns by `until` plus the time cancelled handlers take to unwind (bounded).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

MAX_RUNNING = 8
"""Updates handled at once (across chats); more only adds contention on two cores."""
MAX_TASKS = 4096
"""PTB's bound on update tasks (running or waiting for their chat); the poller's window and
Telegram's webhook connections keep the real number far below it."""
UNWIND_SECONDS = 1.0
"""How long cancelled handlers get to unwind at the deadline."""

Listener = Callable[[int, bool], None]
"""Told `(update_id, handled)` when an update is finished."""


def chat_key(update: object) -> Hashable:
    """What orders updates: their chat, else their sender, else nothing (the update alone)."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return ("chat", update.effective_chat.id)
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
        return ("update", update.update_id)
    return ("object", id(update))


class ChatOrderedProcessor(BaseUpdateProcessor):
    """PTB update processor: per-chat order, cross-chat concurrency, bounded drain."""

    def __init__(self, max_running: int = MAX_RUNNING) -> None:
        super().__init__(max_concurrent_updates=MAX_TASKS)
        self.max_running = max_running
        self._slots = asyncio.Semaphore(max_running)
        self._tails: dict[Hashable, asyncio.Future[None]] = {}
        self._active: set[asyncio.Task[Any]] = set()
        self._outcomes: dict[int, asyncio.Future[bool]] = {}
        self._listeners: list[Listener] = []
        self.stopping = False
        self.handled = 0
        self.skipped = 0

    def watch(self, listener: Listener) -> None:
        """Call `listener(update_id, handled)` for every finished update."""
        self._listeners.append(listener)

    def outcome(self, update_id: int) -> asyncio.Future[bool]:
        """A future that becomes True when the update is handled, False when it is skipped."""
        future = self._outcomes.get(update_id)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._outcomes[update_id] = future
        return future

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the chat's previous update, then for a slot, then run (unless stopping)."""
        key = chat_key(update)
        previous = self._tails.get(key)
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tails[key] = mine
        handled = False
        try:
            if previous is not None:
                await asyncio.wait([previous])  # not `await previous`: a cancel must not spread
            async with self._slots:
                if not self.stopping:
                    task = asyncio.current_task()
                    assert task is not None
                    self._active.add(task)
                    try:
                        await coroutine
                        handled = True
                    except Exception:
                        handled = True  # it ran and failed: delivered again it would fail again
                        raise
                    finally:
                        self._active.discard(task)
        finally:
            close = getattr(coroutine, "close", None)
            if not handled and close is not None:
                close()  # never started: no "coroutine was never awaited" warning
            mine.set_result(None)
            if self._tails.get(key) is mine:
                del self._tails[key]
            self._finish(update, handled)

    def _finish(self, update: object, handled: bool) -> None:
        if handled:
            self.handled += 1
        else:
            self.skipped += 1
        if not isinstance(update, Update):
            return
        future = self._outcomes.pop(update.update_id, None)
        if future is not None and not future.done():
            future.set_result(handled)
        for listener in self._listeners:
            listener(update.update_id, handled)

    @property
    def running(self) -> int:
        """Updates whose handlers are running now."""
        return len(self._active)

    async def drain(self, until: float) -> None:
        """Start nothing more; let running updates finish until `until` (loop time), then cancel."""
        self.stopping = True
        loop = asyncio.get_running_loop()
        if self._active:
            _, late = await asyncio.wait(set(self._active), timeout=max(0.0, until - loop.time()))
            if late:
                log.warning(
                    "stopping: %d updates still running at the deadline, cancelled", len(late)
                )
                for task in late:
                    task.cancel()
                await asyncio.wait(late, timeout=UNWIND_SECONDS)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Resolve what is still awaited as skipped (its update was never taken)."""
        for future in self._outcomes.values():
            if not future.done():
                future.set_result(False)
        self._outcomes.clear()
