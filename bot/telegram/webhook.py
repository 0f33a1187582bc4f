"""Webhook mode: our own small tornado server, so it can serve /healthz beside the webhook.

Telegram gets 200 for an update only once it is handled; an update skipped at a stop, or one
that arrives while the bot stops, gets 503, so Telegram delivers it again (to this process after a
restart, or to another replica). A body that is not a JSON object is 400, a wrong secret 403.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any, cast

import tornado.httpserver
import tornado.netutil
import tornado.web
from telegram import Update

from bot.core.settings import Settings
from bot.telegram.context import OmtankeApp
from bot.telegram.lifecycle import running, with_retries
from bot.telegram.updates import ChatOrderedProcessor

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1_000_000


class _Base(tornado.web.RequestHandler):
    def initialize(self, app: OmtankeApp, secret: str | None) -> None:
        self.app = app
        self.secret = secret

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        log.warning("webhook request failed: %s: %s", getattr(typ, "__name__", typ), value)


class TelegramHandler(_Base):
    """Receives updates from Telegram and queues them for the application."""

    async def post(self) -> None:
        if self.secret:
            given = self.request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), self.secret.encode()):
                self.set_status(HTTPStatus.FORBIDDEN)
                return
        try:
            data = json.loads(self.request.body)
            if not isinstance(data, dict):
                raise TypeError("an update is a JSON object")
            update = Update.de_json(data, self.app.bot)
        except (ValueError, TypeError, KeyError):
            self.set_status(HTTPStatus.BAD_REQUEST)
            return
        if update is None:
            self.set_status(HTTPStatus.OK)
            return
        processor = cast(ChatOrderedProcessor, self.app.update_processor)
        if processor.stopping or not self.app.running:
            self.set_status(HTTPStatus.SERVICE_UNAVAILABLE)  # Telegram delivers it again
            return
        outcome = processor.outcome(update.update_id)
        self.app.update_queue.put_nowait(update)
        handled = await outcome
        self.set_status(HTTPStatus.OK if handled else HTTPStatus.SERVICE_UNAVAILABLE)


class HealthHandler(_Base):
    """GET /healthz: 200 with a small JSON status while the bot can answer, else 503."""

    def get(self) -> None:
        services = self.app.bot_data.services
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
                "log_queue": stats.queue_depth,
                "database_healthy": stats.healthy,
            }
        )


def make_web_app(app: OmtankeApp, settings: Settings) -> tornado.web.Application:
    """Routes: POST /<webhook path> and GET /healthz."""
    kwargs = {"app": app, "secret": settings.webhook_secret}
    return tornado.web.Application(
        [
            (rf"/{settings.webhook_path}/?", TelegramHandler, kwargs),
            (r"/healthz", HealthHandler, kwargs),
        ]
    )


@asynccontextmanager
async def serving(
    app: OmtankeApp,
    settings: Settings,
    *,
    set_webhook: bool = True,
    stop: asyncio.Event | None = None,
) -> AsyncIterator[int]:
    """Run the bot in webhook mode until the block exits; yields the port it listens on.

    At the exit: stop listening, let the updates in flight finish (bounded, see `lifecycle`),
    then close the connections and stop the application.
    """
    async with running(app, polling=False, stop=stop) as runner:
        server = tornado.httpserver.HTTPServer(make_web_app(app, settings), max_body_size=MAX_BODY)
        sockets = tornado.netutil.bind_sockets(settings.webhook_port, settings.webhook_listen)
        server.add_sockets(sockets)
        port = sockets[0].getsockname()[1]
        try:
            if set_webhook and settings.webhook_url:
                url = settings.webhook_url
                await with_retries(
                    "setWebhook",
                    lambda: app.bot.set_webhook(
                        url, secret_token=settings.webhook_secret, allowed_updates=Update.ALL_TYPES
                    ),
                    stop,
                )
            yield port
        finally:
            server.stop()
            await runner.drain()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    await server.close_all_connections()
