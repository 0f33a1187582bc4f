"""Webhook mode: our own small tornado server, so it can serve /healthz beside the webhook."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web
from telegram import Update
from telegram.ext import Application

from bot.app import running
from bot.settings import Settings

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1_000_000


class _Base(tornado.web.RequestHandler):
    def initialize(self, app: Application, secret: str | None) -> None:  # type: ignore[type-arg]
        self.app = app
        self.secret = secret

    def log_exception(self, *args: Any) -> None:
        log.warning("webhook request failed")


class TelegramHandler(_Base):
    """Receives updates from Telegram and queues them for the application."""

    async def post(self) -> None:
        if self.secret and self.request.headers.get(SECRET_HEADER) != self.secret:
            self.set_status(HTTPStatus.FORBIDDEN)
            return
        try:
            data = json.loads(self.request.body)
            update = Update.de_json(data, self.app.bot)
        except (ValueError, TypeError, KeyError):
            self.set_status(HTTPStatus.BAD_REQUEST)
            return
        if update is not None:
            await self.app.update_queue.put(update)
        self.set_status(HTTPStatus.OK)


class HealthHandler(_Base):
    """GET /healthz: 200 with a small JSON status while the bot can answer, else 503."""

    def get(self) -> None:
        services = self.app.bot_data.get("services")
        if services is None or not self.app.running:
            self.set_status(HTTPStatus.SERVICE_UNAVAILABLE)
            self.finish({"status": "starting"})
            return
        stats = services.writer.stats()
        self.finish(
            {
                "status": "ok",
                "entries": len(services.holder.snapshot.kb.entries),
                "kb_version": services.holder.snapshot.kb.version,
                "log_queue": getattr(stats, "queue_depth", None),
                "database_healthy": getattr(stats, "healthy", None),
            }
        )


def make_web_app(app: Application, settings: Settings) -> tornado.web.Application:  # type: ignore[type-arg]
    """Routes: POST /<webhook path> and GET /healthz."""
    secret = settings.webhook_secret_token.get_secret_value() if settings.webhook_secret_token else None
    kwargs = {"app": app, "secret": secret}
    return tornado.web.Application(
        [
            (rf"/{settings.webhook_path}/?", TelegramHandler, kwargs),
            (r"/healthz", HealthHandler, kwargs),
        ]
    )


@asynccontextmanager
async def serving(app: Application, settings: Settings, *, set_webhook: bool = True) -> AsyncIterator[int]:  # type: ignore[type-arg]
    """Run the bot in webhook mode until the block exits; yields the port it listens on."""
    async with running(app, polling=False):
        server = tornado.httpserver.HTTPServer(make_web_app(app, settings), max_body_size=MAX_BODY)
        sockets = tornado.netutil.bind_sockets(settings.webhook_port, settings.webhook_listen)
        server.add_sockets(sockets)
        port = sockets[0].getsockname()[1]
        try:
            if set_webhook and settings.webhook_url:
                secret = settings.webhook_secret_token.get_secret_value() if settings.webhook_secret_token else None
                await app.bot.set_webhook(
                    settings.webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES
                )
            yield port
        finally:
            server.stop()
            await server.close_all_connections()


def run_webhook(app: Application, settings: Settings) -> None:  # type: ignore[type-arg]
    """Serve until SIGTERM/SIGINT, then stop cleanly (the log is flushed on the way out)."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        async with serving(app, settings) as port:
            log.info("webhook server listening on %s:%d", settings.webhook_listen, port)
            await stop.wait()

    asyncio.run(main())

