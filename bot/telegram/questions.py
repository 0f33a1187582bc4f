"""Messages: typed questions, photos with a caption, other media, and edits."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.core.i18n import t
from bot.core.ocr import MAX_IMAGE_BYTES
from bot.core.pictures import screenshot
from bot.core.reply import Reply
from bot.telegram.context import Context
from bot.telegram.gate import addressed_text
from bot.telegram.render import send

log = logging.getLogger(__name__)
DOWNLOAD_SECONDS = 20
"""How long a picture may take to download from Telegram."""


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
    """Pictures are read (OCR); other media: a caption naming a product is answered, else a hint."""
    message = update.effective_message
    if message is None or context.who is None:
        return
    conversation = context.conversation
    picture: tuple[str, int | None] | None = None  # (file id, size): the largest photo size
    if message.photo:
        picture = (message.photo[-1].file_id, message.photo[-1].file_size)
    elif message.document and (message.document.mime_type or "").startswith("image/"):
        picture = (message.document.file_id, message.document.file_size)
    if picture is not None:
        reply = await _read_picture(context, *picture, message.caption, message.chat.type)
    elif conversation.caption_is_question(message.caption):
        # A photo of a product with "skal jeg købe den her?" or "temu?": the caption is the question.
        reply = conversation.ask(context.who, message.caption or "", chat_type=message.chat.type)
    else:
        reply = conversation.not_text(context.who)
    await send(message, reply, quote=message.chat.type != ChatType.PRIVATE)


async def _read_picture(
    context: Context, file_id: str, size: int | None, caption: str | None, chat_type: str
) -> Reply:
    who = context.user
    if size is not None and size > MAX_IMAGE_BYTES:
        return Reply(t("photo.too_large", who.lang), kind="photo")
    try:
        file = await context.bot.get_file(file_id, read_timeout=DOWNLOAD_SECONDS)
        data = bytes(await file.download_as_bytearray(read_timeout=DOWNLOAD_SECONDS))
    except TelegramError as exc:
        log.warning("could not download a picture: %s", exc)
        return Reply(t("photo.failed", who.lang), kind="photo")
    return await screenshot(context.conversation, who, data, caption=caption, chat_type=chat_type)


async def on_edited(update: Update, context: Context) -> None:
    """Edited messages are not answered again; say so politely (private chats only)."""
    message = update.edited_message
    if message is not None and context.who is not None:
        await send(message, context.conversation.edited(context.who))
