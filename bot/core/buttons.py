"""Button presses: one core function per button class, and the table that maps one to the other.

Adding a button: a payload class in `bot.core.actions`, a function here, one line in `BUTTONS`
(Telegram and the terminal pick it up from the table).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from bot.core import actions as act
from bot.core.actions import Action
from bot.core.cards import escape
from bot.core.conversation import Conversation, Who
from bot.core.i18n import t
from bot.core.replies import card, entry_buttons
from bot.core.reply import Button, Reply
from bot.core.services import DB_TIMEOUT, DatabaseUnavailable, Services
from db import repo
from db.writer import FeedbackLog, ForgetUser

PAGE_SIZE = 8
"""Entries per page when browsing a category."""
NOT_MEANT_RETRY_SECONDS = 2.0
"""A "not what I meant" click on an answer not stored yet is tried once more after this."""


async def press(conv: Conversation, who: Who, action: Action) -> Reply | None:
    """Run a button press (from Telegram or the terminal); None means nothing to say."""
    return await BUTTONS[type(action)](conv, who, action)


async def feedback(conv: Conversation, who: Who, action: act.Feedback) -> Reply:
    """Store 👍/👎 (a second press changes it) and thank the user."""
    conv.services.writer.submit(
        FeedbackLog(
            question_id=action.question_id,
            user_key=who.key,
            helpful=action.helpful,
            created_at=dt.datetime.now(dt.UTC),
        )
    )
    return Reply("", kind="feedback", toast=t("feedback.thanks", who.lang), mark_pressed=True)


async def show_entry(conv: Conversation, who: Who, action: act.ShowEntry) -> Reply | None:
    """A chosen suggestion, related entry or topic: its card (logged as a button answer)."""
    services = conv.services
    record = services.holder.snapshot.kb.get(action.entry_id)
    if record is None:
        return None
    answer = services.advisor.answer(record.entry.title.get(who.lang), preference=who.lang)
    services.log_answer(answer, user_key=who.key, chat_type="button")
    days = services.settings.reminder_days
    links = services.advisor.links_for(record, record.entry.title.get(who.lang))
    return card(
        record,
        who.lang,
        answer.question_id,
        has_others=False,
        kind="answer",
        reminder_days=days,
        secondhand=links,
    )


async def show_related(conv: Conversation, who: Who, action: act.ShowRelated) -> Reply:
    """The entries related to one."""
    kb = conv.services.holder.snapshot.kb
    record = kb.get(action.entry_id)
    related = [r for rid in (record.entry.related if record else []) if (r := kb.get(rid))]
    if not related:
        return Reply(t("no_related", who.lang), kind="related")
    return Reply(t("related", who.lang), entry_buttons(related, who.lang), kind="related")


async def record_not_meant(services: Services, question_id: str) -> bool:
    """Store a "Not what I meant" click for the curators (in the background).

    The question may still be in the write-behind log, so the log is flushed first; an
    answer logged by another replica gets one more try a moment later (so does a second
    click: the first one counts). A database outage loses the click (it is a hint for the
    curators, not the user's data).
    """
    for attempt in range(2):
        if attempt:
            await asyncio.sleep(NOT_MEANT_RETRY_SECONDS)
        await services.writer.flush(timeout=DB_TIMEOUT)
        try:
            async with services.unit_of_work("record a 'not what I meant'") as session:
                if await repo.mark_not_meant(
                    session, question_id=question_id, now=dt.datetime.now(dt.UTC)
                ):
                    return True
        except DatabaseUnavailable:
            return False
    return False


async def not_meant(conv: Conversation, who: Who, action: act.NotMeant) -> Reply:
    """The other candidates of a question (from memory, else from the database); the click
    is recorded for the curators' worklist."""
    services = conv.services
    services.spawn(record_not_meant(services, action.question_id))
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
    return Reply(t("suggestions", who.lang), entry_buttons(records, who.lang), kind="suggestions")


async def remind(conv: Conversation, who: Who, action: act.Remind) -> Reply | None:
    """Set a reminder in REMINDER_DAYS days (one per entry and user)."""
    services = conv.services
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
    return Reply(t("reminder.set", who.lang, title=title, days=days), ((cancel,),), kind="reminder")


async def cancel_reminder(conv: Conversation, who: Who, action: act.CancelReminder) -> Reply:
    """Cancel one's own pending reminder."""
    try:
        async with conv.services.unit_of_work("cancel a reminder") as session:
            done = await repo.cancel_reminder(
                session, reminder_id=action.reminder_id, user_key=who.key
            )
    except DatabaseUnavailable:
        return Reply("", kind="reminder", toast=t("reminder.failed", who.lang), alert=True)
    key = "reminder.cancelled" if done else "reminder.not_found"
    return Reply(t(key, who.lang), kind="reminder", edit=True)


async def reminder_answer(
    conv: Conversation, who: Who, action: act.StillWant | act.Passed
) -> Reply:
    """The answer to a due reminder's question, stored as the 30-day rule's outcome.

    Only the reminder's own user can answer it (a forged press changes nothing); the user
    gets the same friendly reply even when the database cannot store the answer right now.
    """
    still = isinstance(action, act.StillWant)
    try:
        async with conv.services.unit_of_work("store a reminder's answer") as session:
            await repo.answer_reminder(
                session,
                reminder_id=action.reminder_id,
                user_key=who.key,
                outcome="still_want" if still else "passed",
                now=dt.datetime.now(dt.UTC),
            )
    except DatabaseUnavailable:
        pass  # logged by unit_of_work; the user's answer still deserves a reply
    key = "reminder.still_want" if still else "reminder.passed"
    return Reply(t(key, who.lang), kind="reminder_answer", clear_buttons=True)


async def set_language(conv: Conversation, who: Who, action: act.SetLanguage) -> Reply:
    """Store the language choice (held in memory for a minute if the database is down)."""
    services = conv.services
    services.remember_language(who.key, action.lang)
    try:
        async with services.unit_of_work("store a language choice") as session:
            await repo.set_user_language(
                session, user_key=who.key, language=action.lang, now=dt.datetime.now(dt.UTC)
            )
    except DatabaseUnavailable:
        pass  # the choice holds in this process's cache for a minute; choosing again stores it
    return Reply(t("language.set", action.lang), kind="language", edit=True)


async def topics_home(conv: Conversation, who: Who, action: act.TopicsHome) -> Reply:
    """Back to the list of categories."""
    return conv.topics(who, edit=True)


async def topics_page(conv: Conversation, who: Who, action: act.TopicsPage) -> Reply:
    """One page of a category's entries, with navigation."""
    kb = conv.services.holder.snapshot.kb
    lang = who.lang
    if action.category not in kb.category_ids():
        return conv.topics(who, edit=True)
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


async def forget(conv: Conversation, who: Who, action: act.Forget) -> Reply:
    """Delete everything about the user, in the log's order (queued while the database is down)."""
    services = conv.services
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


async def example(conv: Conversation, who: Who, action: act.Example) -> Reply | None:
    """One of the example questions, answered as if typed."""
    examples = t("examples", who.lang).split("|")
    if action.index >= len(examples):
        return None
    return conv.ask(who, examples[action.index], chat_type="button")


ButtonHandler = Callable[[Conversation, Who, Any], Awaitable[Reply | None]]

BUTTONS: dict[type[Action], ButtonHandler] = {
    act.Feedback: feedback,
    act.ShowEntry: show_entry,
    act.ShowRelated: show_related,
    act.NotMeant: not_meant,
    act.Remind: remind,
    act.CancelReminder: cancel_reminder,
    act.StillWant: reminder_answer,
    act.Passed: reminder_answer,
    act.SetLanguage: set_language,
    act.TopicsHome: topics_home,
    act.TopicsPage: topics_page,
    act.Forget: forget,
    act.Example: example,
}
"""Every user button and the function that answers it (admin buttons: bot.core.admin)."""
