"""`omtanke run` with a token: the bot in polling or webhook mode until SIGTERM or SIGINT.

Exit codes: 0 after SIGTERM or SIGINT (also when it came while the bot was still starting), with
the stop bounded by SHUTDOWN_SECONDS (see `lifecycle`); `EXIT_TOKEN_REJECTED` (78, EX_CONFIG)
when Telegram rejects the token at start or while polling – one log line, after the log was
flushed – so a supervisor notices.

Two backstops for what no deadline inside the event loop can bound: a watchdog thread ends the
process `WATCHDOG_GRACE` seconds after the deadline whatever the loop is doing (`EXIT_STUCK`, 70),
and a finished run does not wait for worker threads still busy (a hung reload or chart): the log
is flushed and the process exits with its code at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import threading
import time
from types import FrameType

from bot.core.knowledge import KnowledgeHolder
from bot.core.settings import Settings
from bot.telegram.app import build_application
from bot.telegram.context import OmtankeApp
from bot.telegram.lifecycle import StopRequested, running
from bot.telegram.polling import TOKEN_REJECTED, TokenRejected
from bot.telegram.webhook import serving

log = logging.getLogger(__name__)

EXIT_TOKEN_REJECTED = 78
EXIT_STUCK = 70
WATCHDOG_GRACE = 5.0
THREAD_GRACE = 1.0
"""Seconds a finished run waits for worker threads before leaving them behind."""


async def serve(app: OmtankeApp, settings: Settings, stop: asyncio.Event | None = None) -> int:
    """Run the bot (polling, or webhook when WEBHOOK_URL is set) until `stop`; the exit code."""
    stop = stop or asyncio.Event()
    try:
        if settings.webhook_url:
            async with serving(app, settings, stop=stop) as port:
                log.info("webhook server listening on %s:%d", settings.webhook_listen, port)
                await stop.wait()
                log.info("stopping: finishing updates in flight and flushing the log")
        else:
            async with running(app, stop=stop) as runner:
                log.info("polling Telegram for updates")
                await runner.wait(stop)
                log.info("stopping: finishing updates in flight and flushing the log")
    except StopRequested:
        log.info("stopped while starting")
    except TokenRejected:
        log.error(TOKEN_REJECTED)
        return EXIT_TOKEN_REJECTED
    return 0


class Watchdog:
    """Ends the process `after` seconds from `start()` if it is still running then."""

    def __init__(self, after: float) -> None:
        self.after = after
        self.code: int | None = None
        self._started = threading.Event()

    def start(self) -> None:
        """Start the clock (once)."""
        if self._started.is_set():
            return
        self._started.set()
        threading.Thread(target=self._run, name="omtanke-watchdog", daemon=True).start()

    def _run(self) -> None:
        time.sleep(self.after)
        code = self.code if self.code is not None else EXIT_STUCK
        if self.code is None:
            log.error("did not stop within %.0f s; exiting now", self.after)
        _exit_now(code)


def _exit_now(code: int) -> None:
    """Flush the logs and standard streams and end the process without waiting for threads."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def run_bot(settings: Settings, holder: KnowledgeHolder | None = None) -> int:
    """Run the bot in this process until SIGTERM or SIGINT; returns (or exits with) the code."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    stop = asyncio.Event()
    watchdog = Watchdog(settings.shutdown_seconds + WATCHDOG_GRACE)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        # A plain handler, not loop.add_signal_handler: it runs even while the loop is busy,
        # so the watchdog starts whatever the loop is doing.
        watchdog.start()
        loop.call_soon_threadsafe(stop.set)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        code = loop.run_until_complete(
            serve(build_application(settings, holder=holder), settings, stop)
        )
    finally:
        _close(loop)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    watchdog.code = code
    busy = [
        t
        for t in threading.enumerate()
        if t is not threading.main_thread() and not t.daemon and t.is_alive()
    ]
    end = time.monotonic() + THREAD_GRACE
    for thread in busy:
        thread.join(max(0.0, end - time.monotonic()))
    if any(t.is_alive() for t in busy):
        log.warning("worker threads still busy at exit; not waiting for them")
        _exit_now(code)
    return code


def _close(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what still runs (bounded), then close the loop without waiting for its threads."""
    try:
        tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            loop.run_until_complete(asyncio.wait(tasks, timeout=THREAD_GRACE))
        loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        asyncio.set_event_loop(None)
        loop.close()  # the default executor is shut down without waiting
