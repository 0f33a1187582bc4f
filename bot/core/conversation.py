"""The conversation: every command, question and button press, turned into a `Reply`.

This is where the bot's behaviour lives; the Telegram handlers and the terminal chat only turn
their input into a call here and render what comes back. Questions are logged through the
write-behind log (never waiting for the database); actions that need the database report an
outage as a friendly reply, never as an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.core import actions as act
from bot.core.advisor import Answer, choose_language, clip_input
from bot.core.i18n import t
from bot.core.replies import examples, reply_for
from bot.core.reply import Button, Reply, rows
from bot.core.services import Services
from knowledge.schema import EntryRecord
from knowledge.text import detect_language


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
        return self.reply_to(self.answer(who, text, chat_type=chat_type))

    def answer(self, who: Who, text: str, *, chat_type: str) -> Answer:
        """Match a question in the user's language and log it (never waits for the database)."""
        services = self.services
        answer = services.advisor.answer(
            text, preference=who.preference, telegram_code=who.app_lang
        )
        services.log_answer(answer, user_key=who.key, chat_type=chat_type)
        return answer

    def reply_to(self, answer: Answer) -> Reply:
        """What the bot says to an answer (a note first when the question was cut)."""
        reply = reply_for(answer, reminder_days=self.services.settings.reminder_days)
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
