"""Button presses: one `CallbackQueryHandler` per button class, each a call of the core."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.core.actions import Action
from bot.core.buttons import BUTTONS
from bot.core.conversation import Conversation, Who
from bot.core.reply import Reply
from bot.telegram.context import Context
from bot.telegram.render import answer_button

CoreButton = Callable[[Conversation, Who, Any], Awaitable[Reply | None]]


class PayloadHandler(CallbackQueryHandler[Context, None]):
    """A `CallbackQueryHandler` whose pattern must really match: PTB lets a button press with
    empty callback data through every pattern, which would hand "" to a payload parser."""

    def check_update(self, update: object) -> bool | object | None:
        if isinstance(update, Update) and update.callback_query and not update.callback_query.data:
            return None
        return super().check_update(update)


def button_handler(action: type[Action], answer: CoreButton) -> PayloadHandler:
    """The handler for one button class: parse its payload, ask the core, render the reply."""

    async def handle(update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None or query.data is None or context.who is None:
            return
        await answer_button(
            query, await answer(context.conversation, context.who, action.parse(query.data))
        )

    handle.__doc__ = f"{action.__name__}: {action.__doc__}"
    return PayloadHandler(handle, pattern=action.pattern())


def user_buttons() -> list[PayloadHandler]:
    """A handler for every user button the core answers."""
    return [button_handler(action, answer) for action, answer in BUTTONS.items()]


async def on_unknown_button(update: Update, context: Context) -> None:
    """A payload no button class accepts (forged, empty, or from an old version): acknowledge,
    say nothing."""
    if update.callback_query is not None:
        await update.callback_query.answer()
