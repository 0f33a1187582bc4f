"""`omtanke run` in polling mode: answers, and SIGTERM stops it cleanly with the log flushed."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from pathlib import Path

from tests.telegram.fake_api import DEFAULT_TOKEN, FakeTelegramServer, make_user

ROOT = Path(__file__).resolve().parents[2]


async def test_polling_process_answers_and_exits_0_on_sigterm(
    tmp_path: Path, fake_api: FakeTelegramServer
) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "DATABASE_", "WEBHOOK_"))
    }
    env.update(
        TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN,
        TELEGRAM_API_BASE_URL=fake_api.base_url,
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        WATCH_KNOWLEDGE="false",
        LOG_LEVEL="DEBUG",
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await fake_api.wait_for("getUpdates", timeout=60)
        user = make_user(6006, "Ida", "da")
        for question in ("skal jeg købe en airfryer?", "hvad bliver vejret i morgen", "temu"):
            await fake_api.send_text(question, user=user)
        for _ in range(3):
            assert (await fake_api.wait_for("sendMessage", timeout=20)).ok
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), timeout=30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, stderr.decode()
    log = stderr.decode()
    assert DEFAULT_TOKEN not in log and DEFAULT_TOKEN.split(":")[1] not in log
    rows = sqlite3.connect(tmp_path / "run.db").execute("select kind from questions").fetchall()
    assert sorted(r[0] for r in rows) == ["answer", "answer", "offtopic"]
    assert "generated" in log.lower() or (tmp_path / "run.db.key").exists()
