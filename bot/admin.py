"""Admin commands in Telegram: /stats, /gaps, /reload (checked on every command and callback)."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.handlers import _who, services_of
from bot.i18n import t
from bot.services import Services
from bot.stats import build_report, caption_html, cluster_gaps, gaps_html, render_chart

log = logging.getLogger(__name__)
PERIODS = (7, 30, 90)


def is_admin(update: Update, services: Services) -> bool:
    """True only for a user listed in ADMIN_IDS (checked on every command and button)."""
    user = update.effective_user
    return user is not None and user.id in services.settings.admin_ids


async def _refuse(update: Update, lang: str) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(t("admin.only", lang), show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_html(t("admin.only", lang))


def _days(args: list[str] | None, default: int = 30) -> int:
    if args and args[0].isdigit():
        return max(1, min(int(args[0]), 3650))
    return default


AdminCommand = Callable[[Update, ContextTypes.DEFAULT_TYPE, Services, str], Awaitable[None]]


def admin_only(func: AdminCommand) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]:
    """Wrap an admin command: non-admins get a polite refusal and nothing else runs."""

    @functools.wraps(func)
    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        services = services_of(context)
        _, lang = await _who(update, services)
        if not is_admin(update, services):
            await _refuse(update, lang)
            return
        await func(update, context, services, lang)

    return wrapper


@admin_only
async def cmd_stats(update: Update, context: ContextTypes.DEFAULT_TYPE, services: Services, lang: str) -> None:
    """A chart of questions per day and a caption with the key figures."""
    if update.effective_message is not None:
        await send_stats(update.effective_message, services, _days(context.args), lang)


async def send_stats(message: Message, services: Services, days: int, lang: str) -> None:
    """Query, render off the event loop, and send the chart with its caption."""
    try:
        await services.writer.flush(timeout=2.0)
        report = await asyncio.wait_for(build_report(services.sessionmaker, days), timeout=15)
    except Exception:
        log.exception("stats failed")
        await message.reply_html(t("error", lang))
        return
    png = await asyncio.to_thread(render_chart, report, lang)
    kb = services.holder.snapshot.kb
    titles = {rid: r.entry.title.get(lang) for rid, r in kb.entries.items()}
    periods = InlineKeyboardMarkup(
        [[InlineKeyboardButton(f"{d} d", callback_data=f"adm:stats:{d}") for d in PERIODS]]
    )
    await message.reply_photo(png, caption=caption_html(report, lang, titles), reply_markup=periods)


@admin_only
async def cmd_gaps(update: Update, context: ContextTypes.DEFAULT_TYPE, services: Services, lang: str) -> None:
    """Unanswered questions grouped by similarity, most asked first."""
    if update.effective_message is not None:
        await send_gaps(update.effective_message, services, _days(context.args), lang)


async def send_gaps(message: Message, services: Services, days: int, lang: str) -> None:
    """Query and send the curators' worklist."""
    import datetime as dt

    from db import repo

    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    try:
        await services.writer.flush(timeout=2.0)
        async with services.sessionmaker() as session:
            texts = await repo.unanswered_texts(session, since=since)
    except Exception:
        log.exception("gaps failed")
        await message.reply_html(t("error", lang))
        return
    gaps = await asyncio.to_thread(cluster_gaps, texts)
    await message.reply_html(gaps_html(gaps, lang, days))


@admin_only
async def cmd_reload(update: Update, context: ContextTypes.DEFAULT_TYPE, services: Services, lang: str) -> None:
    """Reload the knowledge base now and report entry count or errors."""
    report = await services.holder.reload()
    if update.effective_message is not None:
        await update.effective_message.reply_html(reload_summary(report, lang))


def reload_summary(report: object, lang: str) -> str:
    """The result of a reload as HTML: entry count, or the first errors with path:line."""
    from knowledge.loader import LoadReport

    assert isinstance(report, LoadReport)
    if report.kb is not None:
        warn = t("admin.reload_warnings", lang, n=len(report.warnings)) if report.warnings else ""
        return t("admin.reload_ok", lang, count=len(report.kb.entries), warnings=warn)
    head = t("admin.reload_failed", lang)
    lines = [escape(str(p)) for p in report.errors[:15]]
    more = len(report.errors) - len(lines)
    if more > 0:
        lines.append(f"… +{more}")
    return head + "\n<code>" + "\n".join(lines) + "</code>"


@admin_only
async def on_admin_callback(update: Update, context: ContextTypes.DEFAULT_TYPE, services: Services, lang: str) -> None:
    """Admin buttons (period switches); a forged callback from a non-admin is refused."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    parts = (query.data or "").split(":")
    if len(parts) == 3 and parts[1] == "stats" and parts[2].isdigit() and isinstance(query.message, Message):
        await send_stats(query.message, services, _days([parts[2]]), lang)


def add_admin_handlers(app: Application) -> None:  # type: ignore[type-arg]
    """Register the admin commands and buttons (before the general callback handler)."""
    # Charts and queries take a moment: let other people's updates go on meanwhile.
    app.add_handler(CommandHandler("stats", cmd_stats, block=False))
    app.add_handler(CommandHandler("gaps", cmd_gaps, block=False))
    app.add_handler(CommandHandler("reload", cmd_reload))
    app.add_handler(CallbackQueryHandler(on_admin_callback, pattern=r"^adm:", block=False))
