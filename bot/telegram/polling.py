"""Polling: getUpdates in a loop that confirms an update to Telegram only once it is handled.

Used instead of PTB's `Updater`, which confirms every fetched update at the next getUpdates –
before it is handled – so a stop loses whatever waits in the queue.

Guarantees:

* The `offset` sent to Telegram (which confirms every update below it) never passes an update that
  is not handled: not yet finished, or skipped at a stop. A skipped update is delivered again by
  Telegram after a restart. Updates handled past the first unhandled one at a stop are written to
  `<spool>.handled` and are not answered again after the restart.
* At most `WINDOW` updates are fetched and unfinished at once; the rest wait at Telegram (no
  unbounded queue in memory, and nothing a stop has to throw away).
* While updates are in flight, getUpdates is called every `PACE` seconds (Telegram answers at once
  while something is unconfirmed; `MAX_PACE` while nothing new comes), so a new chat's question
  is fetched within half a second even while another chat's update hangs. In a backlog (the
  last answer was a full window) it is called at once when `REFILL` places of the window are
  free again, so updates flow without a pause at each window's end; and never while the window
  is full, when Telegram could only send the unconfirmed updates again. When nothing is in
  flight it is an ordinary long poll.
* A rejected token (401/404) ends polling with `TokenRejected`. Network errors, 5xx, 409 and 429
  are one log line each and a retry after a backoff (1 s doubling to 30 s, or Telegram's
  `retry_after`) – never a traceback.
* Every successful getUpdates beats the heartbeat.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from telegram import Bot, Update
from telegram.error import InvalidToken, RetryAfter, TelegramError

from bot.core.heartbeat import Heartbeat
from bot.telegram.updates import ChatOrderedProcessor

log = logging.getLogger(__name__)

WINDOW = 100
"""Updates fetched and not yet finished, at most (getUpdates' own limit)."""
REFILL = 3 * WINDOW // 4
"""Free places in the window that make the next getUpdates worth it at once."""
PACE = 0.25
"""Seconds between getUpdates calls while updates are in flight and new ones come."""
MAX_PACE = 0.5
"""… and at most this while polls bring nothing new."""
MAX_BACKOFF = 30.0
TOKEN_REJECTED = "Telegram rejected TELEGRAM_BOT_TOKEN – check it with BotFather"


class TokenRejected(Exception):
    """Telegram answered 401/404: the token is wrong or revoked (never carries the token)."""

    def __init__(self) -> None:
        super().__init__(TOKEN_REJECTED)


def describe(exc: BaseException) -> str:
    """An error as one short line: its type and first line."""
    text = str(exc).strip().split("\n")[0][:160]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def next_backoff(current: float) -> float:
    """1 s, then doubling up to 30 s."""
    return 1.0 if current <= 0 else min(MAX_BACKOFF, current * 2)


class Poller:
    """Fetches updates into the application's queue and confirms them once handled."""

    def __init__(
        self,
        bot: Bot,
        queue: asyncio.Queue[object],
        processor: ChatOrderedProcessor,
        *,
        timeout: int,
        allowed_updates: Sequence[str] | None = None,
        heartbeat: Heartbeat | None = None,
        handled_path: Path | None = None,
    ) -> None:
        self.bot = bot
        self.queue = queue
        self.timeout = timeout
        self.allowed_updates = allowed_updates
        self.heartbeat = heartbeat
        self.handled_path = handled_path
        self._open: set[int] = set()  # fetched, not finished
        self._skipped: set[int] = set()  # finished without being handled: hold the offset
        self._done: set[int] = set()  # handled, at or above the offset
        self._next = 0  # the smallest update id not seen yet
        self._more = False  # the last getUpdates brought a full window (a backlog)
        self._progress = asyncio.Event()
        self._already = self._load_handled()
        self.polls = 0
        processor.watch(self._finished)

    @property
    def offset(self) -> int:
        """What getUpdates may confirm: everything below the first update not handled."""
        unhandled = self._open | self._skipped
        return min(unhandled) if unhandled else self._next

    @property
    def room(self) -> int:
        """New updates the next getUpdates can bring: Telegram answers at most `WINDOW` from the
        offset, and the ones seen already come first (update ids are consecutive)."""
        return WINDOW - (self._next - self.offset)

    def _finished(self, update_id: int, handled: bool) -> None:
        if update_id not in self._open:
            return
        self._open.discard(update_id)
        if handled:
            self._done.add(update_id)
        else:
            self._skipped.add(update_id)
        self._progress.set()

    async def run(self) -> None:
        """Poll until cancelled; raises `TokenRejected` when Telegram refuses the token."""
        backoff = 0.0
        pace = PACE
        while True:
            if self._open and self.room <= 0:
                # Nothing new can come before the offset moves; then come back for a refill.
                await self._until(lambda: self.room >= REFILL, None)
                continue
            busy = bool(self._open)
            sent = self.offset
            try:
                updates = await self.bot.get_updates(
                    offset=sent or None,
                    timeout=0 if busy else self.timeout,
                    limit=WINDOW,
                    allowed_updates=self.allowed_updates,
                )
            except InvalidToken:
                raise TokenRejected from None
            except RetryAfter as exc:
                wait = exc.retry_after
                delay = wait if isinstance(wait, int | float) else wait.total_seconds()
                log.warning("getUpdates: Telegram asks to wait %.0f s (flood control)", delay)
                await asyncio.sleep(delay)
                continue
            except Exception as exc:  # network, 5xx, 409, a garbled answer: wait and try again
                backoff = next_backoff(backoff)
                log.warning("getUpdates failed (%s); retrying in %.0f s", describe(exc), backoff)
                await asyncio.sleep(backoff)
                continue
            backoff = 0.0
            self.polls += 1
            if self.heartbeat is not None:
                self.heartbeat.beat()
            self._forget_below(sent)
            before = self._next
            for update in updates:
                self._take(update)
            self._more = len(updates) >= WINDOW  # a full answer: more are likely waiting
            # While updates are in flight Telegram answers at once with the unconfirmed ones, so
            # poll again only after `pace` (longer while nothing new comes), or as soon as all
            # are finished (then a long poll waits for new ones at no cost), or in a backlog as
            # soon as a refill's worth of places is free.
            pace = PACE if self._next > before else min(MAX_PACE, pace * 2)
            if self._open:
                await self._until(lambda: self._more and self.room >= REFILL, pace)

    def _take(self, update: Update) -> None:
        uid = update.update_id
        if uid < self._next:
            return  # seen already (in flight, finished or skipped): Telegram repeats until confirmed
        self._next = uid + 1
        if uid in self._already:
            return  # handled before the last stop
        self._open.add(uid)
        self.queue.put_nowait(update)

    def _forget_below(self, offset: int) -> None:
        """Drop bookkeeping Telegram has been told about (the last getUpdates confirmed it)."""
        self._done = {u for u in self._done if u >= offset}
        if self._already and offset > max(self._already):
            self._already = set()
            self._write_handled(offset, [])

    async def _until(self, ready: Callable[[], bool], limit: float | None) -> None:
        """Until no update is in flight or `ready()`, or `limit` seconds (None: no limit)."""
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancel that comes
        # as the event is set, and polling would go on after a stop.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(limit):
                while self._open and not ready():
                    self._progress.clear()
                    await self._progress.wait()

    async def confirm(self, timeout: float) -> None:  # noqa: ASYNC109 (a budget, then give up)
        """At a stop: confirm what is handled, remember what was handled past it."""
        offset = self.offset
        handled = sorted(u for u in self._done | self._already if u >= offset)
        self._write_handled(offset, handled)
        if offset <= 0 or timeout <= 0:
            return
        try:
            async with asyncio.timeout(timeout):
                await self.bot.get_updates(offset=offset, timeout=0, limit=1)
        except (TelegramError, TimeoutError) as exc:
            log.warning(
                "could not confirm the handled updates (%s); Telegram will send them again",
                describe(exc),
            )
        left = len(self._open | self._skipped)
        if left:
            log.info("stopping: %d updates left for Telegram to deliver again", left)

    def _load_handled(self) -> set[int]:
        if self.handled_path is None:
            return set()
        try:
            data = json.loads(self.handled_path.read_text(encoding="utf-8"))
            return {int(u) for u in data.get("handled", [])}
        except FileNotFoundError:
            return set()
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            log.warning("ignoring unreadable %s (%s)", self.handled_path, describe(exc))
            return set()

    def _write_handled(self, offset: int, handled: list[int]) -> None:
        path = self.handled_path
        if path is None:
            return
        try:
            if not handled:
                path.unlink(missing_ok=True)
                return
            tmp = path.with_name(path.name + ".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"offset": offset, "handled": handled}, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("cannot write %s (%s)", path, describe(exc))
