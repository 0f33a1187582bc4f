"""Reminders across a restart, webhook mode, admins, hot reload and a database that is down."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from sqlalchemy import text
from telegram.ext import AIORateLimiter

from bot.core.services import Services
from bot.telegram.app import build_application
from bot.telegram.lifecycle import running
from bot.telegram.webhook import serving
from db.migrate import upgrade
from knowledge.loader import DEFAULT_DIR
from tests.bot.conftest import ADMIN, BRIT, DANE, Harness, make_settings
from tests.telegram.fake_api import FakeTelegramServer, free_port, make_user


async def test_reminder_is_set_cancellable_and_delivered_after_restart(
    tmp_path: Path, fake_api: FakeTelegramServer
) -> None:
    settings = make_settings(tmp_path, fake_api)
    await upgrade(settings.database_url)
    app = build_application(settings, reminder_poll_seconds=0.2)
    async with running(app, poll_timeout=1):
        bot = Harness(fake_api, app, settings)
        card = await bot.ask("stanley cup", user=DANE)
        await fake_api.click(card, "rm:stanley-cup", user=DANE)
        confirm = await fake_api.wait_for("sendMessage")
        assert "om 30 dage" in (confirm.plain_text or "")
        await fake_api.click(card, "rm:stanley-cup", user=DANE)  # a second click: no duplicate
        assert "allerede" in ((await fake_api.wait_for("sendMessage")).plain_text or "")
        card2 = await bot.ask("temu", user=DANE)
        await fake_api.click(card2, "rm:temu", user=DANE)
        temu_confirm = await fake_api.wait_for("sendMessage")
        cancel = temu_confirm.callback_data[0]
        await fake_api.click(temu_confirm, cancel, user=DANE)
        assert "annulleret" in ((await fake_api.wait_for("editMessageText")).plain_text or "")
        rows = await bot.rows("select entry_id, state, chat_id from reminders order by id")
        assert rows == [("stanley-cup", "pending", DANE.id), ("temu", "cancelled", None)]
        # Time passes while the bot is down: make the reminder due.
        async with bot.services.sessionmaker() as session:
            await session.execute(
                text("update reminders set due_at = :due where state = 'pending'"),
                {"due": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)},
            )
            await session.commit()
    fake_api.clear()
    app2 = build_application(settings, reminder_poll_seconds=0.2)
    async with running(app2, poll_timeout=1):
        bot2 = Harness(fake_api, app2, settings)
        due = await fake_api.wait_for("sendMessage", lambda c: c.chat_id == DANE.id, timeout=10)
        assert "Stanley-kop" in (due.plain_text or "") and "stadig" in (due.plain_text or "")
        await fake_api.click(due, due.callback_data[1], user=DANE)
        assert "sparede" in ((await fake_api.wait_for("sendMessage")).plain_text or "")
        # The job marks the reminder sent right after sending it; under load that can land
        # after the click's answer, so wait for it (bounded).
        for _ in range(50):
            rows = await bot2.rows(
                "select state, chat_id from reminders where entry_id = 'stanley-cup'"
            )
            if rows == [("sent", None)]:
                break
            await asyncio.sleep(0.1)
        assert rows == [("sent", None)]
        await asyncio.sleep(0.5)
        assert len(fake_api.calls_of("sendMessage", lambda c: "stadig" in (c.text or ""))) == 1


async def test_webhook_mode_and_health(tmp_path: Path, fake_api: FakeTelegramServer) -> None:
    port = free_port()
    settings = make_settings(
        tmp_path,
        fake_api,
        webhook_url=f"http://127.0.0.1:{port}/telegram",
        webhook_listen="127.0.0.1",
        webhook_port=port,
        webhook_secret_token="s3cret_token",
    )
    await upgrade(settings.database_url)
    app = build_application(settings, reminder_poll_seconds=0.2)
    async with serving(app, settings) as bound:
        assert bound == port
        hook = await fake_api.wait_for("setWebhook")
        assert hook.params["secret_token"] == "s3cret_token"
        await fake_api.send_text("is shein ok?", user=BRIT)
        reply = await fake_api.wait_for("sendMessage", timeout=10)
        assert "Shein" in (reply.plain_text or "")
        assert fake_api.deliveries[-1].status_code == 200
        async with httpx.AsyncClient() as client:
            health = await client.get(f"http://127.0.0.1:{port}/healthz")
            assert health.status_code == 200 and health.json()["status"] == "ok"
            assert health.json()["entries"] > 100
            forged = await client.post(f"http://127.0.0.1:{port}/telegram", json={"update_id": 1})
            assert forged.status_code == 403
    assert not fake_api.calls_of("getUpdates")


async def test_admin_stats_gaps_reload_and_refusals(bot: Harness) -> None:
    await bot.ask("stanley", user=DANE)
    await bot.ask("skal jeg købe en metaldetektor", user=DANE)
    await bot.ask("skal jeg kobe en metaldetektor?", user=BRIT)
    await bot.api.send_text("/stats", user=BRIT)
    refusal = await bot.api.wait_for("sendMessage")
    assert "admins only" in (refusal.plain_text or "")
    await bot.api.send_text("/stats 7", user=ADMIN)
    photo = await bot.api.wait_for("sendPhoto", timeout=20)
    assert photo.ok
    png = next(iter(photo.files.values())).data
    assert png.startswith(b"\x89PNG") and len(png) > 5000
    caption = photo.plain_text or ""
    assert "Spørgsmål: 3" in caption and "brugere: 2" in caption
    assert "Stanley-kop" in caption
    # A non-admin forging the admin button gets nothing but a refusal.
    await bot.api.click(photo, "adm:stats:30", user=BRIT, check=False)
    forged = await bot.api.wait_for("answerCallbackQuery")
    assert forged.params.get("show_alert") and "admin" in forged.params.get("text", "")
    await bot.api.expect_no_call("sendPhoto", within=0.5)
    await bot.api.click(photo, "adm:stats:30", user=ADMIN)
    assert (await bot.api.wait_for("sendPhoto", timeout=20)).ok
    await bot.api.send_text("/gaps", user=ADMIN)
    gaps = await bot.api.wait_for("sendMessage")
    assert "2× skal jeg" in (gaps.plain_text or "") and "metaldetektor" in (gaps.plain_text or "")
    for command in ("/gaps", "/reload"):
        await bot.api.send_text(command, user=BRIT)
        assert "admins only" in ((await bot.api.wait_for("sendMessage")).plain_text or "")
    await bot.api.send_text("/reload", user=ADMIN)
    reloaded = await bot.api.wait_for("sendMessage")
    assert "genindlæst" in (reloaded.plain_text or "")


async def test_hot_reload_swaps_and_survives_a_broken_edit(
    tmp_path: Path, fake_api: FakeTelegramServer
) -> None:
    kb_dir = tmp_path / "entries"
    shutil.copytree(DEFAULT_DIR, kb_dir)
    settings = make_settings(tmp_path, fake_api, knowledge_dir=kb_dir, watch_knowledge=True)
    await upgrade(settings.database_url)
    app = build_application(settings, reminder_poll_seconds=0.2)
    async with running(app, poll_timeout=1):
        bot = Harness(fake_api, app, settings)
        services: Services = bot.services
        before = services.holder.snapshot
        await asyncio.sleep(0.5)  # let the watcher start
        stanley = kb_dir / "home" / "stanley-cup.yaml"
        stanley.write_text(
            stanley.read_text(encoding="utf-8").replace(
                "en: Stanley cup", "en: Stanley tumbler cup"
            ),
            encoding="utf-8",
        )
        for _ in range(50):
            if services.holder.snapshot is not before:
                break
            await asyncio.sleep(0.1)
        assert (
            services.holder.snapshot.kb.entries["stanley-cup"].entry.title.en
            == "Stanley tumbler cup"
        )
        good = services.holder.snapshot
        (kb_dir / "home" / "broken.yaml").write_text("title: [oops\n", encoding="utf-8")
        alert = await fake_api.wait_for("sendMessage", lambda c: c.chat_id == ADMIN.id, timeout=10)
        assert "broken.yaml:" in (alert.plain_text or "") and "gamle version" in (
            alert.plain_text or ""
        )
        assert services.holder.snapshot is good
        card = await bot.ask("stanley", user=BRIT)
        assert "Stanley tumbler cup" in (card.plain_text or "")


@asynccontextmanager
async def database_down(bot: Harness, db_file: Path) -> AsyncIterator[None]:
    """The SQLite database disappears (moved away, a directory in its place), then comes back."""
    await bot.services.engine.dispose()
    moved = db_file.with_name("away.db")
    db_file.rename(moved)
    db_file.mkdir()
    try:
        yield
    finally:
        db_file.rmdir()
        moved.rename(db_file)
        await bot.services.engine.dispose()


async def test_answers_keep_flowing_while_the_database_is_down(
    tmp_path: Path, fake_api: FakeTelegramServer
) -> None:
    settings = make_settings(tmp_path, fake_api)
    await upgrade(settings.database_url)
    app = build_application(settings, reminder_poll_seconds=0.2)
    async with running(app, poll_timeout=1):
        bot = Harness(fake_api, app, settings)
        await bot.ask("stanley", user=BRIT)
        await bot.flush()
        async with database_down(bot, tmp_path / "bot.db"):
            for question in ("temu", "shein", "owala"):
                reply = await bot.ask(question, user=make_user(5005, "Nora", "en"))
                assert reply.ok
        assert await bot.services.writer.flush(timeout=20)
        rows = await bot.rows("select entry_id from questions order by created_at")
    assert [r[0] for r in rows] == ["stanley-cup", "temu", "shein", "owala-water-bottles"]


async def test_forget_while_the_database_is_down_completes_later(
    tmp_path: Path, fake_api: FakeTelegramServer
) -> None:
    settings = make_settings(tmp_path, fake_api)
    await upgrade(settings.database_url)
    app = build_application(settings, reminder_poll_seconds=0.2)
    async with running(app, poll_timeout=1):
        bot = Harness(fake_api, app, settings)
        await bot.ask("stanley", user=DANE)
        await bot.flush()
        async with database_down(bot, tmp_path / "bot.db"):
            await bot.ask("temu", user=DANE)  # still queued when the user asks to be forgotten
            await fake_api.send_text("/forget", user=DANE)
            confirm = await fake_api.wait_for("sendMessage")
            await fake_api.click(confirm, "fg:yes", user=DANE)
            queued = await fake_api.wait_for("editMessageText", timeout=15)
            assert "står i kø" in (queued.plain_text or "")
        assert await bot.services.writer.flush(timeout=20)
        for table in ("questions", "users"):
            assert (await bot.rows(f"select count(*) from {table}"))[0][0] == 0


async def test_daily_retention_job_purges_old_questions(bot: Harness) -> None:
    await bot.ask("stanley", user=BRIT)
    await bot.ask("temu", user=BRIT)
    await bot.flush()
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=bot.settings.retention_days + 1)
    async with bot.services.sessionmaker() as session:
        await session.execute(
            text("update questions set created_at = :old where entry_id = 'temu'"), {"old": old}
        )
        await session.commit()
    [job] = [j for j in bot.app.job_queue.jobs() if j.name == "retention"]
    await job.run(bot.app)
    assert await bot.rows("select entry_id from questions") == [("stanley-cup",)]


def test_rate_limiter_follows_the_setting(tmp_path: Path, fake_api: FakeTelegramServer) -> None:
    limited = build_application(make_settings(tmp_path, fake_api))
    assert isinstance(limited.bot.rate_limiter, AIORateLimiter)
    free = build_application(make_settings(tmp_path, fake_api, telegram_rate_limit=False))
    assert free.bot.rate_limiter is None
