"""Background work of a running bot: due reminders and the daily retention purge.

Reminders are claimed in the database before sending, so each is sent once however many
replicas run; a failed send leaves it claimed until the lease runs out, then it is retried.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Literal

from bot.core import actions as act
from bot.core.cards import escape
from bot.core.i18n import t
from bot.core.reply import Button, Reply
from bot.core.services import DB_ERRORS, DatabaseUnavailable, Services, database_unavailable
from db import repo

log = logging.getLogger(__name__)

Delivery = Literal["sent", "gone", "retry"]
"""Sent; the chat is gone (the user blocked the bot: nothing to deliver); or try again later."""

Send = Callable[[int, Reply], Awaitable[Delivery]]


def reminder_reply(reminder_id: int, title: str, days: int, lang: str) -> Reply:
    """The question a due reminder asks."""
    buttons = (
        Button(t("btn.still_want", lang), act.StillWant(reminder_id)),
        Button(t("btn.dont_want", lang), act.Passed(reminder_id)),
    )
    text = t("reminder.due", lang, days=days, title=escape(title))
    return Reply(text, (buttons,), kind="reminder_due")


async def deliver_reminders(services: Services, send: Send) -> int:
    """Send the due reminders through `send`; returns how many were delivered."""
    now = dt.datetime.now(dt.UTC)
    try:
        async with services.unit_of_work("claim due reminders") as session:
            due = await repo.claim_due_reminders(session, now=now, limit=50)
    except DatabaseUnavailable:
        return 0
    kb = services.holder.snapshot.kb
    delivered = 0
    for reminder in due:
        record = kb.get(reminder.entry_id)
        lang = reminder.language
        title = record.entry.title.get(lang) if record else reminder.entry_id
        days = max(1, (now - reminder.created_at).days)
        outcome: Delivery = "gone"
        if reminder.chat_id is not None:
            outcome = await send(reminder.chat_id, reminder_reply(reminder.id, title, days, lang))
        if outcome == "retry":
            continue  # left claimed; re-claimable when the lease runs out
        delivered += outcome == "sent"
        try:
            async with services.unit_of_work("mark a reminder sent") as session:
                await repo.mark_reminder_sent(
                    session, reminder_id=reminder.id, now=dt.datetime.now(dt.UTC)
                )
        except DatabaseUnavailable:
            pass  # stays claimed; re-claimed (and sent again) only after the lease runs out
    return delivered


async def purge(services: Services) -> dict[str, int] | None:
    """Delete questions and feedback older than RETENTION_DAYS; None if the database is down."""
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=services.settings.retention_days)
    try:
        # Not bounded by DB_TIMEOUT: a first purge of a big table may take a while.
        async with services.sessionmaker() as session:
            counts = await repo.purge_older_than(session, cutoff=cutoff)
            await session.commit()
    except DB_ERRORS as exc:
        database_unavailable("retention purge", exc)
        return None
    log.info("retention purge: %s", counts)
    return counts
