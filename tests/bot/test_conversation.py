"""The bot driven as users would: commands, questions in both languages, every button."""

from __future__ import annotations

import asyncio
import datetime as dt
import re

from bot.core.jobs import reminder_reply
from bot.telegram.render import markup
from tests.bot.conftest import BRIT, DANE, Harness
from tests.telegram.fake_api import make_group, make_user

_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d")


async def test_start_help_and_example_buttons(bot: Harness) -> None:
    await bot.api.send_text("/start", user=DANE)
    start = await bot.api.wait_for("sendMessage")
    assert start.ok and "Omtanke" in (start.plain_text or "")
    assert "Stanley" in (start.plain_text or "") and len(start.callback_data) == 3
    await bot.api.click(start, "ex:0", user=DANE)
    card = await bot.api.wait_for("sendMessage", timeout=10)
    assert card.ok and "Stanley" in (card.plain_text or "")
    await bot.api.send_text("/help", user=BRIT)
    help_msg = await bot.api.wait_for("sendMessage")
    assert "How to use Omtanke" in (help_msg.plain_text or "") and help_msg.callback_data


async def test_danish_question_gets_danish_card_with_buttons(bot: Harness) -> None:
    card = await bot.ask("skal jeg købe en stanley kop?", user=DANE)
    text = card.plain_text or ""
    assert card.ok
    assert text.startswith("🛑 Spring over · Stanley-kop\n") and "Spørg dig selv" in text
    data = card.callback_data
    assert any(d.startswith("fb:1:") for d in data) and any(d.startswith("fb:0:") for d in data)
    assert "rm:stanley-cup" in data
    urls = [b["url"] for b in card.buttons if "url" in b]
    assert any(u.startswith("https://www.dba.dk/") and "stanley%20cup" in u for u in urls)
    rows = await bot.rows("select kind, entry_id, language, chat_type from questions")
    assert rows == [("answer", "stanley-cup", "da", "private")]


async def test_english_question_gets_english_card(bot: Harness) -> None:
    card = await bot.ask("is temu ok?", user=DANE)  # a clearly English question wins over 'da'
    assert card.ok and "Temu" in (card.plain_text or "")
    assert "Why reconsider" in (card.plain_text or "")


async def test_feedback_is_stored(bot: Harness) -> None:
    card = await bot.ask("stanley cup", user=BRIT)
    helpful = next(d for d in card.callback_data if d.startswith("fb:1:"))
    await bot.api.click(card, helpful, user=BRIT)
    answer = await bot.api.wait_for("answerCallbackQuery")
    assert "Thanks" in answer.params.get("text", "")
    marked = await bot.api.wait_for("editMessageReplyMarkup")
    assert marked.buttons[0]["text"].startswith("✅ ") and not marked.buttons[1]["text"].startswith(
        "✅"
    )
    rows = await bot.rows("select helpful from feedback")
    assert rows == [(True,)]
    # Changing one's mind replaces the click.
    await bot.api.click(card, helpful.replace("fb:1:", "fb:0:"), user=BRIT)
    await bot.api.wait_for("answerCallbackQuery")
    marked = await bot.api.wait_for("editMessageReplyMarkup")
    assert marked.buttons[1]["text"].startswith("✅ ") and not marked.buttons[0]["text"].startswith(
        "✅"
    )
    assert await bot.rows("select helpful from feedback") == [(False,)]


async def test_fallback_keeps_the_question_and_gives_tips(bot: Harness) -> None:
    reply = await bot.ask("skal jeg købe en metaldetektor", user=DANE)
    assert "Det kender jeg ikke endnu" in (reply.plain_text or "")
    assert (reply.plain_text or "").count("•") == 3
    rows = await bot.rows("select kind, text from questions")
    assert rows == [("fallback", "skal jeg købe en metaldetektor")]


