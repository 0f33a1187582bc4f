"""Messages: typed questions, photos with a caption, other media, and edits."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from bot.telegram.context import Context
from bot.telegram.gate import addressed_text
from bot.telegram.render import send


async def on_text(update: Update, context: Context) -> None:
    """A typed question: answer it (groups: only when mentioned or replied to)."""
    message = update.effective_message
    if message is None or message.text is None or context.who is None:
        return
    text = addressed_text(message, context.bot.id, context.bot.username)
    if text is None:
        return
    reply = context.conversation.ask(context.who, text, chat_type=message.chat.type)
    await send(message, reply, quote=message.chat.type != ChatType.PRIVATE)


async def on_media(update: Update, context: Context) -> None:
    """Stickers, photos, voice, files: a caption naming a product is answered, else a hint."""
    message = update.effective_message
    if message is None or context.who is None:
        return
    conversation = context.conversation
    if conversation.caption_is_question(message.caption):
        # A photo of a product with "skal jeg købe den her?" or "temu?": the caption is the question.
        reply = conversation.ask(context.who, message.caption or "", chat_type=message.chat.type)
    else:
        reply = conversation.not_text(context.who)
    await send(message, reply, quote=message.chat.type != ChatType.PRIVATE)


async def on_edited(update: Update, context: Context) -> None:
    """Edited messages are not answered again; say so politely (private chats only)."""
    message = update.edited_message
    if message is not None and context.who is not None:
        await send(message, context.conversation.edited(context.who))
