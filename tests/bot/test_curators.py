"""The curators' and admins' side in the real Application: "Not what I meant" and a reminder's
answer are stored, /gaps shows both sections and /stats the 30-day rule."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from sqlalchemy import text

from tests.bot.conftest import ADMIN, BRIT, DANE, Harness


async def _until(bot: Harness, sql: str, expected: list[Any], **params: Any) -> list[Any]:
    """Rows of `sql` once they equal `expected` (background writes), or the last seen (5 s)."""
    rows: list[Any] = []
    for _ in range(50):
        rows = await bot.rows(sql, **params)
        if rows == expected:
            break
        await asyncio.sleep(0.1)
    return rows


async def test_not_what_i_meant_is_recorded_for_the_curators(bot: Harness) -> None:
    card = await bot.ask("stanley eller owala?", user=BRIT)
    nm = next(d for d in card.callback_data if d.startswith("nm:"))
    await bot.api.click(card, nm, user=BRIT)
    assert "Did you mean" in ((await bot.api.wait_for("sendMessage")).plain_text or "")
    qid = nm.removeprefix("nm:")
    sql = "select kind, not_meant_at is not null from questions where id = :qid"
    assert await _until(bot, sql, [("answer", True)], qid=qid) == [("answer", True)]
    # A second click keeps the first time.
    first = await bot.rows("select not_meant_at from questions where id = :qid", qid=qid)
    await bot.api.click(card, nm, user=BRIT)
    await bot.api.wait_for("sendMessage")
    await asyncio.sleep(0.3)
    assert await bot.rows("select not_meant_at from questions where id = :qid", qid=qid) == first


async def test_a_reminders_answer_is_the_30_day_rules_outcome(bot: Harness) -> None:
    card = await bot.ask("stanley cup", user=DANE)
    await bot.api.click(card, "rm:stanley-cup", user=DANE)
    await bot.api.wait_for("sendMessage")
    async with bot.services.sessionmaker() as session:
        await session.execute(
            text("update reminders set due_at = :due"),
            {"due": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)},
        )
        await session.commit()
    due = await bot.api.wait_for("sendMessage", lambda c: "stadig" in (c.text or ""), timeout=10)
    still, passed = due.callback_data
    assert still.startswith("ry:") and passed.startswith("rn:")
    await bot.api.click(due, passed, user=DANE)
    assert "sparede" in ((await bot.api.wait_for("sendMessage")).plain_text or "")
    rows = await bot.rows("select outcome, answered_at is not null from reminders")
    assert rows == [("passed", True)]
    # Someone else sending the other answer's data (a forged press) changes nothing.
    await bot.api.click(due, still, user=BRIT, check=False)
    await bot.api.wait_for("sendMessage")
    assert await bot.rows("select outcome from reminders") == [("passed",)]

    await bot.api.send_text("/stats 7", user=ADMIN)
    photo = await bot.api.wait_for("sendPhoto", timeout=20)
    caption = photo.plain_text or ""
    assert "⏳ 30-dages-reglen: 1 sat · 1 droppet · 0 vil stadig · 0 uden svar" in caption
    assert "Spørgsmål: 1" in caption


async def test_gaps_shows_unanswered_groups_and_answers_maybe_wrong(bot: Harness) -> None:
    for question, user in (
        ("en god pizzaovn", DANE),  # a category card: no entry for it, so it is a gap
        ("pizzaovne?", BRIT),
        ("kiwiskræller", BRIT),  # general tips
        ("lol", BRIT),  # no product word
    ):
        await bot.ask(question, user=user)
    kinds = await bot.rows("select kind from questions order by created_at")
    assert kinds[:3] == [("category",), ("category",), ("fallback",)]
    card = await bot.ask("stanley cup", user=BRIT)
    thumbs_down = next(d for d in card.callback_data if d.startswith("fb:0:"))
    await bot.api.click(card, thumbs_down, user=BRIT)
    await bot.api.wait_for("answerCallbackQuery")
    await bot.api.send_text("/gaps", user=ADMIN)
    gaps = (await bot.api.wait_for("sendMessage")).plain_text or ""
    lines = gaps.splitlines()
    assert lines[0] == "Ubesvarede spørgsmål – 30 dage"
    assert lines[1:4] == [
        "2 grupper fra 3 spørgsmål",  # "lol" is off-topic: not a question for the curators
        "2× pizzaovne? (en god pizzaovn)",
        "1× kiwiskræller",
    ]
    assert not any("lol" in line for line in lines)
    assert "Besvaret, men måske forkert" in lines
    assert "1× stanley cup → stanley-cup (👎 1)" in lines
