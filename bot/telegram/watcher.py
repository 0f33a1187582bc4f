"""Tell the admins in Telegram when an edit of the knowledge base has errors."""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import TelegramError

from bot.core.admin import reload_summary
from bot.core.services import Services
from bot.core.watch import start_watching as watch
from knowledge.loader import LoadReport

log = logging.getLogger(__name__)


def start_watching(bot: Bot, services: Services) -> None:
    """Hot reload of KNOWLEDGE_DIR; a broken edit is sent to every admin in their language."""

    async def notify(report: LoadReport) -> None:
        for admin_id in services.settings.admin_ids:
            lang = (await services.language_of(services.user_key(admin_id))) or "da"
            try:
                await bot.send_message(admin_id, reload_summary(report, lang))
            except TelegramError as exc:
                log.warning("could not tell an admin about the broken edit: %s", exc)

    watch(services, notify)
