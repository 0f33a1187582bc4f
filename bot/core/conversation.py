"""The conversation: every command, question and button press, turned into a `Reply`.

This is where the bot's behaviour lives; the Telegram handlers and the terminal chat only turn
their input into a call here and render what comes back. Questions are logged through the
write-behind log (never waiting for the database); actions that need the database report an
outage as a friendly reply, never as an exception.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from bot.core import actions as act
from bot.core.actions import Action
from bot.core.advisor import choose_language, clip_input
from bot.core.cards import escape
from bot.core.i18n import t
from bot.core.replies import card, entry_buttons, examples, reply_for
from bot.core.reply import Button, Reply, rows
from bot.core.services import DB_TIMEOUT, DatabaseUnavailable, Services
from db import repo
from db.writer import FeedbackLog, ForgetUser
from knowledge.schema import EntryRecord
from knowledge.text import detect_language

PAGE_SIZE = 8
"""Entries per page when browsing a category."""


@dataclass(frozen=True)
class Who:
    """The person behind a message or button press, as the core knows them (no raw user id)."""

    key: str
    """Pseudonymous user key."""
    lang: str
    """Reply language for commands and buttons."""
    preference: str | None = None
    """The language the user chose with /language, if any."""
    app_lang: str | None = None
    """The language of the user's Telegram app (e.g. 'da', 'en-GB')."""
    is_admin: bool = False
    chat_id: int | None = None
    """The chat to deliver a reminder to (stored only while the reminder is pending)."""


