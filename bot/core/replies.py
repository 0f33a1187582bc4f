"""The one place that turns each kind of answer into a `Reply`: card, suggestions, tips, small talk."""

from __future__ import annotations

from bot.core import actions as act
from bot.core.advisor import Answer
from bot.core.cards import card_html, secondhand_links, tips_html
from bot.core.i18n import t
from bot.core.reply import Button, Keyboard, Reply, rows
from knowledge.schema import EntryRecord


def reply_for(answer: Answer, *, reminder_days: int) -> Reply:
    """What the bot says to an answered question."""
    lang = answer.lang
    kind = answer.result.kind
    qid = answer.question_id
    if answer.record is not None:
        return card(
            answer.record,
            lang,
            qid,
            has_others=bool(answer.candidates),
            kind=kind,
            reminder_days=reminder_days,
        )
    if kind == "suggestions":
        buttons = entry_buttons(answer.candidates, lang)
        return Reply(t("suggestions", lang), buttons, kind=kind, question_id=qid)
    if kind == "smalltalk":
        intent = answer.result.smalltalk or "greeting"
        if intent == "help":
            return Reply(t("help", lang), examples(lang), kind=kind, question_id=qid)
        return Reply(t(f"smalltalk.{intent}", lang), kind=kind, question_id=qid)
    if kind == "empty":
        return Reply(t("empty", lang), kind=kind, question_id=qid)
    # Rotating tips: people who ask again see others.
    tips = tips_html(answer.kb.tips, lang, seed=int(qid[:8], 16))
    return Reply(f"{t('fallback', lang)}\n\n{tips}".strip(), kind=kind, question_id=qid)


def card(
    record: EntryRecord,
    lang: str,
    question_id: str,
    *,
    has_others: bool,
    kind: str,
    reminder_days: int,
) -> Reply:
    """An entry's card with its buttons (feedback, related, other matches, search, remind)."""
    buttons: list[tuple[Button, ...]] = [
        (
            Button(t("btn.helpful", lang), act.Feedback(True, question_id)),
            Button(t("btn.not_helpful", lang), act.Feedback(False, question_id)),
        )
    ]
    second = []
    if record.entry.related:
        second.append(Button(t("btn.related", lang), act.ShowRelated(record.id)))
    if has_others:
        second.append(Button(t("btn.not_meant", lang), act.NotMeant(question_id)))
    if second:
        buttons.append(tuple(second))
    links = [Button(t("btn.search_on", lang, site=n), url=u) for n, u in secondhand_links(record)]
    buttons.extend(rows(links, 2))
    if record.entry.verdict.value != "info":
        label = t("btn.remind", lang, days=reminder_days)
        buttons.append((Button(label, act.Remind(record.id)),))
    return Reply(card_html(record, lang), tuple(buttons), kind=kind, question_id=question_id)


def examples(lang: str) -> Keyboard:
    """The example questions of /start and /help, one per row."""
    questions = t("examples", lang).split("|")
    return rows([Button(q, act.Example(i)) for i, q in enumerate(questions)])


def entry_buttons(records: list[EntryRecord], lang: str) -> Keyboard:
    """One button per entry (suggestions, related, other candidates)."""
    return rows([Button(r.entry.title.get(lang), act.ShowEntry(r.id)) for r in records])
