"""One lifecycle for polling, webhook and tests: start in PTB's order, stop in reverse.

PTB's `run_polling` order, kept here so every mode shares it: initialize → post_init →
start (→ polling) … stop polling → stop → shutdown → post_shutdown (which flushes the log).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import Update

from bot.telegram.context import OmtankeApp

log = logging.getLogger(__name__)


@asynccontextmanager
async def running(
    app: OmtankeApp, *, polling: bool = True, poll_timeout: int = 10
) -> AsyncIterator[OmtankeApp]:
    """The application, started (and polling when asked) for the duration of the block."""
    await app.initialize()
    try:
        if app.post_init:
            await app.post_init(app)
        await app.start()
        if polling and app.updater:
            await app.updater.start_polling(
                poll_interval=0.0,
                timeout=poll_timeout,
                allowed_updates=Update.ALL_TYPES,
                drop_pending_updates=False,
            )
        yield app
    finally:
        if app.updater and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)
