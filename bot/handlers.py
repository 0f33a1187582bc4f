"""Telegram handlers: turn an Update into a call of the core, and the answer into a reply."""

from __future__ import annotations

import datetime as dt
import logging
from html import escape
from typing import cast

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot import keyboards
from bot.i18n import t
from bot.render import card_html, secondhand_links, split_message, tips_html
from bot.services import DB_TIMEOUT, Services
from knowledge.schema import EntryRecord

log = logging.getLogger(__name__)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def services_of(context: ContextTypes.DEFAULT_TYPE) -> Services:
    """The services created in post_init."""
    return cast(Services, context.bot_data["services"])


async def _who(update: Update, services: Services) -> tuple[str, str]:
    """(pseudonymous user key, reply language) for the user behind an update."""
    user = update.effective_user
    if user is None:
        return "anonymous", "da"
    key = services.user_key(user.id)
    pref = await services.language_of(key)
    lang = pref or ("da" if (user.language_code or "").lower().startswith("da") else "en")
    return key, lang


# --- commands ---------------------------------------------------------------------------------


async def cmd_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Who the bot is and three example questions."""
    _, lang = await _who(update, services_of(context))
    if update.effective_message:
        await update.effective_message.reply_html(t("start", lang), reply_markup=keyboards.examples_keyboard(lang))


async def cmd_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """How to ask, the commands and examples."""
    _, lang = await _who(update, services_of(context))
    if update.effective_message:
        await update.effective_message.reply_html(t("help", lang), reply_markup=keyboards.examples_keyboard(lang))


async def cmd_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer Danish or English."""
    _, lang = await _who(update, services_of(context))
    if update.effective_message:
        await update.effective_message.reply_html(t("language.choose", lang), reply_markup=keyboards.language_keyboard())


async def cmd_privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """What is stored, why and for how long."""
    services = services_of(context)
    _, lang = await _who(update, services)
    if update.effective_message:
        await update.effective_message.reply_html(t("privacy", lang, days=services.settings.retention_days))


async def cmd_forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask for confirmation before deleting the user's data."""
    _, lang = await _who(update, services_of(context))
    if update.effective_message:
        await update.effective_message.reply_html(t("forget.confirm", lang), reply_markup=keyboards.forget_keyboard(lang))


