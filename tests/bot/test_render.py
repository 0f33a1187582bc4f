"""Reply rendering (escaping, splitting, both languages), the i18n catalogue and settings."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest

from bot.core.advisor import clip_input
from bot.core.cards import card_html, secondhand_links
from bot.core.i18n import CATALOGUE, LANGUAGES, placeholders, t
from bot.core.logs import RedactToken
from bot.core.settings import SettingsError, load_settings
from bot.telegram.render import TELEGRAM_LIMIT, split_message
from knowledge.schema import Alternative, Entry, EntryRecord, LocalizedText, Source


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
    links = dict(secondhand_links(record()))
    assert links["DBA"] == "https://www.dba.dk/soeg/?soeg=stanley+cup+%26+co"
    assert "search_text=stanley+cup+%26+co" in links["Vinted"]


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
