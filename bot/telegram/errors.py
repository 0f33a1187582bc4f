"""The last resort: log an unexpected error with its cause and apologise in private chats."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.telegram.context import Context
from bot.telegram.render import send

log = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    """Log the error (tokens are redacted by the log filter) and apologise if we can."""
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_message is None:
        return
    if update.effective_chat is None or update.effective_chat.type != ChatType.PRIVATE:
        return
    user = update.effective_user
    reply = context.conversation.error(context.who, user.language_code if user else None)
    try:
        await send(update.effective_message, reply)
    except TelegramError as exc:
        log.warning("could not send the apology: %s", exc)
