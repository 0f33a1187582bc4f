"""Inline mode: `@bot stanley` in any chat lists matching entries; choosing one posts the card."""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode

from bot.core.cards import card_html
from bot.core.i18n import t
from bot.core.replies import search_label
from bot.telegram.context import Context
from bot.telegram.render import split_message

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


async def on_inline(update: Update, context: Context) -> None:
    """Up to ten entries for the typed words, each with its card and two second-hand links."""
    query = update.inline_query
    if query is None or context.who is None:
        return
    lang, records = context.conversation.search(context.who, query.query)
    results = []
    for record in records:
        links = context.services.advisor.links_for(record, query.query)[:2]
        buttons = [
            InlineKeyboardButton(search_label(link, lang), url=link["url"]) for link in links
        ]
        results.append(
            InlineQueryResultArticle(
                id=record.id,
                title=record.entry.title.get(lang),
                description=(
                    f"{t('verdict.' + record.entry.verdict.value, lang)} – "
                    f"{record.entry.summary.get(lang)}"
                ),
                input_message_content=InputTextMessageContent(
                    split_message(card_html(record, lang))[0],
                    parse_mode=ParseMode.HTML,
                    link_preview_options=NO_PREVIEW,
                ),
                reply_markup=InlineKeyboardMarkup([buttons]) if buttons else None,
            )
        )
    await query.answer(results, cache_time=60, is_personal=False)