async def test_offtopic_gets_a_warm_pointer_and_no_promise(bot: Harness) -> None:
    reply = await bot.ask("hvad bliver vejret i morgen", user=DANE)
    text = reply.plain_text or ""
    assert text.startswith("Det kan jeg desværre ikke hjælpe med 🙂") and "redaktør" not in text
    assert [d for d in reply.callback_data if d.startswith("ex:")] == ["ex:0", "ex:1", "ex:2"]
    reply = await bot.ask("skal jeg købe", user=DANE)
    assert (reply.plain_text or "").startswith("Hvad overvejer du at købe?")
    reply = await bot.ask("whats the weather like", user=DANE)  # short English: answered in English
    assert (reply.plain_text or "").startswith("I can't help with that")
    rows = await bot.rows("select kind, text from questions order by created_at")
    assert [r[0] for r in rows] == ["offtopic", "offtopic", "offtopic"]


async def test_smalltalk_and_empty(bot: Harness) -> None:
    reply = await bot.ask("hej!", user=DANE)
    assert "Hvad overvejer du at købe" in (reply.plain_text or "")
    reply = await bot.ask("thanks", user=BRIT)
    assert "welcome" in (reply.plain_text or "")
    reply = await bot.ask("tak", user=BRIT)  # clearly Danish: answered in Danish
    assert "Så lidt" in (reply.plain_text or "")
    reply = await bot.ask("🙂🙂🙂", user=BRIT)
    assert "only read text" in (reply.plain_text or "")


async def test_suggestions_then_pick_one(bot: Harness) -> None:
    reply = await bot.ask("stanley eller owala?", user=BRIT)
    assert reply.ok
    nm = [d for d in reply.callback_data if d.startswith("nm:")]
    assert nm, "two products: the card offers the other one"
    await bot.api.click(reply, nm[0], user=BRIT)
    others = await bot.api.wait_for("sendMessage")
    assert "Did you mean" in (others.plain_text or "")
    pick = others.callback_data[0]
    assert pick.startswith("e:")
    await bot.api.click(others, pick, user=BRIT)
    card = await bot.api.wait_for("sendMessage")
    assert card.ok and any(d.startswith("fb:") for d in card.callback_data)


async def test_related_button(bot: Harness) -> None:
    card = await bot.ask("temu", user=BRIT)
    assert "rel:temu" in card.callback_data
    await bot.api.click(card, "rel:temu", user=BRIT)
    related = await bot.api.wait_for("sendMessage")
    assert related.plain_text == "Related topics:" and related.callback_data
    assert all(d.startswith("e:") for d in related.callback_data)


async def test_not_text_messages_get_a_polite_reply(bot: Harness) -> None:
    for send in (
        bot.api.send_sticker,
        bot.api.send_voice,
        bot.api.send_document,
    ):
        await send(user=BRIT)
        reply = await bot.api.wait_for("sendMessage")
        assert "only read text questions" in (reply.plain_text or "")
    # Pictures are read (tests/bot/test_pictures.py); one that cannot be decoded gets a hint.
    await bot.api.send_photo(user=BRIT)
    reply = await bot.api.wait_for("sendMessage", timeout=20)
    assert "I can't read that file as a picture" in (reply.plain_text or "")


async def test_photo_caption_naming_a_product_is_answered(bot: Harness) -> None:
    await bot.api.send_photo(user=BRIT, caption="found this on temu, should I?")
    card = await bot.api.wait_for("sendMessage")
    assert "Temu" in (card.plain_text or "") and any(
        d.startswith("fb:") for d in card.callback_data
    )
    await bot.api.send_photo(user=BRIT, caption="look at my cat")
    reply = await bot.api.wait_for("sendMessage", timeout=20)
    assert "I can't read that file as a picture" in (reply.plain_text or "")


async def test_edited_message(bot: Harness) -> None:
    update = await bot.api.send_text("stanley", user=BRIT)
    await bot.api.wait_for("sendMessage")
    await bot.api.edit_text(update, "owala")
    reply = await bot.api.wait_for("sendMessage")
    assert "only see new messages" in (reply.plain_text or "")


async def test_html_characters_are_escaped(bot: Harness) -> None:
    reply = await bot.ask("<b>hvad & hvorfor</b> <script>", user=DANE)
    assert reply.ok  # the fake server rejects unbalanced or unknown HTML
    reply = await bot.ask("is <i>temu</i> & shein ok?", user=BRIT)
    assert reply.ok


