"""Fault injection on the real Application against the fake Bot API: slow chats, webhook stops,
forged and odd updates, feedback from several people, anonymous senders, long error lists."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram import Chat, Message, MessageEntity, Update

from bot.core.admin import reload_summary
from bot.core.logs import protect
from bot.core.services import close_services, open_services
from bot.core.watch import start_watching
from bot.telegram.app import build_application
from bot.telegram.lifecycle import running
from bot.telegram.webhook import serving
from db.migrate import upgrade
from knowledge.loader import DEFAULT_DIR, LoadReport, Problem
from tests.bot.conftest import DANE, Harness, make_settings
from tests.telegram.fake_api import (
    FakeTelegramServer,
    free_port,
    make_group,
    make_user,
    parse_html,
)

SLOW = make_user(8001, "Slow", "da")
QUICK = make_user(8002, "Quick", "en")


def hold_answers_to(api: FakeTelegramServer, chat_id: int) -> tuple[asyncio.Event, asyncio.Event]:
    """sendMessage to `chat_id` waits until `release` is set; `entered` is set when one waits."""
    entered, release = asyncio.Event(), asyncio.Event()
    builtin = api._send_message  # the fake's own sendMessage, after our hold

    async def send(params: dict[str, Any], files: Any) -> Any:
        if params.get("chat_id") == chat_id:
            entered.set()
            await release.wait()
        return await builtin("sendMessage", params, files)

    api.on("sendMessage", send)
    return entered, release


async def test_a_slow_chat_does_not_hold_another_and_keeps_its_own_order(bot: Harness) -> None:
    entered, release = hold_answers_to(bot.api, SLOW.id)
    for question in ("stanley cup", "temu", "shein"):
        await bot.api.send_text(question, user=SLOW)
    await asyncio.wait_for(entered.wait(), 10)  # the slow chat's first answer hangs now
    quick = await bot.ask("airfryer", user=QUICK)  # answered while the other chat hangs
    assert quick.chat_id == QUICK.id and "ir" in (quick.plain_text or "").lower()
    assert not bot.api.calls_of("sendMessage", lambda c: c.chat_id == SLOW.id)
    release.set()
    slow = [await bot.api.wait_for("sendMessage", timeout=10) for _ in range(3)]
    assert [c.chat_id for c in slow] == [SLOW.id] * 3
    texts = [c.plain_text or "" for c in slow]
    assert "Stanley" in texts[0] and "Temu" in texts[1] and "Shein" in texts[2]  # in order


async def test_webhook_answers_200_when_handled_400_for_junk_503_when_stopping(
    tmp_path: Path, fake_api: FakeTelegramServer
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    settings = make_settings(
        tmp_path,
        fake_api,
        webhook_url=url,
        webhook_listen="127.0.0.1",
        webhook_port=port,
        shutdown_seconds=2,
    )
    await upgrade(settings.database_url)
    app = build_application(settings, reminder_poll_seconds=0.2)
    entered, release = hold_answers_to(fake_api, SLOW.id)
    loop = asyncio.get_running_loop()
    async with serving(app, settings):
        await fake_api.send_text("temu", user=QUICK)
        assert fake_api.deliveries[-1].status_code == 200
        async with httpx.AsyncClient() as client:
            for body in (b"null", b"[1, 2]", b'"update"', b"{not json", b"7"):
                response = await client.post(url, content=body)
                assert response.status_code == 400, body
        held = asyncio.ensure_future(fake_api.send_text("stanley", user=SLOW))
        await asyncio.wait_for(entered.wait(), 10)
        started = loop.time()
    stopped = loop.time() - started
    release.set()
    await held
    # Stopping took the 2 s deadline (minus its reserve), not the hung call's whole life.
    assert stopped < 2 + 3
    assert fake_api.deliveries[-1].status_code == 503  # Telegram will deliver it again


async def test_forged_odd_and_empty_button_payloads(bot: Harness) -> None:
    card = await bot.ask("stanley cup", user=DANE)
    errors: list[logging.LogRecord] = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = errors.append  # type: ignore[method-assign]
    logging.getLogger().addHandler(handler)
    try:
        for data in ("rc:" + "9" * 40, "rc:1", "", "rm:", "fb:2:x", "adm:stats:99999999999999999"):
            await bot.api.click(card, data, user=DANE, check=False)
            answer = await bot.api.wait_for("answerCallbackQuery")
            if data == "rc:1":  # a real payload for a reminder that is not there
                edit = await bot.api.wait_for("editMessageText")
                assert "findes ikke længere" in (edit.plain_text or "")
            else:  # refused by every payload class: acknowledged, nothing said
                assert answer.params.get("text") is None, data
        await bot.api.expect_no_call("sendMessage", within=0.5)
    finally:
        logging.getLogger().removeHandler(handler)
    assert errors == []


async def test_feedback_from_two_people_on_one_group_answer_is_kept_apart(bot: Harness) -> None:
    group = make_group(-100_555)
    other = make_user(8101, "Other", "da")
    await bot.api.send_text("@omtanke_test_bot stanley cup", user=DANE, chat=group)
    card = await bot.api.wait_for("sendMessage", timeout=10)
    up = next(d for d in card.callback_data if d.startswith("fb:1:"))
    down = "fb:0:" + up.removeprefix("fb:1:")
    await bot.api.click(card, up, user=DANE)
    await bot.api.wait_for("answerCallbackQuery")
    await bot.api.click(card, down, user=other)
    await bot.api.wait_for("answerCallbackQuery")
    rows = await bot.rows("select helpful from feedback order by helpful")
    assert [bool(r[0]) for r in rows] == [False, True]


async def test_senders_without_from_are_told_apart_by_their_chat(bot: Harness) -> None:
    group = make_group(-100_777)
    for n, channel_id in enumerate((-100_901, -100_902), start=1):
        message = Message(
            message_id=n,
            date=dt.datetime.now(dt.UTC),
            chat=group,
            sender_chat=Chat(channel_id, Chat.CHANNEL, title="Kanal"),
            text="@omtanke_test_bot temu",
            entities=[MessageEntity(MessageEntity.MENTION, 0, 17)],
        )
        assert message.from_user is None
        # Stored in the fake like a message its own helpers make, so the bot can reply to it.
        bot.api._register_chat(group)
        bot.api._messages[(group.id, n)] = message.to_dict()
        await bot.api.send_update(Update(9_000 + n, message=message))
        answer = await bot.api.wait_for("sendMessage", timeout=10)
        assert answer.ok and "Temu" in (answer.plain_text or "")
    keys = await bot.rows("select distinct user_key from questions")
    assert len(keys) == 2 and all(k[0] != "anonymous" for k in keys)


def test_a_reload_summary_is_always_one_message() -> None:
    problems = [
        Problem(f"home/entry-{i}.yaml", i + 1, "x" * 5000 + " <b>&" + "y" * 5000)
        for i in range(200)
    ]
    text = reload_summary(LoadReport(None, problems), "da")
    plain, _ = parse_html(text)  # valid Telegram HTML
    assert len(plain) <= 4096
    assert "home/entry-0.yaml:1:" in plain and "… +190" in plain


async def test_debug_logs_of_a_webhook_start_hold_no_secret_and_no_payload(
    tmp_path: Path, fake_api: FakeTelegramServer, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    secret = "webhook_secret_for_the_fault_suite"
    settings = make_settings(
        tmp_path,
        fake_api,
        webhook_url=f"http://127.0.0.1:{port}/telegram",
        webhook_listen="127.0.0.1",
        webhook_port=port,
        webhook_secret_token=secret,
    )
    protect(settings.secrets)
    await upgrade(settings.database_url)
    app = build_application(settings)
    user = make_user(919_191_919, "Privat", "da")
    with caplog.at_level(logging.DEBUG):
        async with serving(app, settings):
            await fake_api.send_text("stanley cup til min søster", user=user)
            await fake_api.wait_for("sendMessage", timeout=10)
    text = caplog.text
    assert "setWebhook" in text  # DEBUG was on while the webhook was set
    for private in (secret, settings.token or "", "919191919", "Privat", "min søster"):
        assert private not in text, private


async def test_the_stop_is_bounded_when_a_handler_hangs(
    tmp_path: Path, fake_api: FakeTelegramServer
) -> None:
    settings = make_settings(tmp_path, fake_api, shutdown_seconds=2)
    await upgrade(settings.database_url)
    app = build_application(settings, reminder_poll_seconds=0.2)
    entered, release = hold_answers_to(fake_api, SLOW.id)
    loop = asyncio.get_running_loop()
    async with running(app, poll_timeout=1) as runner:
        await fake_api.send_text("stanley cup", user=SLOW)
        await fake_api.send_text("temu", user=SLOW)  # waits behind the first: skipped
        await asyncio.wait_for(entered.wait(), 10)
        started = loop.time()
    stopped = loop.time() - started
    release.set()
    assert stopped < 2 + 3
    assert runner.processor.skipped == 2  # the hung one (cancelled) and the one behind it
    assert [u.update_id for u in fake_api.pending_updates] == [1, 2]  # left for Telegram


async def test_the_watcher_survives_a_reload_that_raises_and_tells_the_admins(
    tmp_path: Path, fake_api: FakeTelegramServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb_dir = tmp_path / "entries"
    shutil.copytree(DEFAULT_DIR, kb_dir)
    settings = make_settings(tmp_path, fake_api, knowledge_dir=kb_dir)
    await upgrade(settings.database_url)
    services = await open_services(settings)
    reports: list[LoadReport] = []

    async def notify(report: LoadReport) -> None:
        reports.append(report)

    real_reload = services.holder.reload
    calls = 0

    async def reload() -> LoadReport:
        nonlocal calls
        calls += 1
        if calls == 1:  # what a loader bug on a hostile file would do
            raise RecursionError("maximum recursion depth exceeded")
        return await real_reload()

    monkeypatch.setattr(services.holder, "reload", reload)
    try:
        start_watching(services, notify)
        await asyncio.sleep(0.5)  # the watcher is set up
        stanley = kb_dir / "home" / "stanley-cup.yaml"
        original = stanley.read_text(encoding="utf-8")
        stanley.write_text(original + "\n", encoding="utf-8")
        for _ in range(100):
            if reports:
                break
            await asyncio.sleep(0.1)
        assert [str(p) for p in reports[0].errors] == [
            f"{kb_dir}:1: reload failed: RecursionError: maximum recursion depth exceeded"
        ]
        stanley.write_text(original.replace("en: Stanley cup", "en: Stanley mug"), encoding="utf-8")
        for _ in range(100):
            if services.holder.snapshot.kb.entries["stanley-cup"].entry.title.en == "Stanley mug":
                break
            await asyncio.sleep(0.1)
        assert services.holder.snapshot.kb.entries["stanley-cup"].entry.title.en == "Stanley mug"
    finally:
        await close_services(services)


async def test_sigterm_while_the_database_is_down_spools_in_time_and_loses_nothing(
    tmp_path: Path, fake_api: FakeTelegramServer
) -> None:
    settings = make_settings(tmp_path, fake_api, shutdown_seconds=3)
    await upgrade(settings.database_url)
    db_file, away = tmp_path / "bot.db", tmp_path / "away.db"
    loop = asyncio.get_running_loop()
    app = build_application(settings, reminder_poll_seconds=0.2)
    async with running(app, poll_timeout=1) as runner:
        bot = Harness(fake_api, app, settings)
        await bot.ask("stanley cup", user=QUICK)
        await bot.flush()
        await bot.services.engine.dispose()
        db_file.rename(away)
        db_file.mkdir()  # the database is gone: every write fails
        for question in ("temu", "shein", "airfryer"):
            assert (await bot.ask(question, user=QUICK)).ok
        started = loop.time()
        await runner.stop()  # what SIGTERM does
        stopped = loop.time() - started
    assert stopped < 3 + 2
    db_file.rmdir()
    away.rename(db_file)
    app = build_application(settings, reminder_poll_seconds=0.2)
    async with running(app, poll_timeout=1):  # the spool is replayed at start
        bot = Harness(fake_api, app, settings)
        rows = await bot.rows("select entry_id from questions order by created_at")
    assert [r[0] for r in rows] == ["stanley-cup", "temu", "shein", "air-fryer"]