async def cmd_topics(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Browse categories → entries."""
    services = services_of(context)
    _, lang = await _who(update, services)
    kb = services.holder.snapshot.kb
    if update.effective_message:
        await update.effective_message.reply_html(
            t("topics.title", lang), reply_markup=keyboards.categories_keyboard(kb, lang)
        )


# --- questions --------------------------------------------------------------------------------


def _addressed_text(message: Message, bot_id: int, bot_username: str | None) -> str | None:
    """The question in a message, or None when a group message is not meant for the bot."""
    text = message.text or ""
    if message.chat.type == ChatType.PRIVATE:
        return text
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        return text
    handle = f"@{bot_username}".lower() if bot_username else None
    mentioned = False
    for entity, value in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
        if entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot_id:
            mentioned = True
            text = text.replace(value, " ")
        elif handle and value.lower() == handle:
            mentioned = True
            text = text.replace(value, " ")
    return text if mentioned else None


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A typed question: answer it (groups: only when mentioned or replied to)."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    text = _addressed_text(message, context.bot.id, context.bot.username)
    if text is None:
        return
    services = services_of(context)
    key, _ = await _who(update, services)
    gate = services.flood.check(key)
    if gate != "ok":
        if gate == "notice":
            lang = await _reply_lang(update, services, key, text)
            await message.reply_html(t("flood", lang))
        return
    await answer_question(message, text, update, services)


async def _reply_lang(update: Update, services: Services, key: str, text: str) -> str:
    user = update.effective_user
    answer = services.advisor.answer(
        text, preference=await services.language_of(key), telegram_code=user.language_code if user else None
    )
    return answer.lang


async def answer_question(message: Message, text: str, update: Update, services: Services) -> None:
    """Run the core on a question and reply with the card, suggestions or tips."""
    user = update.effective_user
    key = services.user_key(user.id) if user else "anonymous"
    preference = await services.language_of(key)
    answer = services.advisor.answer(
        text, preference=preference, telegram_code=user.language_code if user else None
    )
    services.log_answer(answer, user_key=key, chat_type=message.chat.type)
    quote = message.chat.type != ChatType.PRIVATE
    lang = answer.lang
    if answer.truncated:
        await message.reply_html(t("truncated", lang), do_quote=quote)
    kind = answer.result.kind
    if answer.record is not None:
        await send_card(message, answer.record, answer.question_id, lang, services, has_others=bool(answer.candidates), quote=quote)
    elif kind == "suggestions":
        await message.reply_html(
            t("suggestions", lang), reply_markup=keyboards.entries_keyboard(answer.candidates, lang), do_quote=quote
        )
    elif kind == "smalltalk":
        intent = answer.result.smalltalk or "greeting"
        if intent == "help":
            await message.reply_html(t("help", lang), reply_markup=keyboards.examples_keyboard(lang), do_quote=quote)
        else:
            await message.reply_html(t(f"smalltalk.{intent}", lang), do_quote=quote)
    elif kind == "empty":
        await message.reply_html(t("empty", lang), do_quote=quote)
    else:
        tips = tips_html(answer.kb.tips, lang, seed=int(answer.question_id[:8], 16))
        await message.reply_html(f"{t('fallback', lang)}\n\n{tips}".strip(), do_quote=quote)


async def send_card(
    message: Message,
    record: EntryRecord,
    question_id: str,
    lang: str,
    services: Services,
    *,
    has_others: bool,
    quote: bool = False,
) -> None:
    """Send an answer card, split on paragraph borders; buttons go under the last part."""
    parts = split_message(card_html(record, lang))
    markup = keyboards.answer_keyboard(
        record, question_id, lang, reminder_days=services.settings.reminder_days, has_others=has_others
    )
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        await message.reply_html(part, reply_markup=markup if last else None, do_quote=quote and i == 0)


async def on_not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice, files: the bot reads text questions only."""
    message = update.effective_message
    if message is None:
        return
    if message.chat.type != ChatType.PRIVATE:
        replied = message.reply_to_message
        if not (replied and replied.from_user and replied.from_user.id == context.bot.id):
            return
    services = services_of(context)
    key, lang = await _who(update, services)
    if services.flood.check(key) != "ok":
        return
    if message.caption and message.caption.strip():
        # A photo of a product with "skal jeg købe den her?" or "temu?": the caption is the question.
        answer = services.advisor.answer(message.caption)
        if answer.result.kind in {"answer", "suggestions"}:
            await answer_question(message, message.caption, update, services)
            return
    await message.reply_html(t("not_text", lang))


async def on_edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Edited messages are not answered again; say so politely (private chats only)."""
    message = update.edited_message
    if message is None or message.chat.type != ChatType.PRIVATE:
        return
    services = services_of(context)
    key, lang = await _who(update, services)
    if services.flood.check(key) != "ok":
        return
    await message.reply_html(t("edited", lang))


# --- buttons ----------------------------------------------------------------------------------


async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Dispatch a button press by its callback-data prefix."""
    query = update.callback_query
    if query is None or not query.data:
        return
    services = services_of(context)
    key, lang = await _who(update, services)
    prefix, _, rest = query.data.partition(":")
    handler = _CALLBACKS.get(prefix)
    if handler is None:
        await query.answer()
        return
    await handler(update, context, services, key, lang, rest)


async def _cb_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE, services: Services, key: str, lang: str, rest: str) -> None:
    from db.writer import FeedbackLog

    query = update.callback_query
    assert query is not None
    helpful, _, question_id = rest.partition(":")
    if helpful in {"0", "1"} and len(question_id) == 32:
        services.writer.submit(
            FeedbackLog(
                question_id=question_id, user_key=key, helpful=helpful == "1", created_at=dt.datetime.now(dt.UTC)
            )
        )
    await query.answer(t("feedback.thanks", lang))
    await _mark_choice(query.message, query.data or "")


async def _mark_choice(message: object, chosen: str) -> None:
    """Show which of 👍/👎 was pressed (a second press may change it)."""
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    rows = []
    for row in message.reply_markup.inline_keyboard:
        new_row = []
        for button in row:
            data = button.callback_data if isinstance(button.callback_data, str) else None
            if data and data.startswith("fb:"):
                label = button.text.removeprefix("✅ ")
                button = InlineKeyboardButton(("✅ " if data == chosen else "") + label, callback_data=data)
            new_row.append(button)
        rows.append(new_row)
    markup = InlineKeyboardMarkup(rows)
    if markup != message.reply_markup:
        try:
            await message.edit_reply_markup(markup)
        except BadRequest:
            pass  # unchanged or too old to edit: the click is stored all the same


