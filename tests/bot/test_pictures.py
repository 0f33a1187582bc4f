"""Pictures through the real Application and the fake Bot API: a screenshot of a product page is
answered with its card and what was read; no product, a file too big, ten at once."""

from __future__ import annotations

import asyncio
import random

import pytest

from tests.bot.conftest import BRIT, DANE, Harness
from tests.screenshots.corpus import PRODUCTS, as_telegram_photo, cat, png, temu
from tests.telegram.fake_api import make_user

pytestmark = pytest.mark.usefixtures("needs_ocr")


def _page(entry: str, lang: str = "da") -> bytes:
    product = next(p for p in PRODUCTS if p.entry == entry)
    return as_telegram_photo(temu(product, lang, random.Random(1)))


async def test_photo_of_a_product_page_gets_its_card(bot: Harness) -> None:
    await bot.api.send_photo(_page("stanley-cup"), user=DANE)
    note = await bot.api.wait_for("sendMessage", timeout=60)
    card = await bot.api.wait_for("sendMessage", timeout=10)
    assert (note.plain_text or "").startswith("📷 Jeg læste: “") and "Stanley" in (
        note.plain_text or ""
    )
    assert (card.plain_text or "").startswith("🛑 Spring over · Stanley-kop")
    assert "🏪 Temu" in [b["text"] for b in card.buttons]  # the shop on the page, beside the card
    rows = await bot.rows("select kind, entry_id, chat_type from questions")
    assert rows == [("answer", "stanley-cup", "private")]
    (text,) = (await bot.rows("select text from questions"))[0]
    assert "Stanley" in text and len(text) < 200  # the product line only, no page chrome


async def test_caption_and_document_image(bot: Harness) -> None:
    await bot.api.send_photo(_page("labubu-blind-boxes", "en"), user=BRIT, caption="is this ok??")
    assert (await bot.api.wait_for("sendMessage", timeout=60)).plain_text.startswith("📷 I read:")  # type: ignore[union-attr]
    card = await bot.api.wait_for("sendMessage", timeout=10)
    assert "Labubu" in (card.plain_text or "")
    await bot.api.send_document(
        png(temu(next(p for p in PRODUCTS if p.entry == "air-fryer"), "da", random.Random(2))),
        user=DANE, file_name="skaerm.png", mime_type="image/png",
    )  # fmt: skip
    await bot.api.wait_for("sendMessage", timeout=60)
    card = await bot.api.wait_for("sendMessage", timeout=10)
    assert "Airfryer" in (card.plain_text or "")


async def test_no_product_too_big_and_not_an_image(bot: Harness) -> None:
    await bot.api.send_photo(as_telegram_photo(cat()), user=DANE)
    reply = await bot.api.wait_for("sendMessage", timeout=60)
    assert (reply.plain_text or "").startswith("Jeg kunne ikke finde et produkt på billedet")
    await bot.api.send_document(
        b"\x00" * (11 * 1024 * 1024), user=DANE, file_name="big.png", mime_type="image/png"
    )
    reply = await bot.api.wait_for("sendMessage", timeout=20)
    assert "for stort" in (reply.plain_text or "")
    await bot.api.send_document(
        b"not a picture", user=DANE, file_name="x.png", mime_type="image/png"
    )
    reply = await bot.api.wait_for("sendMessage", timeout=20)
    assert "kan jeg ikke læse som et billede" in (reply.plain_text or "")
    assert await bot.rows("select count(*) from questions") == [
        (0,)
    ]  # nothing read, nothing logged


async def test_ten_pictures_from_ten_users_are_all_answered(bot: Harness) -> None:
    users = [make_user(7000 + i, f"U{i}", "da") for i in range(10)]
    image = _page("owala-water-bottles")
    await asyncio.gather(*(bot.api.send_photo(image, user=u) for u in users))

    def final(call: object) -> bool:  # a card, or (past the pool's bound) the polite "busy"
        text = getattr(call, "plain_text", None) or ""
        return text.startswith(("🤔", "🛑", "👌", "ℹ️", "Jeg læser mange billeder"))

    for _ in range(120):
        if len(bot.api.calls_of("sendMessage", final)) >= 10:
            break
        await asyncio.sleep(1)
    finals = bot.api.calls_of("sendMessage", final)
    assert sorted(c.chat_id for c in finals) == [u.id for u in users]  # type: ignore[type-var]
    cards = [c for c in finals if "Owala" in (c.plain_text or "")]
    assert len(cards) == 10  # two read at a time, eight waiting: all within the bound
