"""Pictures of what people are about to buy: read with OCR, answered like the product's name.

Nothing of the image is stored: only the text recognised as the product is logged, like a
typed question. Reading runs off the event loop, two at a time; past the queue the user is
asked to try again in a minute.
"""

from __future__ import annotations

from dataclasses import replace

from bot.core import actions as act
from bot.core.cards import escape
from bot.core.conversation import Conversation, Who
from bot.core.i18n import t
from bot.core.ocr import Busy, ImageRejected, OcrFailed, OcrUnavailable
from bot.core.reply import Button, Reply
from bot.core.screenshot import ScreenshotReading

MAX_SHOWN = 120
"""Characters of the recognised text repeated back ("I read: …")."""


async def screenshot(
    conv: Conversation, who: Who, image: bytes, *, caption: str | None, chat_type: str
) -> Reply:
    """The answer card for the product in a picture, with what was read; or a friendly hint."""
    services = conv.services
    # A caption that names something ("fundet på temu?") is answered whenever the image is not.
    fallback = conv.caption_is_question(caption)
    try:
        reading = await services.screenshots.read(image, services.holder.snapshot.matcher, caption)
    except Busy:
        return Reply(t("photo.busy", who.lang), kind="photo")
    except ImageRejected as exc:
        if fallback:
            return conv.ask(who, caption or "", chat_type=chat_type)
        key = "photo.too_large" if exc.reason == "too_large" else "photo.not_image"
        return Reply(t(key, who.lang), kind="photo")
    except (OcrUnavailable, OcrFailed) as exc:
        if fallback:
            return conv.ask(who, caption or "", chat_type=chat_type)
        failed = isinstance(exc, OcrFailed)
        return Reply(t("photo.failed", who.lang), kind="photo") if failed else conv.not_text(who)
    if reading.nothing_found and fallback:
        return conv.ask(who, caption or "", chat_type=chat_type)
    return answer_reading(conv, who, reading, chat_type=chat_type)


def answer_reading(
    conv: Conversation, who: Who, reading: ScreenshotReading, *, chat_type: str
) -> Reply:
    """Answer what was read: the card with "I read: …" first, the shop on the page beside it."""
    if reading.nothing_found or not reading.product_text:
        return Reply(t("photo.nothing", who.lang), kind="photo")
    answer = conv.answer(who, reading.product_text, chat_type=chat_type)
    reply = conv.reply_to(answer)
    shown = reading.product_text[:MAX_SHOWN]
    notice = t("photo.read", answer.lang, text=escape(shown))
    buttons = reply.buttons
    kb = conv.services.holder.snapshot.kb
    shop = kb.get(reading.shop_id) if reading.shop_id else None
    if shop is not None and (answer.record is None or answer.record.id != shop.id):
        name = shop.entry.title.get(answer.lang)
        buttons = (
            *buttons,
            (Button(t("btn.shop", answer.lang, name=name), act.ShowEntry(shop.id)),),
        )
    return replace(reply, notice=notice, buttons=buttons)