async def test_huge_message_is_cut_safely(bot: Harness) -> None:
    await bot.api.send_text("stanley " + "bla " * 1200, user=BRIT)
    notice = await bot.api.wait_for("sendMessage")
    assert "very long" in (notice.plain_text or "")
    card = await bot.api.wait_for("sendMessage")
    assert card.ok and "Stanley" in (card.plain_text or "")
    rows = await bot.rows("select length(text) from questions")
    assert rows[0][0] <= 1000


async def test_language_choice_overrides_detection(bot: Harness) -> None:
    await bot.api.send_text("/language", user=DANE)
    menu = await bot.api.wait_for("sendMessage")
    await bot.api.click(menu, "lang:en", user=DANE)
    edited = await bot.api.wait_for("editMessageText")
    assert "English" in (edited.plain_text or "")
    card = await bot.ask("skal jeg købe en stanley kop?", user=DANE)
    assert "Skip it" in (card.plain_text or "")
    rows = await bot.rows("select language from users where language = 'en'")
    assert rows


async def test_topics_browse_categories_and_pages(bot: Harness) -> None:
    await bot.api.send_text("/topics", user=BRIT)
    menu = await bot.api.wait_for("sendMessage")
    assert "tc:fashion:0" in menu.callback_data
    await bot.api.click(menu, "tc:fashion:0", user=BRIT)
    page = await bot.api.wait_for("editMessageText")
    assert "page 1/" in (page.plain_text or "")
    assert "tc:fashion:1" in page.callback_data
    await bot.api.click(menu, "tc:fashion:1", user=BRIT)
    page2 = await bot.api.wait_for("editMessageText")
    assert "page 2/" in (page2.plain_text or "")
    entry = next(d for d in page2.callback_data if d.startswith("e:"))
    await bot.api.click(menu, entry, user=BRIT)
    card = await bot.api.wait_for("sendMessage")
    assert card.ok and any(d.startswith("fb:") for d in card.callback_data)
    await bot.api.click(menu, "tl", user=BRIT)
    back = await bot.api.wait_for("editMessageText")
    assert "Choose a topic" in (back.plain_text or "")


async def test_privacy_and_forget(bot: Harness) -> None:
    await bot.ask("stanley", user=DANE)
    await bot.api.send_text("/privacy", user=DANE)
    privacy = await bot.api.wait_for("sendMessage")
    assert "365 dage" in (privacy.plain_text or "")
    await bot.api.send_text("/forget", user=DANE)
    confirm = await bot.api.wait_for("sendMessage")
    assert confirm.callback_data == ["fg:yes", "fg:no"]
    before = await bot.rows("select count(*) from questions")
    assert before[0][0] == 1
    await bot.api.click(confirm, "fg:yes", user=DANE)
    done = await bot.api.wait_for("editMessageText")
    assert "Slettet" in (done.plain_text or "")
    for table in ("questions", "users", "feedback", "reminders"):
        assert (await bot.rows(f"select count(*) from {table}"))[0][0] == 0


async def test_no_raw_telegram_id_is_stored(bot: Harness) -> None:
    card = await bot.ask("stanley", user=DANE)
    await bot.api.click(card, next(d for d in card.callback_data if d.startswith("fb:")), user=DANE)
    await bot.api.wait_for("answerCallbackQuery")
    await bot.api.send_text("/language", user=DANE)
    await bot.api.click(await bot.api.wait_for("sendMessage"), "lang:da", user=DANE)
    await bot.api.wait_for("editMessageText")
    raw = str(DANE.id)
    for table in ("users", "questions", "feedback", "reminders"):
        for row in await bot.rows(f"select * from {table}"):
            # Timestamps are left out: their microseconds may contain the id's digits by chance.
            values = [
                str(v)
                for v in row
                if not isinstance(v, dt.datetime) and not _TIMESTAMP.match(str(v))
            ]
            assert all(raw != value and raw not in value for value in values), (table, row)


