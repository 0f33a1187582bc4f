"""The one place that turns each kind of answer into a `Reply`: card, suggestions, tips, small talk."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core import actions as act
from bot.core.advisor import Answer
from bot.core.cards import card_html, category_html, tips_html
from bot.core.i18n import t
from bot.core.reply import Button, Keyboard, Reply, rows
from knowledge.schema import EntryRecord
from knowledge.secondhand import SITES, SecondhandLink


def reply_for(answer: Answer, *, reminder_days: int) -> Reply:
    """What the bot says to an answered question."""
    lang = answer.lang
    kind = answer.kind
    qid = answer.question_id
    if answer.record is not None:
        return card(
            answer.record,
            lang,
            qid,
            has_others=bool(answer.candidates),
            kind=kind,
            reminder_days=reminder_days,
            secondhand=answer.secondhand,
        )
    if answer.card is not None:
        # An unsure "did you mean" keeps its options under the card.
        options = entry_buttons(answer.candidates, lang)
        buttons = (feedback_row(qid, lang), *options, *search_rows(answer.secondhand, lang))
        return Reply(category_html(answer.card, lang), buttons, kind=kind, question_id=qid)
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
    if kind == "offtopic":
        # Warm, says what the bot is for, gives examples to tap; no promise to the curators.
        key = "offtopic.bare_buy" if answer.result.offtopic_reason == "bare_buy" else "offtopic"
        return Reply(t(key, lang), examples(lang), kind=kind, question_id=qid)
    # Rotating tips: people who ask again see others.
    tips = tips_html(answer.kb.tips, lang, seed=int(qid[:8], 16))
    text = f"{t('fallback', lang)}\n\n{tips}".strip()
    return Reply(text, search_rows(answer.secondhand, lang), kind=kind, question_id=qid)


def card(
    record: EntryRecord,
    lang: str,
    question_id: str,
    *,
    has_others: bool,
    kind: str,
    reminder_days: int,
    secondhand: Sequence[SecondhandLink] = (),
) -> Reply:
    """An entry's card with its buttons (feedback, related, other matches, search, remind)."""
    buttons: list[tuple[Button, ...]] = [feedback_row(question_id, lang)]
    second = []
    if record.entry.related:
        second.append(Button(t("btn.related", lang), act.ShowRelated(record.id)))
    if has_others:
        second.append(Button(t("btn.not_meant", lang), act.NotMeant(question_id)))
    if second:
        buttons.append(tuple(second))
    buttons.extend(search_rows(secondhand, lang))
    if record.entry.verdict.value != "info":
        label = t("btn.remind", lang, days=reminder_days)
        buttons.append((Button(label, act.Remind(record.id)),))
    return Reply(card_html(record, lang), tuple(buttons), kind=kind, question_id=question_id)


def feedback_row(question_id: str, lang: str) -> tuple[Button, ...]:
    """👍 / 👎 for one answer."""
    return (
        Button(t("btn.helpful", lang), act.Feedback(True, question_id)),
        Button(t("btn.not_helpful", lang), act.Feedback(False, question_id)),
    )


def search_rows(links: Sequence[SecondhandLink], lang: str) -> Keyboard:
    """Second-hand search buttons, two to a row."""
    return rows([Button(search_label(link, lang), url=link["url"]) for link in links], 2)


SITE_NAMES: dict[str, str] = {key: site.name for key, site in SITES.items()}


def search_label(link: SecondhandLink, lang: str) -> str:
    """The label of a search button, e.g. "♻️ Brugt på DBA"."""
    return t("btn.search_on", lang, site=SITE_NAMES.get(link["site"], link["site"]))


def examples(lang: str) -> Keyboard:
    """The example questions of /start and /help, one per row."""
    questions = t("examples", lang).split("|")
    return rows([Button(q, act.Example(i)) for i, q in enumerate(questions)])


def entry_buttons(records: list[EntryRecord], lang: str) -> Keyboard:
    """One button per entry (suggestions, related, other candidates)."""
    return rows([Button(r.entry.title.get(lang), act.ShowEntry(r.id)) for r in records])
