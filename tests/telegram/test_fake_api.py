"""Proof that the fake Bot API drives a real PTB Application (polling and webhook), no mocks."""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    MenuButtonCommands,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, EndPointNotFound, Forbidden, NetworkError, RetryAfter
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ChosenInlineResultHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

try:
    from .fake_api import TINY_PNG, FakeTelegramServer, parse_html
except ImportError:
    from fake_api import TINY_PNG, FakeTelegramServer, parse_html  # type: ignore[no-redef]


App = Application[Any, Any, Any, Any, Any, Any]

# ---------------------------------------------------------------------------------------------
# a tiny bot
# ---------------------------------------------------------------------------------------------


class Tiny:
    """An echo / command / callback / inline bot, plus what its error handler saw."""

    def __init__(self) -> None:
        self.errors: list[BaseException] = []
        self.error_seen = asyncio.Event()
        self.chosen: list[str] = []
        self.chosen_seen = asyncio.Event()

    def build(self, server: FakeTelegramServer, **builder_options: Any) -> App:
        builder = server.app_builder()
        if "rate_limiter" in builder_options:
            builder = builder.rate_limiter(builder_options["rate_limiter"])
        app = builder.build()
        app.add_handler(CommandHandler("start", self.start))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, self.echo))
        app.add_handler(CallbackQueryHandler(self.on_click))
        app.add_handler(InlineQueryHandler(self.on_inline))
        app.add_handler(ChosenInlineResultHandler(self.on_chosen))
        app.add_error_handler(self.on_error)
        return app

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_user and update.effective_message
        name = html.escape(update.effective_user.first_name)
        keyboard = InlineKeyboardMarkup(
            [[InlineKeyboardButton("Yes", callback_data="need:yes")],
             [InlineKeyboardButton("No", callback_data="need:no")]]
        )  # fmt: skip
        await update.effective_message.reply_text(
            f"Hej <b>{name}</b>! Do you need it?", parse_mode=ParseMode.HTML, reply_markup=keyboard
        )

    async def echo(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message and update.effective_message.text
        text = update.effective_message.text
        await update.effective_message.reply_text(html.escape(text), parse_mode=ParseMode.HTML)

    async def on_click(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query and query.data
        await query.answer("Noted")
        await query.edit_message_text(f"You chose: {query.data.split(':')[1]}")

    async def on_inline(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.inline_query
        topic = update.inline_query.query
        tip = InputTextMessageContent(
            f"Think twice about <i>{html.escape(topic)}</i>", parse_mode=ParseMode.HTML
        )
        result = InlineQueryResultArticle(
            id="tip-1", title=f"Tip: {topic}", input_message_content=tip
        )
        await update.inline_query.answer([result], cache_time=0)

    async def on_chosen(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.chosen_inline_result
        self.chosen.append(update.chosen_inline_result.result_id)
        self.chosen_seen.set()

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.error is not None
        self.errors.append(context.error)
        self.error_seen.set()


@contextlib.asynccontextmanager
async def polling(app: App) -> AsyncIterator[App]:
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)  # type: ignore[union-attr]
        try:
            yield app
        finally:
            await app.updater.stop()  # type: ignore[union-attr]
            await app.stop()


def bare_bot(server: FakeTelegramServer) -> Bot:
    return Bot(server.token, base_url=server.base_url, base_file_url=server.base_file_url)


# ---------------------------------------------------------------------------------------------
# a real Application, polling
# ---------------------------------------------------------------------------------------------


async def test_polling_command_callback_echo_inline(fake_api: FakeTelegramServer) -> None:
    tiny = Tiny()
    async with polling(tiny.build(fake_api)):
        assert (await fake_api.wait_for("deleteWebhook")).ok  # PTB's polling bootstrap
        alice = fake_api.make_user(42, "Alice <3 & co", "sv")

        sent = await fake_api.send_text("/start", user=alice)
        assert sent.message and sent.message.entities[0].type == "bot_command"
        reply = await fake_api.wait_for("sendMessage")
        assert reply.ok, reply
        assert reply.chat_id == 42
        assert reply.text == "Hej <b>Alice &lt;3 &amp; co</b>! Do you need it?"
        assert reply.plain_text == "Hej Alice <3 & co! Do you need it?"
        assert reply.message and reply.message.entities[0].to_dict() == {
            "type": "bold", "offset": 4, "length": 13,
        }  # fmt: skip
        assert reply.callback_data == ["need:yes", "need:no"]

        await fake_api.click(reply, "need:no", user=alice)
        assert (await fake_api.wait_for("answerCallbackQuery")).params["text"] == "Noted"
        edit = await fake_api.wait_for("editMessageText")
        assert edit.ok, edit
        assert edit.params["message_id"] == reply.message.message_id
        shown = fake_api.history(alice.id)
        assert [m.text for m in shown] == ["/start", "You chose: no"]
        assert shown[1].reply_markup is None  # editing without reply_markup drops the keyboard
        with pytest.raises(AssertionError, match="no button"):
            await fake_api.click(reply, "need:yes")  # users can only press what they see

        await fake_api.send_text("<script>alert(1)</script> & more", user=alice)
        echo = await fake_api.wait_for("sendMessage")
        assert echo.ok, echo
        assert echo.plain_text == "<script>alert(1)</script> & more"

        await fake_api.inline_query("fast fashion", user=alice)
        answer = await fake_api.wait_for("answerInlineQuery")
        assert answer.ok, answer
        content = answer.params["results"][0]["input_message_content"]
        assert content["message_text"] == "Think twice about <i>fast fashion</i>"
        await fake_api.chosen_inline_result("tip-1", "fast fashion", user=alice)
        await asyncio.wait_for(tiny.chosen_seen.wait(), 3)
        assert tiny.chosen == ["tip-1"]

        # group chat: commands addressed to this bot are answered (PTB quotes in groups) ...
        group, bob = fake_api.make_group(-100777, "Köpstopp"), fake_api.make_user(7, "Bob")
        command = await fake_api.send_text("/start@omtanke_test_bot", user=bob, chat=group)
        in_group = await fake_api.wait_for("sendMessage", lambda c: c.chat_id == group.id)
        assert in_group.ok, in_group
        assert command.message
        assert in_group.params["reply_parameters"]["message_id"] == command.message.message_id
        assert in_group.message and in_group.message.reply_to_message
        assert in_group.message.reply_to_message.text == "/start@omtanke_test_bot"
        # ... those for another bot are not
        await fake_api.send_text("/start@some_other_bot", user=bob, chat=group)
        await fake_api.expect_no_call("sendMessage", within=0.3)
    assert not tiny.errors


# ---------------------------------------------------------------------------------------------
# the same Application, webhook mode
# ---------------------------------------------------------------------------------------------


async def test_webhook_mode(fake_api: FakeTelegramServer) -> None:
    tiny = Tiny()
    app = tiny.build(fake_api)
    port = fake_api.free_port()
    url = f"http://127.0.0.1:{port}/tg-hook"
    async with app:
        await app.start()
        assert app.updater
        await app.updater.start_webhook(
            listen="127.0.0.1", port=port, url_path="tg-hook", webhook_url=url,
            secret_token="s3cret_T0ken",
        )  # fmt: skip
        try:
            hook = await fake_api.wait_for("setWebhook")
            assert hook.params["url"] == url
            assert hook.params["secret_token"] == "s3cret_T0ken"
            assert (await app.bot.get_webhook_info()).url == url

            await fake_api.send_text("/start")  # POSTed to the bot, with the secret header
            assert fake_api.deliveries[-1].status_code == 200
            reply = await fake_api.wait_for("sendMessage")
            await fake_api.click(reply, text="Yes")
            edit = await fake_api.wait_for("editMessageText")
            assert edit.plain_text == "You chose: yes"

            fake_api.webhook_secret = "forged"  # PTB's webhook server must refuse it
            await fake_api.send_text("hello?")
            assert fake_api.deliveries[-1].status_code == 403
            await fake_api.expect_no_call("sendMessage", within=0.2)
        finally:
            await app.updater.stop()
            await app.stop()
    assert not tiny.errors


async def test_running_helper_calls_lifecycle_hooks_in_webhook_mode(
    fake_api: FakeTelegramServer,
) -> None:
    hooks: list[str] = []

    async def post_init(app: App) -> None:
        hooks.append("post_init")
        await app.bot.set_my_commands([BotCommand("start", "Begin")])

    async def post_shutdown(app: App) -> None:
        hooks.append("post_shutdown")

    tiny = Tiny()
    app = tiny.build(fake_api)
    app.post_init, app.post_shutdown = post_init, post_shutdown
    async with fake_api.running(app, webhook=True):
        assert [c.method for c in fake_api.calls][-2:] == ["setMyCommands", "setWebhook"]
        await fake_api.send_text("hi there")
        assert fake_api.deliveries[-1].status_code == 200
        assert (await fake_api.wait_for("sendMessage")).plain_text == "hi there"
    assert hooks == ["post_init", "post_shutdown"]


# ---------------------------------------------------------------------------------------------
# flood control
# ---------------------------------------------------------------------------------------------


# PTB itself reads RetryAfter.retry_after (deprecated int form) when building the exception.
pytestmark_retry_after = pytest.mark.filterwarnings(
    "ignore:.*attribute `retry_after`:telegram.warnings.PTBDeprecationWarning"
)


@pytestmark_retry_after
async def test_429_without_rate_limiter_reaches_the_error_handler(
    fake_api: FakeTelegramServer,
) -> None:
    tiny = Tiny()
    async with fake_api.running(tiny.build(fake_api)):  # the fixture's run_polling stand-in
        fake_api.fail_next("sendMessage", 429, retry_after=1)
        await fake_api.send_text("first")
        failed = await fake_api.wait_for("sendMessage")
        assert failed.http_status == 429
        assert failed.error == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        }
        await asyncio.wait_for(tiny.error_seen.wait(), 3)
        assert isinstance(tiny.errors[0], RetryAfter)  # raised inside the handler
        assert "Retry in 1 seconds" in str(tiny.errors[0])

        # the application survives; but without a rate limiter nothing retried "first"
        await fake_api.send_text("second")
        ok = await fake_api.wait_for("sendMessage")
        assert ok.ok and ok.plain_text == "second"
        assert [c.ok for c in fake_api.calls_of("sendMessage")] == [False, True]


@pytestmark_retry_after
async def test_429_with_aioratelimiter_is_retried(fake_api: FakeTelegramServer) -> None:
    tiny = Tiny()
    app = tiny.build(fake_api, rate_limiter=AIORateLimiter(max_retries=2))
    async with fake_api.running(app):
        fake_api.fail_next("sendMessage", 429, retry_after=1)
        loop = asyncio.get_running_loop()
        started = loop.time()
        await fake_api.send_text("hello")
        first = await fake_api.wait_for("sendMessage")
        second = await fake_api.wait_for("sendMessage")
        assert (first.http_status, second.http_status) == (429, 200)
        assert second.plain_text == "hello"
        assert loop.time() - started >= 1.0  # AIORateLimiter slept retry_after + 0.1 s
    assert not tiny.errors


# ---------------------------------------------------------------------------------------------
# the server on its own: validation, methods, files, raw requests
# ---------------------------------------------------------------------------------------------


async def test_validation_like_the_real_server(fake_api: FakeTelegramServer) -> None:
    async with bare_bot(fake_api) as bot:
        assert bot.username == "omtanke_test_bot" and bot.id == 999

        await bot.send_message(42, "x" * 4096)
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(42, "x" * 4097)
        with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
            await bot.send_message(42, "<b> </b>", parse_mode=ParseMode.HTML)

        ok_button = InlineKeyboardButton("ok", callback_data="å" * 32)  # 64 bytes
        too_long = InlineKeyboardButton("no", callback_data="å" * 33)  # 66 bytes
        await bot.send_message(42, "fits", reply_markup=InlineKeyboardMarkup([[ok_button]]))
        with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
            await bot.send_message(42, "too long", reply_markup=InlineKeyboardMarkup([[too_long]]))

        for bad in ["<b>unclosed", "a<br>b", "<b><i>x</b></i>", "fish & chips", "1 < 2",
                    '<span class="x">y</span>', "<foo>bar</foo>"]:  # fmt: skip
            with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
                await bot.send_message(42, bad, parse_mode=ParseMode.HTML)
        good = (
            "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s>"
            '<strike>k</strike><del>d</del><a href="https://e.se/?a=1&amp;b=2">l</a>'
            '<code>c</code><pre><code class="language-python">p</code></pre>'
            '<tg-spoiler>t</tg-spoiler><span class="tg-spoiler">p</span>'
            "<blockquote>q</blockquote> 1 &lt; 2 &amp; 3 &gt; 2 &quot;&#33;&#x21;"
        )
        msg = await bot.send_message(42, good, parse_mode=ParseMode.HTML)
        assert msg.text == 'bsieunskdlcptpq 1 < 2 & 3 > 2 "!!'
        assert len(msg.entities) == 15
        assert msg.entities[9].url == "https://e.se/?a=1&b=2"
        assert msg.entities[11].language == "python"

        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(42, "Price: 10.5!", parse_mode=ParseMode.MARKDOWN_V2)
        await bot.send_message(
            42, r"Price: *10\.5*\! [link](https://e.se/a.b)", parse_mode="MarkdownV2"
        )

        same = InlineKeyboardMarkup([[ok_button]])
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_text("fits", chat_id=42, message_id=2, reply_markup=same)
        edited = await bot.edit_message_text("changed", chat_id=42, message_id=2)
        assert isinstance(edited, type(msg)) and edited.edit_date is not None
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_text("changed", chat_id=42, message_id=2)
        with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
            await bot.edit_message_text("x", chat_id=42, message_id=999)
        assert await bot.delete_message(42, 2)
        with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
            await bot.delete_message(42, 2)

        with pytest.raises(BadRequest, match=r"(?i)query is too old"):
            await bot.answer_callback_query("123")
        with pytest.raises(BadRequest, match=r"(?i)wrong parameter action"):
            await bot.send_chat_action(42, "dancing")
        assert await bot.send_chat_action(42, "typing")
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("frobnicateEverything")

        await fake_api.block(fake_api.make_user(42, "Alice"))
        with pytest.raises(Forbidden, match=r"(?i)blocked"):
            await bot.send_message(42, "still there?")

        for code, error in [(400, BadRequest), (403, Forbidden), (500, NetworkError)]:
            fake_api.fail_next("getMe", code)
            with pytest.raises(error):
                await bot.get_me()
        assert (await bot.get_me()).id == 999


async def test_files_commands_and_menu_button(fake_api: FakeTelegramServer) -> None:
    async with bare_bot(fake_api) as bot:
        sent = await bot.send_photo(42, TINY_PNG, caption="<b>chart</b>", parse_mode="HTML")
        call = await fake_api.wait_for("sendPhoto")
        assert call.files["photo"].data == TINY_PNG
        assert sent.caption == "chart" and sent.photo[-1].width == 1
        photo_file = await bot.get_file(sent.photo[-1].file_id)
        assert bytes(await photo_file.download_as_bytearray()) == TINY_PNG
        with pytest.raises(BadRequest, match=r"(?i)IMAGE_PROCESS_FAILED"):
            await bot.send_photo(42, b"not an image")
        again = await bot.send_photo(42, sent.photo[-1].file_id)  # re-send by file_id
        assert again.photo[-1].file_id == sent.photo[-1].file_id

        doc = await bot.send_document(42, b"a,b\n1,2\n", filename="data.csv")
        assert doc.document and doc.document.file_name == "data.csv"
        assert fake_api.files[doc.document.file_id].data == b"a,b\n1,2\n"

        update = await fake_api.send_photo(user=fake_api.make_user(42, "Alice"))
        assert update.message
        user_file = await bot.get_file(update.message.photo[-1].file_id)
        assert bytes(await user_file.download_as_bytearray()) == TINY_PNG

        commands = [BotCommand("start", "Begin"), BotCommand("tip", "A tip")]
        assert await bot.set_my_commands(commands)
        assert await bot.set_my_commands(commands[:1], language_code="sv")
        assert await bot.set_my_commands(commands[1:], scope=BotCommandScopeChat(42))
        assert tuple(await bot.get_my_commands()) == tuple(commands)
        assert tuple(await bot.get_my_commands(language_code="sv")) == tuple(commands[:1])
        assert tuple(await bot.get_my_commands(scope=BotCommandScopeChat(42))) == (commands[1],)
        assert await bot.delete_my_commands()
        assert await bot.get_my_commands() == ()
        with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
            await bot.set_my_commands([BotCommand("Start Now", "x")])

        assert await bot.set_chat_menu_button(menu_button=MenuButtonCommands())
        assert isinstance(await bot.get_chat_menu_button(), MenuButtonCommands)
        assert (await fake_api.wait_for("setChatMenuButton")).params["menu_button"] == {
            "type": "commands"
        }
        assert await bot.log_out() and await bot.close()


async def test_raw_requests_long_poll_offsets_and_conflict(fake_api: FakeTelegramServer) -> None:
    base = f"{fake_api.base_url}{fake_api.token}"
    async with httpx.AsyncClient(trust_env=False) as client:
        # method names are case-insensitive; JSON, form and query bodies are all accepted
        r = await client.post(f"{base}/SENDMESSAGE", json={"chat_id": 5, "text": "123"})
        assert r.json()["result"]["text"] == "123"
        markup = {"inline_keyboard": [[{"text": "a", "callback_data": "1"}]]}
        r = await client.post(
            f"{base}/sendmessage",
            data={"chat_id": "5", "text": "true", "reply_markup": json.dumps(markup)},
        )
        assert r.json()["result"]["reply_markup"] == markup
        call = fake_api.calls_of("sendMessage")[-1]
        assert call.params == {"chat_id": 5, "text": "true", "reply_markup": markup}
        r = await client.get(f"{base}/getMe")
        assert r.json()["result"]["username"] == "omtanke_test_bot"
        r = await client.post(f"{base}/noSuchMethod")
        assert (r.status_code, r.json()["ok"], r.json()["error_code"]) == (404, False, 404)

        # long poll: waits for updates, honours offset
        first = await fake_api.send_text("hej")
        second = await fake_api.send_sticker("🌱")
        r = await client.post(f"{base}/getUpdates", data={"offset": "0", "timeout": "0"})
        assert [u["update_id"] for u in r.json()["result"]] == [first.update_id, second.update_id]
        assert r.json()["result"][1]["message"]["sticker"]["emoji"] == "🌱"
        r = await client.post(f"{base}/getUpdates", data={"offset": str(second.update_id)})
        assert [u["update_id"] for u in r.json()["result"]] == [second.update_id]

        poll = asyncio.create_task(
            client.post(
                f"{base}/getUpdates", data={"offset": str(second.update_id + 1), "timeout": "5"}
            )
        )
        await asyncio.sleep(0.1)
        assert not poll.done()
        edited = await fake_api.edit_text(first, "hej då 🌳")
        result = (await asyncio.wait_for(poll, 2)).json()["result"]
        assert result == [edited.to_dict()]
        assert result[0]["edited_message"]["text"] == "hej då 🌳"

        # while a webhook is set getUpdates is refused, like the real server
        assert (
            await client.post(f"{base}/setWebhook", data={"url": "http://127.0.0.1:9/x"})
        ).json()["ok"]
        r = await client.post(f"{base}/getUpdates")
        assert r.status_code == 409
        await client.post(f"{base}/deleteWebhook")


def test_parse_html_counts_utf16_offsets() -> None:
    text, entities = parse_html('🌍 <b>jord</b> <pre><code class="language-py">x</code></pre>')
    assert text == "🌍 jord x"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 4},
        {"type": "pre", "offset": 8, "length": 1, "language": "py"},
    ]