async def test_group_answers_only_mentions_replies_and_commands(bot: Harness) -> None:
    group = make_group()
    await bot.api.send_text("stanley er dumt", user=BRIT, chat=group)
    await bot.api.expect_no_call("sendMessage", within=0.5)
    await bot.api.send_text("@omtanke_test_bot is temu ok?", user=BRIT, chat=group)
    reply = await bot.api.wait_for("sendMessage")
    assert "Temu" in (reply.plain_text or "") and reply.chat_id == group.id
    await bot.api.send_text("and shein?", user=BRIT, chat=group, reply_to=reply)
    reply2 = await bot.api.wait_for("sendMessage")
    assert "Shein" in (reply2.plain_text or "")
    await bot.api.send_text("/help@omtanke_test_bot", user=BRIT, chat=group)
    assert "How to use" in ((await bot.api.wait_for("sendMessage")).plain_text or "")
    await bot.api.send_sticker(user=BRIT, chat=group)
    await bot.api.expect_no_call("sendMessage", within=0.5)


async def test_inline_mode(bot: Harness) -> None:
    await bot.api.inline_query("stanley", user=BRIT)
    call = await bot.api.wait_for("answerInlineQuery")
    results = call.params["results"]
    assert results[0]["id"] == "stanley-cup"
    content = results[0]["input_message_content"]
    assert content["parse_mode"] == "HTML" and "Stanley cup" in content["message_text"]
    await bot.api.inline_query("vejret i morgen", user=BRIT)
    assert (await bot.api.wait_for("answerInlineQuery")).params["results"] == []


async def test_flood_control(bot: Harness) -> None:
    user = make_user(3003, "Speedy", "en")
    for i in range(26):
        await bot.api.send_text(f"stanley {i}", user=user)
    await asyncio.sleep(1.5)
    texts = [c.plain_text or "" for c in bot.api.calls_of("sendMessage") if c.chat_id == user.id]
    notices = [t for t in texts if "that's fast" in t]
    assert len(notices) == 1
    assert len(texts) == bot.settings.flood_limit + 1


async def test_survives_429_from_telegram(bot: Harness) -> None:
    bot.api.fail_next("sendMessage", 429, retry_after=1)
    await bot.api.send_text("temu", user=BRIT)
    first = await bot.api.wait_for("sendMessage")
    assert not first.ok and first.params.get("text")
    second = await bot.api.wait_for("sendMessage", timeout=10)
    assert second.ok and "Temu" in (second.plain_text or "")


async def test_command_menus_per_language_and_admin_scope(bot: Harness) -> None:
    calls = bot.api.calls_of("setMyCommands")
    scopes = {(c.params.get("scope", {}).get("type"), c.params.get("language_code")) for c in calls}
    assert ("default", None) in scopes and ("default", "da") in scopes
    admin_calls = [c for c in calls if c.params.get("scope", {}).get("type") == "chat"]
    assert admin_calls and all(
        any(cmd["command"] == "stats" for cmd in c.params["commands"]) for c in admin_calls
    )
    user_calls = [c for c in calls if c.params.get("scope", {}).get("type") == "default"]
    assert all(
        not any(cmd["command"] == "stats" for cmd in c.params["commands"]) for c in user_calls
    )


async def test_cancel_forget_and_still_want_it(bot: Harness) -> None:
    await bot.ask("stanley", user=BRIT)
    await bot.api.send_text("/forget", user=BRIT)
    confirm = await bot.api.wait_for("sendMessage")
    await bot.api.click(confirm, "fg:no", user=BRIT)
    assert "Nothing was deleted" in ((await bot.api.wait_for("editMessageText")).plain_text or "")
    assert (await bot.rows("select count(*) from questions"))[0][0] == 1
    # The reminder's "yes, I still want it" answer (the button a due reminder carries).
    due = reminder_reply(1, "Stanley cup", 30, "en")
    sent = await bot.app.bot.send_message(BRIT.id, "due", reply_markup=markup(due.buttons))
    await bot.api.wait_for("sendMessage")
    await bot.api.click(sent, "ry:1", user=BRIT)
    reply = await bot.api.wait_for("sendMessage")
    assert "second-hand first" in (reply.plain_text or "")
