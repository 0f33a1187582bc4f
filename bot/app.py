"""Build and run the Telegram application (polling or webhook)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html import escape
from typing import TextIO

from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot import handlers, keyboards
from bot.i18n import t
from bot.services import Services, close_services, open_services
from bot.settings import Settings

log = logging.getLogger(__name__)

USER_COMMANDS = ("start", "help", "topics", "language", "privacy", "forget")
ADMIN_COMMANDS = ("stats", "gaps", "reload")


class RedactToken(logging.Filter):
    """Removes bot tokens from every log line (httpx logs request URLs that contain it)."""

    pattern = re.compile(r"\d{3,15}:[A-Za-z0-9_-]{30,}")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.pattern.search(message):
            record.msg = self.pattern.sub("<token>", message)
            record.args = None
        return True


def configure_logging(level: str) -> None:
    """Log to stderr with the token redacted; quiet the HTTP client's per-request lines."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    root.setLevel(level)
    for handler in root.handlers:
        if not any(isinstance(f, RedactToken) for f in handler.filters):
            handler.addFilter(RedactToken())
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    if level != "DEBUG":
        logging.getLogger("alembic").setLevel(logging.WARNING)  # one line per migration is noise


def build_application(
    settings: Settings, *, reminder_poll_seconds: float | None = None
) -> Application:  # type: ignore[type-arg]
    """The PTB application with every handler; services start in post_init."""
    token = settings.token
    if token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    builder = (
        Application.builder()
        .token(token)
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .rate_limiter(AIORateLimiter(max_retries=3))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if settings.telegram_api_base_url:
        base = settings.telegram_api_base_url
        builder = builder.base_url(base).base_file_url(base.replace("/bot", "/file/bot", 1))
    app = builder.build()
    app.bot_data["settings"] = settings
    app.bot_data["reminder_poll_seconds"] = reminder_poll_seconds or settings.reminder_poll_seconds
    add_handlers(app)
    return app


def add_handlers(app: Application) -> None:  # type: ignore[type-arg]
    """Register the conversation's handlers."""
    app.add_handler(CommandHandler("start", handlers.cmd_start))
    app.add_handler(CommandHandler("help", handlers.cmd_help))
    app.add_handler(CommandHandler(["language", "sprog"], handlers.cmd_language))
    app.add_handler(CommandHandler(["topics", "emner"], handlers.cmd_topics))
    app.add_handler(CommandHandler("privacy", handlers.cmd_privacy))
    app.add_handler(CommandHandler("forget", handlers.cmd_forget))
    try:
        from bot import admin
    except ImportError:  # pragma: no cover - admin module is part of the package
        admin = None  # type: ignore[assignment]
    if admin is not None:
        admin.add_admin_handlers(app)
    app.add_handler(MessageHandler(filters.UpdateType.EDITED, handlers.on_edited))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, handlers.on_text))
    app.add_handler(
        MessageHandler(
            (filters.Sticker.ALL | filters.PHOTO | filters.VOICE | filters.AUDIO | filters.VIDEO
             | filters.VIDEO_NOTE | filters.Document.ALL | filters.LOCATION | filters.CONTACT
             | filters.ANIMATION | filters.POLL) & ~filters.UpdateType.EDITED,
            handlers.on_not_text,
        )
    )
    app.add_handler(CallbackQueryHandler(handlers.on_callback))
    app.add_handler(InlineQueryHandler(handlers.on_inline))
    app.add_error_handler(handlers.on_error)


async def _post_init(app: Application) -> None:  # type: ignore[type-arg]
    settings: Settings = app.bot_data["settings"]
    services = app.bot_data.get("services") or await open_services(settings)
    app.bot_data["services"] = services
    await set_command_menus(app, settings)
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            deliver_reminders, interval=app.bot_data["reminder_poll_seconds"], first=0.5, name="reminders"
        )
        app.job_queue.run_repeating(purge_job, interval=24 * 3600, first=60, name="retention")
        app.job_queue.run_repeating(lambda _ctx: _prune(services), interval=300, first=300, name="prune")
    try:
        from bot.reload import start_watching
    except ImportError:  # pragma: no cover
        return
    if settings.watch_knowledge:
        start_watching(app, services)


async def _prune(services: Services) -> None:
    services.flood.prune()


async def _post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
    services: Services | None = app.bot_data.pop("services", None)
    if services is not None:
        await close_services(services)


