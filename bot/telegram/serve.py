"""`omtanke run` with a token: the bot in polling or webhook mode until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.core.settings import Settings
from bot.telegram.context import OmtankeApp
from bot.telegram.lifecycle import running
from bot.telegram.webhook import serving

log = logging.getLogger(__name__)


async def serve(app: OmtankeApp, settings: Settings) -> None:
    """Run the bot (polling, or webhook when WEBHOOK_URL is set) until SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if settings.webhook_url:
        async with serving(app, settings) as port:
            log.info("webhook server listening on %s:%d", settings.webhook_listen, port)
            await stop.wait()
    else:
        async with running(app):
            log.info("polling Telegram for updates")
            await stop.wait()
    log.info("stopping: finishing updates in flight and flushing the log")
