"""Everyday purchases in Telegram: a category card with second-hand searches for what no entry
covers, and second-hand searches built from the user's own words on a fallback."""

from __future__ import annotations

from tests.bot.conftest import BRIT, DANE, Harness


async def test_category_card_with_secondhand_buttons(bot: Harness) -> None:
    card = await bot.ask("skal jeg købe en gyngehest til min søn", user=DANE)
    text = card.plain_text or ""
    assert text.startswith("Det præcise produkt har jeg ikke et kort om endnu")
    assert "Når du køber brugt" in text and "Kilder" in text
    urls = [b["url"] for b in card.buttons if "url" in b]
    assert urls[0] == "https://reshopper.com/da?q=gyngehest"  # a child's thing: Reshopper first
    assert "https://www.dba.dk/recommerce/forsale/search?q=gyngehest" in urls
    assert any(d.startswith("fb:1:") for d in card.callback_data)
    rows = await bot.rows("select kind, entry_id, text from questions")
    assert rows == [("category", None, "skal jeg købe en gyngehest til min søn")]


async def test_fallback_offers_a_search_with_the_users_words(bot: Harness) -> None:
    reply = await bot.ask("should i buy a telescope", user=BRIT)
    assert (reply.plain_text or "").startswith("I don't know that one yet")
    urls = [b["url"] for b in reply.buttons if "url" in b]
    assert urls == [
        "https://www.dba.dk/recommerce/forsale/search?q=telescope",
        "https://www.vinted.dk/catalog?search_text=telescope",
    ]
    assert [b["text"] for b in reply.buttons] == ["♻️ Used on DBA", "♻️ Used on Vinted"]


async def test_small_talk_gets_no_search(bot: Harness) -> None:
    reply = await bot.ask("tusind tak", user=DANE)
    assert reply.buttons == []