async def set_command_menus(app: Application, settings: Settings) -> None:  # type: ignore[type-arg]
    """Command menus per language; admins also see the admin commands in their own chat."""
    try:
        for lang, code in (("en", None), ("da", "da")):
            user_cmds = [BotCommand(c, t(f"cmd.{c}", lang)) for c in USER_COMMANDS]
            await app.bot.set_my_commands(user_cmds, scope=BotCommandScopeDefault(), language_code=code)
            await app.bot.set_my_commands(user_cmds, scope=BotCommandScopeAllPrivateChats(), language_code=code)
            admin_cmds = user_cmds + [BotCommand(c, t(f"cmd.{c}", lang)) for c in ADMIN_COMMANDS]
            for admin_id in settings.admin_ids:
                try:
                    await app.bot.set_my_commands(
                        admin_cmds, scope=BotCommandScopeChat(admin_id), language_code=code
                    )
                except TelegramError as exc:  # the admin has not opened a chat with the bot yet
                    log.warning("could not set admin commands for one admin: %s", exc)
    except TelegramError as exc:
        log.warning("could not set the command menus: %s", exc)


async def deliver_reminders(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send due reminders; claimed in the database so each is sent once across replicas."""
    from db import repo

    services: Services | None = context.bot_data.get("services")
    if services is None:
        return
    now = dt.datetime.now(dt.UTC)
    try:
        async with services.sessionmaker() as session:
            due = await repo.claim_due_reminders(session, now=now, limit=50)
            await session.commit()
    except Exception:
        log.warning("reminders: database unavailable, will retry")
        return
    kb = services.holder.snapshot.kb
    for reminder in due:
        record = kb.get(reminder.entry_id)
        lang = reminder.language
        title = escape(record.entry.title.get(lang)) if record else escape(reminder.entry_id)
        days = max(1, (now - reminder.created_at).days)
        delivered = True
        if reminder.chat_id is not None:
            try:
                await context.bot.send_message(
                    reminder.chat_id,
                    t("reminder.due", lang, days=days, title=title),
                    reply_markup=keyboards.reminder_due_keyboard(reminder.id, lang),
                )
            except Forbidden:
                pass  # the user blocked the bot: nothing to deliver, forget the chat id
            except TelegramError:
                delivered = False  # left claimed; re-claimable when the lease runs out
                log.warning("reminders: sending failed, will retry later")
        if delivered:
            try:
                async with services.sessionmaker() as session:
                    await repo.mark_reminder_sent(session, reminder_id=reminder.id, now=dt.datetime.now(dt.UTC))
                    await session.commit()
            except Exception:
                log.warning("reminders: could not mark one as sent")


async def purge_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Daily retention: delete questions and feedback older than RETENTION_DAYS."""
    from db import repo

    services: Services | None = context.bot_data.get("services")
    if services is None:
        return
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=services.settings.retention_days)
    try:
        async with services.sessionmaker() as session:
            counts = await repo.purge_older_than(session, cutoff=cutoff)
            await session.commit()
        log.info("retention purge: %s", counts)
    except Exception:
        log.warning("retention purge failed; will try again tomorrow")


@asynccontextmanager
async def running(app: Application, *, polling: bool = True) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """Start the application as run_polling would (used by tests and embedding)."""
    async with app:
        if app.post_init:
            await app.post_init(app)
        await app.start()
        if polling and app.updater:
            await app.updater.start_polling(poll_interval=0.0, timeout=1, drop_pending_updates=False)
        try:
            yield app
        finally:
            if app.updater and app.updater.running:
                await app.updater.stop()
            await app.stop()
            if app.post_shutdown:
                await app.post_shutdown(app)


async def upgrade_database(settings: Settings) -> None:
    """Run the migrations to head (on every start, so a deploy never meets an old schema)."""
    from db.migrate import upgrade

    await upgrade(settings.database_url)


def cmd_run(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """`omtanke run`: the Telegram bot with a token, else the terminal chat."""
    from bot.cli import CliError

    configure_logging(settings.log_level)
    try:
        from db.pseudonym import SecretRequired, resolve_secret

        resolve_secret(settings.database_url, settings.omtanke_secret.get_secret_value() if settings.omtanke_secret else None)
    except SecretRequired as exc:
        raise CliError(str(exc)) from None
    try:
        asyncio.run(upgrade_database(settings))
    except Exception as exc:
        raise CliError(f"cannot prepare the database ({type(exc).__name__}: {exc})") from None
    if settings.token is None:
        from bot.terminal import run_terminal_chat

        out.write("TELEGRAM_BOT_TOKEN is not set: starting the terminal chat instead.\n")
        return asyncio.run(run_terminal_chat(settings, None))
    app = build_application(settings)
    if settings.webhook_url:
        from bot.webhook import run_webhook

        run_webhook(app, settings)
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
    return 0
