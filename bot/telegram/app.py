"""Build the Telegram application: the handler table, services, command menus and jobs."""

from __future__ import annotations

import logging
from typing import Any, cast

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
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.core.actions import Example
from bot.core.admin import Admin
from bot.core.conversation import Conversation
from bot.core.i18n import t
from bot.core.jobs import Delivery, deliver_reminders, purge
from bot.core.knowledge import KnowledgeHolder
from bot.core.reply import Reply
from bot.core.services import close_services, open_services
from bot.core.settings import Settings
from bot.telegram import admin, buttons, commands, gate, inline, questions
from bot.telegram.context import CONTEXT_TYPES, Context, OmtankeApp
from bot.telegram.errors import on_error
from bot.telegram.render import markup
from bot.telegram.updates import ChatOrderedProcessor
from bot.telegram.watcher import start_watching

log = logging.getLogger(__name__)

MEDIA = (
    filters.Sticker.ALL | filters.PHOTO | filters.VOICE | filters.AUDIO | filters.VIDEO
    | filters.VIDEO_NOTE | filters.Document.ALL | filters.LOCATION | filters.CONTACT
    | filters.ANIMATION | filters.POLL
)  # fmt: skip
NEW = ~filters.UpdateType.EDITED
QUESTION = filters.TEXT & ~filters.COMMAND & NEW & gate.ADDRESSED
MEDIA_MESSAGE = MEDIA & NEW & gate.PRIVATE_OR_REPLY
EDITED = filters.UpdateType.EDITED_MESSAGE & filters.ChatType.PRIVATE

IDENTIFY, GATE, MAIN = -2, -1, 0
"""Handler groups: identity for every update, then the flood gate, then the conversation."""


def handler_table() -> dict[int, list[BaseHandler[Update, Context, None]]]:
    """Every handler, by group, in the order PTB tries them."""
    user_commands: list[BaseHandler[Update, Context, None]] = [
        CommandHandler(list(names), commands.command(answer))
        for names, answer in commands.USER_COMMANDS.items()
    ]
    return {
        IDENTIFY: [TypeHandler(Update, gate.identify)],
        GATE: [
            MessageHandler(QUESTION | MEDIA_MESSAGE | EDITED, gate.flood_gate),
            buttons.PayloadHandler(gate.flood_gate, pattern=Example.pattern()),
        ],
        MAIN: [
            *user_commands,
            *admin.admin_handlers(),
            MessageHandler(EDITED, questions.on_edited),
            MessageHandler(QUESTION, questions.on_text),
            MessageHandler(MEDIA_MESSAGE, questions.on_media),
            *buttons.user_buttons(),
            CallbackQueryHandler(buttons.on_unknown_button),
            InlineQueryHandler(inline.on_inline),
        ],
    }


def build_application(
    settings: Settings,
    *,
    reminder_poll_seconds: float | None = None,
    holder: KnowledgeHolder | None = None,
) -> OmtankeApp:
    """The PTB application with every handler; services start in post_init (with `holder`, the
    knowledge base already loaded, when given)."""
    token = settings.token
    if token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    # Any: the builder's generics change with each option (the rate limiter's among them).
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        Application.builder()
        .token(token)
        .context_types(CONTEXT_TYPES)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
            )
        )
        # Our own poller (bot/telegram/polling.py) confirms updates only once they are handled.
        .updater(None)
        .concurrent_updates(ChatOrderedProcessor())
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if settings.telegram_rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    if settings.telegram_api_base_url:
        base = settings.telegram_api_base_url
        builder = builder.base_url(base).base_file_url(base.replace("/bot", "/file/bot", 1))
    # The builder's generics cannot follow context_types(); this is the type it builds.
    app = cast(OmtankeApp, builder.build())
    app.bot_data.settings = settings
    app.bot_data.holder = holder
    app.bot_data.reminder_poll_seconds = reminder_poll_seconds or settings.reminder_poll_seconds
    for group, handlers in handler_table().items():
        app.add_handlers(handlers, group=group)
    app.add_error_handler(on_error)
    return app


async def _post_init(app: OmtankeApp) -> None:
    """Open the services, set the command menus, start the jobs and the knowledge watcher."""
    data = app.bot_data
    settings = data.settings
    assert settings is not None  # set by build_application
    services = data.services or await open_services(settings, data.holder)
    data.services = services
    data.conversation = Conversation(services)
    data.admin = Admin(services)
    await set_command_menus(app, settings)
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            _reminders_job, interval=data.reminder_poll_seconds, first=0.5, name="reminders"
        )
        app.job_queue.run_repeating(_purge_job, interval=24 * 3600, first=60, name="retention")
        app.job_queue.run_repeating(_prune_job, interval=300, first=300, name="prune")
    if settings.watch_knowledge:
        start_watching(app.bot, services)


async def _post_shutdown(app: OmtankeApp) -> None:
    """Flush the log and close the database."""
    services, app.bot_data.services = app.bot_data.services, None
    if services is not None:
        await close_services(services, deadline=app.bot_data.stop_deadline)


async def _reminders_job(context: Context) -> None:
    """Send due reminders (claimed in the database, so each is sent once across replicas)."""

    async def send(chat_id: int, reply: Reply) -> Delivery:
        try:
            await context.bot.send_message(chat_id, reply.text, reply_markup=markup(reply.buttons))
        except Forbidden:
            return "gone"  # the user blocked the bot: nothing to deliver, forget the chat id
        except TelegramError as exc:
            log.warning("reminders: sending failed, will retry later (%s)", exc)
            return "retry"
        return "sent"

    if context.bot_data.services is not None:
        await deliver_reminders(context.bot_data.services, send)


async def _purge_job(context: Context) -> None:
    """Daily retention: delete questions and feedback older than RETENTION_DAYS."""
    if context.bot_data.services is not None:
        await purge(context.bot_data.services)


async def _prune_job(context: Context) -> None:
    """Forget flood-gate state of users who have been quiet (bounded memory)."""
    if context.bot_data.services is not None:
        context.bot_data.services.flood.prune()


async def set_command_menus(app: OmtankeApp, settings: Settings) -> None:
    """Command menus per language; admins also see the admin commands in their own chat."""
    user = [names[0] for names in commands.USER_COMMANDS]
    try:
        for lang, code in (("en", None), ("da", "da")):
            user_cmds = [BotCommand(c, t(f"cmd.{c}", lang)) for c in user]
            await app.bot.set_my_commands(
                user_cmds, scope=BotCommandScopeDefault(), language_code=code
            )
            await app.bot.set_my_commands(
                user_cmds, scope=BotCommandScopeAllPrivateChats(), language_code=code
            )
            admin_cmds = user_cmds + [
                BotCommand(c, t(f"cmd.{c}", lang)) for c in admin.ADMIN_COMMANDS
            ]
            for admin_id in settings.admin_ids:
                try:
                    await app.bot.set_my_commands(
                        admin_cmds, scope=BotCommandScopeChat(admin_id), language_code=code
                    )
                except TelegramError as exc:  # the admin has not opened a chat with the bot yet
                    log.warning("could not set admin commands for one admin: %s", exc)
    except TelegramError as exc:
        log.warning("could not set the command menus: %s", exc)
