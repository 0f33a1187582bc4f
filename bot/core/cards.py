"""An entry as an answer card in markup (a small HTML subset: b, i, a; all text escaped).

The same markup is sent to Telegram as HTML and turned into rich text by the terminal.
"""

from __future__ import annotations

from html import escape as _escape
from urllib.parse import quote_plus

from bot.core.i18n import t
from knowledge.schema import EntryRecord, Tip


def escape(text: str) -> str:
    """Escape &, < and > for the markup (quotes stay readable outside attributes)."""
    return _escape(text, quote=False)


ALT_ICONS = {"use": "♻️", "borrow": "🤝", "secondhand": "🏷️", "repair": "🧵", "new": "🛍️"}

SECONDHAND_SITES = {
    "dba": ("DBA", "https://www.dba.dk/soeg/?soeg={q}"),
    "vinted": ("Vinted", "https://www.vinted.dk/catalog?search_text={q}"),
    "trendsales": ("Trendsales", "https://www.trendsales.dk/search?q={q}"),
    "reshopper": ("Reshopper", "https://reshopper.com/da/search?q={q}"),
}


def card_html(record: EntryRecord, lang: str) -> str:
    """The answer card for one entry, as markup."""
    e = record.entry
    # The verdict leads: on a phone the first line is what people read.
    parts = [
        f"<b>{escape(t('verdict.' + e.verdict.value, lang))}</b> · <b>{escape(e.title.get(lang))}</b>\n"
        f"{escape(e.summary.get(lang))}",
        f"<b>{escape(t('card.why', lang))}</b>\n{escape(e.critique.get(lang))}",
    ]
    alts = "\n".join(
        f"{ALT_ICONS[a.kind.value]} <i>{escape(t('alt.' + a.kind.value, lang))}:</i> "
        f"{escape(a.get(lang))}"
        for a in e.alternatives
    )
    parts.append(f"<b>{escape(t('card.instead', lang))}</b>\n{alts}")
    parts.append(
        f"❓ <b>{escape(t('card.ask', lang))}:</b> <i>{escape(e.ask_yourself.get(lang))}</i>"
    )
    if e.sources:
        lines = []
        for s in e.sources:
            label = f"{s.publisher}: {s.title}" + (f" ({s.year})" if s.year else "")
            if s.url:
                lines.append(f'• <a href="{_escape(s.url, quote=True)}">{escape(label)}</a>')
            else:
                lines.append(f"• {escape(label)}")
        parts.append(f"<b>{escape(t('card.sources', lang))}</b>\n" + "\n".join(lines))
    return "\n\n".join(parts)


def tips_html(tips: list[Tip], lang: str, limit: int = 3, *, seed: int = 0) -> str:
    """A few general tips as an HTML list; `seed` rotates which ones, so repeat askers see others."""
    if not tips:
        return ""
    start = seed % len(tips)
    chosen = (tips[start:] + tips[:start])[:limit]
    return "\n".join(f"• {escape(tip.en if lang == 'en' else tip.da)}" for tip in chosen)


def secondhand_links(record: EntryRecord) -> list[tuple[str, str]]:
    """(site name, search URL) pairs for the entry's second-hand search, URL-encoded."""
    sh = record.entry.secondhand
    if sh is None:
        return []
    q = quote_plus(sh.query)
    return [(SECONDHAND_SITES[s][0], SECONDHAND_SITES[s][1].format(q=q)) for s in sh.sites]
