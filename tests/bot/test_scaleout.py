"""Two bot processes in webhook mode behind one address, sharing one PostgreSQL database."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import tornado.httpserver
import tornado.netutil
import tornado.web
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from db.engine import make_engine
from tests.db.fixtures import PG_URL, require_pg
from tests.telegram.fake_api import DEFAULT_TOKEN, FakeTelegramServer, free_port, make_user

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.postgres


class RoundRobin(tornado.web.RequestHandler):
    """The load balancer: each webhook POST goes to the next replica."""

    def initialize(
        self, targets: list[str], counter: itertools.count[int], client: httpx.AsyncClient
    ) -> None:  # type: ignore[override]
        self.targets, self.counter, self.client = targets, counter, client

    async def post(self, path: str) -> None:
        target = self.targets[next(self.counter) % len(self.targets)]
        resp = await self.client.post(
            f"{target}/{path}",
            content=self.request.body,
            headers={
                k: v
                for k, v in self.request.headers.items()
                if k.lower().startswith(("content-type", "x-telegram"))
            },
        )
        self.set_status(resp.status_code)


@pytest.fixture
async def pg_database(pg_problem: str | None) -> AsyncIterator[str]:
    """A fresh PostgreSQL database for separate processes (they cannot share a test schema)."""
    require_pg(pg_problem)
    name = f"omtanke_scale_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_URL, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def _wait_healthy(port: int, proc: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            if proc.poll() is not None:
                raise AssertionError(
                    f"replica exited: {proc.stderr.read().decode() if proc.stderr else ''}"
                )
            try:
                if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("replica did not become healthy")


async def test_two_webhook_replicas_share_postgres(
    tmp_path: Path,
    fake_api: FakeTelegramServer,
    pg_database: str,
) -> None:
    lb_port = free_port()
    ports = [free_port(), free_port()]
    env_base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_"))
    }
    env_base.update(
        TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN,
        TELEGRAM_API_BASE_URL=fake_api.base_url,
        DATABASE_URL=pg_database,
        OMTANKE_SECRET="scale-out-test-secret-0123456789",
        WEBHOOK_URL=f"http://127.0.0.1:{lb_port}/telegram",
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_SECRET_TOKEN="lb_secret",
        REMINDER_POLL_SECONDS="0.3",
        WATCH_KNOWLEDGE="false",
    )
    upgrade = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        env=env_base,
        cwd=ROOT,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert upgrade.returncode == 0, upgrade.stderr
    client = httpx.AsyncClient()
    lb = tornado.httpserver.HTTPServer(
        tornado.web.Application(
            [
                (
                    r"/(.*)",
                    RoundRobin,
                    {
                        "targets": [f"http://127.0.0.1:{p}" for p in ports],
                        "counter": itertools.count(),
                        "client": client,
                    },
                ),
            ]
        )
    )
    lb.add_sockets(tornado.netutil.bind_sockets(lb_port, "127.0.0.1"))
    procs = []
    try:
        for i, port in enumerate(ports):
            env = dict(
                env_base, WEBHOOK_PORT=str(port), SPOOL_PATH=str(tmp_path / f"spool{i}.jsonl")
            )
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "bot", "run"],
                    env=env,
                    cwd=tmp_path,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                )
            )
        for port, proc in zip(ports, procs, strict=True):
            await _wait_healthy(port, proc)
        # Reminders that fell due while nobody was running: both replicas race for them.
        engine = make_engine(pg_database, poolclass=NullPool)
        now = dt.datetime.now(dt.UTC)
        async with engine.begin() as conn:
            for i in range(30):
                await conn.execute(
                    text(
                        "insert into reminders (user_key, chat_id, entry_id, language, due_at, state, created_at) "
                        "values (:k, :chat, 'temu', 'en', :due, 'pending', :created)"
                    ),
                    {
                        "k": f"user{i}",
                        "chat": 7000 + i,
                        "due": now - dt.timedelta(minutes=1),
                        "created": now - dt.timedelta(days=30),
                    },
                )
        # Forty questions from ten people, through the one public address.
        users = [make_user(8000 + i, f"P{i}", "en") for i in range(10)]
        questions = ["is temu ok", "stanley cup", "shein?", "airfryer"]
        for i in range(40):
            await fake_api.send_text(questions[i % 4], user=users[i % 10])
        assert {d.status_code for d in fake_api.deliveries} == {200}
        for _ in range(200):
            answers = fake_api.calls_of("sendMessage", lambda c: c.chat_id in {u.id for u in users})
            reminders = fake_api.calls_of(
                "sendMessage", lambda c: 7000 <= int(c.chat_id or 0) < 7100
            )
            if len(answers) >= 40 and len(reminders) >= 30:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # would-be duplicates get time to show up
        answers = fake_api.calls_of("sendMessage", lambda c: c.chat_id in {u.id for u in users})
        reminders = fake_api.calls_of("sendMessage", lambda c: 7000 <= int(c.chat_id or 0) < 7100)
        assert len(answers) == 40, "each update answered exactly once"
        assert sorted(int(c.chat_id or 0) for c in reminders) == list(range(7000, 7030)), (
            "each reminder sent once"
        )
        for proc in procs:
            proc.terminate()
        for proc in procs:
            assert proc.wait(timeout=30) == 0
        async with engine.connect() as conn:
            logged = (await conn.execute(text("select count(*) from questions"))).scalar()
            sent = (
                await conn.execute(
                    text("select count(*) from reminders where state = 'sent' and chat_id is null")
                )
            ).scalar()
        await engine.dispose()
        assert (logged, sent) == (40, 30)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        lb.stop()
        await client.aclose()
