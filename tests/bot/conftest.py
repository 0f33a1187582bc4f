"""End-to-end fixtures: the real PTB Application against the fake Bot API on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.core.services import Services
from bot.core.settings import Settings, load_settings
from bot.telegram.app import build_application
from bot.telegram.lifecycle import running
from db.migrate import upgrade
from tests.telegram.fake_api import DEFAULT_TOKEN, FakeTelegramServer, make_user

ADMIN_ID = 4242
DANE = make_user(2001, "Freja", "da")
BRIT = make_user(2002, "Oliver", "en")
ADMIN = make_user(ADMIN_ID, "Admin", "da")


@dataclass
class Harness:
    """A running bot wired to the fake server and a real database."""

    api: FakeTelegramServer
    app: Any
    settings: Settings

    @property
    def services(self) -> Services:
        services = self.app.bot_data.services
        assert services is not None
        return services

    async def flush(self) -> None:
        assert await self.services.writer.flush(timeout=10)

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        await self.flush()
        async with self.services.sessionmaker() as session:
            return list((await session.execute(text(sql), params)).all())

    async def ask(self, question: str, user: Any = BRIT, **kw: Any) -> Any:
        """Send a question and return the bot's (last) answer message call."""
        await self.api.send_text(question, user=user, **kw)
        return await self.api.wait_for("sendMessage", timeout=10)


def make_settings(tmp_path: Path, api: FakeTelegramServer, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": DEFAULT_TOKEN,
        "telegram_api_base_url": api.base_url,
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        "spool_path": tmp_path / "spool.jsonl",
        "knowledge_cache_dir": tmp_path / "cache",
        "omtanke_secret": "test-secret-not-for-production",
        "admin_ids": str(ADMIN_ID),
        "watch_knowledge": False,
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture
async def bot(tmp_path: Path, fake_api: FakeTelegramServer) -> AsyncIterator[Harness]:
    settings = make_settings(tmp_path, fake_api)
    await upgrade(settings.database_url)
    app = build_application(settings, reminder_poll_seconds=0.2)
    async with running(app, poll_timeout=1):
        yield Harness(fake_api, app, settings)
