"""The poller's window: a backlog is fetched in windows, not asked for again while one is full."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update

from bot.telegram.polling import MAX_PACE, REFILL, WINDOW, Poller
from bot.telegram.updates import ChatOrderedProcessor


class Backlog:
    """A Bot stand-in whose getUpdates hands out `count` waiting updates like Telegram does."""

    def __init__(self, count: int) -> None:
        self.waiting = list(range(1, count + 1))
        self.offsets: list[int | None] = []

    async def get_updates(
        self,
        *,
        offset: int | None,
        timeout: float,  # noqa: ASYNC109 (Bot.get_updates' signature)
        **_: Any,
    ) -> list[Update]:
        self.offsets.append(offset)
        self.waiting = [u for u in self.waiting if u >= (offset or 0)]
        if not self.waiting:
            await asyncio.sleep(timeout)
        return [Update(u) for u in self.waiting[:WINDOW]]


async def settle() -> None:
    await asyncio.sleep(2 * MAX_PACE + 0.1)  # longer than the poller waits between polls


async def test_a_full_window_is_not_fetched_again_and_a_refill_fetches_the_rest() -> None:
    api = Backlog(WINDOW + 50)
    queue: asyncio.Queue[object] = asyncio.Queue()
    processor = ChatOrderedProcessor(max_running=1000)
    poller = Poller(api, queue, processor, timeout=1)  # type: ignore[arg-type]
    gates: dict[int, asyncio.Event] = {}
    running: list[asyncio.Task[None]] = []

    async def take() -> None:
        while True:
            update = await queue.get()
            assert isinstance(update, Update)
            gate = gates.setdefault(update.update_id, asyncio.Event())
            running.append(asyncio.create_task(processor.process_update(update, gate.wait())))

    taker = asyncio.create_task(take())
    polling = asyncio.create_task(poller.run())
    try:
        await settle()
        assert api.offsets == [None]  # the window is full: nothing new could come
        for uid in range(1, REFILL):
            gates[uid].set()
        await settle()
        assert api.offsets == [None]  # one short of REFILL free places
        gates[REFILL].set()
        await settle()
        # The rest of the backlog in one poll; later polls (every PACE, for new questions) see
        # no new update.
        assert api.offsets[:2] == [None, REFILL + 1]
        assert sorted(gates) == list(range(1, WINDOW + 51))
        for gate in gates.values():
            gate.set()
        await asyncio.gather(*running)
        assert processor.handled == WINDOW + 50
    finally:
        polling.cancel()
        taker.cancel()
        await asyncio.gather(polling, taker, return_exceptions=True)
