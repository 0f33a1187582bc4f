"""Who sent an update, and whether they may be answered: handlers that run before all others.

The identity handler (group -2) sets `context.who` for every update; the flood gate (group -1)
stops a user's messages past FLOOD_LIMIT with `ApplicationHandlerStop` (one notice, then
silence). Group messages count only when they are addressed to the bot.
"""

from __future__ import annotations

from telegram import Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, filters

from bot.core.reply import Reply
from bot.telegram.context import Context
from bot.telegram.render import send


def addressed_text(message: Message, bot_id: int, bot_username: str | None) -> str | None:
    """The question in a message, or None when a group message is not meant for the bot.

    Private chats: the whole text. Groups: a reply to the bot, or a message that mentions it
    (the mention is removed from the question).
    """
    text = message.text or message.caption or ""
    if message.chat.type == ChatType.PRIVATE:
        return text
    if replies_to(message, bot_id):
        return text
    handle = f"@{bot_username}".lower() if bot_username else None
    mentioned = False
    entities = message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION])
    for entity, value in entities.items():
        if entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot_id:
            mentioned = True
            text = text.replace(value, " ")
        elif handle and value.lower() == handle:
            mentioned = True
            text = text.replace(value, " ")
    return text if mentioned else None


def replies_to(message: Message, bot_id: int) -> bool:
    """True when the message replies to one of the bot's messages."""
    replied = message.reply_to_message
    return replied is not None and replied.from_user is not None and replied.from_user.id == bot_id


class Addressed(filters.MessageFilter):
    """Text messages meant for the bot (private chats, replies to it, mentions of it)."""

    def filter(self, message: Message) -> bool:
        bot = message.get_bot()
        return addressed_text(message, bot.id, bot.username) is not None


class RepliesOrPrivate(filters.MessageFilter):
    """Messages in a private chat, or replies to the bot in a group."""

    def filter(self, message: Message) -> bool:
        return message.chat.type == ChatType.PRIVATE or replies_to(message, message.get_bot().id)


ADDRESSED = Addressed()
PRIVATE_OR_REPLY = RepliesOrPrivate()


async def identify(update: Update, context: Context) -> None:
    """Set `context.who`: the sender's pseudonymous key and reply language."""
    user = update.effective_user
    sender_chat = update.effective_message.sender_chat if update.effective_message else None
    # Anonymous group admins and channels have no user: each sending chat is its own "user".
    sender_id = user.id if user else (sender_chat.id if sender_chat else None)
    if sender_id is None:
        return
    chat = update.effective_chat
    context.who = await context.conversation.identify(
        sender_id, app_lang=user.language_code if user else None, chat_id=chat.id if chat else None
    )


async def flood_gate(update: Update, context: Context) -> None:
    """Stop the update when its sender is over the flood limit (the first time with a notice)."""
    who = context.who
    if who is None:
        raise ApplicationHandlerStop
    verdict = context.services.flood.check(who.key)
    if verdict == "ok":
        return
    message = update.effective_message
    if verdict == "notice" and message is not None:
        text = message.text or message.caption or ""
        reply: Reply = context.conversation.flood(who, text)
        if update.callback_query is not None:
            await update.callback_query.answer(reply.text)
        else:
            await send(message, reply)
    elif update.callback_query is not None:
        await update.callback_query.answer()
    raise ApplicationHandlerStop
