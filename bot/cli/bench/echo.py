"""The reference bot: a bare python-telegram-bot echo bot with PTB's own defaults.

PTB's `Updater` polls, one handler sends the text back; no rate limiter, no database. Whatever
Omtanke does per update on top of this is what the end-to-end ratio measures.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the message's text back."""
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(message.text)


def build_echo(token: str, base_url: str) -> Application[Any, Any, Any, Any, Any, Any]:
    """The echo bot, pointed at a Bot API at `base_url`."""
    app = Application.builder().token(token).base_url(base_url).build()
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return app


@asynccontextmanager
async def polling(
    app: Application[Any, Any, Any, Any, Any, Any],
) -> AsyncIterator[None]:
    """The echo bot, started and polling as `run_polling` would, for the block's duration."""
    assert app.updater is not None
    await app.initialize()
    await app.updater.start_polling(poll_interval=0, timeout=1)
    await app.start()
    try:
        yield
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
