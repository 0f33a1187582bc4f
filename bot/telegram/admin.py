"""Admin commands in Telegram: /stats, /gaps, /reload and the period buttons (the core checks rights)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.core.actions import StatsPeriod
from bot.telegram.buttons import PayloadHandler
from bot.telegram.context import Context
from bot.telegram.render import answer_button, send

ADMIN_COMMANDS = ("stats", "gaps", "reload")


def _days(args: list[str] | None, default: int = 30) -> int:
    return int(args[0]) if args and args[0].isdigit() and len(args[0]) < 6 else default


async def cmd_stats(update: Update, context: Context) -> None:
    """A chart of questions per day and a caption with the key figures."""
    if update.effective_message is not None and context.who is not None:
        reply = await context.admin.stats(context.who, _days(context.args))
        await send(update.effective_message, reply)


async def cmd_gaps(update: Update, context: Context) -> None:
    """The curators' worklist: unanswered questions by product, and answers maybe wrong."""
    if update.effective_message is not None and context.who is not None:
        await send(
            update.effective_message, await context.admin.gaps(context.who, _days(context.args))
        )


async def cmd_reload(update: Update, context: Context) -> None:
    """Reload the knowledge base now and report the entry count or the errors."""
    if update.effective_message is not None and context.who is not None:
        await send(update.effective_message, await context.admin.reload(context.who))


async def on_stats_period(update: Update, context: Context) -> None:
    """The period buttons under the chart (a forged press from a non-admin is refused)."""
    query = update.callback_query
    if query is None or query.data is None or context.who is None:
        return
    reply = await context.admin.stats_period(context.who, StatsPeriod.parse(query.data))
    await answer_button(query, reply)


def admin_handlers() -> list[CommandHandler[Context, None] | CallbackQueryHandler[Context, None]]:
    """The admin commands and buttons; charts and queries take a moment, so they do not block."""
    return [
        CommandHandler("stats", cmd_stats, block=False),
        CommandHandler("gaps", cmd_gaps, block=False),
        CommandHandler("reload", cmd_reload, block=False),
        PayloadHandler(on_stats_period, pattern=StatsPeriod.pattern(), block=False),
    ]
