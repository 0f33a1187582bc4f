"""The user commands: /start, /help, /language, /topics, /privacy, /forget."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update

from bot.core.conversation import Conversation, Who
from bot.core.reply import Reply
from bot.telegram.context import Context
from bot.telegram.render import send

Command = Callable[[Conversation, Who], Reply]

USER_COMMANDS: dict[tuple[str, ...], Command] = {
    ("start",): Conversation.start,
    ("help",): Conversation.help,
    ("topics", "emner"): Conversation.topics,
    ("language", "sprog"): Conversation.language_menu,
    ("privacy",): Conversation.privacy,
    ("forget",): Conversation.forget_confirm,
}
"""Command names (the first is shown in the menu) and the core method that answers them."""


def command(answer: Command) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
    """A handler that replies with what the core says for this command."""

    async def handle(update: Update, context: Context) -> None:
        if update.effective_message is not None and context.who is not None:
            await send(update.effective_message, answer(context.conversation, context.who))

    handle.__doc__ = answer.__doc__
    return handle