class Conversation:
    """The bot's behaviour, independent of Telegram and the terminal."""

    def __init__(self, services: Services) -> None:
        self.services = services

    # --- who -----------------------------------------------------------------------------

    async def identify(
        self, user_id: int, *, app_lang: str | None, chat_id: int | None = None
    ) -> Who:
        """The user's pseudonymous key and reply language (their choice, else their app's)."""
        services = self.services
        key = services.user_key(user_id)
        preference = await services.language_of(key)
        return Who(
            key=key,
            lang=choose_language(None, preference=preference, telegram_code=app_lang),
            preference=preference,
            app_lang=app_lang,
            is_admin=user_id in services.settings.admin_ids,
            chat_id=chat_id,
        )

    def question_language(self, who: Who, text: str) -> str:
        """The language to answer `text` in (the same rule as for answers)."""
        return choose_language(
            detect_language(text), preference=who.preference, telegram_code=who.app_lang
        )

    # --- commands ------------------------------------------------------------------------

    def start(self, who: Who) -> Reply:
        """Who the bot is and three example questions."""
        return Reply(t("start", who.lang), examples(who.lang), kind="start")

    def help(self, who: Who) -> Reply:
        """How to ask, the commands and examples."""
        return Reply(t("help", who.lang), examples(who.lang), kind="help")

    def language_menu(self, who: Who) -> Reply:
        """Offer Danish or English."""
        buttons = [
            Button("🇩🇰 Dansk", act.SetLanguage("da")),
            Button("🇬🇧 English", act.SetLanguage("en")),
        ]
        return Reply(t("language.choose", who.lang), rows(buttons, 2), kind="language")

    def privacy(self, who: Who) -> Reply:
        """What is stored, why and for how long."""
        days = self.services.settings.retention_days
        return Reply(t("privacy", who.lang, days=days), kind="privacy")

    def forget_confirm(self, who: Who) -> Reply:
        """Ask before deleting the user's data."""
        buttons = [
            Button(t("btn.forget_yes", who.lang), act.Forget("yes")),
            Button(t("btn.cancel", who.lang), act.Forget("no")),
        ]
        return Reply(t("forget.confirm", who.lang), rows(buttons, 2), kind="forget")

    def topics(self, who: Who, *, edit: bool = False) -> Reply:
        """The categories, two per row."""
        kb = self.services.holder.snapshot.kb
        buttons = []
        for cat in kb.category_ids():
            info = kb.category(cat)
            label = f"{info.emoji} {info.en if who.lang == 'en' else info.da}".strip()
            count = len(kb.in_category(cat))
            buttons.append(Button(f"{label} ({count})", act.TopicsPage(cat, 0)))
        return Reply(t("topics.title", who.lang), rows(buttons, 2), kind="topics", edit=edit)

    def not_text(self, who: Who) -> Reply:
        """Stickers, voice, files: the bot reads text."""
        return Reply(t("not_text", who.lang), kind="not_text")

    def edited(self, who: Who) -> Reply:
        """Edited messages are not answered again."""
        return Reply(t("edited", who.lang), kind="edited")

    def flood(self, who: Who, text: str) -> Reply:
        """The one notice a user gets when they write faster than the flood limit."""
        return Reply(t("flood", self.question_language(who, text)), kind="flood")

    def error(self, who: Who | None, app_lang: str | None = None) -> Reply:
        """An apology for an unexpected failure."""
        lang = who.lang if who else choose_language(None, telegram_code=app_lang)
        return Reply(t("error", lang), kind="error")

    # --- questions -----------------------------------------------------------------------

    def ask(self, who: Who, text: str, *, chat_type: str) -> Reply:
        """Answer a question, log it, and say it as a card, suggestions, small talk or tips."""
        services = self.services
        answer = services.advisor.answer(
            text, preference=who.preference, telegram_code=who.app_lang
        )
        services.log_answer(answer, user_key=who.key, chat_type=chat_type)
        reply = reply_for(answer, reminder_days=services.settings.reminder_days)
        if answer.truncated:
            return replace(reply, notice=t("truncated", answer.lang))
        return reply

    def caption_is_question(self, caption: str | None) -> bool:
        """True when a photo's caption names something the knowledge base knows."""
        if not caption or not caption.strip():
            return False
        kind = self.services.advisor.answer(caption).result.kind
        return kind in {"answer", "suggestions"}

    def search(self, who: Who, text: str, limit: int = 10) -> tuple[str, list[EntryRecord]]:
        """Entries whose names match `text` well enough to offer (inline mode), and the language."""
        snapshot = self.services.holder.snapshot
        query, _ = clip_input(text.strip())
        if not query:
            return who.lang, []
        ranked = snapshot.matcher.rank(query, limit=limit)
        good = [c for c in ranked if c.score >= snapshot.matcher.thresholds.suggest]
        return self.question_language(who, query), [
            r for c in good if (r := snapshot.kb.get(c.id)) is not None
        ]

    # --- buttons -------------------------------------------------------------------------

    async def press(self, who: Who, action: Action) -> Reply | None:
        """Run a button press (from Telegram or the terminal); None means nothing to say."""
        handler = BUTTONS[type(action)]
        return await handler(self, who, action)

    async def feedback(self, who: Who, action: act.Feedback) -> Reply:
        """Store 👍/👎 (a second press changes it) and thank the user."""
        self.services.writer.submit(
            FeedbackLog(
                question_id=action.question_id,
                user_key=who.key,
                helpful=action.helpful,
                created_at=dt.datetime.now(dt.UTC),
            )
        )
        return Reply("", kind="feedback", toast=t("feedback.thanks", who.lang), mark_pressed=True)

    async def show_entry(self, who: Who, action: act.ShowEntry) -> Reply | None:
        """A chosen suggestion, related entry or topic: its card (logged as a button answer)."""
        services = self.services
        record = services.holder.snapshot.kb.get(action.entry_id)
        if record is None:
            return None
        answer = services.advisor.answer(record.entry.title.get(who.lang), preference=who.lang)
        services.log_answer(answer, user_key=who.key, chat_type="button")
        days = services.settings.reminder_days
        return card(
            record,
            who.lang,
            answer.question_id,
            has_others=False,
            kind="answer",
            reminder_days=days,
        )

    async def show_related(self, who: Who, action: act.ShowRelated) -> Reply:
        """The entries related to one."""
        kb = self.services.holder.snapshot.kb
        record = kb.get(action.entry_id)
        related = [r for rid in (record.entry.related if record else []) if (r := kb.get(rid))]
        if not related:
            return Reply(t("no_related", who.lang), kind="related")
        return Reply(t("related", who.lang), entry_buttons(related, who.lang), kind="related")

    async def not_meant(self, who: Who, action: act.NotMeant) -> Reply:
        """The other candidates of a question (from memory, else from the database)."""
        services = self.services
        ids = services.recent.get(action.question_id)
        if ids is None:
            try:
                async with services.unit_of_work("read a question's candidates") as session:
                    ids = await repo.question_candidates(session, question_id=action.question_id)
            except DatabaseUnavailable:
                ids = []
        kb = services.holder.snapshot.kb
        records = [r for rid in ids if (r := kb.get(rid)) is not None]
        if not records:
            return Reply(t("no_other", who.lang), kind="suggestions")
        return Reply(
            t("suggestions", who.lang), entry_buttons(records, who.lang), kind="suggestions"
        )

    async def remind(self, who: Who, action: act.Remind) -> Reply | None:
        """Set a reminder in REMINDER_DAYS days (one per entry and user)."""
        services = self.services
        record = services.holder.snapshot.kb.get(action.entry_id)
        if record is None or who.chat_id is None:
            return None
        title = escape(record.entry.title.get(who.lang))
        now = dt.datetime.now(dt.UTC)
        days = services.settings.reminder_days
        try:
            async with services.unit_of_work("store a reminder") as session:
                pending = await repo.pending_reminders(session, user_key=who.key)
                if any(r.entry_id == record.id for r in pending):
                    return Reply(t("reminder.exists", who.lang, title=title), kind="reminder")
                reminder_id = await repo.create_reminder(
                    session,
                    user_key=who.key,
                    chat_id=who.chat_id,
                    entry_id=record.id,
                    language=who.lang,
                    due_at=now + dt.timedelta(days=days),
                    now=now,
                )
        except DatabaseUnavailable:
            return Reply("", kind="reminder", toast=t("reminder.failed", who.lang), alert=True)
        cancel = Button(t("btn.cancel_reminder", who.lang), act.CancelReminder(reminder_id))
        return Reply(
            t("reminder.set", who.lang, title=title, days=days), ((cancel,),), kind="reminder"
        )

    async def cancel_reminder(self, who: Who, action: act.CancelReminder) -> Reply:
        """Cancel one's own pending reminder."""
        try:
            async with self.services.unit_of_work("cancel a reminder") as session:
                done = await repo.cancel_reminder(
                    session, reminder_id=action.reminder_id, user_key=who.key
                )
        except DatabaseUnavailable:
            return Reply("", kind="reminder", toast=t("reminder.failed", who.lang), alert=True)
        key = "reminder.cancelled" if done else "reminder.not_found"
        return Reply(t(key, who.lang), kind="reminder", edit=True)

    async def reminder_answer(self, who: Who, action: act.StillWant | act.Passed) -> Reply:
        """The answer to a due reminder's question."""
        key = "reminder.still_want" if isinstance(action, act.StillWant) else "reminder.passed"
        return Reply(t(key, who.lang), kind="reminder_answer", clear_buttons=True)

    async def set_language(self, who: Who, action: act.SetLanguage) -> Reply:
        """Store the language choice (held in memory for a minute if the database is down)."""
        services = self.services
        services.remember_language(who.key, action.lang)
        try:
            async with services.unit_of_work("store a language choice") as session:
                await repo.set_user_language(
                    session, user_key=who.key, language=action.lang, now=dt.datetime.now(dt.UTC)
                )
        except DatabaseUnavailable:
            pass  # the choice holds in this process's cache for a minute; choosing again stores it
        return Reply(t("language.set", action.lang), kind="language", edit=True)

    async def topics_home(self, who: Who, action: act.TopicsHome) -> Reply:
        """Back to the list of categories."""
        return self.topics(who, edit=True)

    async def topics_page(self, who: Who, action: act.TopicsPage) -> Reply:
        """One page of a category's entries, with navigation."""
        kb = self.services.holder.snapshot.kb
        lang = who.lang
        if action.category not in kb.category_ids():
            return self.topics(who, edit=True)
        records = kb.in_category(action.category, lang)
        pages = max(1, -(-len(records) // PAGE_SIZE))
        page = min(action.page, pages - 1)
        chunk = records[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        buttons = [(Button(r.entry.title.get(lang), act.ShowEntry(r.id)),) for r in chunk]
        nav = []
        if page > 0:
            nav.append(Button(t("btn.prev", lang), act.TopicsPage(action.category, page - 1)))
        nav.append(Button(t("btn.back", lang), act.TopicsHome()))
        if page < pages - 1:
            nav.append(Button(t("btn.next", lang), act.TopicsPage(action.category, page + 1)))
        info = kb.category(action.category)
        name = escape(f"{info.emoji} {info.en if lang == 'en' else info.da}".strip())
        text = t("topics.category", lang, name=name, page=page + 1, pages=pages)
        return Reply(text, (*buttons, tuple(nav)), kind="topics", edit=True)

    async def forget(self, who: Who, action: act.Forget) -> Reply:
        """Delete everything about the user, in the log's order (queued while the database is down)."""
        services = self.services
        if action.answer == "no":
            return Reply(t("forget.cancelled", who.lang), kind="forget", edit=True)
        # Whatever is still queued or spooled for this user is deleted too, even if the database
        # is down right now and the deletion completes later.
        services.writer.submit(ForgetUser(user_key=who.key))
        services.languages.pop(who.key, None)
        try:
            if not await services.writer.flush(timeout=DB_TIMEOUT):
                raise DatabaseUnavailable("flush before forget")
            async with services.unit_of_work("forget a user") as session:
                await repo.forget_user(session, user_key=who.key)
        except DatabaseUnavailable:
            return Reply(t("forget.queued", who.lang), kind="forget", edit=True)
        return Reply(t("forget.done", who.lang), kind="forget", edit=True)

    async def example(self, who: Who, action: act.Example) -> Reply | None:
        """One of the example questions, answered as if typed."""
        examples = t("examples", who.lang).split("|")
        if action.index >= len(examples):
            return None
        return self.ask(who, examples[action.index], chat_type="button")


ButtonHandler = Callable[[Conversation, Who, Any], Awaitable[Reply | None]]

BUTTONS: dict[type[Action], ButtonHandler] = {
    act.Feedback: Conversation.feedback,
    act.ShowEntry: Conversation.show_entry,
    act.ShowRelated: Conversation.show_related,
    act.NotMeant: Conversation.not_meant,
    act.Remind: Conversation.remind,
    act.CancelReminder: Conversation.cancel_reminder,
    act.StillWant: Conversation.reminder_answer,
    act.Passed: Conversation.reminder_answer,
    act.SetLanguage: Conversation.set_language,
    act.TopicsHome: Conversation.topics_home,
    act.TopicsPage: Conversation.topics_page,
    act.Forget: Conversation.forget,
    act.Example: Conversation.example,
}
"""Every user button and the core method that answers it (admin buttons: bot.core.admin)."""