async def _cb_entry(update: Update, context: ContextTypes.DEFAULT_TYPE, services: Services, key: str, lang: str, rest: str) -> None:
    """A chosen suggestion, related entry or topic: show its card (logged as a button answer)."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    record = services.holder.snapshot.kb.get(rest)
    if record is None or query.message is None or not isinstance(query.message, Message):
        return
    answer = services.advisor.answer(record.entry.title.get(lang), preference=lang)
    services.log_answer(answer, user_key=key, chat_type="button")
    await send_card(query.message, record, answer.question_id, lang, services, has_others=False)


async def _cb_related(update: Update, context: ContextTypes.DEFAULT_TYPE, services: Services, key: str, lang: str, rest: str) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    kb = services.holder.snapshot.kb
    record = kb.get(rest)
    related = [r for rid in (record.entry.related if record else []) if (r := kb.get(rid)) is not None]
    if not isinstance(query.message, Message):
        return
    if not related:
        await query.message.reply_html(t("no_related", lang))
        return
    await query.message.reply_html(t("related", lang), reply_markup=keyboards.entries_keyboard(related, lang))


async def _cb_not_meant(update: Update, context: ContextTypes.DEFAULT_TYPE, services: Services, key: str, lang: str, rest: str) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    ids = services.recent.get(rest)
    if ids is None:
        ids = await _stored_candidates(services, rest)
    kb = services.holder.snapshot.kb
    records = [r for rid in ids or [] if (r := kb.get(rid)) is not None]
    if not isinstance(query.message, Message):
        return
    if not records:
        await query.message.reply_html(t("no_other", lang))
        return
    await query.message.reply_html(t("suggestions", lang), reply_markup=keyboards.entries_keyboard(records, lang))


async def _stored_candidates(services: Services, question_id: str) -> list[str]:
    """Candidates of a question answered by another replica (or before a restart)."""
    from db import repo

    try:
        async with services.unit_of_work() as session:
            return await repo.question_candidates(session, question_id=question_id)
    except Exception:
        log.warning("could not read a question's candidates from the database")
        return []


async def _cb_remind(update: Update, context: ContextTypes.DEFAULT_TYPE, services: Services, key: str, lang: str, rest: str) -> None:
    from db import repo

    query = update.callback_query
    assert query is not None
    record = services.holder.snapshot.kb.get(rest)
    chat = update.effective_chat
    if record is None or chat is None or not isinstance(query.message, Message):
        await query.answer()
        return
    title = escape(record.entry.title.get(lang))
    now = dt.datetime.now(dt.UTC)
    days = services.settings.reminder_days
    try:
        async with services.unit_of_work() as session:
            pending = await repo.pending_reminders(session, user_key=key)
            if any(r.entry_id == record.id for r in pending):
                await query.answer()
                await query.message.reply_html(t("reminder.exists", lang, title=title))
                return
            reminder_id = await repo.create_reminder(
                session, user_key=key, chat_id=chat.id, entry_id=record.id, language=lang,
                due_at=now + dt.timedelta(days=days), now=now,
            )
    except Exception:
        log.exception("could not store a reminder")
        await query.answer(t("reminder.failed", lang), show_alert=True)
        return
    await query.answer()
    await query.message.reply_html(
        t("reminder.set", lang, title=title, days=days), reply_markup=keyboards.reminder_set_keyboard(reminder_id, lang)
    )


async def _cb_reminder_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE, services: Services, key: str, lang: str, rest: str) -> None:
    from db import repo

    query = update.callback_query
    assert query is not None
    if not rest.isdigit():
        await query.answer()
        return
    try:
        async with services.unit_of_work() as session:
            await repo.cancel_reminder(session, reminder_id=int(rest), user_key=key)
    except Exception:
        log.exception("could not cancel a reminder")
        await query.answer(t("reminder.failed", lang), show_alert=True)
        return
    await query.answer()
    await _edit(query.message, t("reminder.cancelled", lang))


async def _cb_reminder_reply(update: Update, context: ContextTypes.DEFAULT_TYPE, services: Services, key: str, lang: str, rest: str) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    still = (query.data or "").startswith("ry")
    if isinstance(query.message, Message):
        try:
            await query.message.edit_reply_markup(None)
        except BadRequest:
            pass
        await query.message.reply_html(t("reminder.still_want" if still else "reminder.passed", lang))


async def _cb_language(update: Update, context: ContextTypes.DEFAULT_TYPE, services: Services, key: str, lang: str, rest: str) -> None:
    from db import repo

    query = update.callback_query
    assert query is not None
    if rest not in {"da", "en"}:
        await query.answer()
        return
    services.remember_language(key, rest)
    try:
        async with services.unit_of_work() as session:
            await repo.set_user_language(session, user_key=key, language=rest, now=dt.datetime.now(dt.UTC))
    except Exception:
        # The choice still holds in this process's language cache for a minute; choosing again stores it.
        log.warning("could not store a language choice")
    await query.answer()
    await _edit(query.message, t("language.set", rest))


async def _cb_topics(update: Update, context: ContextTypes.DEFAULT_TYPE, services: Services, key: str, lang: str, rest: str) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    kb = services.holder.snapshot.kb
    if (query.data or "") == "tl" or not rest:
        await _edit(query.message, t("topics.title", lang), keyboards.categories_keyboard(kb, lang))
        return
    category, _, page = rest.rpartition(":")
    if category not in kb.category_ids():
        await _edit(query.message, t("topics.title", lang), keyboards.categories_keyboard(kb, lang))
        return
    markup, number, pages = keyboards.category_page(kb, category, int(page) if page.isdigit() else 0, lang)
    info = kb.category(category)
    name = escape(f"{info.emoji} {info.en if lang == 'en' else info.da}".strip())
    await _edit(query.message, t("topics.category", lang, name=name, page=number, pages=pages), markup)


async def _cb_forget(update: Update, context: ContextTypes.DEFAULT_TYPE, services: Services, key: str, lang: str, rest: str) -> None:
    from db import repo

    query = update.callback_query
    assert query is not None
    if rest != "yes":
        await query.answer()
        await _edit(query.message, t("forget.cancelled", lang))
        return
    from db.writer import ForgetUser

    # In the log's order: whatever is still queued or spooled for this user is deleted too,
    # even if the database is down right now and the deletion completes later.
    services.writer.submit(ForgetUser(user_key=key))
    try:
        await services.writer.flush(timeout=DB_TIMEOUT)
        async with services.unit_of_work() as session:
            await repo.forget_user(session, user_key=key)
    except Exception:
        log.warning("forget: database unavailable; the deletion is queued")
        services.languages.pop(key, None)
        await query.answer()
        await _edit(query.message, t("forget.queued", lang))
        return
    services.languages.pop(key, None)
    await query.answer()
    await _edit(query.message, t("forget.done", lang))


async def _cb_example(update: Update, context: ContextTypes.DEFAULT_TYPE, services: Services, key: str, lang: str, rest: str) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    examples = t("examples", lang).split("|")
    if rest.isdigit() and int(rest) < len(examples) and isinstance(query.message, Message):
        if services.flood.check(key) == "ok":
            await answer_question(query.message, examples[int(rest)], update, services)


async def _edit(message: object, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Edit a bot message in place; an unchanged or vanished message is not an error."""
    if not isinstance(message, Message):
        return
    try:
        await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            await message.reply_html(text, reply_markup=markup)


