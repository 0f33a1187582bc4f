"""Turn a knowledge-base entry into an answer card: HTML for Telegram (everything escaped)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape as _escape
from urllib.parse import quote_plus

from bot.i18n import t
from knowledge.schema import EntryRecord, Tip

TELEGRAM_LIMIT = 4096
MAX_INPUT_CHARS = 1000
"""Incoming questions are cut to this; nobody asks about a product in word 500."""

def escape(text: str) -> str:
    """Escape &, < and > for Telegram HTML (quotes stay readable outside attributes)."""
    return _escape(text, quote=False)


ALT_ICONS = {"use": "♻️", "borrow": "🤝", "secondhand": "🏷️", "repair": "🧵", "new": "🛍️"}

SECONDHAND_SITES = {
    "dba": ("DBA", "https://www.dba.dk/soeg/?soeg={q}"),
    "vinted": ("Vinted", "https://www.vinted.dk/catalog?search_text={q}"),
    "trendsales": ("Trendsales", "https://www.trendsales.dk/search?q={q}"),
    "reshopper": ("Reshopper", "https://reshopper.com/da/search?q={q}"),
}


@dataclass(frozen=True)
class Section:
    """A titled block of a card; items are plain (unescaped) text lines."""

    heading: str
    lines: list[str]


def card_html(record: EntryRecord, lang: str) -> str:
    """The answer card for one entry, as Telegram HTML."""
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
    parts.append(f"❓ <b>{escape(t('card.ask', lang))}:</b> <i>{escape(e.ask_yourself.get(lang))}</i>")
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


def card_text(record: EntryRecord, lang: str) -> list[Section]:
    """The card as plain sections (for the terminal)."""
    e = record.entry
    sections = [
        Section(t("verdict." + e.verdict.value, lang), [e.summary.get(lang)]),
        Section(t("card.why", lang), [e.critique.get(lang)]),
        Section(
            t("card.instead", lang),
            [f"{ALT_ICONS[a.kind.value]} {t('alt.' + a.kind.value, lang)}: {a.get(lang)}" for a in e.alternatives],
        ),
        Section(t("card.ask", lang), [e.ask_yourself.get(lang)]),
    ]
    if e.sources:
        sections.append(
            Section(
                t("card.sources", lang),
                [
                    f"{s.publisher}: {s.title}" + (f" ({s.year})" if s.year else "") + (f" – {s.url}" if s.url else "")
                    for s in e.sources
                ],
            )
        )
    return sections


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


def split_message(html_text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split on paragraph borders (then lines) so each part fits one Telegram message.

    Parts never cut inside a tag because the card puts each tag pair within one line.
    """
    if len(html_text) <= limit:
        return [html_text]
    parts: list[str] = []
    current = ""
    for block in html_text.split("\n\n"):
        pieces = [block] if len(block) <= limit else _split_lines(block, limit)
        for piece in pieces:
            candidate = f"{current}\n\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                if current:
                    parts.append(current)
                current = piece
    if current:
        parts.append(current)
    return parts


def _split_lines(block: str, limit: int) -> list[str]:
    out: list[str] = []
    current = ""
    for line in block.split("\n"):
        while len(line) > limit:  # a single enormous line: cut at a space, never inside a word
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            out.append(line[:cut])
            line = line[cut:].lstrip()
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
        else:
            out.append(current)
            current = line
    if current:
        out.append(current)
    return out


def clip_input(text: str, limit: int = MAX_INPUT_CHARS) -> tuple[str, bool]:
    """The question cut to `limit` characters (on a word border), and whether it was cut."""
    if len(text) <= limit:
        return text, False
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit], True
