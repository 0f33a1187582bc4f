"""Reply rendering (escaping, splitting, both languages), the i18n catalogue and settings."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest

from bot.core.advisor import clip_input
from bot.core.cards import card_html, category_html
from bot.core.i18n import CATALOGUE, LANGUAGES, placeholders, t
from bot.core.logs import RedactToken
from bot.core.settings import SettingsError, load_settings
from bot.telegram.render import TELEGRAM_LIMIT, split_message
from knowledge.cards import load_cards
from knowledge.loader import DEFAULT_DIR
from knowledge.schema import Alternative, Entry, EntryRecord, LocalizedText, Source, Verdict
from knowledge.secondhand import for_entry


def record(text: str = "Tom & Jerry <b>") -> EntryRecord:
    loc = LocalizedText(da=f"{text} da", en=f"{text} en")
    entry = Entry(
        title=loc,
        verdict="skip",
        summary=loc,
        critique=loc,
        alternatives=[
            Alternative(kind="use", da="Brug <din>", en="Use <yours>"),
            Alternative(kind="new", da="Nyt & bedre", en="New & better"),
        ],
        ask_yourself=loc,
        aliases={"da": [], "en": []},
        sources=[
            Source(publisher="A&B", title="<T>", year=2024, url="https://example.org/?a=1&b=2")
        ],
        reviewed=dt.date(2026, 11, 28),
        secondhand={"query": "stanley cup & co", "sites": ["dba", "vinted"]},
    )
    return EntryRecord(id="x", category="home", entry=entry, path="x.yaml")


def test_catalogue_is_complete_in_both_languages() -> None:
    for key, texts in CATALOGUE.items():
        assert set(texts) == set(LANGUAGES), key
        assert all(texts[lang].strip() for lang in LANGUAGES), key
        assert placeholders(texts["da"]) == placeholders(texts["en"]), key


@pytest.mark.parametrize("lang", LANGUAGES)
def test_card_escapes_everything(lang: str) -> None:
    html = card_html(record(), lang)
    assert "Tom &amp; Jerry &lt;b&gt;" in html
    assert "&lt;din&gt;" in html or "&lt;yours&gt;" in html
    assert '<a href="https://example.org/?a=1&amp;b=2">A&amp;B: &lt;T&gt; (2024)</a>' in html
    tags = re.findall(r"</?([a-z]+)", html)
    assert set(tags) <= {"b", "i", "a"}
    assert t("verdict.skip", lang) in html


def test_secondhand_links_are_url_encoded() -> None:
    links = {link["site"]: link["url"] for link in for_entry(record(), "whatever")}
    assert links["dba"] == "https://www.dba.dk/recommerce/forsale/search?q=stanley%20cup%20%26%20co"
    assert links["vinted"] == "https://www.vinted.dk/catalog?search_text=stanley%20cup%20%26%20co"


@pytest.mark.parametrize(
    ("verdict", "why", "instead"),
    [
        ("skip", "Why reconsider", "Instead"),
        ("think_twice", "Why reconsider", "Instead"),
        ("ok_if_needed", "Before you buy", "How to do it best"),
        ("info", "Background", "What you can do"),
    ],
)
def test_headings_fit_the_verdict(verdict: str, why: str, instead: str) -> None:
    rec = record()
    entry = rec.entry.model_copy(update={"verdict": Verdict(verdict)})
    html = card_html(rec.model_copy(update={"entry": entry}), "en")
    assert f"<b>{why}</b>\n" in html and f"<b>{instead}</b>\n" in html
    if verdict in {"ok_if_needed", "info"}:
        assert "Why reconsider" not in html and "<b>Instead</b>" not in html


def test_alternatives_of_one_kind_share_a_label() -> None:
    rec = record()
    alternatives = [
        Alternative(kind="use", da="a", en="Use a"),
        Alternative(kind="secondhand", da="b", en="DBA"),
        Alternative(kind="secondhand", da="c", en="Vinted"),
        Alternative(kind="new", da="d", en="New d"),
    ]
    entry = rec.entry.model_copy(update={"alternatives": alternatives})
    html = card_html(rec.model_copy(update={"entry": entry}), "en")
    assert "🏷️ <i>Buy second-hand:</i>\n   • DBA\n   • Vinted\n" in html
    assert html.count("Buy second-hand") == 1


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_category_card_renders(lang: str) -> None:
    cards, problems = load_cards(DEFAULT_DIR)
    assert [p for p in problems if p.severity == "error"] == [] and len(cards) >= 12
    for card in cards.values():
        html = category_html(card, lang)
        assert card.card.title.get(lang) in html.replace("&amp;", "&")
        assert set(re.findall(r"</?([a-z]+)", html)) <= {"b", "i", "a"}


def test_split_on_paragraphs_and_lines() -> None:
    paragraphs = [f"<b>Part {i}</b>\n" + ("word " * 300).strip() for i in range(8)]
    text = "\n\n".join(paragraphs)
    parts = split_message(text)
    assert len(parts) > 1 and all(len(p) <= TELEGRAM_LIMIT for p in parts)
    assert "\n\n".join(parts) == text
    assert all(p.count("<b>") == p.count("</b>") for p in parts)
    huge = "x" * 10_000
    assert all(len(p) <= TELEGRAM_LIMIT for p in split_message(huge))
    assert "".join(split_message(huge)) == huge
    assert split_message("short") == ["short"]


def test_clip_input() -> None:
    text, cut = clip_input("stanley " * 500)
    assert cut and len(text) <= 1000 and not text.endswith("stanl")
    assert clip_input("short") == ("short", False)


def test_settings_parse_and_fail_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", "12, 34")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:" + "A" * 35)
    settings = load_settings()
    assert settings.admin_ids == frozenset({12, 34})
    assert settings.token == "123456:" + "A" * 35
    assert "AAAA" not in repr(settings)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:secret-but-short")
    with pytest.raises(SettingsError) as exc:
        load_settings()
    assert str(exc.value).startswith("TELEGRAM_BOT_TOKEN:") and "secret-but-short" not in str(
        exc.value
    )
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    monkeypatch.setenv("RETENTION_DAYS", "0")
    with pytest.raises(SettingsError, match=r"^RETENTION_DAYS:"):
        load_settings()
    monkeypatch.setenv("RETENTION_DAYS", "30")
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org/hook/abc")
    assert load_settings().webhook_path == "hook/abc"


def test_token_is_redacted_from_logs(caplog: pytest.LogCaptureFixture) -> None:
    token = "123456789:AAH" + "x" * 32
    logger = logging.getLogger("omtanke.test")
    handler = logging.Handler()
    seen: list[str] = []
    handler.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
    handler.addFilter(RedactToken())
    logger.addHandler(handler)
    try:
        logger.warning("POST https://api.telegram.org/bot%s/getUpdates", token)
    finally:
        logger.removeHandler(handler)
    assert seen == ["POST https://api.telegram.org/bot<token>/getUpdates"]
