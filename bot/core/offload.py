"""A small dedicated thread pool for admins' CPU work (grouping the worklist, drawing charts).

Guarantees: such work never runs on the event loop, so answers keep flowing while it runs; at
most `threads` jobs run at once and at most `queue` more wait, so a burst of /gaps or /stats
presses cannot pile up work: the next one is refused with `Busy` at once.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class Busy(Exception):
    """Too many admin jobs are running or waiting; try again in a moment."""


class Offload:
    """Runs functions in its own threads, with a bound on running plus waiting jobs."""

    def __init__(self, threads: int = 1, queue: int = 3) -> None:
        self._threads = threads
        self._slots = threading.BoundedSemaphore(threads + queue)
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="omtanke-admin")
            return self._pool

    async def __call__(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in a pool thread; `Busy` when the pool is full."""
        if not self._slots.acquire(blocking=False):
            raise Busy(getattr(fn, "__name__", "job"))
        try:
            job = self._executor().submit(functools.partial(fn, *args))
        except BaseException:
            self._slots.release()
            raise
        # The slot is freed when the job ends, not when the caller stops waiting (a timeout):
        # a job still running in its thread keeps counting against the bound.
        job.add_done_callback(lambda _: self._slots.release())
        return await asyncio.wrap_future(job)

    def shutdown(self) -> None:
        """Stop the threads once their current jobs finish (a new call starts them again)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
