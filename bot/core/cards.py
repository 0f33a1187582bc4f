"""Entries and category cards as markup (a small HTML subset: b, i, a; all text escaped).

The same markup is sent to Telegram as HTML and turned into rich text by the terminal.
Headings fit the verdict: "why reconsider" and "instead" only where the card advises against
buying; alternatives of the same kind share one label.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape as _escape
from itertools import groupby

from bot.core.i18n import t
from knowledge.cards import CardRecord
from knowledge.schema import Alternative, EntryRecord, LocalizedText, Source, Tip, Verdict

ALT_ICONS = {"use": "♻️", "borrow": "🤝", "secondhand": "🏷️", "repair": "🧵", "new": "🛍️"}

HEADINGS: dict[Verdict, tuple[str, str]] = {
    Verdict.SKIP: ("card.why", "card.instead"),
    Verdict.THINK_TWICE: ("card.why", "card.instead"),
    Verdict.OK_IF_NEEDED: ("card.before", "card.best_way"),
    Verdict.INFO: ("card.background", "card.what_to_do"),
}
"""The critique's and the alternatives' headings, per verdict."""


def escape(text: str) -> str:
    """Escape &, < and > for the markup (quotes stay readable outside attributes)."""
    return _escape(text, quote=False)


def card_html(record: EntryRecord, lang: str) -> str:
    """The answer card for one entry, as markup."""
    e = record.entry
    why, instead = HEADINGS[e.verdict]
    # The verdict leads: on a phone the first line is what people read.
    parts = [
        f"<b>{escape(t('verdict.' + e.verdict.value, lang))}</b> · <b>{escape(e.title.get(lang))}</b>\n"
        f"{escape(e.summary.get(lang))}",
        f"<b>{escape(t(why, lang))}</b>\n{escape(e.critique.get(lang))}",
        f"<b>{escape(t(instead, lang))}</b>\n{ladder_html(e.alternatives, lang)}",
        f"❓ <b>{escape(t('card.ask', lang))}:</b> <i>{escape(e.ask_yourself.get(lang))}</i>",
    ]
    if e.sources:
        parts.append(sources_html(e.sources, lang))
    return "\n\n".join(parts)


def category_html(record: CardRecord, lang: str) -> str:
    """A category card: what to consider for this kind of product, as markup."""
    c = record.card
    title = f"{c.emoji} {c.title.get(lang)}".strip()
    parts = [
        f"{escape(t('category.intro', lang))}\n<b>{escape(title)}</b>\n{escape(c.summary.get(lang))}",
        f"<b>{escape(t('card.best_way', lang))}</b>\n{ladder_html(c.ladder, lang)}",
        f"<b>{escape(t('card.check_used', lang))}</b>\n{_bullets(c.check_used, lang)}",
    ]
    if c.labels:
        parts.append(f"<b>{escape(t('card.labels', lang))}</b>\n{_bullets(c.labels, lang)}")
    parts.append(sources_html(c.sources, lang))
    return "\n\n".join(parts)


def ladder_html(alternatives: Sequence[Alternative], lang: str) -> str:
    """The alternatives in ladder order; several of one kind share one label."""
    lines = []
    for kind, group in groupby(alternatives, key=lambda a: a.kind.value):
        items = list(group)
        label = f"{ALT_ICONS[kind]} <i>{escape(t('alt.' + kind, lang))}:</i>"
        if len(items) == 1:
            lines.append(f"{label} {escape(items[0].get(lang))}")
        else:
            lines.append(label + "".join(f"\n   • {escape(a.get(lang))}" for a in items))
    return "\n".join(lines)


def sources_html(sources: Sequence[Source], lang: str) -> str:
    """The sources, as links where they have an address."""
    lines = []
    for s in sources:
        label = f"{s.publisher}: {s.title}" + (f" ({s.year})" if s.year else "")
        if s.url:
            lines.append(f'• <a href="{_escape(s.url, quote=True)}">{escape(label)}</a>')
        else:
            lines.append(f"• {escape(label)}")
    return f"<b>{escape(t('card.sources', lang))}</b>\n" + "\n".join(lines)


def _bullets(texts: Sequence[LocalizedText], lang: str) -> str:
    return "\n".join(f"• {escape(text.get(lang))}" for text in texts)


def tips_html(tips: list[Tip], lang: str, limit: int = 3, *, seed: int = 0) -> str:
    """A few general tips as an HTML list; `seed` rotates which ones, so repeat askers see others."""
    if not tips:
        return ""
    start = seed % len(tips)
    chosen = (tips[start:] + tips[:start])[:limit]
    return "\n".join(f"• {escape(tip.en if lang == 'en' else tip.da)}" for tip in chosen)