_CALLBACKS = {
    "fb": _cb_feedback,
    "e": _cb_entry,
    "rel": _cb_related,
    "nm": _cb_not_meant,
    "rm": _cb_remind,
    "rc": _cb_reminder_cancel,
    "ry": _cb_reminder_reply,
    "rn": _cb_reminder_reply,
    "lang": _cb_language,
    "tl": _cb_topics,
    "tc": _cb_topics,
    "fg": _cb_forget,
    "ex": _cb_example,
}


# --- inline mode ------------------------------------------------------------------------------


async def on_inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`@bot stanley` in any chat: matching entries; choosing one posts the card."""
    query = update.inline_query
    if query is None:
        return
    services = services_of(context)
    key = services.user_key(query.from_user.id)
    pref = await services.language_of(key)
    code = (query.from_user.language_code or "").lower()
    snapshot = services.holder.snapshot
    text = query.query.strip()[:200]
    answer = services.advisor.answer(text or "x", preference=pref, telegram_code=code)
    lang = answer.lang
    ranked = snapshot.matcher.rank(text, limit=10) if text else []
    records = [r for c in ranked if c.score >= snapshot.matcher.thresholds.suggest if (r := snapshot.kb.get(c.id))]
    results = []
    for record in records:
        html = card_html(record, lang)
        if len(html) > 4096:
            html = split_message(html)[0]
        links = secondhand_links(record)
        markup = (
            InlineKeyboardMarkup(
                [[InlineKeyboardButton(t("btn.search_on", lang, site=n), url=u) for n, u in links[:2]]]
            )
            if links
            else None
        )
        results.append(
            InlineQueryResultArticle(
                id=record.id,
                title=record.entry.title.get(lang),
                description=f"{t('verdict.' + record.entry.verdict.value, lang)} – {record.entry.summary.get(lang)}",
                input_message_content=InputTextMessageContent(
                    html, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW
                ),
                reply_markup=markup,
            )
        )
    await query.answer(results, cache_time=60, is_personal=False)


# --- errors -----------------------------------------------------------------------------------


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error (the token is redacted by the log filter) and apologise if we can."""
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_message and update.effective_chat:
        if update.effective_chat.type != ChatType.PRIVATE:
            return
        user = update.effective_user
        lang = "da" if user and (user.language_code or "").startswith("da") else "en"
        try:
            await update.effective_message.reply_html(t("error", lang))
        except TelegramError:
            pass
