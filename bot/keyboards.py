"""Inline keyboards and callback-data formats (every callback fits Telegram's 64 bytes)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import t
from bot.render import secondhand_links
from knowledge.loader import KnowledgeBase
from knowledge.schema import EntryRecord

PAGE_SIZE = 8


def answer_keyboard(
    record: EntryRecord, question_id: str, lang: str, *, reminder_days: int, has_others: bool
) -> InlineKeyboardMarkup:
    """Buttons under an answer card."""
    rows = [
        [
            InlineKeyboardButton(t("btn.helpful", lang), callback_data=f"fb:1:{question_id}"),
            InlineKeyboardButton(t("btn.not_helpful", lang), callback_data=f"fb:0:{question_id}"),
        ]
    ]
    second = []
    if record.entry.related:
        second.append(InlineKeyboardButton(t("btn.related", lang), callback_data=f"rel:{record.id}"))
    if has_others:
        second.append(InlineKeyboardButton(t("btn.not_meant", lang), callback_data=f"nm:{question_id}"))
    if second:
        rows.append(second)
    links = secondhand_links(record)
    for i in range(0, len(links), 2):
        rows.append(
            [InlineKeyboardButton(t("btn.search_on", lang, site=name), url=url) for name, url in links[i : i + 2]]
        )
    if record.entry.verdict.value != "info":
        rows.append(
            [InlineKeyboardButton(t("btn.remind", lang, days=reminder_days), callback_data=f"rm:{record.id}")]
        )
    return InlineKeyboardMarkup(rows)


def entries_keyboard(records: list[EntryRecord], lang: str) -> InlineKeyboardMarkup:
    """One button per entry (suggestions, related, other candidates)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(r.entry.title.get(lang), callback_data=f"e:{r.id}")] for r in records]
    )


def examples_keyboard(lang: str) -> InlineKeyboardMarkup:
    """The three example questions of /start and /help."""
    examples = t("examples", lang).split("|")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(q, callback_data=f"ex:{i}")] for i, q in enumerate(examples)]
    )


def language_keyboard() -> InlineKeyboardMarkup:
    """Dansk / English."""
    return InlineKeyboardMarkup(
        [[
            InlineKeyboardButton("🇩🇰 Dansk", callback_data="lang:da"),
            InlineKeyboardButton("🇬🇧 English", callback_data="lang:en"),
        ]]
    )


def categories_keyboard(kb: KnowledgeBase, lang: str) -> InlineKeyboardMarkup:
    """The categories of /topics, two per row."""
    buttons = []
    for cat in kb.category_ids():
        info = kb.category(cat)
        label = f"{info.emoji} {info.en if lang == 'en' else info.da}".strip()
        count = len(kb.in_category(cat))
        buttons.append(InlineKeyboardButton(f"{label} ({count})", callback_data=f"tc:{cat}:0"))
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def category_page(kb: KnowledgeBase, category: str, page: int, lang: str) -> tuple[InlineKeyboardMarkup, int, int]:
    """One page of a category's entries with navigation; returns (markup, page, pages)."""
    records = kb.in_category(category, lang)
    pages = max(1, -(-len(records) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    chunk = records[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    rows = [[InlineKeyboardButton(r.entry.title.get(lang), callback_data=f"e:{r.id}")] for r in chunk]
    nav = []
    if page > 0:
        nav.append(InlineKeyboardButton(t("btn.prev", lang), callback_data=f"tc:{category}:{page - 1}"))
    nav.append(InlineKeyboardButton(t("btn.back", lang), callback_data="tl"))
    if page < pages - 1:
        nav.append(InlineKeyboardButton(t("btn.next", lang), callback_data=f"tc:{category}:{page + 1}"))
    rows.append(nav)
    return InlineKeyboardMarkup(rows), page + 1, pages


def forget_keyboard(lang: str) -> InlineKeyboardMarkup:
    """Confirm or cancel /forget."""
    return InlineKeyboardMarkup(
        [[
            InlineKeyboardButton(t("btn.forget_yes", lang), callback_data="fg:yes"),
            InlineKeyboardButton(t("btn.cancel", lang), callback_data="fg:no"),
        ]]
    )


def reminder_set_keyboard(reminder_id: int, lang: str) -> InlineKeyboardMarkup:
    """Lets the user cancel a reminder they just set."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t("btn.cancel_reminder", lang), callback_data=f"rc:{reminder_id}")]]
    )


def reminder_due_keyboard(reminder_id: int, lang: str) -> InlineKeyboardMarkup:
    """The question a due reminder asks."""
    return InlineKeyboardMarkup(
        [[
            InlineKeyboardButton(t("btn.still_want", lang), callback_data=f"ry:{reminder_id}"),
            InlineKeyboardButton(t("btn.dont_want", lang), callback_data=f"rn:{reminder_id}"),
        ]]
    )
